"""Ranking features of the answer layer: each one switched on and off on a tiny corpus."""

from __future__ import annotations

from dataclasses import replace

from retrieval import Article, SentenceIndex, answer
from retrieval.answer import DEFAULT_FEATURES, Features, _Candidate, dominance_order, rank
from retrieval.corpus import split_article

NONE = Features(coverage_first=False, context=0, previous=0, phrase=0, answer_type=0, prefix=0)


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
    with_previous = replace(NONE, previous=0.6)
    assert [h.text for h in rank(question, index, None, with_previous)][1:] == ["He died in 1259.", "Actors died."]


def test_paragraph_is_evidence():
    index = build("Actors died.\nMongke Khan ruled the empire. Wars went on. He died in 1259.\n")
    question = "When did Mongke Khan die?"
    assert rank(question, index, None, NONE)[1].text == "Actors died."
    assert rank(question, index, None, replace(NONE, context=0.3))[1].text == "He died in 1259."


def test_answer_type_prefers_a_date_for_when():
    index = build("The storm hit hard.\nThe storm hit in 1998.\n")
    assert top("When did the storm hit?", index, NONE) == "The storm hit hard."
    assert top("When did the storm hit?", index, replace(NONE, answer_type=0.05)) == "The storm hit in 1998."


def test_prefix_near_match():
    index = build("Rain fell.\nThe company grew.\nThe acquisition of the company closed.\n")
    assert top("Who acquired the company?", index, NONE) == "The company grew."
    assert top("Who acquired the company?", index, replace(NONE, prefix=0.5)) == (
        "The acquisition of the company closed."
    )


def test_superset_never_ranks_below_with_all_features():
    # "Markets rally" has a strong paragraph, but the sentence with both terms ranks first
    index = build("Storm hits Friday.\nStorm clouds. Markets rally on Friday after the storm hits.\n")
    ranked = [h.text for h in rank("When does the storm hit?", index, None, DEFAULT_FEATURES)]
    assert ranked.index("Storm hits Friday.") < ranked.index("Storm clouds.")


def test_tiny_corpus_and_no_terms():
    index = build("Storm hits the coast. Markets rally on Friday.\n")
    result = answer("What hit the coast?", index)
    assert result.answered and result.quotes[0].hit.text == "Storm hits the coast."
    assert answer("the?", index).reason == "no_terms"


def test_quote_ranked_quotes_the_rankings_best():
    index = build("Storm hits Friday.\nStorm clouds. Markets rally on Friday after the storm hits.\n")
    result = answer("When does the storm hit?", index)
    assert result.quotes[0].hit.text == rank("When does the storm hit?", index, 1)[0].text
