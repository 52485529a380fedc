"""Feature rows: proximity against its pairwise definition, and equal rows on both engines."""

from __future__ import annotations

from hypothesis import given, settings as hsettings, strategies as st

from retrieval import Article, SentenceIndex
from retrieval.corpus import split_article
from retrieval.features import proximity


def pairwise_proximity(sentence_terms, weights):
    """The definition the reranker was fitted on (every pair of occurrences compared):
    the reference for :func:`retrieval.features.proximity`."""
    where: dict[str, list[int]] = {}
    for i, t in enumerate(sentence_terms):
        if t in weights:
            where.setdefault(t, []).append(i)
    if len(where) < 2:
        return 0.0
    total = 0.0
    for t, mine in where.items():
        distance = min(abs(i - j) for u, theirs in where.items() if u != t for i in mine for j in theirs)
        total += weights[t] / distance
    return total


TERMS = st.lists(st.sampled_from(["bank", "rate", "rise", "year", "town", "long"]), max_size=30)
WEIGHTS = st.dictionaries(
    st.sampled_from(["bank", "rate", "rise", "absent"]),
    st.floats(min_value=0.0, max_value=20.0, allow_nan=False),
    max_size=4,
)


@hsettings(max_examples=500, deadline=None)
@given(TERMS, WEIGHTS)
def test_proximity_equals_the_pairwise_definition(sentence_terms, weights):
    assert proximity(sentence_terms, weights) == pairwise_proximity(sentence_terms, weights)  # exact


def test_proximity_examples():
    weights = {"bank": 2.0, "rate": 3.0, "rise": 1.0}
    # bank: nearest other at distance 2; rate: 1 (rise); rise: 1 (rate)
    assert proximity(["bank", "year", "rate", "rise", "bank", "bank"], weights) == 2.0 / 1 + 3.0 / 1 + 1.0 / 1
    assert proximity(["bank", "year", "long", "rate"], weights) == 2.0 / 3 + 3.0 / 3
    assert proximity(["bank", "bank", "year"], weights) == 0.0  # one distinct term
    assert proximity([], weights) == 0.0


def test_both_engines_give_the_same_features_when_terms_repeat():
    # the sparse engine (and a persisted index) keeps a repeated term's occurrences
    # together; proximity needs text order, so the feature rows must still be identical
    import numpy as np

    from retrieval.analyze import analyze
    from retrieval.features import candidate_features
    from retrieval.query import query_of
    from retrieval.sparse import SparseSentenceIndex

    text = (
        "Rain fell on the bank.\nThe bank said rates rose, and the bank said rates fell again.\n"
        "Rates at the bank rose after a long year.\n"
    )
    sentences = split_article(Article("doc", "Doc", text))
    reference, sparse = SentenceIndex.build(sentences), SparseSentenceIndex.build(sentences)
    assert sparse.sentence_terms(1) != reference.sentence_terms(1)  # grouped, not text order
    question = "Why did the bank say rates rose?"
    terms = analyze(question)
    rows = []
    for index in (reference, sparse):
        X, found = candidate_features(index, query_of(question, terms), index.score_terms(terms, 100))
        rows.append((X, [c.position for c in found]))
    assert rows[0][1] == rows[1][1]
    np.testing.assert_array_equal(rows[0][0], rows[1][0])
