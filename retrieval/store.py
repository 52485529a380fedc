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
one: the SHA-256 of every article file's bytes (with its name and size), the
analyzer and segmenter versions, the SHA-256 of the code and data that decide the
index content (``analyze.py``, ``corpus.py``, ``segment.py``, ``sparse.py``, the
stopword list), and the BM25 parameters. To keep this cheap on big corpora, the
manifest also caches each file's digest with its size, mtime, ctime, inode and device;
a file whose stat matches all five is not read again (``touch -r`` can restore an
mtime but not a ctime, so an edit is always seen; files changed within the last two
seconds are never cached). Any difference -> :class:`~retrieval.errors.StaleIndexError`;
a missing, unreadable, truncated or altered file, or a manifest of the wrong shape ->
:class:`~retrieval.errors.IndexFileError`. Every file's size and checksum are verified
before it is parsed, and its header against the manifest before anything is allocated.
:func:`load_or_build` rebuilds in both cases, logging a warning for a damaged index.

Writing never harms other data: :func:`check_target` refuses (``IndexDirError``) an
existing file, a non-empty directory that is not one of our indexes, the corpus
directory or any directory overlapping it (except the default ``<corpus>/.index``),
the current directory and the root. The new index is written next to the target and
renamed into place; temporary directories left by killed processes are removed on the
next save.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import math
import os
import re
import shutil
import time
from pathlib import Path

import numpy as np

from .errors import IndexDirError, IndexFileError, MissingIndexError, StaleIndexError
from .settings import Settings
from .sparse import ARRAY_NAMES, DocumentTable, FileBytes, SparseSentenceIndex

log = logging.getLogger("retrieval.store")

FORMAT_FAMILY = "newsqa-sparse-index-"
INDEX_FORMAT = FORMAT_FAMILY + "2"
MANIFEST = "manifest.json"
MARKER = ".newsqa-index"
VOCABULARY = "vocabulary.txt"
# arrays left on disk and read piecewise (FileBytes): the sentence text is needed only
# for the sentences shown, so it stays in the page cache, not in the process's memory
MAPPED = frozenset({"text"})
_CODE_FILES = ("analyze.py", "corpus.py", "segment.py", "sparse.py", "data/stopwords.txt")
# every name an index directory (or one of our temporary directories) can hold
_OUR_NAMES = frozenset(
    {MANIFEST, MARKER, VOCABULARY, *(f"{n}.npy" for n in ARRAY_NAMES), "semantic.npy", "semantic.json"}
)  # semantic.*: the sentence vectors of retrieval.semantic_store, written beside the index
_DTYPES = frozenset(
    np.dtype(t).str
    for t in (np.uint8, np.int8, np.uint16, np.int16, np.uint32, np.int32, np.int64, np.float64)
)
# a file whose mtime or ctime is this recent is not cached by stat: a write within the
# same timestamp tick would leave its stat unchanged ("racily clean", as in git)
_RACY_NS = 2_000_000_000
_BLOCK = 1 << 24


def reason(exc: OSError) -> str:
    """An OSError as the user should read it: the reason, without our internal paths."""
    return exc.strerror or str(exc)


def default_index_dir(corpus_dir: str | Path) -> Path:
    """``<corpus_dir>/.index`` (hidden, so never read as an article; gitignored)."""
    return Path(corpus_dir) / ".index"


# ----------------------------------------------------------------- where to write
def _foreign(directory: Path) -> str | None:
    """Why the existing directory is not one we may replace (None: it is ours or empty)."""
    try:
        entries = os.listdir(directory)
    except OSError as exc:
        return f"cannot list it ({reason(exc)})"
    if not entries:
        return None
    try:
        with open(directory / MANIFEST, "rb") as f:
            manifest = json.loads(f.read(1 << 26))
        if isinstance(manifest, dict) and str(manifest.get("format", "")).startswith(FORMAT_FAMILY):
            return None
    except Exception:  # noqa: BLE001 - unreadable or not JSON: look for the marker
        pass
    try:
        with open(directory / MARKER, "rb") as f:
            if f.read(64).startswith(FORMAT_FAMILY.encode()):
                return None
    except OSError:
        pass
    return "it is a directory that is not empty and is not a newsqa index (no manifest.json or .newsqa-index of ours)"


