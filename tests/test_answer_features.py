"""Ranking features of the answer layer: each one switched on and off on a tiny corpus."""

from __future__ import annotations

from dataclasses import replace

from retrieval import Article, SentenceIndex, answer
from retrieval.answer import (
    DEFAULT_FEATURES,
    Features,
    _Candidate,
    dominance_order,
    offers_answer_type,
    rank,
)
from retrieval.corpus import split_article

NONE = Features(
    coverage_first=False, context=0, previous=0, phrase=0, answer_type=0, prefix=0,
    paragraph=0, bm25=0, proximity=0,
)


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


def test_paragraph_retrieval_score_prefers_the_paragraph_about_the_question():
    # both sentences match "river" only; the second one's paragraph is about the flood
    index = build(
        "The river is long. Tourists like boats.\n"
        "The river rose. The flood hit the town in spring. The flood damaged bridges.\n"
    )
    question = "When did the flood hit the river?"
    assert top_of("river", question, index, NONE) == "The river is long."
    assert top_of("river", question, index, replace(NONE, paragraph=1.0)) == "The river rose."


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
    assert top(question, index, replace(NONE, proximity=0.1)).startswith("The bank rates rose")


def test_answer_type_ignores_material_the_question_already_has():
    asked = frozenset({"when", "did", "the", "1998", "storm", "hit"})
    assert not offers_answer_type("The 1998 storm hit the coast.", "date", asked)
    assert offers_answer_type("The storm hit the coast in 2001.", "date", asked)
    assert not offers_answer_type("Several ships sank.", "number", frozenset())
    assert offers_answer_type("Twelve ships sank.", "number", frozenset())


def test_who_wants_a_name_the_question_does_not_use():
    index = build("Rain fell.\nThe mayor met Smith today.\nSmith met the mayor of Leeds.\n")
    with_type = replace(NONE, answer_type=0.1)
    assert offers_answer_type("Smith met the mayor of Leeds.", "person", frozenset({"who", "smith"}))
    assert not offers_answer_type("The mayor met Smith today.", "person", frozenset({"who", "smith"}))
    assert top("Who did Smith meet?", index, with_type) == "Smith met the mayor of Leeds."


def test_sentence_bm25_is_evidence():
    filler = "".join(f"Filler line {n} about weather.\n" for n in range(8))
    index = build(
        filler + "The harbour, which was built long ago by traders from many lands, stood.\n"
        "Busy busy day.\nBusy quay.\n"
    )
    question = "Was the harbour busy?"
    # "harbour" is rarer than "busy", so coverage alone prefers the long sentence
    assert top(question, index, NONE).startswith("The harbour, which")
    assert top(question, index, replace(NONE, bm25=1.0)) == "Busy busy day."
