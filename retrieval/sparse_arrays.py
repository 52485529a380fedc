"""The columns of a sparse index, and the two containers they live in.

``ARRAY_NAMES`` lists the arrays of :class:`~retrieval.sparse.SparseSentenceIndex`
(what :mod:`retrieval.store` writes, one ``.npy`` file each): the sentence text as one
UTF-8 byte array with offsets, the citation columns, the matrix as CSR (sentence ->
terms, term frequencies) and CSC (term -> sentences, BM25 contributions), and the IDF
per term. :class:`DocumentTable` holds per-article metadata; :class:`FileBytes` is a
byte array left on disk (the sentence text of a loaded or spilled index).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Iterator

import numpy as np

CITATION_COLUMNS = ("doc", "section", "paragraph", "number", "start", "end")
ARRAY_NAMES = (
    "text",
    "text_offsets",
    *CITATION_COLUMNS,
    "row_ptr",
    "row_terms",
    "row_tf",
    "col_ptr",
    "col_docs",
    "col_weights",
    "idf",
)


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

