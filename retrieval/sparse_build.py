"""Building a sparse index: sentences in, BM25Okapi contribution matrix out.

:class:`SparseBuilder` collects sentences column-wise (no Python object per sentence)
and :meth:`SparseBuilder.finish` computes the IDF and every (sentence, term)
contribution exactly as ``rank_bm25.BM25Okapi`` 0.2.2 does (see :mod:`retrieval.sparse`
for the scoring side; eager sparse scoring as in bm25s, Lù 2024, arXiv:2407.03618).
The result is a :class:`SparseParts`, which :class:`~retrieval.sparse.SparseSentenceIndex`
is made from (``SparseSentenceIndex.from_parts``).
"""

from __future__ import annotations

import math
import os
from array import array
from collections import Counter
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .analyze import analyze
from .errors import EmptyCorpusError
from .settings import Settings
from .sparse_arrays import CITATION_COLUMNS, DocumentTable, FileBytes
from .types import Sentence

_INT32_MAX = 2**31 - 1
_UINT16_MAX = 2**16 - 1


@dataclass
class SparseParts:
    """What :meth:`SparseBuilder.finish` computes: the arguments of
    :class:`~retrieval.sparse.SparseSentenceIndex`."""

    arrays: dict
    vocabulary: list[str]
    documents: DocumentTable
    sections: list[str]
    settings: Settings
    average_length: float


