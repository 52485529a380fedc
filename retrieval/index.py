"""The sentence index: BM25Okapi over analyzed sentence terms.

Scoring follows ``rank_bm25.BM25Okapi`` (Robertson & Zaragoza 2009, "The Probabilistic
Relevance Framework: BM25 and Beyond"; rank-bm25 0.2.2 with its epsilon floor for
negative IDF), which is the reference engine here and the one used for small corpora.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from .analyze import analyze
from .errors import EmptyCorpusError
from .settings import Settings
from .types import Hit, Sentence, TermContribution


@dataclass(frozen=True)
class ScoredPosition:
    """A sentence position (index into ``SentenceIndex.sentences``) with its BM25 score."""

    position: int
    score: float


class SentenceIndex:
    """BM25Okapi index over citable sentences.

    Build with :meth:`build`; query with :meth:`search` (hits) or :meth:`score_terms`
    (raw positions and scores, for rerankers).

    Attributes
    ----------
    sentences : list of Sentence
        The indexed sentences, in corpus order (sentences with no terms are left out).
    terms : list of list of str
        Each sentence's analyzed terms, aligned with ``sentences``.
    settings : Settings
        BM25 parameters (k1, b, epsilon).
    """

    engine_name = "rank_bm25"

    def __init__(self, sentences: list[Sentence], terms: list[list[str]], settings: Settings):
        from rank_bm25 import BM25Okapi

        if not sentences:
            raise EmptyCorpusError("the corpus has no sentence with any searchable word")
        self.sentences = sentences
        self.terms = terms
        self.settings = settings
        self._bm25 = BM25Okapi(terms, k1=settings.k1, b=settings.b, epsilon=settings.epsilon)
        postings: dict[str, list[int]] = {}
        for position, sentence_terms in enumerate(terms):
            for term in dict.fromkeys(sentence_terms):
                postings.setdefault(term, []).append(position)
        self._postings = postings
        self._by_citation = {
            (s.citation.doc_id, s.citation.sentence): i for i, s in enumerate(sentences)
        }

    @classmethod
    def build(cls, sentences: Sequence[Sentence], settings: Settings | None = None) -> "SentenceIndex":
        """Analyze and index ``sentences``.

        Sentences with no terms after analysis (``—``, ``…``, an emoji, only
        stopwords) are skipped.

        Raises
        ------
        EmptyCorpusError
            Nothing is left to index.
        """
        settings = settings or Settings()
        kept, terms = [], []
        for sentence in sentences:
            sentence_terms = analyze(sentence.text)
            if sentence_terms:
                kept.append(sentence)
                terms.append(sentence_terms)
        return cls(kept, terms, settings)

    # ----------------------------------------------------------------- statistics
    @property
    def size(self) -> int:
        """Number of indexed sentences (N)."""
        return len(self.sentences)

    @property
    def average_length(self) -> float:
        """Mean sentence length in terms (avgdl)."""
        return self._bm25.avgdl

    def __len__(self) -> int:
        return len(self.sentences)

    def sentence(self, position: int) -> Sentence:
        """The sentence at ``position`` (0-based corpus order)."""
        return self.sentences[position]

    def sentence_terms(self, position: int) -> list[str]:
        """The analyzed terms of the sentence at ``position``, in text order."""
        return self.terms[position]

    def document_frequency(self, term: str) -> int:
        """Number of sentences containing ``term`` (0 when unseen)."""
        return len(self._postings.get(term, ()))

    def idf(self, term: str) -> float:
        """BM25Okapi IDF of ``term`` as rank-bm25 computes it (0 when unseen)."""
        return self._bm25.idf.get(term, 0.0)

    def matching(self, terms: Sequence[str]) -> list[int]:
        """Positions of sentences that contain at least one of ``terms``, ascending."""
        found: set[int] = set()
        for term in dict.fromkeys(terms):
            found.update(self._postings.get(term, ()))
        return sorted(found)

    def previous(self, sentence: Sentence) -> Sentence | None:
        """The indexed sentence just before ``sentence`` in the same article, if any."""
        position = self._by_citation.get(
            (sentence.citation.doc_id, sentence.citation.sentence - 1)
        )
        return None if position is None else self.sentence(position)

    # ----------------------------------------------------------------- scoring
    def score_terms(self, terms: Sequence[str], k: int | None = None) -> list[ScoredPosition]:
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
        positions = self.matching(terms)
        if not positions:
            return []
        scores = self._bm25.get_batch_scores(list(terms), positions)
        order = sorted(range(len(positions)), key=lambda i: (-scores[i], positions[i]))
        if k is not None:
            order = order[:k]
        return [ScoredPosition(positions[i], float(scores[i])) for i in order]

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


def positive_idf(index: SentenceIndex, term: str) -> float:
    """A strictly positive IDF, ``log(1 + (N - n + 0.5) / (n + 0.5))`` (Lucene's BM25).

    Used where a weight must never be zero or negative (term coverage, abstention),
    including for unseen terms (n = 0) and in 1- and 2-sentence corpora.
    """
    n = index.document_frequency(term)
    return math.log(1 + (index.size - n + 0.5) / (n + 0.5))
