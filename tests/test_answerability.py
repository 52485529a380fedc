"""The answerability model (retrieval/answerability.py): focus words, the model file, probabilities."""

from __future__ import annotations

import json

import numpy as np
import pytest

from retrieval.answerability import (
    EVIDENCE_NAMES,
    AnswerabilityModel,
    AnswerabilityModelError,
    expand,
    focus_word,
    read_model,
    shipped_model,
)
from retrieval.answerability_trees import TreeAnswerabilityModel, TreeEnsemble, write_json


def words(question: str) -> list[str]:
    return question.lower().rstrip("?").split()


@pytest.mark.parametrize(
    "question, focus",
    [
        ("What is the population of Pyongyang?", "population"),
        ("How many missiles were sent?", "missiles"),
        ("How much oil does Russia sell?", "oil"),
        ("Which city hosted the talks?", "city"),
        ("What kind of pact was signed?", "pact"),
        ("Who is the president of France?", "president"),
        ("When was Kim born?", "born"),
        ("Where did the leaders meet?", "meet"),
        ("Putin arrived.", None),  # no wh-word
        ("What is it?", None),  # nothing but stopwords
    ],
)
def test_focus_word(question, focus):
    assert focus_word(words(question)) == focus


def _model(abstain=0.1, hedge=0.5) -> AnswerabilityModel:
    knots = {"coverage": (0.5,)}
    width = len(EVIDENCE_NAMES) + 1
    weights = np.zeros(width)
    weights[EVIDENCE_NAMES.index("coverage")] = 2.0
    return AnswerabilityModel(knots, np.zeros(width), np.ones(width), weights, -1.0, abstain, hedge)


def test_expand_appends_one_hinge_per_knot():
    X = np.zeros((2, len(EVIDENCE_NAMES)))
    X[:, EVIDENCE_NAMES.index("coverage")] = [0.25, 0.75]
    C = expand(X, {"coverage": (0.5,), "score": (0.0, 1.0)})
    assert C.shape == (2, len(EVIDENCE_NAMES) + 3)
    assert C[:, len(EVIDENCE_NAMES)].tolist() == [0.0, 0.25]  # max(0, coverage - 0.5)


def test_probability_is_the_logistic_of_the_weighted_evidence():
    X = np.zeros((1, len(EVIDENCE_NAMES)))
    X[0, EVIDENCE_NAMES.index("coverage")] = 1.0
    assert _model().probability(X)[0] == pytest.approx(1 / (1 + np.exp(-(2.0 - 1.0))))


def test_model_round_trips_through_json(tmp_path):
    path = tmp_path / "m.json"
    path.write_text(json.dumps(_model().to_json({"note": "test"})))
    back = read_model(path)
    assert (back.abstain, back.hedge, back.bias) == (0.1, 0.5, -1.0)
    assert back.knots == {"coverage": (0.5,)}
    assert back.weights.tolist() == _model().weights.tolist()


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.update(format=7), "format 7, expected 1 or 2"),
        (lambda d: d.update(evidence=["coverage"]), "its evidence names are not this version's"),
        (lambda d: d.update(weights=[1.0]), "must have"),
        (lambda d: d.update(thresholds={"abstain": 0.6, "hedge": 0.5}), "0 <= abstain <= hedge <= 1"),
        (lambda d: d.pop("bias"), "'bias'"),
    ],
)
def test_bad_model_files_are_named(tmp_path, change, message):
    data = _model().to_json()
    change(data)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(AnswerabilityModelError, match="cannot read the answerability model") as caught:
        read_model(path)
    assert str(path) in str(caught.value) and message in str(caught.value)


def test_unreadable_model_file_is_named(tmp_path):
    with pytest.raises(AnswerabilityModelError, match="No such file"):
        read_model(tmp_path / "missing.json")
    (tmp_path / "x.json").write_text("{not json")
    with pytest.raises(AnswerabilityModelError, match="x.json"):
        read_model(tmp_path / "x.json")


