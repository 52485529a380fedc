"""The question, read once: what every later stage of the answer path reads."""

from __future__ import annotations

import dataclasses

import pytest

from retrieval import Article, SentenceIndex
from retrieval.corpus import split_article
from retrieval.query import MAX_QUESTION_CHARS, parse_query, query_of, too_long


@pytest.fixture(scope="module")
def index() -> SentenceIndex:
    return SentenceIndex.build(split_article(Article("doc", "Doc", "Putin arrived in Pyongyang.\nPutin left.\n")))


def test_a_question_is_read_once_with_its_spelling_corrected(index):
    query = parse_query("When did Puttin arrive in Pyongyang?", index)
    assert query.asked == "When did Puttin arrive in Pyongyang?"
    assert query.text == "When did Putin arrive in Pyongyang?"
    assert query.terms == ("putin", "arriv", "pyongyang")
    assert query.distinct == query.terms
    assert query.surface == ("when", "did", "putin", "arrive", "in", "pyongyang")
    assert query.content_words == frozenset({"putin", "arrive", "pyongyang"})
    assert ("did", "putin") in query.pairs and len(query.pairs) == 5
    assert query.name_tokens == (("Putin", "putin"), ("Pyongyang", "pyongyang"))
    assert query.names == frozenset({"putin", "pyongyang"})
    assert query.words == frozenset({"when", "did", "putin", "arrive", "in", "pyongyang"})
    assert (query.expected_type, query.ranking_type) == ("date", "date")


def test_a_query_is_frozen(index):
    query = parse_query("Who left?", index)
    with pytest.raises(dataclasses.FrozenInstanceError):
        query.text = "x"  # type: ignore[misc]


def test_shouted_questions_name_nothing_and_repeats_count_once():
    query = query_of("WHO MET PUTIN AND PUTIN?", ["putin", "putin"])
    assert query.name_tokens == () and query.names == frozenset()
    assert query.terms == ("putin", "putin") and query.distinct == ("putin",)
    assert query.asked == query.text == "WHO MET PUTIN AND PUTIN?"
    assert (query.expected_type, query.ranking_type) == (None, "person")  # the wh-word cues ignore case


def test_no_terms_and_too_long(index):
    assert parse_query("the?", index).terms == ()
    assert not too_long("x" * MAX_QUESTION_CHARS) and too_long("x" * (MAX_QUESTION_CHARS + 1))


@pytest.mark.parametrize(
    "typed",
    [
        "\ufeffWho left Pyongyang?",  # a byte-order mark, as Notepad saves it
        "Who \x1b[1;31mleft\x1b[0m Pyongyang?",  # colour escapes pasted from a terminal
        "Who\u200b left Pyon\u00adgyang?",  # a zero-width space and a soft hyphen
        "Who\tleft\nPyongyang?",  # other control characters read as spaces
    ],
)
def test_what_a_reader_cannot_see_is_not_read(index, typed):
    query = parse_query(typed, index)
    plain = parse_query("Who left Pyongyang?", index)
    assert query.asked == typed
    assert query.terms == plain.terms == ("left", "pyongyang")
    assert query.ranking_type == plain.ranking_type == "person"
    assert query.name_tokens == plain.name_tokens == (("Pyongyang", "pyongyang"),)
