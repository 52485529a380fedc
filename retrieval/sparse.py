"""The sparse index engine: BM25Okapi contributions precomputed per (sentence, term).

Eager sparse scoring (as in bm25s; Lù 2024, "BM25S: Orders of magnitude faster
lexical search via eager sparse scoring", arXiv:2407.03618): at build time every
non-zero entry of the sentence x term matrix is set to the BM25Okapi contribution
``idf(t) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))`` exactly as
``rank_bm25.BM25Okapi`` 0.2.2 computes it (same IDF with its epsilon floor for negative
IDF, same floating-point operations in the same order). A query adds the columns of its
terms, in query order, into a per-thread accumulator, so a score is bit-for-bit the
float rank-bm25 computes and the cost is proportional to the postings of the query
terms, not to the number of sentences N.

Memory: no Python object per sentence. Sentence text is one UTF-8 byte array with
offsets; citations are int32 columns plus small tables of documents and section
headings; :class:`~retrieval.types.Sentence` objects are built on demand by
:meth:`SparseSentenceIndex.sentence`. The matrix is held twice, as plain numpy arrays:
column-major (CSC: term -> sentences ascending, float64 contributions) for queries and
row-major (CSR: sentence -> distinct terms in order of first occurrence, int32 term
frequencies) for :meth:`~SparseSentenceIndex.sentence_terms`. The query path imports
numpy only; scipy is used at build time (CSR -> CSC) and by :attr:`matrix`.


Building is :mod:`retrieval.sparse_build`; the array names and their containers are
:mod:`retrieval.sparse_arrays` (re-exported here).
"""

from __future__ import annotations

import threading
from typing import Iterable, Sequence

import numpy as np

from .base import BaseIndex, ScoredPosition, SentenceView
from .errors import EmptyCorpusError
from .settings import Settings
from .sparse_arrays import ARRAY_NAMES, DocumentTable, FileBytes
from .sparse_build import SparseBuilder, SparseParts, okapi_idf
from .types import Citation, Sentence

__all__ = [
    "ARRAY_NAMES",
    "DocumentTable",
    "FileBytes",
    "SparseBuilder",
    "SparseParts",
    "SparseSentenceIndex",
    "okapi_idf",
]


