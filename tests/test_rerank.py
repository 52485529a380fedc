"""The learned reranker: feature values, the listwise fit, and the weights file."""

from __future__ import annotations

import json

import numpy as np
import pytest

from retrieval import Article, SentenceIndex
from retrieval.analyze import analyze
from retrieval.answer import Features, rank
from retrieval.features import candidate_features
from retrieval.query import query_of
from retrieval.corpus import split_article
from retrieval.index import positive_idf
from retrieval.rerank import (
    FEATURE_NAMES,
    WEIGHTS_PATH,
    RankerWeights,
    RankerWeightsError,
    fit_listwise,
    read_weights,
    shipped_weights,
    write_weights,
)


def build(text: str, title: str = "Doc") -> SentenceIndex:
    return SentenceIndex.build(split_article(Article("doc", title, text)))


def features_of(index: SentenceIndex, question: str) -> list[dict[str, float]]:
    terms = analyze(question)
    X, found = candidate_features(index, query_of(question, terms), index.score_terms(terms, 100))
    assert X.shape == (len(found), len(FEATURE_NAMES))
    return [dict(zip(FEATURE_NAMES, row)) for row in X.tolist()]


def test_feature_values_of_a_one_sentence_corpus():
    index = build("Storm hits the coast. Markets rally.\n")
    (row,) = features_of(index, "Where did the storm hit the coast?")
    assert row["coverage"] == 1.0
    assert row["previous"] == 0.0
    assert row["words"] == pytest.approx(2 / 3)  # storm, coast verbatim; "hit" is "hits"
    assert row["word_pairs"] == pytest.approx(1 / 6)  # "the coast"
    assert row["longest_run"] == pytest.approx(2 / 7)  # "the coast" of 7 words
    assert row["matched_share"] == 1.0
    assert row["title"] == 0.0
    assert row["log_length"] == pytest.approx(np.log1p(3))
    assert row["lacks_place"] == 1.0 and row["offers_place"] == 0.0
    assert row["expected_type"] == 1.0


def test_title_and_names_features():
    index = build("Storm hits Leeds. Markets rally.\n", title="Storm season")
    (row,) = features_of(index, "When did the storm hit Leeds?")
    # storm is in the title; Leeds is the question's only capitalised word after the first
    weights = {t: positive_idf(index, t) for t in analyze("storm hit leeds")}
    assert row["names"] == 1.0
    assert row["title"] == pytest.approx(weights["storm"] / sum(weights.values()))
    assert 0.0 < row["title"] < 1.0


def test_surface_words_break_a_term_tie():
    # both sentences hold the terms "storm" and "hit"; one says it the question's way
    index = build("Hitting storms came.\nThe storm hit the coast.\n")
    question = "What did the storm hit?"
    plain = Features(weights=RankerWeights.from_mapping({"coverage": 1.0}))
    worded = Features(weights=RankerWeights.from_mapping({"coverage": 1.0, "word_pairs": 0.5}))
    assert rank(question, index, 1, plain)[0].text == "Hitting storms came."
    assert rank(question, index, 1, worded)[0].text == "The storm hit the coast."


def test_fit_listwise_learns_the_informative_feature():
    rng = np.random.default_rng(0)
    lists = []
    column = FEATURE_NAMES.index("coverage")
    for _ in range(60):
        X = rng.normal(size=(8, len(FEATURE_NAMES)))
        gold = np.zeros(8, dtype=bool)
        gold[rng.integers(8)] = True
        X[:, column] = gold * 1.0
        lists.append((X, gold))
    weights = fit_listwise(lists, l2=1e-3)
    w = weights.array()
    assert np.argmax(np.abs(w)) == column and w[column] > 0
    assert all(np.argmax(X @ w) == np.argmax(g) for X, g in lists)


def test_fit_listwise_rejects_lists_without_gold():
    with pytest.raises(ValueError, match="no list has a gold candidate"):
        fit_listwise([(np.zeros((3, len(FEATURE_NAMES))), np.zeros(3, dtype=bool))])


def test_weights_round_trip(tmp_path):
    weights = RankerWeights.from_mapping({"coverage": 2.0, "title": -0.5})
    path = tmp_path / "ranker.json"
    write_weights(weights, path, {"trained_on": "x"})
    assert read_weights(path) == weights
    assert read_weights(path).as_dict()["title"] == -0.5


def test_unknown_feature_name_is_refused():
    with pytest.raises(ValueError, match="unknown ranking features: colour"):
        RankerWeights.from_mapping({"colour": 1.0})


def _weights_with(**raw: str) -> str:
    """A weights file with every feature 1.0 except the given raw JSON values."""
    values = {name: raw.get(name, "1.0") for name in FEATURE_NAMES}
    return '{"format": 1, "weights": {' + ", ".join(f'"{k}": {v}' for k, v in values.items()) + "}}"


@pytest.mark.parametrize(
    "content, message",
    [
        ("{", "cannot read the ranker weights"),
        ('{"format": 2, "weights": {}}', "format 2, expected 1"),
        ('{"format": 1, "weights": {"coverage": 1}}', "feature names differ"),
        (lambda: _weights_with(coverage="NaN"), r"finite numbers \(coverage is not\)"),
        (lambda: _weights_with(title="true", names='"1"'), r"finite numbers \(names, title are not\)"),
        (lambda: "[" * 100000 + "]" * 100000, "cannot read the ranker weights .*RecursionError"),
    ],
)
def test_bad_weights_file_is_named(tmp_path, content, message):
    path = tmp_path / "ranker.json"
    path.write_text(content() if callable(content) else content, encoding="utf-8")
    with pytest.raises(RankerWeightsError, match=message) as caught:
        read_weights(path)
    assert str(path) in str(caught.value)


