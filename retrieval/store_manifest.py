"""The manifest of a persisted index: file names, format, checksum and structure checks.

``manifest.json`` records the format, the fingerprint the index was built from, the
counts, the document and section tables, and for every other file its dtype, shape,
size and SHA-256; plus the SHA-256 of the manifest's own content (:func:`manifest_checksum`).
:func:`read_manifest` verifies the checksum and then the structure and types
(:func:`manifest_problem`) before anything else of the index is read.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from pathlib import Path

import numpy as np

from .errors import IndexFileError, MissingIndexError, StaleIndexError
from .sparse_arrays import ARRAY_NAMES

FORMAT_FAMILY = "newsqa-sparse-index-"
INDEX_FORMAT = FORMAT_FAMILY + "2"
MANIFEST = "manifest.json"
MARKER = ".newsqa-index"
VOCABULARY = "vocabulary.txt"
# every name an index directory (or one of our temporary directories) can hold
OUR_NAMES = frozenset(
    {MANIFEST, MARKER, VOCABULARY, *(f"{n}.npy" for n in ARRAY_NAMES), "semantic.npy", "semantic.json"}
)  # semantic.*: the sentence vectors of retrieval.semantic_store, written beside the index
_DTYPES = frozenset(
    np.dtype(t).str
    for t in (np.uint8, np.int8, np.uint16, np.int16, np.uint32, np.int32, np.int64, np.float64)
)


def is_our_index(directory: str | Path) -> bool:
    """Whether ``directory`` holds one of our persisted indexes (any format of
    ``FORMAT_FAMILY``): its ``manifest.json`` names such a format, or its
    ``.newsqa-index`` marker does (the marker alone is enough: a damaged index is ours
    too). Never raises: an unreadable file counts as absent."""
    directory = Path(directory)
    try:
        with open(directory / MANIFEST, "rb") as f:
            manifest = json.loads(f.read(1 << 26))
        if isinstance(manifest, dict) and str(manifest.get("format", "")).startswith(FORMAT_FAMILY):
            return True
    except Exception:  # noqa: BLE001 - unreadable or not JSON: look for the marker
        pass
    try:
        with open(directory / MARKER, "rb") as f:
            return f.read(64).startswith(FORMAT_FAMILY.encode())
    except OSError:
        return False


def manifest_checksum(manifest: dict) -> str:
    """SHA-256 of the manifest without its ``manifest_sha256`` entry (canonical JSON,
    ASCII: a file name that is not valid UTF-8 is kept as its escaped surrogates)."""
    body = {k: v for k, v in manifest.items() if k != "manifest_sha256"}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode("ascii")).hexdigest()


def manifest_json(manifest: dict) -> str:
    """The manifest's file text: JSON with every non-ASCII character escaped, so that
    a file name that is not valid UTF-8 (held as surrogates, as ``os.listdir`` gives
    it) is written and read back unchanged."""
    return json.dumps(manifest, ensure_ascii=True)


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
    if manifest.get("manifest_sha256") != manifest_checksum(manifest):
        raise IndexFileError(f"{path}: checksum mismatch (the manifest was altered)")
    problem = manifest_problem(manifest)
    if problem:
        raise IndexFileError(f"{path}: {problem}")
    return manifest


def _is_int(value, minimum: int = 0) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def _is_hex(value) -> bool:
    return isinstance(value, str) and re.fullmatch(r"[0-9a-f]{64}", value) is not None


def manifest_problem(m: dict) -> str | None:
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

