"""The sentence index: BM25Okapi over analyzed sentence terms.

Scoring follows ``rank_bm25.BM25Okapi`` (Robertson & Zaragoza 2009, "The Probabilistic
Relevance Framework: BM25 and Beyond"; rank-bm25 0.2.2 with its epsilon floor for
negative IDF), which is the reference engine here and the one used for small corpora.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Iterable, Sequence

from .analyze import analyze
from .base import BaseIndex, ScoredPosition
from .errors import EmptyCorpusError, SettingsError
from .settings import Settings
from .types import Sentence

if TYPE_CHECKING:
    from .sparse import SparseSentenceIndex

__all__ = [
    "BaseIndex",
    "ScoredPosition",
    "SentenceIndex",
    "build_index",
    "choose_engine",
    "open_xapian",
    "positive_idf",
    "select_engine",
]


class SentenceIndex(BaseIndex):
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
        """See :meth:`BaseIndex.score_terms`; scored by ``BM25Okapi.get_batch_scores``
        over the matching sentences only."""
        positions = self.matching(terms)
        if not positions:
            return []
        scores = self._bm25.get_batch_scores(list(terms), positions)
        order = sorted(range(len(positions)), key=lambda i: (-scores[i], positions[i]))
        if k is not None:
            order = order[:k]
        return [ScoredPosition(positions[i], float(scores[i])) for i in order]


def positive_idf(index: BaseIndex, term: str) -> float:
    """A strictly positive IDF, ``log(1 + (N - n + 0.5) / (n + 0.5))`` (Lucene's BM25).

    Used where a weight must never be zero or negative (term coverage, abstention),
    including for unseen terms (n = 0) and in 1- and 2-sentence corpora.
    """
    n = index.document_frequency(term)
    return math.log(1 + (index.size - n + 0.5) / (n + 0.5))


def choose_engine(size: int, settings: Settings) -> str:
    """The engine for a corpus of ``size`` sentences: ``"rank_bm25"`` or ``"sparse"``.

    ``settings.engine`` decides when it is not ``"auto"``; with ``"auto"`` the sparse
    engine is used from ``settings.sparse_threshold`` sentences on (rank-bm25, the
    reference, below it).
    """
    if settings.engine != "auto":
        return settings.engine
    return "sparse" if size >= settings.sparse_threshold else "rank_bm25"


def build_index(sentences: Iterable[Sentence], settings: Settings | None = None) -> BaseIndex:
    """Analyze and index ``sentences`` with the engine :func:`choose_engine` picks.

    Parameters
    ----------
    sentences : iterable of Sentence
        In corpus order; a sequence (``len`` known) lets ``"auto"`` choose before
        building; any other iterable is built sparse first (streaming, no Python object
        kept per sentence) and handed to rank-bm25 if the count turns out small.
    settings : Settings, optional

    Returns
    -------
    SentenceIndex or SparseSentenceIndex

    Raises
    ------
    EmptyCorpusError
        No sentence has a searchable term.
    SettingsError
        ``settings.engine`` is ``"xapian"``: that engine serves shards written by
        ``python -m retrieval.build --engine xapian`` (:func:`open_xapian`), not built here.
    """
    settings = settings or Settings()
    if settings.engine == "xapian":
        raise SettingsError(
            "the xapian engine serves shards built by 'python -m retrieval.build CORPUS --engine xapian', "
            "not an index built in memory"
        )
    if isinstance(sentences, Sequence) and choose_engine(len(sentences), settings) == "rank_bm25":
        return SentenceIndex.build(sentences, settings)
    from .sparse import SparseSentenceIndex

    return select_engine(SparseSentenceIndex.build(sentences, settings), settings)


def select_engine(index: "SparseSentenceIndex", settings: Settings) -> BaseIndex:
    """``index`` itself, or a rank-bm25 :class:`SentenceIndex` over the same sentences
    when :func:`choose_engine` picks rank-bm25 for its size.

    The rank-bm25 index gets each sentence's terms from ``index.sentence_terms``
    (each distinct term repeated by its frequency), which gives the same BM25 scores
    as the terms in text order.
    """
    if choose_engine(index.size, settings) == "sparse":
        return index
    positions = range(index.size)
    return SentenceIndex(
        [index.sentence(i) for i in positions],
        [index.sentence_terms(i) for i in positions],
        settings,
    )


def open_xapian(settings: Settings) -> BaseIndex:
    """The xapian engine over the shards ``settings.xapian`` / ``settings.xapian_remote``
    name (:func:`retrieval.xapian_index.open_index`; imported only here, when selected:
    it needs the optional ``xapian`` extra)."""
    from .xapian_index import open_index

    return open_index(settings)
