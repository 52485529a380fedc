"""BM25Okapi sentence index: exact scores, matching-only hits, tiny corpora."""

from __future__ import annotations

import pytest
from rank_bm25 import BM25Okapi

from retrieval import SentenceIndex, Settings
from retrieval.corpus import split_article
from retrieval.index import positive_idf
from retrieval.types import Article

from .support import SEED_DOC


def _index(text: str, settings: Settings | None = None) -> SentenceIndex:
    return SentenceIndex.build(split_article(Article("t", "T", text)), settings)


def test_top_hits_pinned_on_the_bundled_article(engine):
    hits = engine.index.search("who accompanied Putin?", 3)
    assert [h.id for h in hits] == [f"{SEED_DOC}:5", f"{SEED_DOC}:11", f"{SEED_DOC}:13"]
    assert [h.rank for h in hits] == [1, 2, 3]
    assert hits[0].score == pytest.approx(2.428336540418092, rel=1e-9)
    assert hits[1].score == pytest.approx(0.3096312042498791, rel=1e-9)
    assert hits[2].score == pytest.approx(0.29892394409623313, rel=1e-9)


def test_scores_equal_rank_bm25_on_the_same_tokens(engine):
    index = engine.index
    reference = BM25Okapi([index.sentence_terms(i) for i in range(index.size)])
    terms = ["putin", "north", "korea", "visit"]
    expected = reference.get_scores(terms)
    for scored in index.score_terms(terms):
        assert scored.score == pytest.approx(expected[scored.position], rel=1e-12)


def test_only_matching_sentences_are_hits():
    index = _index("Storm hits the coast. Markets rally on Friday. Rain falls.")
    assert [h.text for h in index.search("markets", 10)] == ["Markets rally on Friday."]
    assert index.search("volcano", 10) == []


def test_ties_are_broken_by_corpus_order():
    index = _index("Rain falls. Snow falls. Rain falls again.")
    assert [h.text for h in index.search("falls", 10)] == [
        "Rain falls.",
        "Snow falls.",
        "Rain falls again.",
    ]


def test_two_sentence_corpus_still_returns_the_matching_sentence():
    index = _index("Storm hits the coast. Markets rally on Friday.")
    (hit,) = index.search("What hit the coast?", 5)
    assert hit.text == "Storm hits the coast."
    assert hit.score == 0.0  # BM25Okapi's IDF is log(1.5/1.5) = 0 here


def test_one_sentence_corpus_negative_bm25_is_still_a_hit():
    index = _index("Storm hits the coast.")
    (hit,) = index.search("coast", 5)
    # IDF log(0.5/1.5) < 0 is floored to epsilon * mean IDF = 0.25 * log(1/3)
    assert hit.score == pytest.approx(0.25 * -1.0986122886681098)


def test_positive_idf_is_positive_even_in_tiny_corpora():
    index = _index("Storm hits the coast.")
    assert positive_idf(index, "coast") == pytest.approx(0.28768207245178085)  # log(1 + 0.5/1.5)
    assert positive_idf(index, "unseen") == pytest.approx(1.3862943611198906)  # log(1 + 1.5/0.5)


def test_contributions_sum_to_the_score(engine):
    terms = ["accompani", "putin", "putin"]
    (top,) = engine.index.score_terms(terms, 1)
    parts = engine.index.contributions(terms, top.position)
    assert [p.term for p in parts] == ["accompani", "putin"]
    assert sum(p.score for p in parts) == pytest.approx(top.score, rel=1e-12)


def test_settings_reach_bm25():
    a = _index("Rain falls on the coast today. Snow falls. Wind blows.", Settings(k1=1.2, b=0.0))
    b = _index("Rain falls on the coast today. Snow falls. Wind blows.", Settings(k1=1.2, b=1.0))
    assert a.score_terms(["coast"])[0].score != b.score_terms(["coast"])[0].score


def test_previous_sentence_in_the_same_article(engine):
    ninth, tenth = engine.index.sentence(8), engine.index.sentence(9)
    assert engine.index.previous(tenth) == ninth
    assert engine.index.previous(engine.index.sentence(0)) is None