def check_target(directory: str | Path, corpus_dir: str | Path | None = None) -> Path:
    """The resolved index directory, when writing there cannot destroy anything else.

    Parameters
    ----------
    directory : str or Path
        The index directory as the user gave it.
    corpus_dir : str or Path, optional
        The corpus it indexes; the index may not be it, contain it or lie inside it,
        except at the default ``<corpus>/.index``.

    Raises
    ------
    IndexDirError
        The path is empty, the root, the current directory or one of its parents, an
        existing non-directory (a file, a device), a non-empty directory that is not
        one of our indexes, or overlaps the corpus. The message names the path and why.
    """
    if str(directory).strip() == "":
        raise IndexDirError("the index directory is empty: give a directory path")

    def refuse(why: str) -> IndexDirError:
        return IndexDirError(f"refusing to use {directory} as the index directory: {why}; nothing was changed")

    try:
        target = Path(directory).resolve()
    except (OSError, RuntimeError) as exc:  # a symlink loop
        raise refuse(f"it cannot be resolved ({exc})") from None
    if target.parent == target:
        raise refuse("it is the root directory")
    try:
        cwd = Path.cwd().resolve()
    except OSError:
        cwd = None
    if cwd is not None and (target == cwd or target in cwd.parents):
        raise refuse("it is the current directory or contains it")
    if corpus_dir is not None:
        corpus = Path(corpus_dir).resolve()
        if target != (Path(corpus_dir) / ".index").resolve():
            if target == corpus:
                raise refuse("it is the corpus directory")
            if target in corpus.parents:
                raise refuse("it contains the corpus directory")
            if corpus in target.parents:
                raise refuse("it is inside the corpus directory (only the default CORPUS/.index may be)")
    if os.path.lexists(target):
        if not target.is_dir():
            raise refuse("it exists and is not a directory")
        why = _foreign(target)
        if why:
            raise refuse(why)
    return target


_TEMP = re.compile(r"\A\.(?P<name>.+)\.(?:tmp|old)-(?P<pid>\d+)-\d+\Z")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: it exists, owned by someone else
        return True
    return True


def remove_stale_temporaries(parent: Path, name: str) -> list[Path]:
    """Delete ``.NAME.tmp-PID-N`` / ``.NAME.old-PID-N`` directories in ``parent`` left by
    a process that no longer runs (killed during a save), when they hold nothing but
    index files. Returns the paths removed."""
    removed = []
    try:
        entries = list(parent.iterdir())
    except OSError:
        return removed
    for path in entries:
        match = _TEMP.match(path.name)
        if not match or match["name"] != name or _alive(int(match["pid"])):
            continue
        try:
            if path.is_symlink() or not path.is_dir() or not set(os.listdir(path)) <= _OUR_NAMES:
                continue
            shutil.rmtree(path)
            removed.append(path)
        except OSError as exc:
            log.debug("could not remove %s: %s", path, exc)
    return removed


