"""The semantic ranking features and answerability evidence (numpy only: no model needed),
and their weights files."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from retrieval.answerability import EVIDENCE_NAMES, HINGED, AnswerabilityModelError
from retrieval.candidates import Candidate
from retrieval.rerank import FEATURE_NAMES
from retrieval.semantic_answerability import (
    ALL_EVIDENCE,
    SEMANTIC_EVIDENCE_NAMES,
    SEMANTIC_HINGED,
    expand,
    knots,
    model,
    read_model,
    semantic_evidence,
)
from retrieval.semantic_rank import (
    ALL_NAMES,
    SEMANTIC_FEATURE_NAMES,
    SemanticRanker,
    SemanticRankerError,
    complete_flags,
    neighbour_cosines,
    read_ranker,
    semantic_columns,
    shipped_ranker,
)


def test_semantic_columns_of_three_candidates():
    S = semantic_columns(
        np.array([0.2, 0.6, 0.4]),
        np.array([0.0, 0.1, 0.3]),
        np.array([0.5, 0.0, 0.0]),
        ["a", "b", "a"],
        np.array([True, False, True]),
    )
    col = {n: S[:, j].tolist() for j, n in enumerate(SEMANTIC_FEATURE_NAMES)}
    assert col["cosine"] == [0.2, 0.6, 0.4]
    assert col["cosine_gap"] == pytest.approx([-0.4, 0.0, -0.2])
    assert col["cosine_top"] == [0.0, 1.0, 0.0]
    assert col["cosine_rank"] == pytest.approx([math.log(3), 0.0, math.log(2)])
    assert col["previous_cosine"] == [0.0, 0.1, 0.3]
    assert col["next_cosine"] == [0.5, 0.0, 0.0]
    assert col["paragraph_cosine"] == [0.4, 0.6, 0.4]  # the best of its paragraph's candidates
    assert col["complete"] == [1.0, 0.0, 1.0]


def test_tied_cosines_rank_in_candidate_order():
    S = semantic_columns(np.array([0.5, 0.5]), np.zeros(2), np.zeros(2), [0, 1], np.zeros(2, bool))
    assert S[:, SEMANTIC_FEATURE_NAMES.index("cosine_top")].tolist() == [1.0, 0.0]


def test_no_candidates_no_rows():
    assert semantic_columns(np.zeros(0), np.zeros(0), np.zeros(0), [], np.zeros(0, bool)).shape == (0, 8)


def test_neighbours_stay_in_their_article():
    # positions 0-2 are sentences 0-2 of doc "a"; 3-4 sentences 0-1 of doc "b"
    places = [("a", 0, 0), ("a", 0, 1), ("a", 1, 2), ("b", 0, 0), ("b", 0, 1)]
    cosines = np.array([0.1, 0.2, 0.3, 0.4, 0.5])
    asked = []

    def cosine_at(positions):
        asked.append(list(positions))
        return cosines[list(positions)]

    previous, following, paragraph = neighbour_cosines([2, 3], cosine_at, places.__getitem__, 5)
    assert previous.tolist() == [0.2, 0.0]  # doc "b" starts at position 3
    assert following.tolist() == [0.0, 0.5]  # doc "a" ends at position 2
    assert paragraph == [("a", 1), ("b", 0)]
    assert asked == [[1, 4]]  # one call for every neighbour


def test_complete_flags():
    def c(position, matched):
        return Candidate(position, 1.0, 0.5, frozenset(matched))

    assert complete_flags([c(0, "ab"), c(1, "a"), c(2, "ba")]).tolist() == [True, False, True]


def test_ranker_round_trips_and_bad_files_are_named(tmp_path):
    ranker = SemanticRanker(tuple(float(i) for i in range(len(ALL_NAMES))), {"model": "bundled"}, True)
    path = tmp_path / "r.json"
    path.write_text(json.dumps(ranker.to_json({"note": "test"})))
    back = read_ranker(path)
    assert back == ranker
    assert back.lexical().tolist() == list(range(len(FEATURE_NAMES)))
    assert back.semantic().tolist() == list(range(len(FEATURE_NAMES), len(ALL_NAMES)))
    data = ranker.to_json()
    del data["weights"]["cosine"]
    path.write_text(json.dumps(data))
    with pytest.raises(SemanticRankerError, match="r.json.*rerun benchmarks/train_semantic.py"):
        read_ranker(path)
    data = ranker.to_json()
    data["weights"]["cosine"] = float("nan")
    path.write_text(json.dumps(data))
    with pytest.raises(SemanticRankerError, match="finite"):
        read_ranker(path)


def test_shipped_ranker_names_the_bundled_model():
    ranker = shipped_ranker()
    assert ranker.identity["model"] == "bundled"
    assert len(ranker.vector) == len(ALL_NAMES)


def test_semantic_evidence():
    values = dict(zip(SEMANTIC_EVIDENCE_NAMES, semantic_evidence(np.array([0.5, 0.7, 0.2, 0.6])).tolist()))
    assert values == pytest.approx(
        {"first_cosine": 0.5, "best_cosine": 0.7, "first_gap": -0.2, "first_rank": math.log(3), "cosine_margin": -0.2}
    )
    alone = dict(zip(SEMANTIC_EVIDENCE_NAMES, semantic_evidence(np.array([0.4])).tolist()))
    assert (alone["first_gap"], alone["first_rank"], alone["cosine_margin"]) == (0.0, 0.0, 1.0)


def test_semantic_columns_follow_the_lexical_ones_and_their_hinges():
    X = np.zeros((4, len(ALL_EVIDENCE)))
    X[:, ALL_EVIDENCE.index("first_cosine")] = [0.1, 0.2, 0.3, 0.4]
    points = knots(X)
    assert set(points) == set(HINGED + SEMANTIC_HINGED)
    assert points["first_cosine"] == pytest.approx((0.175, 0.25, 0.325))
    C = expand(X, points)
    lexical = len(EVIDENCE_NAMES) + sum(len(points[n]) for n in HINGED)
    assert C[:, lexical : lexical + len(SEMANTIC_EVIDENCE_NAMES)].tolist() == X[:, len(EVIDENCE_NAMES) :].tolist()
    assert C[:, lexical + len(SEMANTIC_EVIDENCE_NAMES)].tolist() == pytest.approx([0.0, 0.025, 0.125, 0.225])


def test_semantic_answerability_model_round_trips(tmp_path):
    X = np.random.default_rng(0).random((8, len(ALL_EVIDENCE)))
    points = knots(X)
    width = expand(X, points).shape[1]
    m = model(points, np.zeros(width), np.ones(width), np.linspace(-1, 1, width), 0.5, 0.1, 0.4, {"model": "bundled"})
    path = tmp_path / "m.json"
    path.write_text(json.dumps(m.to_json()))
    back = read_model(path)
    assert back.probability(X).tolist() == m.probability(X).tolist()
    assert (back.abstain, back.hedge, back.identity) == (0.1, 0.4, {"model": "bundled"})
    data = m.to_json()
    data["evidence"] = list(EVIDENCE_NAMES)
    path.write_text(json.dumps(data))
    with pytest.raises(AnswerabilityModelError, match="m.json.*--semantic on"):
        read_model(path)


def test_a_semantic_model_file_of_other_evidence_is_one_line_naming_it(tmp_path):
    import json

    from retrieval import semantic_answerability as sa
    from retrieval.answerability import AnswerabilityModelError

    data = json.loads(sa.MODEL_PATH.read_text(encoding="utf-8"))
    data["evidence"] = data["evidence"][:-1]
    bad = tmp_path / "semantic_answerability.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(AnswerabilityModelError) as caught:
        sa.read_model(bad)
    assert str(caught.value) == (
        f"cannot read the semantic answerability model {bad}: its evidence names are not this version's "
        "(rerun benchmarks/train_answerability.py --semantic on)"
    )
