"""Answer types: what kind of answer a question asks for, and whether a text offers one.

Two readings of the question's wording, each a regular expression over the question
with a cue that finds such material in a sentence:

* the *expected* type (age, number, date) is an abstention test: a question asking
  "how old" is not answered by a sentence holding no age (:func:`has_answer_type`);
* the *ranking* type (date, number, person, place) is ranking evidence only
  (:func:`offers_answer_type`, the ``offers_<type>`` / ``lacks_<type>`` features).

Both are read once per question into :class:`retrieval.query.Query`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator

from .analyze import stem
from .related import related_terms

# words that state a count (not vague quantities such as "several", "many", "number")
_COUNT_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|"
    r"eighty|ninety|hundreds?|thousands?|millions?|billions?|trillions?|dozens?|once|twice|"
    r"thrice|half"
)
_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class _Cue:
    """What shows an answer type in a text: matches of ``anywhere`` (searched in the
    text) and words that ``whole_word`` matches entirely.

    A word is a maximal run of word characters (``\\w+``, the characters between
    which ``\\b`` never holds), so a text matches ``whole_word`` as a word exactly
    where it matches ``\\b(?:whole_word)\\b`` -- provided ``whole_word`` only ever
    matches word characters, as every pattern here does. Matching each *distinct*
    word (:func:`_words`) finds the same matches in one pass that all cues share,
    instead of trying a case-insensitive alternation of some sixty words at every
    word boundary: seconds on a sentence of 10^6 words, a few milliseconds for
    its distinct words. ``tests/test_answer_features.py`` checks the cues against
    the single regular expressions they replace.

    Attributes
    ----------
    anywhere : re.Pattern or None
    whole_word : re.Pattern or None
        Used with ``fullmatch`` on one word.
    """

    anywhere: re.Pattern | None
    whole_word: re.Pattern | None = None

    def found_in(self, text: str) -> bool:
        """Whether ``text`` holds a match."""
        if self.anywhere is not None and self.anywhere.search(text):
            return True
        return self.whole_word is not None and any(map(self.whole_word.fullmatch, _words(text)))

    def matches(self, text: str) -> Iterator[str]:
        """The matched strings of ``text``, each once, in no particular order."""
        seen: set[str] = set()
        if self.anywhere is not None:
            for match in self.anywhere.finditer(text):
                found = match.group()
                if found not in seen:
                    seen.add(found)
                    yield found
        if self.whole_word is not None:
            yield from filter(self.whole_word.fullmatch, _words(text))


@lru_cache(maxsize=1 << 12)
def _words(text: str) -> frozenset[str]:
    """The distinct maximal runs of word characters of ``text``; memoised like
    :func:`retrieval.features._said`, since a candidate is tested for answer types several times."""
    return frozenset(_WORD.findall(text))


_EXPECTED = {
    "age": (
        # "how old", "at what age", "what is Lavrov's age", "what is his age"
        re.compile(
            r"\bhow old\b|\b(?:what|which) age\b|(?:['\u2019]s|\b(?:his|her|their)) age\b|"
            r"^\s*what (?:is|was) the age of\b",
            re.I,
        ),
        _Cue(re.compile(r"\b\d+[- ]years?[- ]old\b|\baged? \d+|\bage of \d+|\b\d+-year-old", re.I)),
    ),
    "number": (
        re.compile(r"\bhow (?:many|much)\b", re.I),
        _Cue(re.compile(r"\d"), re.compile(_COUNT_WORDS, re.I)),
    ),
    "date": (
        re.compile(r"^\s*when\b|\b(?:what|which) (?:year|date|day|month|time|century|decade)\b", re.I),
        _Cue(
            re.compile(r"\d"),
            re.compile(
                rf"{_MONTHS}|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
                r"today|yesterday|tomorrow|tonight|ago|last|next|since|until|before|after|during|"
                r"century|decade|year|years|week|weeks|month|months|morning|evening|night|"
                r"spring|summer|autumn|fall|winter|recently|earlier|later|now",
                re.I,
            ),
        ),
    ),
}


def expected_answer_type(question: str) -> str | None:
    """``"age"``, ``"number"``, ``"date"`` or None, from the question's wording."""
    for name, (asks, _) in _EXPECTED.items():
        if asks.search(question):
            return name
    return None


def has_answer_type(text: str, answer_type: str | None) -> bool:
    """Whether ``text`` contains something of ``answer_type`` (always True for None)."""
    return answer_type is None or _EXPECTED[answer_type][1].found_in(text)


