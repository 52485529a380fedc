"""What a persisted index must have been built from to be served: its fingerprint.

The SHA-256 of every article file's bytes (with its name and size), the analyzer and
segmenter versions, the SHA-256 of the code and data that decide the index content,
and the BM25 parameters. To keep this cheap on big corpora, a manifest caches each
file's digest with its size, mtime, ctime, inode and device; a file whose stat matches
all five is not read again (``touch -r`` can restore an mtime but not a ctime, so an
edit is always seen). Files changed within the last ``RACY_NS`` nanoseconds are never
cached: a write within the same timestamp tick would leave the stat unchanged
("racily clean", as in git).
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
from pathlib import Path
from typing import Callable

from .analyze import ANALYZER_VERSION
from .corpus import article_paths
from .segment import SEGMENTER_VERSION
from .settings import Settings

_CODE_FILES = (
    "analyze.py",
    "corpus.py",
    "segment.py",
    "sparse_build.py",
    "sparse_arrays.py",
    "data/stopwords.txt",
)
RACY_NS = 2_000_000_000


def _file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _stat_key(st: os.stat_result) -> list[int]:
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]


def fingerprint(
    corpus_dir: str | Path,
    settings: Settings,
    cache: list | None = None,
    stats: list | None = None,
    *,
    clock: Callable[[], int] = time.time_ns,
) -> dict:
    """What a persisted index must have been built from to be served (JSON-able).

    Parameters
    ----------
    corpus_dir : str or Path
    settings : Settings
    cache : list, optional
        ``[name, size, mtime_ns, ctime_ns, inode, device, sha256]`` rows (a manifest's
        ``file_stats``): a file whose stat matches its row is not hashed again.
    stats : list, optional
        Receives such rows for the files hashed or matched now (files changed in the
        last ``RACY_NS`` nanoseconds before ``clock()`` are left out).
    clock : callable, optional
        The current time in nanoseconds since the epoch (default ``time.time_ns``;
        tests pass a fixed one).

    Raises
    ------
    CorpusError
        As :func:`retrieval.corpus.article_paths`.
    """
    known: dict[str, list] = {}
    for row in cache if isinstance(cache, list) else ():
        if isinstance(row, list) and len(row) == 7 and isinstance(row[0], str) and isinstance(row[6], str):
            known[row[0]] = row
    now = clock()
    files = []
    for path in article_paths(corpus_dir):
        try:
            st = path.stat()  # before reading: a write during the read changes the ctime
        except OSError:  # a broken or looping link: the build reports it
            files.append([path.name, None, None])
            continue
        if not stat.S_ISREG(st.st_mode):  # a link to a directory or a FIFO: never opened, the build reports it
            files.append([path.name, None, None])
            continue
        key = _stat_key(st)
        row = known.get(path.name)
        if row is not None and row[1:6] == key:
            digest = row[6]
        else:
            try:
                digest = _file_digest(path)
            except OSError:
                digest = None  # unreadable: the build reports it
        files.append([path.name, st.st_size, digest])
        if stats is not None and digest is not None and now - max(st.st_mtime_ns, st.st_ctime_ns) > RACY_NS:
            stats.append([path.name, *key, digest])
    here = Path(__file__).resolve().parent
    code = hashlib.sha256()
    for name in _CODE_FILES:
        code.update(name.encode() + b"\0" + (here / name).read_bytes() + b"\0")
    return {
        "files": files,
        "analyzer": ANALYZER_VERSION,
        "segmenter": SEGMENTER_VERSION,
        "code_sha256": code.hexdigest(),
        "bm25": {"k1": settings.k1, "b": settings.b, "epsilon": settings.epsilon},
    }

