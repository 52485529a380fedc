"""Ranking features of the answer layer: each one switched on and off on a tiny corpus."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from retrieval import Article, SentenceIndex, answer
from retrieval.answer import (
    DEFAULT_FEATURES,
    Features,
    dominance_order,
    has_answer_type,
    offers_answer_type,
    proximity,
    rank,
)
from retrieval.analyze import analyze
from retrieval.answer_types import _COUNT_WORDS, _MONTHS
from retrieval.candidates import Candidate as _Candidate
from retrieval.index import positive_idf
from retrieval.corpus import split_article
from retrieval.rerank import RankerWeights

# coverage alone: each test adds one feature's weight and checks the ranking changes
NONE = Features(weights=RankerWeights.from_mapping({"coverage": 1.0}))


def with_(**weights: float) -> Features:
    """Coverage plus the given feature weights (in coverage units)."""
    return Features(weights=RankerWeights.from_mapping({"coverage": 1.0, **weights}))


def build(text: str) -> SentenceIndex:
    return SentenceIndex.build(split_article(Article("doc", "Doc", text)))


def top(question: str, index: SentenceIndex, features: Features) -> str:
    return rank(question, index, 1, features)[0].text


def test_dominance_order_puts_supersets_first():
    a = _Candidate(0, bm25=1.0, coverage=0.5, matched=frozenset({"x"}), score=0.9)
    b = _Candidate(1, bm25=1.0, coverage=0.8, matched=frozenset({"x", "y"}), score=0.8)
    c = _Candidate(2, bm25=2.0, coverage=0.3, matched=frozenset({"z"}), score=0.85)
    # a outscores b but b matches a strict superset of a's terms; c is not comparable
    assert [x.position for x in dominance_order([a, b, c])] == [2, 1, 0]


def test_previous_sentence_is_evidence():
    index = build("Actors died.\nMongke Khan ruled the empire. He died in 1259.\n")
    question = "When did Mongke Khan die?"
    assert [h.text for h in rank(question, index, None, NONE)][1:] == ["Actors died.", "He died in 1259."]
    with_previous = with_(previous=0.6)
    assert [h.text for h in rank(question, index, None, with_previous)][1:] == ["He died in 1259.", "Actors died."]


def test_prefix_near_match():
    index = build("Rain fell.\nThe company grew.\nThe acquisition of the company closed.\n")
    assert top("Who acquired the company?", index, NONE) == "The company grew."
    assert top("Who acquired the company?", index, with_(near_match=0.5)) == (
        "The acquisition of the company closed."
    )


def test_complete_and_superset_orders_put_the_fuller_match_above():
    # sentence length alone prefers the long sentence, which matches only "storm"
    index = build("Storm hits.\nStorm clouds gathered over the quiet grey sea all day long.\n")
    longest = Features(weights=RankerWeights.from_mapping({"log_length": 1.0}), complete_first=False)
    question = "When does the storm hit?"
    assert [h.text for h in rank(question, index, None, longest)][0].startswith("Storm clouds")
    for guaranteed in (replace(longest, superset_first=True), replace(longest, complete_first=True)):
        assert [h.text for h in rank(question, index, None, guaranteed)][0] == "Storm hits."


def test_complete_first_only_lifts_sentences_with_every_term():
    # neither sentence has both terms, so the model's order stands
    index = build("Storm clouds gathered over the quiet grey sea all day long.\nHits.\n")
    longest = Features(weights=RankerWeights.from_mapping({"log_length": 1.0}))
    assert [h.text for h in rank("When does the storm hit?", index, None, longest)][0].startswith("Storm clouds")


def test_tiny_corpus_and_no_terms():
    index = build("Storm hits the coast. Markets rally on Friday.\n")
    result = answer("What hit the coast?", index)
    assert result.answered and result.quotes[0].hit.text == "Storm hits the coast."
    assert answer("the?", index).reason == "no_terms"


def test_quote_ranked_quotes_the_rankings_best():
    index = build("Storm hits Friday.\nStorm clouds. Markets rally on Friday after the storm hits.\n")
    result = answer("When does the storm hit?", index)
    assert [q.hit.id for q in result.quotes] == ["doc:3"]  # "Markets rally on Friday after the storm hits."
    # the ranking's best lacks the date asked for; only the one after it passes the abstention test
    index = build("The storm hit the coast hard.\nThe storm hit on Friday.\nRain fell.\n")
    question = "When did the storm hit the coast?"
    assert [q.hit.id for q in answer(question, index).quotes] == ["doc:1"]
    unranked = replace(DEFAULT_FEATURES, quote_ranked=False)
    assert [q.hit.id for q in answer(question, index, features=unranked).quotes] == ["doc:2"]


def test_paragraph_retrieval_score_prefers_the_paragraph_about_the_question():
    # both sentences match "river" only; the second one's paragraph is about the flood
    index = build(
        "The river is long. Tourists like boats.\n"
        "The river rose. The flood hit the town in spring. The flood damaged bridges.\n"
    )
    question = "When did the flood hit the river?"
    assert top_of("river", question, index, NONE) == "The river is long."
    assert top_of("river", question, index, with_(paragraph=1.0)) == "The river rose."


def top_of(term: str, question: str, index: SentenceIndex, features: Features) -> str:
    """The best-ranked sentence among those whose only question term is ``term``."""
    from retrieval.analyze import analyze

    wanted = set(analyze(term))
    terms = set(analyze(question))
    for hit in rank(question, index, None, features):
        if set(analyze(hit.text)) & terms == wanted:
            return hit.text
    raise AssertionError("no such sentence")


def test_proximity_prefers_question_terms_close_together():
    index = build(
        "Rain fell.\nThe bank, after a long year, said that rates rose.\n"
        "The bank rates rose after a long and difficult year for everyone in town.\n"
    )
    question = "Why did bank rates rise?"
    assert top(question, index, NONE).startswith("The bank, after")  # shorter: higher BM25
    assert top(question, index, with_(proximity=0.1)).startswith("The bank rates rose")


def test_answer_type_ignores_material_the_question_already_has():
    asked = frozenset({"when", "did", "the", "1998", "storm", "hit"})
    assert not offers_answer_type("The 1998 storm hit the coast.", "date", asked)
    assert offers_answer_type("The storm hit the coast in 2001.", "date", asked)
    assert not offers_answer_type("Several ships sank.", "number", frozenset())
    assert offers_answer_type("Twelve ships sank.", "number", frozenset())


def test_who_wants_a_name_the_question_does_not_use():
    index = build("Rain fell.\nThe mayor met Smith today.\nSmith met the mayor of Leeds.\n")
    with_type = with_(offers_person=0.1)
    assert offers_answer_type("Smith met the mayor of Leeds.", "person", frozenset({"who", "smith"}))
    assert not offers_answer_type("The mayor met Smith today.", "person", frozenset({"who", "smith"}))
    assert top("Who did Smith meet?", index, with_type) == "Smith met the mayor of Leeds."


def pairwise_proximity(sentence_terms, weights):
    """The definition the reranker was fitted on (every pair of occurrences compared):
    the reference for :func:`retrieval.answer.proximity`."""
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



# The answer-type regular expressions as they were, each searched over the whole text:
# the reference for the cues of retrieval.answer (which match each distinct word).
_REFERENCE_EXPECTED = {
    "age": re.compile(r"\b\d+[- ]years?[- ]old\b|\baged? \d+|\bage of \d+|\b\d+-year-old", re.I),
    "number": re.compile(rf"\d|\b(?:{_COUNT_WORDS})\b", re.I),
    "date": re.compile(
        rf"\d|\b(?:{_MONTHS}|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
        r"today|yesterday|tomorrow|tonight|ago|last|next|since|until|before|after|during|"
        r"century|decade|year|years|week|weeks|month|months|morning|evening|night|"
        r"spring|summer|autumn|fall|winter|recently|earlier|later|now)\b",
        re.I,
    ),
}
_REFERENCE_OFFERS = {
    "date": re.compile(
        rf"\b(?:1\d{{3}}|20\d{{2}})s?\b|\b(?:{_MONTHS})\b|\bcentur(?:y|ies)\b|\b\d+(?:st|nd|rd|th)\b|\bBC\b|\bAD\b",
        re.I,
    ),
    "number": re.compile(rf"\d[\d,.]*|\b(?:{_COUNT_WORDS})\b", re.I),
    "person": re.compile(r"(?<!^)(?<![.!?] )(?<![\"(] )\b[A-Z][\w'-]*"),
    "place": re.compile(r"(?<!^)(?<![.!?] )(?<![\"(] )\b[A-Z][\w'-]*"),
}


def reference_offers(text, answer_type, question_words):
    for match in _REFERENCE_OFFERS[answer_type].finditer(text):
        words = re.findall(r"\w+", match.group().lower())
        if words and not all(w in question_words for w in words):
            return True
    return False


# pieces that the patterns care about, glued together with or without separators:
# case variants, letters that match ASCII ones only under re.I (Kelvin sign, long s,
# dotted and dotless i), a non-ASCII digit, superscript two (a word character, no digit)
PIECES = st.sampled_from(
    [
        "may", "May", "MARCH", "sept", "Monday", "ſunday", "now", "years", "centuries",
        "twelve", "Dozens", "half", "once", "thousand", "1998", "1990s", "2024", "12th",
        "3rd", "BC", "ad", "\u212aing", "İ", "ı", "é", "x", "7", "\u0663", "\u00b2", "_",
        "aged", "age", "of", "year", "old", "-", "'", " ", " ", ",", ".", "(", '"', "!", "\n",
        "Smith", "Leeds", "O'Neil",
    ]
)
TEXTS = st.lists(PIECES, max_size=14).map("".join)
ASKED = st.frozensets(st.sampled_from(["may", "1998", "twelve", "smith", "12th", "bc", "7", "x"]), max_size=4)


@hsettings(max_examples=1500, deadline=None)
@given(TEXTS, ASKED)
def test_answer_type_cues_equal_the_regular_expressions_they_replace(text, asked):
    for answer_type, pattern in _REFERENCE_EXPECTED.items():
        assert has_answer_type(text, answer_type) == bool(pattern.search(text)), answer_type
    for answer_type in _REFERENCE_OFFERS:
        assert offers_answer_type(text, answer_type, asked) == reference_offers(text, answer_type, asked), answer_type


@pytest.mark.parametrize(
    "text, answer_type, expected",
    [
        ("It rained on monday.", "date", True),
        ("It rained on Mondays.", "date", False),  # not the whole word
        ("Twelve ships.", "number", True),
        ("Twelveships.", "number", False),
        ("Ships: 4.", "number", True),
        ("Ship_4", "number", True),  # a digit anywhere
        ("He was 40 years old.", "age", True),
        ("He was forty.", "age", False),
    ],
)
def test_has_answer_type_examples(text, answer_type, expected):
    assert has_answer_type(text, answer_type) is expected


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


def test_candidate_positions_add_the_best_paragraphs_other_sentences():
    from retrieval.answer import candidate_positions

    index = build("Mongke Khan ruled the empire. The ruler died in 1259.\nRain fell. Khan rode. Snow fell. Wind blew.\n")
    terms = analyze("Mongke Khan")
    text = lambda positions: [(index.sentence(s.position).text, s.score > 0) for s in positions]  # noqa: E731
    by_bm25 = index.score_terms(terms, 100)
    assert text(by_bm25) == [("Mongke Khan ruled the empire.", True), ("Khan rode.", True)]
    # then, in corpus order and with BM25 0, the other sentences of the best one's paragraph
    assert text(candidate_positions(index, terms, Features(paragraph_neighbours=1))) == text(by_bm25) + [
        ("The ruler died in 1259.", False)
    ]
    assert text(candidate_positions(index, terms, Features(paragraph_neighbours=2))) == text(by_bm25) + [
        ("The ruler died in 1259.", False),
        ("Rain fell.", False),
        ("Snow fell.", False),
        ("Wind blew.", False),
    ]
    assert candidate_positions(index, terms, Features(paragraph_neighbours=0)) == by_bm25
    # a window of 1 place around "Khan rode." keeps "Rain fell." and "Snow fell.", not "Wind blew."
    assert text(candidate_positions(index, terms, Features(paragraph_neighbours=2, neighbour_window=1))) == text(
        by_bm25
    ) + [("The ruler died in 1259.", False), ("Rain fell.", False), ("Snow fell.", False)]
    assert candidate_positions(index, terms, Features(paragraph_neighbours=2, neighbour_window=0)) == by_bm25
    assert candidate_positions(index, ["zzz"]) == []


def test_a_related_word_covers_a_question_term_for_abstention():
    from retrieval.answer import MIN_COVERAGE

    index = build("Officials accompanied the president.\nThe president slept.\nRain fell.\nSnow fell.\n")
    # "escort" is in no sentence (it weighs most); "president" alone covers 0.23 of the weight
    weights = {t: positive_idf(index, t) for t in ("escort", "presid")}
    assert weights["presid"] / sum(weights.values()) < MIN_COVERAGE
    got = answer("Who escorted the president?", index)
    assert got.answered and got.quotes[0].hit.text == "Officials accompanied the president."
    # no related word: the same coverage abstains
    assert not answer("Who greeted the president?", index).answered


def test_a_related_word_is_evidence_for_a_further_quote():
    # "pass away" is a WordNet synonym of "die": the neighbour holding the date is quoted too
    index = build("Mongke Khan ruled the empire. He died in 1259.\n")
    got = answer("When did Mongke Khan pass away?", index)
    assert [q.hit.text for q in got.quotes] == ["Mongke Khan ruled the empire.", "He died in 1259."]


def test_a_word_two_related_steps_away_covers_a_question_term_too():
    index = build("Hillcrest agreed to purchase the chain.\nThe chain has stores.\nRain fell.\nSnow fell.\n")
    # "bought" is in no sentence: "chain" alone covers 0.23 of the weight
    weights = {t: positive_idf(index, t) for t in ("bought", "chain")}
    assert weights["chain"] / sum(weights.values()) < 0.25
    # bought -> buy (irregular form) -> purchase (synonym): two steps
    got = answer("Who bought the chain?", index)
    assert got.answered and got.quotes[0].hit.text == "Hillcrest agreed to purchase the chain."
    assert not answer("Who painted the chain?", index).answered
