"""The persisted sparse index: numpy ``.npy`` files, a vocabulary text file and a JSON
manifest. No pickle anywhere (arrays are read with ``allow_pickle=False``).

Layout of an index directory (default ``<corpus>/.index/``)::

    manifest.json        format, fingerprint, counts, documents, sections, and for
                         every other file its dtype, shape and SHA-256; plus the
                         SHA-256 of the manifest's own content
    vocabulary.txt       terms, one per line, in term-id order (UTF-8)
    <name>.npy           one per array of ``retrieval.sparse.ARRAY_NAMES``

A directory is served only when the fingerprint it was built for equals the current
one: the article files (name, size, modification time in ns), the analyzer and
segmenter versions, the SHA-256 of the code and data that decide the index content
(``analyze.py``, ``corpus.py``, ``segment.py``, ``sparse.py``, the stopword list), and
the BM25 parameters. Any difference -> :class:`~retrieval.errors.StaleIndexError`;
a missing, unreadable, truncated or altered file -> :class:`~retrieval.errors.IndexFileError`
(checksums catch a single flipped byte). :func:`load_or_build` rebuilds in both cases,
logging a warning for a damaged index, and rewrites the directory atomically (a new
directory is written next to it and renamed into place).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
from pathlib import Path

import numpy as np

from .errors import IndexFileError, MissingIndexError, StaleIndexError
from .settings import Settings
from .sparse import ARRAY_NAMES, DocumentTable, FileBytes, SparseSentenceIndex

log = logging.getLogger("retrieval.store")

INDEX_FORMAT = "newsqa-sparse-index-1"
MANIFEST = "manifest.json"
VOCABULARY = "vocabulary.txt"
# arrays left on disk and read piecewise (FileBytes): the sentence text is needed only
# for the sentences shown, so it stays in the page cache, not in the process's memory
MAPPED = frozenset({"text"})
_CODE_FILES = ("analyze.py", "corpus.py", "segment.py", "sparse.py", "data/stopwords.txt")


def default_index_dir(corpus_dir: str | Path) -> Path:
    """``<corpus_dir>/.index`` (hidden, so never read as an article; gitignored)."""
    return Path(corpus_dir) / ".index"


def fingerprint(corpus_dir: str | Path, settings: Settings) -> dict:
    """What a persisted index must have been built from to be served (JSON-able).

    Raises
    ------
    CorpusError
        As :func:`retrieval.corpus.article_paths`.
    """
    from .analyze import ANALYZER_VERSION
    from .corpus import article_paths
    from .segment import SEGMENTER_VERSION

    files = []
    for path in article_paths(corpus_dir):
        st = path.stat()
        files.append([path.name, st.st_size, st.st_mtime_ns])
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


def _sha256(data) -> str:
    return hashlib.sha256(memoryview(data).cast("B")).hexdigest()


def _file_sha256(path: Path, offset: int, block: int = 1 << 24) -> str:
    """SHA-256 of a file's bytes from ``offset`` on, read with plain reads (not via a
    memory map, so that verifying does not make the pages part of this process)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        f.seek(offset)
        while chunk := f.read(block):
            digest.update(chunk)
    return digest.hexdigest()


def _save_file_bytes(path: Path, data: FileBytes) -> str:
    """Write ``data`` as the ``.npy`` file ``np.save`` would write (same bytes), in
    pieces so that it never sits whole in memory; returns the SHA-256 of the data."""
    digest = hashlib.sha256()
    header = {"descr": data.dtype.str, "fortran_order": False, "shape": tuple(data.shape)}
    with open(path, "wb") as f:
        np.lib.format.write_array_header_1_0(f, header)
        for chunk in data.chunks():
            f.write(chunk)
            digest.update(chunk)
    return digest.hexdigest()


def _manifest_checksum(manifest: dict) -> str:
    body = {k: v for k, v in manifest.items() if k != "manifest_sha256"}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode("utf-8")).hexdigest()