class SparseBuilder:
    """Collects sentences column-wise, then computes the BM25Okapi matrix.

    Call :meth:`add_document` once per article, :meth:`add` per sentence (in corpus
    order), then :meth:`finish`. Term ids are assigned in order of first occurrence,
    the order in which rank-bm25 meets them, so IDF sums run in the same order.

    With ``spill_text=True`` the sentence text (the largest array: ~126 MB at 10^6
    sentences) is written to an unlinked temporary file as it comes instead of being
    held in memory; the finished index reads it from there (a :class:`FileBytes`, as
    a loaded index does) and :func:`retrieval.store.save` copies it in pieces.
    """

    def __init__(self, settings: Settings | None = None, *, spill_text: bool = False):
        self.settings = settings or Settings()
        self._text = bytearray()
        self._text_file = None
        self._text_length = 0
        if spill_text:
            import tempfile

            fd, path = tempfile.mkstemp(prefix="newsqa-index-text-")
            os.unlink(path)  # gone with the last descriptor, even after a crash
            self._text_path = path
            self._text_file = open(fd, "wb", buffering=1 << 20, closefd=False)
            self._text_fd = fd
        self._text_offsets = array("q", [0])
        self._lengths = array("i")  # terms per sentence (BM25 document length)
        self._columns = {name: array("i") for name in CITATION_COLUMNS}
        self._row_ptr = array("q", [0])
        self._row_terms = array("i")
        self._row_tf = array("H")  # term frequency in a sentence; widened on overflow
        self._vocab: dict[str, int] = {}
        self._sections: dict[str, int] = {}
        self._docs = DocumentTable()
        self._doc_index: dict[str, int] = {}
        self._total_terms = 0

    def add_document(
        self,
        doc_id: str,
        title: str,
        date: str | None = None,
        source: str | None = None,
        path: str | None = None,
    ) -> int:
        """Register an article (once); returns its index in the document table."""
        found = self._doc_index.get(doc_id)
        if found is not None:
            return found
        docs = self._docs
        self._doc_index[doc_id] = len(docs.ids)
        docs.ids.append(doc_id)
        docs.titles.append(title)
        docs.dates.append(date)
        docs.sources.append(source)
        docs.paths.append(path)
        return len(docs.ids) - 1

    def add(
        self,
        text: str,
        terms: Sequence[str],
        doc: int,
        section: str | None,
        paragraph: int,
        number: int,
        start: int,
        end: int,
    ) -> bool:
        """Append one sentence; False (nothing stored) when it has no terms."""
        if not terms:
            return False
        if end > _INT32_MAX:
            raise ValueError("article longer than 2**31 characters")
        encoded = text.encode("utf-8")
        if self._text_file is None:
            self._text += encoded
        else:
            self._text_file.write(encoded)
        self._text_length += len(encoded)
        self._text_offsets.append(self._text_length)
        self._lengths.append(len(terms))
        columns = self._columns
        columns["doc"].append(doc)
        if section is None:
            columns["section"].append(-1)
        else:
            columns["section"].append(self._sections.setdefault(section, len(self._sections)))
        columns["paragraph"].append(paragraph)
        columns["number"].append(number)
        columns["start"].append(start)
        columns["end"].append(end)
        vocab = self._vocab
        counts = Counter(terms)  # distinct terms in order of first occurrence
        term_ids = list(map(vocab.get, counts))
        if None in term_ids:  # new terms get the next ids, in order of first occurrence
            for i, term in enumerate(counts):
                if term_ids[i] is None:
                    term_ids[i] = vocab[term] = len(vocab)
        self._row_terms.extend(term_ids)
        frequencies = list(counts.values())
        if self._row_tf.typecode == "H" and max(frequencies) > _UINT16_MAX:
            # a term repeated 65,536+ times in one sentence: widen first (array.extend
            # would append the values before the too-large one and then raise)
            self._row_tf = array("i", self._row_tf)
        self._row_tf.extend(frequencies)
        self._row_ptr.append(len(self._row_terms))
        self._total_terms += len(terms)
        return True

    def add_sentence(self, sentence: Sentence, terms: Sequence[str] | None = None) -> bool:
        """Append a :class:`Sentence` (analyzed here unless ``terms`` is given)."""
        c = sentence.citation
        doc = self.add_document(c.doc_id, c.title)
        if terms is None:
            terms = analyze(sentence.text)
        return self.add(sentence.text, terms, doc, c.section, c.paragraph, c.sentence, c.start, c.end)

    def _close_text(self) -> None:
        """Close the spilled text file of an unfinished builder (deletes it)."""
        if self._text_file is not None:
            self._text_file.close()
            self._text_file = None
            os.close(self._text_fd)

    def __del__(self):
        if getattr(self, "_text_file", None) is not None:
            self._close_text()

    def finish(self) -> SparseParts:
        """Compute IDF and the contribution matrix; the builder is spent afterwards.

        Raises
        ------
        EmptyCorpusError
            No sentence was added.
        """
        n = len(self._text_offsets) - 1
        if n == 0:
            self._close_text()
            raise EmptyCorpusError("the corpus has no sentence with any searchable word")
        settings = self.settings
        row_ptr = np.frombuffer(self._row_ptr, dtype=np.int64)
        row_terms = np.frombuffer(self._row_terms, dtype=np.int32)
        row_tf = np.frombuffer(self._row_tf, dtype=np.uint16 if self._row_tf.typecode == "H" else np.int32)
        vocabulary = list(self._vocab)
        del self._vocab
        # terms per sentence = the sum of its row's term frequencies (rows are never empty)
        lengths = np.frombuffer(self._lengths, dtype=np.int32).astype(np.int64)
        del self._lengths
        avgdl = self._total_terms / n  # as rank-bm25: int / int
        col_ptr, col_docs, col_tf = _transpose(row_ptr, row_terms, row_tf, n, len(vocabulary))
        # narrow first and drop the wide originals: lowers the peak while weights are computed
        row_terms = _narrow(row_terms)
        columns = {name: _narrow(np.frombuffer(col, dtype=np.int32)) for name, col in self._columns.items()}
        del self._row_terms, self._columns
        idf = okapi_idf(np.diff(col_ptr), n, settings.epsilon)
        weights = _contributions(col_ptr, col_docs, col_tf, idf, lengths, avgdl, settings)
        del col_tf
        del lengths
        if self._text_file is None:
            text = np.frombuffer(self._text, dtype=np.uint8)
        else:
            self._text_file.close()  # flushes; the descriptor stays open for FileBytes
            self._text_file = None
            text = FileBytes(self._text_path, 0, self._text_length, fd=self._text_fd)
        arrays = {
            "text": text,
            "text_offsets": np.frombuffer(self._text_offsets, dtype=np.int64),
            **columns,
            "row_ptr": row_ptr,
            "row_terms": row_terms,
            "row_tf": row_tf,
            "col_ptr": col_ptr,
            "col_docs": col_docs,
            "col_weights": weights,
            "idf": idf,
        }
        return SparseParts(arrays, vocabulary, self._docs, list(self._sections), settings, avgdl)