_RANK_TYPES = {
    "date": (
        re.compile(
            r"^\s*when\b|\bwhen (?:did|was|were|is|does|do|will|had|has)\b|"
            r"\b(?:what|which) (?:year|date|day|month|century|decade|era|period)\b|\bwhat time\b",
            re.I,
        ),
        _Cue(
            None,
            re.compile(rf"(?:1\d{{3}}|20\d{{2}})s?|{_MONTHS}|centur(?:y|ies)|\d+(?:st|nd|rd|th)|BC|AD", re.I),
        ),
    ),
    "number": (
        re.compile(
            r"\bhow (?:many|much|long|far|old|large|big|high|tall|often|fast|heavy|deep|wide)\b|"
            r"\bwhat (?:percentage|percent|number|amount|proportion|fraction|size|population)\b",
            re.I,
        ),
        _Cue(re.compile(r"\d[\d,.]*"), re.compile(_COUNT_WORDS, re.I)),
    ),
    "person": (
        re.compile(
            r"^\s*(?:who|whom|whose)\b|\bwho (?:was|is|were|did|had|has)\b|"
            r"\b(?:which|what) (?:person|player|man|woman|king|president|leader|emperor|"
            r"scientist|writer|author|team|company|group|organi[sz]ation)\b",
            re.I,
        ),
        None,
    ),
    "place": (
        re.compile(
            r"^\s*where\b|\bwhere (?:did|was|is|were|does|do)\b|"
            r"\b(?:what|which) (?:city|country|state|region|place|town|area|location|continent|"
            r"island|river|county|province|nation)\b",
            re.I,
        ),
        None,
    ),
}
# a run of capitalised words ("Foreign Minister Sergei Lavrov") whose first word does not
# open the sentence or a quotation
_CAPITALISED = re.compile(r"(?<!^)(?<![.!?] )(?<![\"(] )\b[A-Z][\w'-]*(?:[ ]+[A-Z][\w'-]*)*")
_NAME = _Cue(_CAPITALISED)
# capitalised words that name a time, not a person or place
_CALENDAR = re.compile(rf"(?:{_MONTHS}|monday|tuesday|wednesday|thursday|friday|saturday|sunday)", re.I)


def ranking_answer_type(question: str) -> str | None:
    """``"date"``, ``"number"``, ``"person"``, ``"place"`` or None: what kind of answer
    the question's wh-phrase asks for (used as ranking evidence, not for abstaining)."""
    for name, (asks, _) in _RANK_TYPES.items():
        if asks.search(question):
            return name
    return None


@lru_cache(maxsize=1 << 10)
def _question_stems(question_words: frozenset[str]) -> frozenset[str]:
    """The question's words and their Snowball stems and WordNet-related terms
    (demonyms: "Russia" gives "russian"), to recognise what the question already names."""
    stems = {stem(w) for w in question_words}
    related = set()
    for s in stems:
        related |= related_terms(s)
    return frozenset(question_words | stems | related)


def _named_by_question(word: str, question_words: frozenset[str]) -> bool:
    """Whether one lowercase word of a text is one the question already uses, as
    written, by its stem ("Putin's" / "Putin") or by a related term ("Russian" / "Russia")."""
    return word in question_words or stem(word) in _question_stems(question_words)


def offers_answer_type(text: str, answer_type: str, question_words: frozenset[str]) -> bool:
    """Whether ``text`` holds a candidate answer of ``answer_type`` that the question
    does not already contain: a year, month or century (date); a digit or count word
    (number); a run of capitalised words not opening the sentence, not a month or
    weekday (person, place).

    What the question itself names does not count (``question_words``: its lowercase
    words): a date or number whose every word the question has ("When did the 1998
    storm hit?" is not answered by "1998"), and a name whose last word, or every word,
    the question has, as written, by stem or through a WordNet-related term ("Who
    travelled with Putin?" is not answered by "Putin's" or "Vladimir Putin"; "Where is
    Russia's embassy?" not by "Russian"). A possessive ``'s`` is not a word of its own.
    """
    for found in (_RANK_TYPES[answer_type][1] or _NAME).matches(text):
        words = re.findall(r"\w+", re.sub(r"'s\b", "", found.lower()))
        if not words:
            continue
        if answer_type in ("person", "place"):
            if all(_CALENDAR.fullmatch(w) for w in words):
                continue
            if _named_by_question(words[-1], question_words):
                continue
        if not all(_named_by_question(w, question_words) for w in words):
            return True
    return False


_TYPE_NAMES = ("date", "number", "person", "place")