class SparseSentenceIndex(BaseIndex):
    """BM25Okapi over precomputed sparse contributions; same ranking as rank-bm25.

    Build with :meth:`build` (or :class:`SparseBuilder` and :meth:`from_parts`), load with
    :func:`retrieval.store.load`. Same public interface as
    :class:`~retrieval.index.SentenceIndex`.

    Parameters
    ----------
    arrays : dict of str to ndarray
        The columns named in ``ARRAY_NAMES`` (see the module docstring).
    vocabulary : list of str
        Term of each term id.
    documents : DocumentTable
    sections : list of str
        Section headings, indexed by the ``section`` column (-1 = none).
    settings : Settings
    average_length : float
        avgdl, total terms / N.
    """

    engine_name = "sparse"

    def __init__(
        self,
        arrays: dict[str, np.ndarray],
        vocabulary: list[str],
        documents: DocumentTable,
        sections: list[str],
        settings: Settings,
        average_length: float,
    ):
        self.arrays = arrays
        self.vocabulary = vocabulary
        self.documents = documents
        self.section_names = sections
        self.settings = settings
        self._avgdl = float(average_length)
        self._term_id = {term: i for i, term in enumerate(vocabulary)}
        self._doc_index = {doc_id: i for i, doc_id in enumerate(documents.ids)}
        self._size = len(arrays["text_offsets"]) - 1
        if self._size <= 0:
            raise EmptyCorpusError("the corpus has no sentence with any searchable word")
        for name in ARRAY_NAMES:  # attribute access is faster than dict lookups
            setattr(self, f"_{name}", arrays[name])
        self._local = threading.local()
        self._lookup: tuple[np.ndarray, np.ndarray] | None = None

    @classmethod
    def build(cls, sentences: Iterable[Sentence], settings: Settings | None = None) -> "SparseSentenceIndex":
        """Analyze and index ``sentences`` (consumed once, streaming).

        Sentences with no terms after analysis are skipped.

        Raises
        ------
        EmptyCorpusError
            Nothing is left to index.
        """
        builder = SparseBuilder(settings)
        for sentence in sentences:
            builder.add_sentence(sentence)
        return cls.from_parts(builder.finish())

    @classmethod
    def from_parts(cls, parts: SparseParts) -> "SparseSentenceIndex":
        """The index of a finished :class:`~retrieval.sparse_build.SparseBuilder`."""
        return cls(
            parts.arrays,
            parts.vocabulary,
            parts.documents,
            parts.sections,
            parts.settings,
            average_length=parts.average_length,
        )

    # ----------------------------------------------------------------- statistics
    @property
    def size(self) -> int:
        """Number of indexed sentences (N)."""
        return self._size

    @property
    def average_length(self) -> float:
        """Mean sentence length in terms (avgdl)."""
        return self._avgdl

    @property
    def sentences(self) -> Sequence[Sentence]:
        """All sentences in corpus order, as a lazy sequence (built on access)."""
        return SentenceView(self)

    @property
    def nnz(self) -> int:
        """Stored (sentence, term) entries."""
        return len(self._col_docs)

    @property
    def matrix(self):
        """The contributions as a ``scipy.sparse.csc_matrix`` of shape (N, V) (a view)."""
        from scipy.sparse import csc_matrix

        return csc_matrix(
            (self._col_weights, self._col_docs, self._col_ptr),
            shape=(self._size, len(self.vocabulary)),
        )

    def _position(self, position: int) -> int:
        p = int(position)
        if p < 0:
            p += self._size
        if not 0 <= p < self._size:
            raise IndexError(f"sentence position {position} out of range (size {self._size})")
        return p

    def sentence(self, position: int) -> Sentence:
        """The sentence at ``position`` (0-based corpus order; negative counts from the end).

        Raises
        ------
        IndexError
            ``position`` is out of range.
        """
        p = self._position(position)
        offsets = self._text_offsets
        text = self._text[offsets[p] : offsets[p + 1]].tobytes().decode("utf-8")
        doc = int(self._doc[p])
        section = int(self._section[p])
        number = int(self._number[p])
        doc_id = self.documents.ids[doc]
        citation = Citation(
            doc_id=doc_id,
            title=self.documents.titles[doc],
            section=None if section < 0 else self.section_names[section],
            paragraph=int(self._paragraph[p]),
            sentence=number,
            start=int(self._start[p]),
            end=int(self._end[p]),
        )
        return Sentence(id=f"{doc_id}:{number}", text=text, citation=citation)

    def locate(self, position: int) -> tuple[str, int, int]:
        """See :meth:`BaseIndex.locate`; read from the citation arrays, not the text."""
        p = self._position(position)
        return self.documents.ids[int(self._doc[p])], int(self._paragraph[p]), int(self._number[p])

    def sentence_terms(self, position: int) -> list[str]:
        """The analyzed terms of the sentence at ``position``, from its matrix row.

        Returns
        -------
        list of str
            Each distinct term repeated by its frequency, distinct terms in order of
            first occurrence in the sentence: the same multiset (length, counts) as
            the text-order list :class:`~retrieval.index.SentenceIndex` returns, in
            text order whenever no term repeats.
        """
        p = self._position(position)
        lo, hi = self._row_ptr[p], self._row_ptr[p + 1]
        vocabulary = self.vocabulary
        out: list[str] = []
        for term_id, tf in zip(self._row_terms[lo:hi].tolist(), self._row_tf[lo:hi].tolist()):
            out.extend([vocabulary[term_id]] * tf)
        return out

    def document_frequency(self, term: str) -> int:
        """Number of sentences containing ``term`` (0 when unseen)."""
        term_id = self._term_id.get(term)
        if term_id is None:
            return 0
        return int(self._col_ptr[term_id + 1] - self._col_ptr[term_id])

    def idf(self, term: str) -> float:
        """BM25Okapi IDF of ``term`` as rank-bm25 computes it (0 when unseen)."""
        term_id = self._term_id.get(term)
        return 0.0 if term_id is None else float(self._idf[term_id])

    def _postings(self, term_id: int) -> slice:
        return slice(int(self._col_ptr[term_id]), int(self._col_ptr[term_id + 1]))

    def matching(self, terms: Sequence[str]) -> list[int]:
        """Positions of sentences that contain at least one of ``terms``, ascending."""
        ids = [i for i in dict.fromkeys(self._term_id.get(t) for t in terms) if i is not None]
        if not ids:
            return []
        if len(ids) == 1:
            return self._col_docs[self._postings(ids[0])].tolist()
        return np.unique(np.concatenate([self._col_docs[self._postings(i)] for i in ids])).tolist()

    def previous(self, sentence: Sentence) -> Sentence | None:
        """The indexed sentence just before ``sentence`` in the same article, if any."""
        doc = self._doc_index.get(sentence.citation.doc_id)
        if doc is None:
            return None
        keys, positions = self._citation_lookup()
        key = (doc << 32) | (sentence.citation.sentence - 1)
        i = int(np.searchsorted(keys, key))
        if i < len(keys) and keys[i] == key:
            return self.sentence(int(positions[i]))
        return None

    def _citation_lookup(self) -> tuple[np.ndarray, np.ndarray]:
        """Sorted ``doc << 32 | sentence number`` keys and their positions (built once)."""
        if self._lookup is None:
            keys = (self._doc.astype(np.int64) << 32) | self._number.astype(np.int64)
            if len(keys) > 1 and not bool(np.all(keys[1:] > keys[:-1])):
                order = np.argsort(keys, kind="stable")
                self._lookup = (keys[order], order)
            else:
                self._lookup = (keys, np.arange(len(keys)))
        return self._lookup

    # ----------------------------------------------------------------- scoring
    def _accumulator(self) -> np.ndarray:
        acc = getattr(self._local, "acc", None)
        if acc is None:
            acc = self._local.acc = np.zeros(self._size, dtype=np.float64)
        return acc

    def _scores(self, terms: Sequence[str]) -> tuple[np.ndarray, np.ndarray, int]:
        """Matched positions and their scores; positions unique when the last value is 0.

        Returns ``(positions, scores, duplicates)`` where ``duplicates`` is how many
        times a position may appear at most, minus one.
        """
        ids = [i for i in (self._term_id.get(t) for t in terms) if i is not None]
        distinct = list(dict.fromkeys(ids))
        docs, weights = self._col_docs, self._col_weights
        if not distinct:
            return np.empty(0, np.int32), np.empty(0), 0
        if len(distinct) == 1:
            span = self._postings(distinct[0])
            scores = weights[span].copy()  # 0.0 + w == w
            for _ in range(len(ids) - 1):
                scores += weights[span]
            return docs[span], scores, 0
        acc = self._accumulator()
        spans = {i: self._postings(i) for i in distinct}
        for term_id in ids:  # query order, repeats included: rank-bm25's summation order
            span = spans[term_id]
            acc[docs[span]] += weights[span]
        positions = np.concatenate([docs[spans[i]] for i in distinct])
        scores = acc[positions]
        acc[positions] = 0.0
        return positions, scores, len(distinct) - 1

    def score_terms(self, terms: Sequence[str], k: int | None = None) -> list[ScoredPosition]:
        """See :meth:`~retrieval.base.BaseIndex.score_terms`. Scores equal rank-bm25's
        ``get_scores`` bit for bit (same operations in the same order).

        Notes
        -----
        Cost is proportional to M, the postings of the query terms: the columns are
        added into a dense per-thread accumulator (only the M touched entries are
        read and reset), then the top ``k`` are selected among the M candidates with
        a partial partition and a final ``lexsort`` of the few survivors.
        """
        positions, scores, duplicates = self._scores(terms)
        if not len(positions):
            return []
        if k is not None:
            keep = k * (duplicates + 1)  # enough entries to hold k distinct positions
            if keep < len(positions):
                threshold = np.partition(scores, len(scores) - keep)[len(scores) - keep]
                survivors = scores >= threshold  # every tie of the k-th best stays
                positions, scores = positions[survivors], scores[survivors]
        if duplicates:
            positions, first = np.unique(positions, return_index=True)
            scores = scores[first]
        order = np.lexsort((positions, -scores))
        if k is not None:
            order = order[:k]
        return [
            ScoredPosition(p, s)
            for p, s in zip(positions[order].tolist(), scores[order].tolist())
        ]