def test_shipped_model_is_consistent():
    model = shipped_model()
    assert isinstance(model, TreeAnswerabilityModel) and model.evidence == EVIDENCE_NAMES
    assert 0.0 < model.abstain <= model.unknown_below <= model.hedge < 1.0
    assert model.slope > 0.0  # a higher tree score is a higher probability
    assert len(model.trees.roots) == 300


def _trees() -> TreeEnsemble:
    """Two trees: coverage <= 0.5 ? (score <= 1 ? -2 : -1) : 1.5, and a lone leaf 0.25."""
    c, s = EVIDENCE_NAMES.index("coverage"), EVIDENCE_NAMES.index("score")
    return TreeEnsemble(
        feature=np.array([c, s, -1, -1, -1, -1]),
        threshold=np.array([0.5, 1.0, 0.0, 0.0, 0.0, 0.0]),
        left=np.array([1, 2, -1, -1, -1, -1]),
        right=np.array([4, 3, -1, -1, -1, -1]),
        value=np.array([0.0, 0.0, -2.0, -1.0, 1.5, 0.25]),
        roots=np.array([0, 5]),
    )


def test_trees_sum_the_leaf_each_row_reaches():
    X = np.zeros((4, len(EVIDENCE_NAMES)))
    X[:, EVIDENCE_NAMES.index("coverage")] = [0.2, 0.5, 0.5, 0.9]
    X[:, EVIDENCE_NAMES.index("score")] = [0.0, 1.0, 3.0, 0.0]  # a value at the threshold goes left
    assert _trees().raw(X).tolist() == [-1.75, -1.75, -0.75, 1.75]


def test_tree_model_probability_is_platt_scaled_and_round_trips(tmp_path):
    model = TreeAnswerabilityModel(EVIDENCE_NAMES, _trees(), 2.0, -0.5, 0.1, 0.5, 0.3)
    X = np.zeros((1, len(EVIDENCE_NAMES)))
    X[0, EVIDENCE_NAMES.index("coverage")] = 0.9
    assert model.probability(X)[0] == pytest.approx(1 / (1 + np.exp(-(2.0 * 1.75 - 0.5))))
    path = tmp_path / "t.json"
    path.write_text(write_json(model.to_json({"note": "test"})))
    back = read_model(path)
    assert back.probability(X).tolist() == model.probability(X).tolist()
    assert (back.abstain, back.hedge, back.unknown_below, back.identity) == (0.1, 0.5, 0.3, {})


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda t: t.update(left=[1, 1, -1, -1, -1, -1]), "children must come after their parent"),
        (lambda t: t.update(right=[4, 9, -1, -1, -1, -1]), "points outside its arrays"),
        (lambda t: t.update(feature=[99, 0, -1, -1, -1, -1]), "outside the 39 of the evidence"),
        (lambda t: t.update(value=[0.0]), "of one length"),
    ],
)
def test_bad_tree_files_are_named(tmp_path, change, message):
    data = TreeAnswerabilityModel(EVIDENCE_NAMES, _trees(), 1.0, 0.0, 0.1, 0.5, 0.3).to_json()
    change(data["trees"])
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(AnswerabilityModelError, match="cannot read the answerability model") as caught:
        read_model(path)
    assert str(path) in str(caught.value) and message in str(caught.value)


def _evidence(text: str, question: str) -> dict[str, float]:
    import importlib

    from retrieval import Article, SentenceIndex
    from retrieval.candidates import Paragraphs
    from retrieval.corpus import split_article
    from retrieval.decide import question_evidence
    from retrieval.policy import DEFAULT_FEATURES
    from retrieval.query import parse_query

    answer = importlib.import_module("retrieval.answer")
    index = SentenceIndex.build(split_article(Article("doc", "Doc", text)))
    query = parse_query(question, index)
    paragraphs = Paragraphs(index)
    best, found = answer.ranked(query, index, DEFAULT_FEATURES, paragraphs)
    row = question_evidence(query, best, found, index, DEFAULT_FEATURES, paragraphs)
    return dict(zip(EVIDENCE_NAMES, row.tolist()))