# ----------------------------------------------------------------- fingerprint
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
        last two seconds are left out).

    Raises
    ------
    CorpusError
        As :func:`retrieval.corpus.article_paths`.
    """
    from .analyze import ANALYZER_VERSION
    from .corpus import article_paths
    from .segment import SEGMENTER_VERSION

    known: dict[str, list] = {}
    for row in cache if isinstance(cache, list) else ():
        if isinstance(row, list) and len(row) == 7 and isinstance(row[0], str) and isinstance(row[6], str):
            known[row[0]] = row
    now = time.time_ns()
    files = []
    for path in article_paths(corpus_dir):
        st = path.stat()  # before reading: a write during the read changes the ctime
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
        if stats is not None and digest is not None and now - max(st.st_mtime_ns, st.st_ctime_ns) > _RACY_NS:
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


def _manifest_checksum(manifest: dict) -> str:
    body = {k: v for k, v in manifest.items() if k != "manifest_sha256"}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode("utf-8")).hexdigest()


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
        manifest["manifest_sha256"] = _manifest_checksum(manifest)
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
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


# ----------------------------------------------------------------- reading
def read_manifest(directory: str | Path) -> dict:
    """The verified manifest of an index directory (checksum and structure).

    Raises
    ------
    MissingIndexError
        There is no index (no directory, or an empty one).
    StaleIndexError
        The index was written by an older version (another format).
    IndexFileError
        The manifest is missing from an index directory that holds other files, is
        unreadable, not JSON, of another shape, or its checksum fails.
    """
    path = Path(directory) / MANIFEST
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        try:
            others = os.listdir(directory)
        except OSError:
            others = []
        if others:
            raise IndexFileError(f"{path}: missing (the other index files are there)") from None
        raise MissingIndexError(f"no index in {directory} (no {MANIFEST})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise IndexFileError(f"{path}: unreadable ({exc.strerror if isinstance(exc, OSError) else exc})") from exc
    try:
        manifest = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise IndexFileError(f"{path}: not valid JSON ({exc})") from exc
    if not isinstance(manifest, dict) or not isinstance(manifest.get("format"), str):
        raise IndexFileError(f"{path}: not a {INDEX_FORMAT} manifest")
    if manifest["format"] != INDEX_FORMAT:
        if manifest["format"].startswith(FORMAT_FAMILY):
            raise StaleIndexError(f"index in {directory} has the older format {manifest['format']}")
        raise IndexFileError(f"{path}: not a {INDEX_FORMAT} manifest")
    if manifest.get("manifest_sha256") != _manifest_checksum(manifest):
        raise IndexFileError(f"{path}: checksum mismatch (the manifest was altered)")
    problem = _manifest_problem(manifest)
    if problem:
        raise IndexFileError(f"{path}: {problem}")
    return manifest


def _is_int(value, minimum: int = 0) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def _is_hex(value) -> bool:
    return isinstance(value, str) and re.fullmatch(r"[0-9a-f]{64}", value) is not None


def _manifest_problem(m: dict) -> str | None:
    """What is wrong with the structure and types of a manifest (None: nothing)."""
    fp = m.get("fingerprint")
    if not isinstance(fp, dict) or not isinstance(fp.get("files"), list) or not isinstance(fp.get("bm25"), dict):
        return "'fingerprint' is not a fingerprint"
    if not isinstance(m.get("file_stats", []), list):
        return "'file_stats' is not a list"
    if not _is_int(m.get("size"), 1):
        return "'size' is not a positive whole number"
    if not _is_int(m.get("terms")):
        return "'terms' is not a whole number"
    avg = m.get("average_length")
    if not isinstance(avg, (int, float)) or isinstance(avg, bool) or not math.isfinite(avg) or avg <= 0:
        return "'average_length' is not a positive number"
    docs = m.get("documents")
    if not isinstance(docs, dict):
        return "'documents' is not a table"
    columns = [docs.get(k) for k in ("ids", "titles", "dates", "sources", "paths")]
    if not all(isinstance(c, list) for c in columns) or not columns[0]:
        return "'documents' lacks a column or has no document"
    if len({len(c) for c in columns}) != 1:
        return "'documents' columns differ in length"
    if not all(isinstance(v, str) for c in columns[:2] for v in c):
        return "'documents' ids and titles must be strings"
    if not all(v is None or isinstance(v, str) for c in columns[2:] for v in c):
        return "'documents' dates, sources and paths must be strings or null"
    if len(set(columns[0])) != len(columns[0]):
        return "'documents' ids repeat"
    sections = m.get("sections")
    if not isinstance(sections, list) or not all(isinstance(s, str) for s in sections):
        return "'sections' is not a list of strings"
    arrays = m.get("arrays")
    if not isinstance(arrays, dict):
        return "'arrays' is not a table"
    for name in ARRAY_NAMES:
        info = arrays.get(name)
        if not isinstance(info, dict) or info.get("file") != f"{name}.npy":
            return f"'arrays' entry {name!r} is missing or names another file"
        shape = info.get("shape")
        if info.get("dtype") not in _DTYPES or not isinstance(shape, list) or len(shape) != 1 or not _is_int(shape[0]):
            return f"'arrays' entry {name!r} has an invalid dtype or shape"
        if not _is_int(info.get("bytes")) or not _is_hex(info.get("sha256")):
            return f"'arrays' entry {name!r} has an invalid size or checksum"
        if shape[0] * np.dtype(info["dtype"]).itemsize > info["bytes"]:
            return f"'arrays' entry {name!r}: its shape does not fit in its size"
    n, terms = m["size"], m["terms"]
    lengths = {"text_offsets": n + 1, "row_ptr": n + 1, "col_ptr": terms + 1, "idf": terms}
    lengths.update({c: n for c in ("doc", "section", "paragraph", "number", "start", "end")})
    for name, length in lengths.items():
        if arrays[name]["shape"][0] != length:
            return f"'arrays' entry {name!r} has {arrays[name]['shape'][0]} values, expected {length}"
    voc = m.get("vocabulary")
    if not isinstance(voc, dict) or voc.get("file") != VOCABULARY or not _is_int(voc.get("bytes")) or not _is_hex(voc.get("sha256")):
        return "'vocabulary' entry is invalid"
    return None


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
    path = directory / VOCABULARY
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

    A stale index is rebuilt silently (logged at INFO), a damaged one (any failure to
    read or validate it) with a WARNING ``damaged index: ...; rebuilding`` on the
    ``retrieval.store`` logger (shown on stderr when logging is not configured). When
    the index cannot be written (read-only corpus), a WARNING is logged and the built
    index is used anyway.

    Raises
    ------
    CorpusError
        ``corpus_dir`` is missing, not a directory or cannot be read (checked first,
        before the index directory inside it is looked at; see
        :func:`retrieval.corpus.check_corpus_dir`); or as below.
    IndexDirError
        ``index_dir`` is not a place we may write (checked before anything is read
        or built; see :func:`check_target`).
    CorpusError, EmptyCorpusError
        As :func:`retrieval.build.build_corpus_index`.
    """
    from .build import build_corpus_index
    from .corpus import check_corpus_dir

    check_corpus_dir(corpus_dir)
    settings = settings or Settings()
    directory = Path(index_dir) if index_dir is not None else default_index_dir(corpus_dir)
    check_target(directory, corpus_dir)
    manifest = None
    try:
        manifest = read_manifest(directory)
    except MissingIndexError:
        pass
    except StaleIndexError as exc:
        log.info("%s; rebuilding", exc)
    except IndexFileError as exc:
        log.warning("damaged index: %s; rebuilding", exc)
    except Exception as exc:  # noqa: BLE001 - whatever else a damaged manifest can cause
        log.warning("damaged index: %s (%s: %s); rebuilding", directory, type(exc).__name__, exc)
    stats: list = []
    current = fingerprint(corpus_dir, settings, cache=manifest.get("file_stats") if manifest else None, stats=stats)
    if manifest is not None:
        try:
            return load(directory, settings, current, manifest=manifest)
        except StaleIndexError as exc:
            log.info("%s; rebuilding", exc)
        except IndexFileError as exc:
            log.warning("damaged index: %s; rebuilding", exc)
        except Exception as exc:  # noqa: BLE001 - whatever else a damaged index can cause
            log.warning("damaged index: %s (%s: %s); rebuilding", directory, type(exc).__name__, exc)
    index = build_corpus_index(corpus_dir, settings, progress=progress)
    try:
        save(index, directory, current, stats=stats, corpus_dir=corpus_dir)
    except OSError as exc:
        log.warning("could not write the index to %s: %s", directory, reason(exc))
    return index