def save(index: SparseSentenceIndex, directory: str | Path, fingerprint: dict) -> Path:
    """Write ``index`` to ``directory`` atomically (replacing what is there).

    Parameters
    ----------
    index : SparseSentenceIndex
    directory : str or Path
    fingerprint : dict
        From :func:`fingerprint`, for the corpus and settings the index was built from.

    Returns
    -------
    Path
        ``directory``.

    Raises
    ------
    OSError
        The directory cannot be written.
    """
    target = Path(directory)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".{target.name}.tmp-{os.getpid()}-{time.monotonic_ns()}"
    tmp.mkdir()
    try:
        arrays = {}
        for name in ARRAY_NAMES:
            array = index.arrays[name]
            if isinstance(array, FileBytes):  # text left on disk: copied in pieces
                digest = _save_file_bytes(tmp / f"{name}.npy", array)
            else:
                array = np.ascontiguousarray(array)
                np.save(tmp / f"{name}.npy", array, allow_pickle=False)
                digest = _sha256(array)
            arrays[name] = {
                "file": f"{name}.npy",
                "dtype": array.dtype.str,
                "shape": list(array.shape),
                "sha256": digest,
            }
        vocabulary = "\n".join(index.vocabulary).encode("utf-8")
        (tmp / VOCABULARY).write_bytes(vocabulary)
        manifest = {
            "format": INDEX_FORMAT,
            "engine": index.engine_name,
            "fingerprint": fingerprint,
            "size": index.size,
            "terms": len(index.vocabulary),
            "average_length": index.average_length,
            "documents": index.documents.to_json(),
            "sections": index.section_names,
            "arrays": arrays,
            "vocabulary": {"file": VOCABULARY, "bytes": len(vocabulary), "sha256": _sha256(vocabulary)},
        }
        manifest["manifest_sha256"] = _manifest_checksum(manifest)
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
        old = None
        if target.exists():
            old = target.parent / f".{target.name}.old-{os.getpid()}-{time.monotonic_ns()}"
            target.rename(old)
        tmp.rename(target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def read_manifest(directory: str | Path) -> dict:
    """The verified manifest of an index directory.

    Raises
    ------
    MissingIndexError
        There is no manifest.
    IndexFileError
        It is unreadable, not JSON, of another format, or its checksum fails.
    """
    path = Path(directory) / MANIFEST
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise MissingIndexError(f"no index in {directory} (no {MANIFEST})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise IndexFileError(f"{path}: unreadable: {exc}") from exc
    try:
        manifest = json.loads(text)
    except ValueError as exc:
        raise IndexFileError(f"{path}: not valid JSON ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != INDEX_FORMAT:
        raise IndexFileError(f"{path}: not a {INDEX_FORMAT} manifest")
    if manifest.get("manifest_sha256") != _manifest_checksum(manifest):
        raise IndexFileError(f"{path}: checksum mismatch (the manifest was altered)")
    return manifest


def load(
    directory: str | Path, settings: Settings | None = None, expected: dict | None = None
) -> SparseSentenceIndex:
    """Load a persisted index, verifying every file.

    Parameters
    ----------
    directory : str or Path
    settings : Settings, optional
        Must have the k1, b and epsilon the index was built with.
    expected : dict, optional
        The current :func:`fingerprint`; when given, a different one is stale.

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
        A file is missing, truncated or altered (the message names it).
    """
    settings = settings or Settings()
    directory = Path(directory)
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
        path = directory / info["file"]
        try:
            if name in MAPPED:
                array = FileBytes.open(path)
            else:
                array = np.load(path, allow_pickle=False)
        except FileNotFoundError:
            raise IndexFileError(f"{path}: missing") from None
        except (OSError, ValueError, EOFError) as exc:
            raise IndexFileError(f"{path}: unreadable or truncated ({exc})") from exc
        if array.dtype.str != info["dtype"] or list(array.shape) != info["shape"]:
            raise IndexFileError(f"{path}: header altered (dtype/shape differ from the manifest)")
        if name in MAPPED:
            digest = _file_sha256(path, array.offset)
        else:
            digest = _sha256(array)
        if digest != info["sha256"]:
            raise IndexFileError(f"{path}: checksum mismatch (the data was altered)")
        arrays[name] = array
    path = directory / manifest["vocabulary"]["file"]
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise IndexFileError(f"{path}: unreadable ({exc})") from exc
    if len(raw) != manifest["vocabulary"]["bytes"] or _sha256(raw) != manifest["vocabulary"]["sha256"]:
        raise IndexFileError(f"{path}: truncated or altered")
    vocabulary = raw.decode("utf-8").split("\n") if raw else []
    if len(vocabulary) != manifest["terms"]:
        raise IndexFileError(f"{path}: term count differs from the manifest")
    return SparseSentenceIndex(
        arrays,
        vocabulary,
        DocumentTable.from_json(manifest["documents"]),
        list(manifest["sections"]),
        settings,
        average_length=manifest["average_length"],
    )


def load_or_build(
    corpus_dir: str | Path,
    settings: Settings | None = None,
    index_dir: str | Path | None = None,
    *,
    progress: bool | None = None,
) -> SparseSentenceIndex:
    """The corpus index from ``index_dir`` when it is current, else built and saved.

    A stale index is rebuilt silently (logged at INFO), a damaged one with a WARNING
    on the ``retrieval.store`` logger (shown on stderr when logging is not
    configured). When the index cannot be written (read-only corpus), a WARNING is
    logged and the built index is used anyway.

    Raises
    ------
    CorpusError, EmptyCorpusError
        As :func:`retrieval.build.build_corpus_index`.
    """
    from .build import build_corpus_index

    settings = settings or Settings()
    directory = Path(index_dir) if index_dir is not None else default_index_dir(corpus_dir)
    current = fingerprint(corpus_dir, settings)
    try:
        return load(directory, settings, current)
    except MissingIndexError:
        pass
    except StaleIndexError as exc:
        log.info("%s; rebuilding", exc)
    except IndexFileError as exc:
        log.warning("damaged index: %s; rebuilding", exc)
    except (KeyError, TypeError, ValueError) as exc:  # a well-formed manifest of odd shape
        log.warning("damaged index in %s (%s); rebuilding", directory, exc)
    index = build_corpus_index(corpus_dir, settings, progress=progress)
    try:
        save(index, directory, current)
    except OSError as exc:
        log.warning("could not write the index to %s: %s", directory, exc)
    return index
