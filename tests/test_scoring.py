"""Scorers and the answer order."""

from __future__ import annotations

import numpy as np

from retrieval import Article, SentenceIndex
from retrieval.analyze import analyze
from retrieval.candidates import Candidate, candidate_positions
from retrieval.corpus import split_article
from retrieval.features import Candidates, candidate_features
from retrieval.policy import DEFAULT_FEATURES, Features
from retrieval.query import parse_query
from retrieval.rerank import FEATURE_NAMES, RankerWeights
from retrieval.scoring import LinearScorer, dominance_order, order


def test_dominance_order_puts_supersets_first():
    a = Candidate(0, bm25=1.0, coverage=0.5, matched=frozenset({"x"}), score=0.9)
    b = Candidate(1, bm25=1.0, coverage=0.8, matched=frozenset({"x", "y"}), score=0.8)
    c = Candidate(2, bm25=2.0, coverage=0.3, matched=frozenset({"z"}), score=0.85)
    # a outscores b but b matches a strict superset of a's terms; c is not comparable
    assert [x.position for x in dominance_order([a, b, c])] == [2, 1, 0]


def test_linear_scorer_is_the_rows_times_the_weights():
    rows = np.array([[1.0] + [0.0] * (len(FEATURE_NAMES) - 1), [0.5, 2.0] + [0.0] * (len(FEATURE_NAMES) - 2)])
    candidates = Candidates(rows, [])
    weights = RankerWeights.from_mapping({"coverage": 2.0, "previous": -1.0})
    query = parse_query("storm", SentenceIndex.build(split_article(Article("doc", "Doc", "Storm hits.\n"))))
    np.testing.assert_array_equal(LinearScorer(weights).score(query, candidates), [2.0, -1.0])
    assert LinearScorer.of(Features(weights=weights)) == LinearScorer(weights)


class _ByPosition:
    """A second scorer beside the linear one: later sentences first."""

    def score(self, query, candidates):
        return np.array([float(c.position) for c in candidates.items])


def test_order_follows_any_scorer_and_lifts_complete_matches():
    index = SentenceIndex.build(
        split_article(Article("doc", "Doc", "Storm hits the coast.\nThe storm passed.\nRain fell on the coast.\n"))
    )
    query = parse_query("Where did the storm hit the coast?", index)
    found = candidate_features(index, query, candidate_positions(index, query.terms, DEFAULT_FEATURES))
    ranked = order(found, _ByPosition().score(query, found), DEFAULT_FEATURES)
    # "Storm hits the coast." holds every question term any candidate holds: first;
    # the others by the scorer's order (later position first)
    assert [index.sentence(c.position).text for c in ranked] == [
        "Storm hits the coast.",
        "Rain fell on the coast.",
        "The storm passed.",
    ]
    assert [c.score for c in ranked] == [0.0, 2.0, 1.0]
    assert set(analyze("storm hit coast")) == set(ranked[0].matched)
