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
"""

from __future__ import annotations

import math
import os
import threading
from array import array
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Sequence

import numpy as np

from .analyze import analyze
from .base import BaseIndex, ScoredPosition
from .errors import EmptyCorpusError
from .settings import Settings
from .types import Citation, Sentence

_INT32_MAX = 2**31 - 1


@dataclass
class DocumentTable:
    """Per-article metadata, indexed by the ``doc`` column (corpus order).

    Attributes
    ----------
    ids, titles : list of str
    dates, sources, paths : list of (str or None)
    """

    ids: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    dates: list[str | None] = field(default_factory=list)
    sources: list[str | None] = field(default_factory=list)
    paths: list[str | None] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "ids": self.ids,
            "titles": self.titles,
            "dates": self.dates,
            "sources": self.sources,
            "paths": self.paths,
        }

    @classmethod
    def from_json(cls, data: dict) -> "DocumentTable":
        return cls(
            list(data["ids"]),
            list(data["titles"]),
            list(data["dates"]),
            list(data["sources"]),
            list(data["paths"]),
        )


class FileBytes:
    """A read-only 1-D uint8 ``.npy`` array left on disk, read piecewise with ``pread``.

    Used for the sentence text of a loaded index: only the sentences shown are read,
    through the page cache, so the text never becomes part of the process's resident
    memory (a memory map would: Linux maps up to 64 KiB of cached file around every
    page fault). Supports ``len``, ``a[lo:hi].tobytes()``, ``dtype``, ``shape``,
    ``offset`` (data start in the file) and ``numpy.asarray`` (reads it all).
    """

    dtype = np.dtype(np.uint8)

    def __init__(self, path: str, offset: int, length: int, fd: int | None = None):
        """``fd``: an open descriptor of ``path`` to use (and close) instead of opening it."""
        self.path, self.offset, self._length = path, offset, length
        self._fd = os.open(path, os.O_RDONLY) if fd is None else fd
        self.shape = (length,)
        self.nbytes = length

    @classmethod
    def open(cls, path) -> "FileBytes":
        """Open a ``.npy`` file of a 1-D uint8 array (header checked, no pickle).

        Raises
        ------
        ValueError
            Not such a file, or shorter than its header says (truncated).
        """
        with open(path, "rb") as f:
            fmt = np.lib.format
            version = fmt.read_magic(f)
            if version not in ((1, 0), (2, 0)):
                raise ValueError(f"{path}: unsupported .npy version {version}")
            read = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
            shape, fortran, dtype = read(f)
            offset = f.tell()
            size = os.fstat(f.fileno()).st_size
        if dtype != np.uint8 or len(shape) != 1:
            raise ValueError(f"{path}: expected a 1-D uint8 array, found {dtype} {shape}")
        if size != offset + shape[0]:
            raise ValueError(f"{path}: {size - offset} data bytes, header says {shape[0]}")
        return cls(str(path), offset, shape[0])

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, item: slice) -> "_Bytes":
        lo, hi, _ = item.indices(self._length)
        return _Bytes(os.pread(self._fd, max(0, hi - lo), self.offset + lo))

    def __array__(self, dtype=None, copy=None):
        return np.frombuffer(self[:].tobytes(), dtype=np.uint8)

    def chunks(self, size: int = 1 << 20) -> Iterator[bytes]:
        """The bytes, in order, in pieces of at most ``size`` (bounded memory)."""
        for lo in range(0, self._length, size):
            yield self[lo : lo + size]

    def __del__(self):
        fd = getattr(self, "_fd", None)
        if fd is not None:
            os.close(fd)


class _Bytes(bytes):
    def tobytes(self) -> bytes:
        return bytes(self)


class _SentenceView(Sequence):
    """A read-only sequence of an index's sentences, each built when accessed."""

    def __init__(self, index: "SparseSentenceIndex"):
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
        self._columns = {name: array("i") for name in _CITATION_COLUMNS}
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
        try:
            self._row_tf.extend(counts.values())
        except OverflowError:  # a term repeated 65,536+ times in one sentence
            self._row_tf = array("i", self._row_tf)
            self._row_tf.extend(counts.values())
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

    def finish(self) -> "SparseSentenceIndex":
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
        return SparseSentenceIndex(
            arrays,
            vocabulary,
            self._docs,
            list(self._sections),
            settings,
            average_length=avgdl,
        )


_CITATION_COLUMNS = ("doc", "section", "paragraph", "number", "start", "end")
ARRAY_NAMES = (
    "text",
    "text_offsets",
    *_CITATION_COLUMNS,
    "row_ptr",
    "row_terms",
    "row_tf",
    "col_ptr",
    "col_docs",
    "col_weights",
    "idf",
)


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


class SparseSentenceIndex(BaseIndex):
    """BM25Okapi over precomputed sparse contributions; same ranking as rank-bm25.

    Build with :meth:`build` (or :class:`SparseBuilder`), load with
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
        return builder.finish()

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
        return _SentenceView(self)

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
