"""The persisted sparse index: numpy ``.npy`` files, a vocabulary text file and a JSON
manifest. No pickle anywhere (arrays are read with ``allow_pickle=False`` semantics:
raw bytes after a checked header).

Layout of an index directory (default ``<corpus>/.index/``)::

    manifest.json        format, fingerprint, counts, documents, sections, and for
                         every other file its dtype, shape, size and SHA-256 (of the
                         whole file); plus the SHA-256 of the manifest's own content
    .newsqa-index        a marker naming the format (so that a directory whose
                         manifest was lost is still recognisably ours)
    vocabulary.txt       terms, one per line, in term-id order (UTF-8)
    <name>.npy           one per array of ``retrieval.sparse.ARRAY_NAMES``

A directory is served only when the fingerprint it was built for equals the current
one (:mod:`retrieval.store_fingerprint`: the corpus files' bytes, the code and data
that decide the index content, the BM25 parameters). Any difference ->
:class:`~retrieval.errors.StaleIndexError`; a missing, unreadable, truncated or altered
file, or a manifest of the wrong shape (:mod:`retrieval.store_manifest`) ->
:class:`~retrieval.errors.IndexFileError`. Every file's size and checksum are verified
before it is parsed, and its header against the manifest before anything is allocated.
:func:`retrieval.persist.load_or_build` rebuilds in both cases, logging a warning for a
damaged index.

Writing never harms other data: :func:`~retrieval.store_target.check_target` refuses
a place that holds anything but one of our indexes. The new index is written next to
the target and renamed into place; temporary directories left by killed processes are
removed on the next save.

This module reads and writes; the manifest format, the fingerprint and the choice of
directory live in the ``store_*`` modules named above, re-exported here.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import shutil
import time
from pathlib import Path

import numpy as np

from .errors import IndexFileError, StaleIndexError
from .settings import Settings
from .sparse import ARRAY_NAMES, DocumentTable, FileBytes, SparseSentenceIndex
from .store_fingerprint import fingerprint
from .store_manifest import (
    FORMAT_FAMILY,
    INDEX_FORMAT,
    MANIFEST,
    MARKER,
    VOCABULARY,
    manifest_checksum,
    manifest_json,
    read_manifest,
)
from .store_target import (
    cache_index_dir,
    check_target,
    default_index_dir,
    lock_path,
    reason,
    remove_stale_temporaries,
)

__all__ = [
    "FORMAT_FAMILY",
    "INDEX_FORMAT",
    "MANIFEST",
    "MARKER",
    "VOCABULARY",
    "cache_index_dir",
    "check_target",
    "default_index_dir",
    "fingerprint",
    "load",
    "lock_path",
    "read_manifest",
    "reason",
    "remove_stale_temporaries",
    "save",
]

log = logging.getLogger("retrieval.store")

# arrays left on disk and read piecewise (FileBytes): the sentence text is needed only
# for the sentences shown, so it stays in the page cache, not in the process's memory
MAPPED = frozenset({"text"})
_BLOCK = 1 << 24


# ----------------------------------------------------------------- writing
def _sha256(data) -> str:
    return hashlib.sha256(memoryview(data).cast("B")).hexdigest()


def _file_sha256(path: Path, block: int = _BLOCK) -> str:
    """SHA-256 of a whole file, read with plain reads (not via a memory map, so that
    verifying does not make the pages part of this process)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(block):
            digest.update(chunk)
    return digest.hexdigest()