def _narrow(values: np.ndarray) -> np.ndarray:
    """``values`` in the smallest integer dtype that holds them (uint8/16, int16/32).

    Saves memory on the per-sentence columns (paragraph and sentence numbers are
    small) and on term ids when the vocabulary has fewer than 65,536 terms.
    """
    if not len(values):
        return values
    lo, hi = int(values.min()), int(values.max())
    for dtype in (np.uint8, np.int8, np.uint16, np.int16, np.uint32, np.int32):
        info = np.iinfo(dtype)
        if info.min <= lo and hi <= info.max:
            return values if values.dtype == dtype else values.astype(dtype)
    return values


def _transpose(row_ptr, row_terms, row_tf, n_rows: int, n_cols: int):
    """CSR -> CSC with scipy (sentences ascending within each term)."""
    from scipy.sparse import csr_matrix

    csc = csr_matrix((row_tf, row_terms, row_ptr), shape=(n_rows, n_cols)).tocsc()
    return (
        csc.indptr.astype(np.int64, copy=False),
        csc.indices.astype(np.int32, copy=False),
        csc.data,
    )


def okapi_idf(document_frequency: np.ndarray, n: int, epsilon: float) -> np.ndarray:
    """BM25Okapi IDF per term exactly as ``rank_bm25.BM25Okapi._calc_idf`` computes it.

    Parameters
    ----------
    document_frequency : ndarray of int, shape (V,)
        Sentences containing each term, in order of the terms' first occurrence in the
        corpus (the order rank-bm25 sums IDFs in).
    n : int
        Number of sentences N.
    epsilon : float
        Negative IDFs are replaced by ``epsilon * mean(idf)``.

    Returns
    -------
    ndarray of float64, shape (V,)
        ``log(N - n_t + 0.5) - log(n_t + 0.5)`` (``math.log``, summed in the same
        order as rank-bm25 so the mean is the same float), floored as described.
    """
    log = math.log
    values = [log(n - f + 0.5) - log(f + 0.5) for f in document_frequency.tolist()]
    idf_sum = 0
    for value in values:
        idf_sum += value
    idf = np.array(values, dtype=np.float64)
    if len(values):
        eps = epsilon * (idf_sum / len(values))
        idf[idf < 0] = eps
    return idf


def _contributions(col_ptr, col_docs, col_tf, idf, lengths, avgdl, settings, chunk=1 << 18):
    """Per-entry BM25Okapi contributions (float64), rank-bm25's expression term by term.

    Computed in chunks of ``chunk`` entries to bound the temporaries.
    """
    k1, b = settings.k1, settings.b
    nnz = len(col_docs)
    out = np.empty(nnz, dtype=np.float64)
    for lo in range(0, nnz, chunk):
        hi = min(nnz, lo + chunk)
        column = np.searchsorted(col_ptr, np.arange(lo, hi), side="right") - 1
        q_freq = col_tf[lo:hi].astype(np.int64)
        doc_len = lengths[col_docs[lo:hi]]
        out[lo:hi] = idf[column] * (
            q_freq * (k1 + 1) / (q_freq + k1 * (1 - b + b * doc_len / avgdl))
        )
    return out
