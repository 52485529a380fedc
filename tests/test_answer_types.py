"""Answer types: the cues that find a date, number, age, person or place in a sentence."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from retrieval.answer_types import _CALENDAR, _COUNT_WORDS, _MONTHS, _named_by_question, has_answer_type, offers_answer_type


def test_answer_type_ignores_material_the_question_already_has():
    asked = frozenset({"when", "did", "the", "1998", "storm", "hit"})
    assert not offers_answer_type("The 1998 storm hit the coast.", "date", asked)
    assert offers_answer_type("The storm hit the coast in 2001.", "date", asked)
    assert not offers_answer_type("Several ships sank.", "number", frozenset())
    assert offers_answer_type("Twelve ships sank.", "number", frozenset())


def test_a_name_the_question_already_uses_offers_no_person():
    asked = frozenset({"who", "travelled", "with", "putin"})
    for text in ("Then Putin's plane landed.", "Then Vladimir Putin landed.", "On Monday Putin landed in May."):
        assert not offers_answer_type(text, "person", asked), text
    assert offers_answer_type("Then Putin met Sergei Lavrov.", "person", asked)
    # a demonym of a place the question names is that place
    asked = frozenset({"where", "is", "russia", "s", "embassy"})
    assert not offers_answer_type("The Russian embassy moved.", "place", asked)
    assert offers_answer_type("The embassy moved to Seoul.", "place", asked)



# The answer-type regular expressions as they were, each searched over the whole text:
# the reference for the cues of retrieval.answer_types (which match each distinct word).
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
    "person": re.compile(r"(?<!^)(?<![.!?] )(?<![\"(] )\b[A-Z][\w'-]*(?:[ ]+[A-Z][\w'-]*)*"),
    "place": re.compile(r"(?<!^)(?<![.!?] )(?<![\"(] )\b[A-Z][\w'-]*(?:[ ]+[A-Z][\w'-]*)*"),
}


def reference_offers(text, answer_type, question_words):
    # the same test of what the question names, over the whole-text regular expressions
    for match in _REFERENCE_OFFERS[answer_type].finditer(text):
        words = re.findall(r"\w+", re.sub(r"'s\b", "", match.group().lower()))
        if not words:
            continue
        if answer_type in ("person", "place") and (
            all(_CALENDAR.fullmatch(w) for w in words) or _named_by_question(words[-1], question_words)
        ):
            continue
        if not all(_named_by_question(w, question_words) for w in words):
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