def _write_npy(path: Path, dtype: np.dtype, shape: tuple, chunks) -> tuple[str, int]:
    """Write the ``.npy`` file ``np.save`` would write (same bytes) from ``chunks`` of
    the data, never holding it whole; returns the SHA-256 and size of the file."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": dtype.str, "fortran_order": False, "shape": tuple(shape)}
    )
    digest = hashlib.sha256(header.getvalue())
    size = len(header.getvalue())
    with open(path, "wb") as f:
        f.write(header.getvalue())
        for chunk in chunks:
            f.write(chunk)
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def save(
    index: SparseSentenceIndex,
    directory: str | Path,
    fingerprint: dict,
    *,
    stats: list | None = None,
    corpus_dir: str | Path | None = None,
) -> Path:
    """Write ``index`` to ``directory`` atomically (replacing an index there).

    Parameters
    ----------
    index : SparseSentenceIndex
    directory : str or Path
    fingerprint : dict
        From :func:`fingerprint`, for the corpus and settings the index was built from
        (computed before the build, so that an edit during the build makes it stale).
    stats : list, optional
        The stat cache :func:`fingerprint` filled in.
    corpus_dir : str or Path, optional
        The indexed corpus, for :func:`check_target`.

    Returns
    -------
    Path
        The resolved ``directory``.

    Raises
    ------
    IndexDirError
        ``directory`` is not a place we may write (see :func:`check_target`).
    OSError
        The directory cannot be written (describe it with :func:`reason`: the
        filename of the error may be a temporary one).
    """
    target = check_target(directory, corpus_dir)
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    for path in remove_stale_temporaries(parent, target.name):
        log.info("removed %s, left by an interrupted save", path)
    tmp = parent / f".{target.name}.tmp-{os.getpid()}-{time.monotonic_ns()}"
    tmp.mkdir()
    try:
        _write_files(index, tmp, fingerprint, stats)
        old = None
        if os.path.lexists(target):
            check_target(directory, corpus_dir)  # still ours (it may have changed meanwhile)
            old = parent / f".{target.name}.old-{os.getpid()}-{time.monotonic_ns()}"
            target.rename(old)
        tmp.rename(target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def _write_files(index: SparseSentenceIndex, tmp: Path, fingerprint: dict, stats: list | None) -> None:
    """Write every file of the index directory into ``tmp``: the marker, one ``.npy``
    per array (the spilled sentence text copied in pieces), the vocabulary, and last
    the manifest with every file's size and SHA-256."""
    (tmp / MARKER).write_text(INDEX_FORMAT + "\n", "utf-8")
    arrays = {}
    for name in ARRAY_NAMES:
        array = index.arrays[name]
        if isinstance(array, FileBytes):  # text left on disk: copied in pieces
            chunks = array.chunks()
        else:
            array = np.ascontiguousarray(array)
            chunks = [memoryview(array).cast("B")] if array.size else []
        digest, size = _write_npy(tmp / f"{name}.npy", array.dtype, array.shape, chunks)
        arrays[name] = {
            "file": f"{name}.npy",
            "dtype": array.dtype.str,
            "shape": list(array.shape),
            "bytes": size,
            "sha256": digest,
        }
    vocabulary = "\n".join(index.vocabulary).encode("utf-8")
    (tmp / VOCABULARY).write_bytes(vocabulary)
    manifest = {
        "format": INDEX_FORMAT,
        "engine": index.engine_name,
        "fingerprint": fingerprint,
        "file_stats": list(stats or []),
        "size": index.size,
        "terms": len(index.vocabulary),
        "average_length": index.average_length,
        "documents": index.documents.to_json(),
        "sections": index.section_names,
        "arrays": arrays,
        "vocabulary": {"file": VOCABULARY, "bytes": len(vocabulary), "sha256": _sha256(vocabulary)},
    }
    manifest["manifest_sha256"] = manifest_checksum(manifest)
    (tmp / MANIFEST).write_text(manifest_json(manifest), "ascii")


