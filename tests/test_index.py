"""BM25Okapi sentence index: exact scores, matching-only hits, tiny corpora."""

from __future__ import annotations

import math

import pytest

from retrieval import SentenceIndex, Settings
from retrieval.corpus import load_articles, split_article, split_corpus
from retrieval.index import build_index, positive_idf
from retrieval.types import Article

from .support import CORPUS, SEED_DOC


def _index(text: str, settings: Settings | None = None) -> SentenceIndex:
    return SentenceIndex.build(split_article(Article("t", "T", text)), settings)


def test_top_hits_pinned_on_the_bundled_article(engine):
    hits = engine.index.search("who accompanied Putin?", 3)
    assert [h.id for h in hits] == [f"{SEED_DOC}:5", f"{SEED_DOC}:11", f"{SEED_DOC}:13"]
    assert [h.rank for h in hits] == [1, 2, 3]
    assert hits[0].score == pytest.approx(2.428336540418092, rel=1e-9)
    assert hits[1].score == pytest.approx(0.3096312042498791, rel=1e-9)
    assert hits[2].score == pytest.approx(0.29892394409623313, rel=1e-9)


def okapi_scores(docs: list[list[str]], terms: list[str], k1: float, b: float, epsilon: float) -> list[float]:
    """BM25 (Robertson et al., Okapi at TREC-3) written out from its definition, with
    rank-bm25's BM25Okapi convention for a negative IDF (replaced by ``epsilon`` times
    the mean IDF over the vocabulary): the reference both engines must reproduce,
    computed here without either of them."""
    n = len(docs)
    avgdl = sum(len(d) for d in docs) / n
    df: dict[str, int] = {}
    for d in docs:
        for t in set(d):
            df[t] = df.get(t, 0) + 1
    idf = {t: math.log((n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
    floor = epsilon * sum(idf.values()) / len(idf)
    idf = {t: (v if v >= 0 else floor) for t, v in idf.items()}
    scores = []
    for d in docs:
        score = 0.0
        for t in terms:
            tf = d.count(t)
            if tf:
                score += idf[t] * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(d) / avgdl))
        scores.append(score)
    return scores


@pytest.mark.parametrize("engine_name", ["rank_bm25", "sparse"])
@pytest.mark.parametrize("k1, b", [(1.5, 0.75), (1.2, 0.0), (2.0, 1.0)])
def test_scores_equal_okapi_bm25_computed_from_its_definition(engine_name, k1, b):
    sentences = split_corpus(load_articles(CORPUS))
    settings = Settings(k1=k1, b=b, engine=engine_name)
    index = build_index(sentences, settings)
    assert index.engine_name == engine_name
    docs = [index.sentence_terms(i) for i in range(index.size)]
    terms = ["putin", "north", "korea", "visit"]
    expected = okapi_scores(docs, terms, k1, b, settings.epsilon)
    scored = index.score_terms(terms)
    assert sorted(s.position for s in scored) == [i for i, v in enumerate(expected) if v != 0.0]
    for s in scored:
        assert s.score == pytest.approx(expected[s.position], rel=1e-12)


def test_the_reference_formula_on_a_hand_computed_case():
    # N = 3, "coast" in 1 sentence: IDF = log(2.5 / 1.5); tf = 1, dl = 2, avgdl = 2
    docs = [["storm", "coast"], ["rain", "fall"], ["snow", "fall"]]
    [score, *_] = okapi_scores(docs, ["coast"], 1.5, 0.75, 0.25)
    assert score == pytest.approx(math.log(2.5 / 1.5) * 2.5 / 2.5, rel=1e-15)


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
    # terms [rain fall coast today] [snow fall] [wind blow]: "coast" in 1 of 3 sentences,
    # IDF = log(2.5 / 1.5); tf = 1, dl = 4, avgdl = 8 / 3
    text = "Rain falls on the coast today. Snow falls. Wind blows."
    a = _index(text, Settings(k1=1.2, b=0.0))
    b = _index(text, Settings(k1=1.2, b=1.0))
    assert [a.sentence_terms(i) for i in range(a.size)] == [
        ["rain", "fall", "coast", "today"], ["snow", "fall"], ["wind", "blow"]
    ]
    idf = math.log(2.5 / 1.5)
    assert a.score_terms(["coast"])[0].score == pytest.approx(idf, rel=1e-12)  # b = 0: length ignored
    assert b.score_terms(["coast"])[0].score == pytest.approx(idf * 2.2 / (1 + 1.2 * 4 / (8 / 3)), rel=1e-12)


def test_previous_sentence_in_the_same_article(engine):
    ninth, tenth = engine.index.sentence(8), engine.index.sentence(9)
    assert engine.index.previous(tenth) == ninth
    assert engine.index.previous(engine.index.sentence(0)) is None
