"""Sentence vectors of the semantic model, computed once per index and persisted beside it.

What: every indexed sentence's unit vector (float16, shape ``(N, dim)``, row = sentence
position), kept in the index directory as ``semantic.npy`` with ``semantic.json``. Why: a
question then costs one query embedding and a dot product per candidate, instead of
embedding ~30 candidate sentences per question (hundreds of milliseconds).

The vectors are reused only when ``semantic.json`` records the same key: the file format,
the model's identity (:attr:`retrieval.semantic.SemanticModel.identity`: for the bundled
model the SHA-256 of its ONNX file) and the SHA-256 of the indexed sentence text itself
(so vectors can never be paired with another corpus, even if the index was rebuilt and
could not be saved), plus the SHA-256 and shape of ``semantic.npy``, checked before use.
Anything else (missing, stale, damaged) is recomputed; when the directory cannot be
written, the vectors are kept in memory only (a WARNING on the ``retrieval.semantic``
logger). The index directory is replaced whole when the index is rebuilt, which removes
these files with it.

Vectors are stored and used as float16 in both cases, so a fresh index and a reloaded one
rank identically.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from pathlib import Path

import numpy as np

from .semantic import SemanticModel, file_sha256

log = logging.getLogger("retrieval.semantic")

VECTORS = "semantic.npy"
META = "semantic.json"
FORMAT = "newsqa-semantic-vectors-1"
DTYPE = np.float16


def content_digest(index) -> str:
    """SHA-256 of the indexed sentences' text, in position order.

    Uses the sparse index's ``text`` and ``text_offsets`` columns when it has them (read
    in pieces, bounded memory), else the sentences' text joined by NUL.
    """
    digest = hashlib.sha256()
    arrays = getattr(index, "arrays", None)
    if arrays is not None and "text" in arrays and "text_offsets" in arrays:
        text = arrays["text"]
        chunks = text.chunks() if hasattr(text, "chunks") else [np.ascontiguousarray(text).tobytes()]
        for chunk in chunks:
            digest.update(chunk)
        digest.update(b"\0offsets\0" + np.ascontiguousarray(arrays["text_offsets"]).tobytes())
    else:
        for position in range(index.size):
            digest.update(index.sentence(position).text.encode("utf-8") + b"\0")
    return digest.hexdigest()


def _key(model: SemanticModel, index) -> dict:
    return {"format": FORMAT, "model": model.identity, "sentences": index.size, "text_sha256": content_digest(index)}


def _read(directory: Path, key: dict) -> np.ndarray | None:
    """The persisted vectors when they match ``key`` and verify; else None (logged)."""
    meta_path, path = directory / META, directory / VECTORS
    try:
        meta = json.loads(meta_path.read_text("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("damaged semantic vectors: %s (%s); computing them again", meta_path, exc)
        return None
    if not isinstance(meta, dict) or meta.get("key") != key:
        log.info("semantic vectors in %s are for another model or corpus; computing them again", directory)
        return None
    try:
        if path.stat().st_size != meta.get("bytes") or file_sha256(path) != meta.get("sha256"):
            raise ValueError("size or SHA-256 differs from semantic.json")
        vectors = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        log.warning("damaged semantic vectors: %s (%s); computing them again", path, exc)
        return None
    if vectors.dtype != DTYPE or vectors.ndim != 2 or vectors.shape[0] != key["sentences"]:
        log.warning("damaged semantic vectors: %s has shape %s %s; computing them again", path, vectors.shape, vectors.dtype)
        return None
    return vectors


def _write(directory: Path, key: dict, vectors: np.ndarray) -> None:
    """Write both files atomically (each to a temporary name, then renamed; the JSON last)."""
    suffix = f".tmp-{os.getpid()}-{time.monotonic_ns()}"
    path, meta_path = directory / VECTORS, directory / META
    tmp, meta_tmp = directory / (VECTORS + suffix), directory / (META + suffix)
    try:
        with open(tmp, "wb") as f:
            np.save(f, vectors, allow_pickle=False)
        meta = {"key": key, "dtype": np.dtype(DTYPE).str, "shape": list(vectors.shape)}
        meta.update(bytes=tmp.stat().st_size, sha256=file_sha256(tmp))
        meta_tmp.write_text(json.dumps(meta, sort_keys=True), "utf-8")
        os.replace(tmp, path)
        os.replace(meta_tmp, meta_path)
    finally:
        for leftover in (tmp, meta_tmp):
            try:
                leftover.unlink()
            except OSError:
                pass


def sentence_vectors(model: SemanticModel, index, directory: str | Path | None = None, *, progress=None) -> np.ndarray:
    """Every indexed sentence's unit vector, float16, shape ``(index.size, dim)``.

    Parameters
    ----------
    model : SemanticModel
        An embedding model (``model.kind == "embedding"``).
    index : BaseIndex
        ``index.size`` sentences, ``index.sentence(i).text``.
    directory : path, optional
        The persisted index's directory: vectors are read from it when current, else
        computed and written there. None: computed, kept in memory only.
    progress : bool or None
        A tqdm bar on stderr while computing (None: only when stderr is a terminal).
    """
    key = _key(model, index) if directory is not None else None
    if directory is not None:
        directory = Path(directory)
        found = _read(directory, key)
        if found is not None:
            return found
    from tqdm import tqdm

    texts = [index.sentence(position).text for position in range(index.size)]
    with tqdm(total=len(texts), unit="sentence", desc="semantic vectors", disable=None if progress is None else not progress) as bar:
        vectors = model.embed_passages(texts, progress=bar.update).astype(DTYPE)
    if directory is not None and directory.is_dir():
        try:
            _write(directory, key, vectors)
        except OSError as exc:
            log.warning("could not write the semantic vectors to %s: %s", directory, exc.strerror or exc)
    return vectors
