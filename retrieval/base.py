"""What the two index engines share: the scored-position type and the query methods
that depend only on the per-engine primitives.

Both :class:`~retrieval.index.SentenceIndex` (rank-bm25, the reference) and
:class:`~retrieval.sparse.SparseSentenceIndex` (precomputed sparse contributions)
derive from :class:`BaseIndex` and implement ``size``, ``average_length``,
``sentence``, ``sentence_terms``, ``sentences``, ``document_frequency``, ``idf``,
``matching``, ``score_terms`` and ``previous``; ``search``, ``contributions`` and
``__len__`` are written once here.

Scoring is BM25Okapi as ``rank_bm25.BM25Okapi`` 0.2.2 computes it (Robertson &
Zaragoza 2009, "The Probabilistic Relevance Framework: BM25 and Beyond"; Trotman et
al. 2014 for the epsilon floor on negative IDF).
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Sequence as SequenceABC
from typing import Iterator, Sequence

from .analyze import analyze
from .settings import Settings
from .types import Hit, Sentence, TermContribution


@dataclass(frozen=True)
class ScoredPosition:
    """A sentence position (index into the index's ``sentences``) with its BM25 score."""

    position: int
    score: float


class BaseIndex:
    """Shared part of the index engines (see the module docstring).

    Attributes
    ----------
    settings : Settings
        BM25 parameters (k1, b, epsilon) and ``top_k``.
    engine_name : str
        ``"rank_bm25"`` or ``"sparse"``.
    """

    engine_name = "base"
    settings: Settings

    # ----------------------------------------------------- engine primitives
    @property
    def size(self) -> int:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def average_length(self) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def sentence(self, position: int) -> Sentence:  # pragma: no cover - abstract
        raise NotImplementedError

    def sentence_terms(self, position: int) -> list[str]:  # pragma: no cover - abstract
        raise NotImplementedError

    def idf(self, term: str) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    #: True when :meth:`sentence_terms` gives the terms in text order (``analyze(text)``
    #: exactly), so the answer layer need not analyze a sentence again for proximity.
    terms_in_text_order = False

    def paragraph_span(self, position: int) -> tuple[int, int] | None:
        """``(first, last)`` positions of the paragraph holding ``position`` when the
        engine stores them, else None (the answer layer then walks the citations)."""
        return None

    def terms_before(self, position: int) -> Sequence[str] | None:
        """The terms of the sentence just before ``position`` in its article (empty when
        there is none) when the engine stores them, else None (the answer layer then
        reads that sentence)."""
        return None

    def locate(self, position: int) -> tuple[str, int, int]:
        """``(doc_id, paragraph, sentence number)`` of the sentence at ``position``:
        its citation's place without its text (engines may answer without reading it)."""
        c = self.sentence(position).citation
        return c.doc_id, c.paragraph, c.sentence

    def score_terms(self, terms: Sequence[str], k: int | None = None) -> list[ScoredPosition]:  # pragma: no cover
        """BM25Okapi scores of the sentences matching ``terms``.

        Parameters
        ----------
        terms : sequence of str
            Analyzed query terms (repeats count, as in rank-bm25).
        k : int, optional
            Keep only the ``k`` best; all matching sentences when None.

        Returns
        -------
        list of ScoredPosition
            Score descending, ties broken by corpus order. Only sentences that contain
            a query term are returned (never zero-padding), even where BM25Okapi gives
            them a zero or negative score (1- and 2-sentence corpora).
        """
        raise NotImplementedError

    # ----------------------------------------------------- shared
    def __len__(self) -> int:
        return self.size

    def search(self, question: str, k: int | None = None) -> list[Hit]:
        """Top-``k`` sentences for ``question`` by BM25Okapi.

        Parameters
        ----------
        question : str
            Free text; analyzed with :func:`retrieval.analyze.analyze`.
        k : int, optional
            Defaults to ``settings.top_k``.

        Returns
        -------
        list of Hit
            Best first (rank 1), ties by corpus order; empty when no sentence shares
            a term with the question.
        """
        k = self.settings.top_k if k is None else k
        scored = self.score_terms(analyze(question), k)
        return [
            Hit(sentence=self.sentence(s.position), score=s.score, rank=rank)
            for rank, s in enumerate(scored, start=1)
        ]

    def contributions(self, terms: Sequence[str], position: int) -> list[TermContribution]:
        """Each distinct query term's BM25Okapi contribution to one sentence's score.

        Parameters
        ----------
        terms : sequence of str
            Analyzed query terms.
        position : int
            0-based sentence position.

        Returns
        -------
        list of TermContribution
            In query order; terms absent from the sentence are left out. The scores
            sum to the sentence's BM25 score (a repeated query term counts once per
            repeat, as in rank-bm25).
        """
        sentence_terms = self.sentence_terms(position)
        length = len(sentence_terms)
        k1, b = self.settings.k1, self.settings.b
        counts = {t: sentence_terms.count(t) for t in set(terms)}
        repeats = {t: list(terms).count(t) for t in set(terms)}
        out = []
        for term in dict.fromkeys(terms):
            tf = counts[term]
            if not tf:
                continue
            norm = tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / self.average_length))
            out.append(TermContribution(term, repeats[term] * self.idf(term) * norm))
        return out


class SentenceView(SequenceABC):
    """A read-only sequence of an index's sentences, each built when accessed (an
    engine's ``sentences`` when it does not keep Sentence objects: sparse, xapian)."""

    def __init__(self, index):
        self._index = index

    def __len__(self) -> int:
        return self._index.size

    def __getitem__(self, item):
        if isinstance(item, slice):
            return [self._index.sentence(i) for i in range(*item.indices(len(self)))]
        return self._index.sentence(item)

    def __iter__(self) -> Iterator[Sentence]:
        for position in range(self._index.size):
            yield self._index.sentence(position)
