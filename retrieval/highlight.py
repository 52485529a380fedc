"""The answer picked out: the phrase of a quote that answers the question.

"Who is the US State Department spokesperson?" is answered by a sentence that also
names the State Department, North Korea and Russia; the front ends set the one phrase
that answers it -- "Matthew Miller" -- in bold (Discord), highlighted (terminal) or as
offsets (``--json``). :func:`highlight` is a pure function of the question and the
quote's text.

How the phrase is found (heuristics over the answer types the ranking already reads,
:func:`retrieval.answer_types.expected_answer_type` and
:func:`retrieval.answer_types.ranking_answer_type`; no model, nothing downloaded):

1. The question's type says what to look for: a *person* or *place* is a run of
   capitalised words (``Defence Minister Andrei Belousov``, ``North Korea``; months,
   weekdays and a sentence-opening function word such as ``On`` excluded); a *date*
   is a calendar expression (``June 19-20``, ``July 2000``, ``the 1990s``, ``last
   year``); a *number* a figure or count word (``11,000``, ``twice``, ``dozens``,
   ``5 percent``); an *age* ``45-year-old`` or ``aged 45``. Any other question (what,
   why, how) has no phrase to pick: None.
2. Words the question already contains never count: a candidate is trimmed of them
   at both ends, and dropped when nothing is left ("Putin" is no answer to "Who
   accompanied Putin?"). Words are compared lowercased and by their Snowball stem
   (:func:`retrieval.analyze.stem`), so "claiming" is the question's "claim".
   A capitalised run holding question words is split at the last of them: the
   words after it are the answer the sentence ties to the question ("Deputy
   Secretary of State **Kurt Campbell**"); a run ending with them is the question's
   own subject, whose title before it answers only "Who is <name>?" -- and such a
   question, made only of names, is answered by that title or not at all, never by
   another person. Names joined by commas and "and" are one answer (a list), unless
   the question's words pick one item. A person question whose other words (not
   its names) are all missing from the quote gets None: nothing ties a name to what
   is asked, and such picks are wrong more often than right.
3. Of the rest, the candidate nearest (in words) to a content word of the question in
   the quote wins: the answer sits next to what the question asks about
   (``spokesperson Matthew Miller``). A relative date (``today``) counts as a few
   words farther than a calendar one, a year-like number farther for a count
   question, a one-word name farther for a person (a lone capitalised word is often
   a title, a team or an acronym), and a place after ``in``/``to``/``at``/``from``
   nearer, nearer still right after a question word ("travel to Vietnam" for "Where
   will he travel?": the destination); ties go to the earlier candidate, except among
   names whose titles hold question words: there the title holding the most of them
   wins ("Deputy Prime Minister Alexander Novak" over "Defence Minister Andrei
   Belousov" for the deputy prime minister). How often the pick is the answer is
   measured by ``benchmarks/highlight_quality.py`` (``docs/quality.md``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .analyze import normalize, stem, stopwords
from .answer_types import expected_answer_type, ranking_answer_type


@dataclass(frozen=True)
class Highlight:
    """The phrase of a quote that answers the question.

    Attributes
    ----------
    start, end : int
        Character offsets into the quote's text (``text[start:end]``).
    text : str
        That phrase.
    """

    start: int
    end: int
    text: str


_MONTH_NAMES = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
)
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_WEEKDAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_YEAR = r"(?:1\d{3}|20\d{2})"
_RANGE = r"(?:\s*[-\u2013]\s*\d{1,2})?"
_COUNT = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|"
    r"eighty|ninety|hundreds|thousands|millions|billions|dozens|a dozen|once|twice|thrice"
)
_SCALE = r"(?:\s?(?:%|percent|per cent|hundred|thousand|million|billion|trillion)\b)?"

# calendar dates first (explicit), then relative ones (marked by the group name)
_DATE = re.compile(
    rf"\b(?:{_MONTH}\s+{_DAY}{_RANGE}(?:,?\s+{_YEAR})?"  # June 19-20, June 17, 2024
    rf"|{_DAY}{_RANGE}\s+{_MONTH}(?:,?\s+{_YEAR})?"  # 18 June 2024
    rf"|{_MONTH}\s+{_YEAR}"  # July 2000
    r"|(?:January|February|March|April|June|July|August|September|October|November|December)"
    r"(?:\s+(?:last|next|this)\s+year)?"  # September last year
    rf"|(?:the\s+)?{_YEAR}s"  # the 1990s
    rf"|{_YEAR}"
    r"|\d{1,2}(?:st|nd|rd|th)\s+century"
    rf"|(?:{_WEEKDAYS})\b"
    r")\b"
    r"|(?P<relative>\b(?:today|yesterday|tomorrow|tonight"
    r"|(?:last|next|this|earlier this|later this)\s+(?:week|month|year|decade|century)"
    r"|(?:\w+\s+){1,2}ago)\b)",
    re.I,
)
_NUMBER = re.compile(
    rf"(?:[$\u20ac\u00a3]\s?)?\b\d[\d,]*(?:\.\d+)?{_SCALE}|\b(?:{_COUNT})\b{_SCALE}", re.I
)
_AGE = re.compile(r"\b\d+[- ]years?[- ]old\b|\baged? \d+\b|\bage of \d+\b", re.I)
_YEAR_LIKE = re.compile(rf"{_YEAR}s?")
# a capitalised word (hyphenated, with dots as in U.S., a possessive kept for trimming)
_CAP = r"[A-Z][\w.\u2019'-]*"
_NAME_RUN = re.compile(rf"{_CAP}(?:\s+(?:(?:of|de|da|van|von|bin|al)\s+)?{_CAP})*")
_PLACE_BEFORE = re.compile(r"\b(?:in|to|at|from|near|into|across)\s+$", re.I)
# "Korean leader Kim", "Russian President": a nationality before a (titled) name
_DEMONYM_BEFORE_NAME = re.compile(r"[A-Z]\w*(?:ean|ian|ese|ish)\s+[a-z]+(?:\s+[a-z]+)?\s+[A-Z]")
_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")
_NOT_NAMES = frozenset(_MONTH_NAMES.split("|")) | frozenset(_WEEKDAYS.split("|"))
_WH = frozenset("what which who whom whose when where why how".split())

RELATIVE_DATE_PENALTY = 3  # "today" counts as this many words farther than "June 18"
YEAR_AS_COUNT_PENALTY = 5  # "2019" is a year before it is a count
PLACE_PREPOSITION_BONUS = 1  # "to Vietnam": a place after in/to/at/from
PLACE_AFTER_QUESTION_WORD_BONUS = 2  # "travel to Vietnam" for "Where will he travel?": nearer still
SINGLE_WORD_PENALTY = 2  # "Who ...?": a one-word run ("Doctor", "NFC") counts as 2 words farther


def _key(word: str) -> tuple[str, str]:
    lower = normalize(word).lower()
    if lower.endswith("'s"):
        lower = lower[:-2]
    return lower, stem(lower)


def _question_words(question: str) -> tuple[set[str], set[str]]:
    """Lowercase forms and stems of the question's words, and of its names (the
    capitalised words after the first)."""
    out: set[str] = set()
    names: set[str] = set()
    for i, word in enumerate(_WORD.findall(question)):
        key = _key(word)
        out.update(key)
        if i and word[0].isupper() and not question.isupper():
            names.update(key)
    return out, names


_LEAD = re.compile(r"^\s*(?:and|but|so|then|also)\b[\s,]*", re.I)


def answer_type(question: str) -> str | None:
    """``person``, ``place``, ``date``, ``number``, ``age`` or None; a leading "and",
    "but" ... is skipped, so that the follow-up "And when?" asks for a date."""
    question = _LEAD.sub("", question, count=1)
    expected = expected_answer_type(question)
    if expected == "age":
        return "age"
    ranking = ranking_answer_type(question)
    return ranking or expected


def _candidates(
    text: str, kind: str, asked: set[str], content: set[str], tied_only: bool = False
) -> list[tuple[int, int, int, int]]:
    """``(start, end, penalty, ties)`` of each phrase of ``kind`` in ``text``. A person or
    place is a capitalised run (:func:`_name_candidate`), without an adjective of
    nationality before a title ("North Korean leader Kim Jong Un"); a list of such
    runs joined by commas and "and" that the question's words do not split is one
    phrase ("Andrei Belousov, Sergei Lavrov and Alexander Novak"), except an item
    whose relative clause holds a question word ("..., who oversees energy" for "Who
    oversees energy?"). ``tied_only``:
    only runs that hold the question's words count (a question made only of names,
    "Who is Kurt Campbell?", is answered by the title beside the name, never by
    another person). ``ties``: how many distinct content words of the question the
    run holds besides its answer (its title: 3 for "Deputy Prime Minister" and a
    question on the deputy prime minister), 0 for a date, number or free run."""
    if kind == "date":
        return [(m.start(), m.end(), RELATIVE_DATE_PENALTY if m.group("relative") else 0, 0) for m in _DATE.finditer(text)]
    if kind in ("number", "age"):
        pattern = _AGE if kind == "age" else _NUMBER
        found = [
            (m.start(), m.end(), YEAR_AS_COUNT_PENALTY if _YEAR_LIKE.fullmatch(m.group()) else 0, 0)
            for m in pattern.finditer(text)
        ]
        if kind == "age" and not found:
            found = [(m.start(), m.end(), 0, 0) for m in _NUMBER.finditer(text)]
        return found
    runs: list[tuple[int, int, int, bool, int]] = []  # start, end, penalty, free of question words, ties
    for m in _NAME_RUN.finditer(text):
        if kind == "person" and _DEMONYM_BEFORE_NAME.match(text, m.end() - len(m.group().split()[-1])):
            continue
        found = _name_candidate(text, m.start(), m.end(), kind, asked, content)
        if found is None:
            continue
        start, end, tied, ties = found
        if tied_only and not tied:
            continue
        bonus = 0
        if kind == "place" and _PLACE_BEFORE.search(text, 0, start):
            bonus = PLACE_PREPOSITION_BONUS
            before = _WORD.findall(text[max(0, start - 40):start])
            if len(before) >= 2 and any(k in content for k in _key(before[-2])):  # "travel to X"
                bonus += PLACE_AFTER_QUESTION_WORD_BONUS
        single = SINGLE_WORD_PENALTY if kind == "person" and not re.search(r"\s", text[start:end]) else 0
        relative = _RELATIVE.match(text, end)  # "Novak, who oversees energy": that item alone
        if relative:
            clause = {k for w in _WORD.findall(relative.group(1)) for k in _key(w) if k in content}
            if clause:
                tied, ties = True, ties + len(clause)
        runs.append((start, end, single - bonus, not tied, ties))
    return _join_lists(text, runs)


def _name_candidate(
    text: str, start: int, end: int, kind: str, asked: set[str], content: set[str]
) -> tuple[int, int, bool, int] | None:
    """The answer a capitalised run ``text[start:end]`` offers, as ``(start, end,
    tied, ties)``, or None (``ties``: the distinct question content words the run
    holds, by stem).

    A run free of the question's content words is a candidate as it stands (trimmed,
    :func:`_trim_name`; ``tied`` False). A run holding some is split at the last of
    them: the words after it are the answer the sentence ties to the question's words
    ("Deputy Secretary of State **Kurt Campbell**" for "Who is the Deputy Secretary
    of State?"). A run ending with a question word is the question's own subject
    ("Russian President Vladimir Putin" for "Where did Putin go?"): no answer, unless
    the question asks who that subject is (all its content words in the run) -- then
    the words before them describe it ("**US Deputy Secretary of State** Kurt
    Campbell" for "Who is Kurt Campbell?")."""
    words = list(_WORD.finditer(text, start, end))
    marked = [i for i, w in enumerate(words) if any(k in content for k in _key(w.group()))]
    if not marked:
        start, end = _trim_name(text, start, end)
        return (start, end, False, 0) if start < end else None
    ties = len({_key(words[i].group())[1] for i in marked})
    after = words[marked[-1] + 1:]
    if after:
        start, end = _trim_name(text, after[0].start(), after[-1].end())
        return (start, end, True, ties) if start < end else None
    run_keys = {k for w in words for k in _key(w.group())}
    before = words[:marked[0]]
    if kind != "person" or not before or not content <= run_keys | stopwords() | _WH:
        return None
    start, end = _trim_name(text, before[0].start(), before[-1].end())
    return (start, end, True, ties) if start < end else None


_RELATIVE = re.compile(r",?\s+(?:who|whom|whose)\s+((?:[^\s,.;]+\s+){0,2}[^\s,.;]+)", re.I)
_LIST_GAP = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+")


def _join_lists(text: str, runs: list[tuple[int, int, int, bool, int]]) -> list[tuple[int, int, int, int]]:
    """Runs as candidates, each list of free runs (no question word in them) joined by
    ", ", ", and " or " and " made one candidate with its items' smallest penalty."""
    out: list[tuple[int, int, int, int]] = []
    group: list[tuple[int, int, int, bool, int]] = []
    for run in runs + [(len(text) + 1, len(text) + 1, 0, False, 0)]:
        if group and group[-1][3] and run[3] and _LIST_GAP.fullmatch(text, group[-1][1], run[0]):
            group.append(run)
            continue
        if group:
            out.append((group[0][0], group[-1][1], min(g[2] for g in group), max(g[4] for g in group)))
        group = [run]
    return out


def _trim_name(text: str, start: int, end: int) -> tuple[int, int]:
    """A capitalised run without a sentence-opening function word ("On", "After"),
    months and weekdays, and a trailing possessive."""
    words = list(_WORD.finditer(text, start, end))
    opens = not text[:start].strip(" \"'\u201c\u2018(")
    while words and (
        words[0].group().lower() in _NOT_NAMES
        or (opens and words[0].start() == start and _opener(words[0].group()))
    ):
        words.pop(0)
    while words and words[-1].group().lower() in _NOT_NAMES:
        words.pop()
    if not words:
        return start, start
    last = words[-1]
    stop = last.end()
    if last.group().endswith(("'s", "\u2019s")):
        stop -= 2
    return words[0].start(), stop


def _opener(word: str) -> bool:
    """A capitalised word that opens a sentence because it opens it, not because it is
    a name: a function word ("On", "The"), an -ly adverb or an -ing form."""
    lower = word.lower()
    return lower in stopwords() or lower.endswith(("ly", "ing"))


def _without_question_words(text: str, start: int, end: int, asked: set[str]) -> tuple[int, int]:
    """``text[start:end]`` trimmed of question words (and function words left at its
    edges); ``(start, start)`` when nothing else is left."""
    words = list(_WORD.finditer(text, start, end))

    def dropped(m: re.Match) -> bool:
        lower, stemmed = _key(m.group())
        return lower in asked or stemmed in asked or lower in stopwords()

    while words and dropped(words[0]):
        words.pop(0)
    while words and dropped(words[-1]):
        words.pop()
    if not words:
        return start, start
    head = words[0].start()
    if start < head and text[start] in "$\u20ac\u00a3":  # keep a currency sign
        head = start
    tail = words[-1].end()
    if text[tail:end].strip() == "%":
        tail = end
    elif words[-1].group().endswith(("'s", "\u2019s")) and not text[start:end].endswith(words[-1].group()):
        tail -= 2
    return head, tail


def highlight(question: str, text: str) -> Highlight | None:
    """The phrase of ``text`` (a quote) that answers ``question``, or None.

    Parameters
    ----------
    question : str
        The question as asked.
    text : str
        The quoted sentence.

    Returns
    -------
    Highlight or None
        Offsets into ``text``; None when the question asks for no kind of phrase
        this module knows (what, why, how), or the quote holds none that the
        question does not already contain. Never raises.
    """
    kind = answer_type(question)
    if kind is None:
        return None
    asked, names = _question_words(question)
    content = asked - stopwords() - _WH
    anchors = [
        (m.start(), m.end())
        for m in _WORD.finditer(text)
        if any(k in content for k in _key(m.group()))
    ]
    if kind == "person" and _only_names_tie(text, anchors, content - names):
        return None
    positions = [m.start() for m in _WORD.finditer(text)]
    tied_only = kind == "person" and bool(content) and content <= names
    scored = []  # (distance, start, end, ties)
    for start, end, penalty, ties in _candidates(text, kind, asked, content, tied_only):
        if kind != "age":  # "45-year-old" answers "how old" with the question's "old"
            start, end = _without_question_words(text, start, end, asked)
        if start < end:
            scored.append((_distance(positions, anchors, start, end) + penalty, start, end, ties))
    if not scored:
        return None
    _, start, end, _ = _nearest(scored)
    return Highlight(start, end, text[start:end])


def _nearest(scored: list[tuple[float, int, int, int]]) -> tuple[float, int, int, int]:
    """The nearest candidate ``(distance, start, end, ties)``, the earlier on a tie --
    unless that one is a titled name (``ties`` > 0): then, of the titled names as near,
    the one whose title holds the most question words ("Defence Minister Andrei
    Belousov, ..., and Deputy Prime Minister Alexander Novak" for a question on the
    deputy prime minister: Novak). A free candidate as near keeps its place: a title
    holding question words is no tie to the question when an untitled name comes first
    (measured, ``docs/quality.md``)."""
    nearest = min(d for d, *_ in scored)
    level = sorted(c for c in scored if c[0] == nearest)
    if not level[0][3]:
        return level[0]
    return max((c for c in level if c[3]), key=lambda c: (c[3], -c[1]))


def _only_names_tie(text: str, anchors: list[tuple[int, int]], plain: set[str]) -> bool:
    """True when the question asks about something besides its names (``plain``: its
    other content words, "speaks" in "Who speaks for the State Department?") and the
    quote holds the question's names but none of those words: nothing in it ties a
    person to what is asked, and such a pick is more often wrong than right
    (``benchmarks/highlight_quality.py``, ``docs/quality.md``)."""
    if not plain or not anchors:
        return False
    return not any(k in plain for a_start, a_end in anchors for k in _key(text[a_start:a_end]))


def _distance(positions: list[int], anchors: list[tuple[int, int]], start: int, end: int) -> float:
    """Words between the phrase ``[start, end)`` and the nearest anchor (a question
    word in the quote) outside it; 0 when there is none (every phrase equally near)."""
    anchors = [a for a in anchors if a[1] <= start or a[0] >= end]
    if not anchors:
        return 0.0
    from bisect import bisect_left, bisect_right

    first = bisect_left(positions, start)
    last = bisect_right(positions, end - 1) - 1
    best = float("inf")
    for a_start, _ in anchors:
        a = bisect_left(positions, a_start)
        if a < first:
            best = min(best, first - a)
        elif a > last:
            best = min(best, a - last)
        else:
            best = 0
    return float(best)