def test_evidence_of_a_question_the_sentence_answers():
    e = _evidence("The storm hit the coast on Friday.\nRain fell.\n", "When did the storm hit the coast?")
    assert (e["coverage"], e["cover_related"], e["best_cover"], e["unseen"]) == (1.0, 1.0, 1.0, 0.0)
    assert (e["focus"], e["focus_top"], e["focus_corpus"]) == (1.0, 1.0, 1.0)  # "coast"
    assert (e["asks_type"], e["expected"], e["complete"], e["coverage_rule"]) == (1.0, 1.0, 1.0, 1.0)
    assert (e["has_names"], e["unknown_names"], e["margin"]) == (0.0, 0.0, 10.0)  # one candidate: the cap
    assert e["log_terms"] == pytest.approx(np.log(3))  # storm, hit, coast


def test_evidence_of_a_question_about_something_the_corpus_never_mentions():
    import math

    e = _evidence("The storm hit the coast on Friday.\nRain fell.\n", "When did the storm hit Paris?")
    # weights: log(1 + (N - n + 0.5) / (n + 0.5)) with N = 2 sentences; "paris" n = 0,
    # "storm" and "hit" n = 1
    unseen, seen = math.log(1 + 2.5 / 0.5), math.log(1 + 1.5 / 1.5)
    assert e["unseen"] == pytest.approx(unseen / (unseen + 2 * seen))
    assert e["coverage"] == pytest.approx(2 * seen / (unseen + 2 * seen))
    assert (e["has_names"], e["names"], e["unknown_names"]) == (1.0, 0.0, 1.0)


def test_evidence_of_what_is_asked_against_what_is_offered():
    text = "Lavrov met Kim in Pyongyang in 2019.\nThe talks did not end well.\nRain fell.\n"
    # the question negates what the first sentence says, and names a year it lacks
    e = _evidence(text, "Who did Lavrov not meet in 2020?")
    assert e["negation_clash"] == pytest.approx(e["coverage"]) and e["coverage"] > 0
    assert e["number_clash"] == 1.0  # "2020" absent, "2019" there
    assert (e["asks_kind"], e["offers_kind"]) == (1.0, 1.0)  # a person asked; "Kim" offered
    # a name the question gives is no answer to it
    e = _evidence("Then Lavrov arrived.\nRain fell.\n", "Who travelled with Lavrov?")
    assert (e["asks_kind"], e["offers_kind"], e["negation_clash"]) == (1.0, 0.0, 0.0)
    # the first sentence (the delegation's) lacks the question's names: "Kim" is elsewhere
    # in the article, "Obama" nowhere
    text = "Kim met officials in Pyongyang.\nThe delegation flew home on Monday.\nRain fell.\n"
    e = _evidence(text, "When did the delegation of Kim fly home?")
    assert (e["names"], e["names_elsewhere"], e["names_unseen"], e["missing_elsewhere"]) == (0.0, 1.0, 0.0, 1.0)
    e = _evidence(text, "When did the delegation of Kim and Obama fly home?")
    assert (e["names_elsewhere"], e["names_unseen"], e["unknown_names"]) == (0.5, 0.5, 1.0)


def test_antonym_clash_is_the_coverage_of_a_quote_saying_the_opposite():
    text = "The largest city of the region is Lyon.\nRain fell on the coast.\n"
    clash = _evidence(text, "What is the smallest city of the region?")
    assert clash["coverage"] < 1.0 and clash["antonym_clash"] == clash["coverage"]  # "largest" said, "smallest" asked
    assert _evidence(text, "What is the largest city of the region?")["antonym_clash"] == 0.0


def test_a_semantic_tree_model_reads_with_its_identity(tmp_path):
    from retrieval import semantic_answerability as sa

    model = TreeAnswerabilityModel(sa.ALL_EVIDENCE, _trees(), 1.0, 0.0, 0.1, 0.5, 0.3, {"model": "bundled"})
    path = tmp_path / "s.json"
    path.write_text(write_json(model.to_json()))
    back = sa.read_model(path)
    assert (back.evidence, back.identity, back.abstain) == (sa.ALL_EVIDENCE, {"model": "bundled"}, 0.1)
    with pytest.raises(AnswerabilityModelError, match="its evidence names are not this version's"):
        read_model(path)  # the lexical reader refuses the semantic evidence