def _read_array(path: Path, info: dict, mapped: bool):
    """One verified array: size and checksum of the file first (no parsing), then its
    header against the manifest, then the data (allocated only now)."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise IndexFileError(f"{path}: missing") from None
    except OSError as exc:
        raise IndexFileError(f"{path}: unreadable ({reason(exc)})") from exc
    if size != info["bytes"]:
        raise IndexFileError(f"{path}: truncated or extended ({size} bytes, the manifest says {info['bytes']})")
    try:
        digest = _file_sha256(path)
    except OSError as exc:
        raise IndexFileError(f"{path}: unreadable ({reason(exc)})") from exc
    if digest != info["sha256"]:
        raise IndexFileError(f"{path}: checksum mismatch (the file was altered)")
    dtype = np.dtype(info["dtype"])
    try:
        with open(path, "rb") as f:
            version = np.lib.format.read_magic(f)
            if version != (1, 0):
                raise ValueError(f"unexpected .npy version {version}")
            shape, fortran, found = np.lib.format.read_array_header_1_0(f)
            offset = f.tell()
    except Exception as exc:  # noqa: BLE001 - a header that is not a header
        raise IndexFileError(f"{path}: unreadable header ({type(exc).__name__})") from exc
    if found != dtype or list(shape) != info["shape"] or fortran or offset + shape[0] * dtype.itemsize != size:
        raise IndexFileError(f"{path}: header altered (dtype/shape differ from the manifest)")
    try:
        if mapped:
            return FileBytes(str(path), offset, shape[0])
        return np.fromfile(path, dtype=dtype, count=shape[0], offset=offset)
    except (OSError, ValueError, MemoryError) as exc:
        raise IndexFileError(f"{path}: unreadable ({exc})") from exc


def _read_vocabulary(path: Path, manifest: dict) -> list[str]:
    """The verified vocabulary file: size, checksum, UTF-8 and term count as the
    manifest says (:class:`~retrieval.errors.IndexFileError` naming the file otherwise)."""
    try:
        size = path.stat().st_size
        if size != manifest["vocabulary"]["bytes"]:
            raise IndexFileError(f"{path}: truncated or extended")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise IndexFileError(f"{path}: missing") from None
    except OSError as exc:
        raise IndexFileError(f"{path}: unreadable ({reason(exc)})") from exc
    if len(raw) != manifest["vocabulary"]["bytes"] or _sha256(raw) != manifest["vocabulary"]["sha256"]:
        raise IndexFileError(f"{path}: truncated or altered")
    try:
        vocabulary = raw.decode("utf-8").split("\n") if raw else []
    except UnicodeDecodeError as exc:
        raise IndexFileError(f"{path}: not UTF-8 ({exc})") from exc
    if len(vocabulary) != manifest["terms"]:
        raise IndexFileError(f"{path}: term count differs from the manifest")
    return vocabulary


def load(
    directory: str | Path,
    settings: Settings | None = None,
    expected: dict | None = None,
    manifest: dict | None = None,
) -> SparseSentenceIndex:
    """Load a persisted index, verifying every file.

    Parameters
    ----------
    directory : str or Path
    settings : Settings, optional
        Must have the k1, b and epsilon the index was built with.
    expected : dict, optional
        The current :func:`fingerprint`; when given, a different one is stale.
    manifest : dict, optional
        The directory's manifest, already read by :func:`read_manifest`.

    Returns
    -------
    SparseSentenceIndex

    Raises
    ------
    MissingIndexError
        No index in ``directory``.
    StaleIndexError
        Built from other files, code or BM25 settings than ``expected``/``settings``.
    IndexFileError
        A file is missing, truncated or altered, or the manifest malformed (the
        message names the file).
    """
    settings = settings or Settings()
    directory = Path(directory)
    if manifest is None:
        manifest = read_manifest(directory)
    built = manifest["fingerprint"]
    if expected is not None and built != expected:
        changed = sorted(k for k in set(built) | set(expected) if built.get(k) != expected.get(k))
        raise StaleIndexError(f"index in {directory} is stale ({', '.join(changed)} changed)")
    bm25 = {"k1": settings.k1, "b": settings.b, "epsilon": settings.epsilon}
    if built.get("bm25") != bm25:
        raise StaleIndexError(f"index in {directory} was built with other BM25 settings")
    arrays = {}
    for name in ARRAY_NAMES:
        info = manifest["arrays"][name]
        arrays[name] = _read_array(directory / info["file"], info, name in MAPPED)
    vocabulary = _read_vocabulary(directory / VOCABULARY, manifest)
    return SparseSentenceIndex(
        arrays,
        vocabulary,
        DocumentTable.from_json(manifest["documents"]),
        list(manifest["sections"]),
        settings,
        average_length=manifest["average_length"],
    )