def test_shipped_weights_cover_every_feature():
    data = json.loads(WEIGHTS_PATH.read_text(encoding="utf-8"))
    assert list(data["weights"]) == list(FEATURE_NAMES)
    assert shipped_weights().as_dict() == data["weights"]
    assert data["about"]["trained_on"] == "squad-v1.1-dev-A.json"


from hypothesis import given, settings as hsettings, strategies as st  # noqa: E402

from retrieval.features import _longest_run, _pairs_found, _said  # noqa: E402

WORDS = st.lists(st.sampled_from(["the", "storm", "hit", "coast", "a"]), max_size=8)


def longest_common_run(question: list[str], sentence: list[str]) -> int:
    """Brute force: the longest i..j of the question found contiguously in the sentence."""
    best = 0
    for i in range(len(question)):
        for j in range(i + 1, len(question) + 1):
            piece = question[i:j]
            if any(sentence[k : k + len(piece)] == piece for k in range(len(sentence))):
                best = max(best, j - i)
    return best


@hsettings(max_examples=300, deadline=None)
@given(WORDS, WORDS)
def test_longest_run_equals_brute_force(question, sentence):
    assert _longest_run(question, _said(" ".join(sentence))) == longest_common_run(question, sentence)


@hsettings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(["storm", "hit", "a"]), max_size=10),
    st.lists(st.sampled_from(["storm", "hit", "a"]), max_size=40),
)
def test_longest_run_equals_brute_force_on_repetitive_text(question, sentence):
    assert _longest_run(question, _said(" ".join(sentence))) == longest_common_run(question, sentence)


@hsettings(max_examples=300, deadline=None)
@given(WORDS, WORDS)
def test_pairs_found_equals_the_set_intersection(question, sentence):
    pairs = set(zip(question, question[1:]))
    assert _pairs_found(pairs, sentence) == pairs & set(zip(sentence, sentence[1:]))


def test_pairs_found_example():
    pairs = {("the", "storm"), ("storm", "hit"), ("hit", "the")}
    assert _pairs_found(pairs, ["the", "storm", "hit", "hard", "the", "storm"]) == {("the", "storm"), ("storm", "hit")}
    assert _pairs_found(set(), ["the", "storm"]) == set()


def test_longest_run_examples():
    assert _longest_run(["where", "did", "the", "storm", "hit"], _said("The storm hit hard.")) == 3
    assert _longest_run(["why"], _said("The storm.")) == 0
    assert _longest_run(["the", "storm", "hit", "hard"], _said("Hit hard. The storm hit hard.")) == 4
    assert _longest_run(["rain", "the", "storm"], _said("The storm.")) == 2  # at the very start
    assert _longest_run(["storm", "hit"], _said("Storm, then a hit.")) == 1


def test_engine_load_reports_damaged_weights_first(tmp_path, monkeypatch):
    from retrieval import Engine, RetrievalError
    from retrieval import rerank

    bad = tmp_path / "ranker.json"
    bad.write_text("{", encoding="utf-8")
    monkeypatch.setattr(rerank, "WEIGHTS_PATH", bad)
    rerank.shipped_weights.cache_clear()
    try:
        with pytest.raises(RetrievalError, match="cannot read the ranker weights"):
            Engine.load(tmp_path / "no-corpus-needed", index_dir=False)
    finally:
        rerank.shipped_weights.cache_clear()


def test_explain_follows_the_answer_ranking_and_sums_the_features():
    from retrieval.answer import answer, explain

    index = build("Storm hits the coast. Markets rally.\nThe storm hit the town hard.\nStorms pass.\n")
    question = "What did the storm hit?"
    explained = explain(question, index, k=3)
    assert len(explained) == 3
    assert [e.hit.id for e in explained] == [h.id for h in rank(question, index, 3)]
    assert explained[0].hit.id == answer(question, index).quotes[0].hit.id
    for e in explained:
        assert sum(v for _, v in e.features) == pytest.approx(e.score)
        assert [abs(v) for _, v in e.features] == sorted((abs(v) for _, v in e.features), reverse=True)


def test_render_explanation_names_the_largest_features():
    from bot.render import render_explanation
    from retrieval.answer import explain

    index = build("Storm hits the coast.\n")
    text = render_explanation("Where did the storm hit the coast?", explain("Where did the storm hit the coast?", index))
    (line,) = [x for x in text.splitlines() if "largest reranker features" in x]
    assert line.startswith("   largest reranker features: coverage +")
    assert line.count(",") == 3  # four features shown


def test_render_explanation_echoes_only_printable_text():
    from bot.render import NO_TERMS, render_explanation

    assert render_explanation("capital \x1b[31mRED\x1b[0m of\x00 France", []) == (
        "Nothing in the article matches the words of: capital [31mRED [0m of France"
    )
    assert render_explanation("capital of France", [], articles=2) == (
        "Nothing in the articles matches the words of: capital of France"
    )
    assert render_explanation("", []) == NO_TERMS
    assert render_explanation("the of ?", []) == NO_TERMS
    assert render_explanation("the of ?", [], articles=2) == (
        "Please ask a question about the articles in words: who, what, when, where, how many …?"
    )
