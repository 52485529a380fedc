"""The first stage of the answer path: a question, read once, as a frozen :class:`Query`.

Every later stage (:mod:`retrieval.candidates`, :mod:`retrieval.features`,
:mod:`retrieval.scoring`, :mod:`retrieval.decide`) reads what it needs from the
:class:`Query`; none of them tokenizes, analyzes or spell-corrects the question again.

:func:`parse_query` corrects spelling against the corpus
(:func:`retrieval.spell.spelled`: "Who is Puttin?" is read as "Who is Putin?"), then
derives everything else from the corrected text: its terms (the analyzer's, as for the
sentences), its words as written (stopwords kept) and adjacent word pairs, the names
(capitalised words after the first), and the answer types it asks for
(:mod:`retrieval.answer_types`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Sequence

from .analyze import stopwords, terms_of_tokens, tokenize
from .answer_types import expected_answer_type, ranking_answer_type
from .spell import spelled

# The longest question answered, in characters (code points, as ``len`` counts them):
# Discord's limit for one message (without Nitro), so a question that fits in an
# ordinary message is never refused, and every front end has the same limit. Longer
# text is no question: analyzing it costs time and memory in proportion to its length,
# so answer() and explain() turn it away unread (docs/quality.md has the figures).
MAX_QUESTION_CHARS = 2000

_WH_WORDS = frozenset("what which who whom whose when where why how".split())

# What a reader cannot see in a question and a search must not read: terminal escape
# sequences (ECMA-48 CSI "ESC [ ... final" and OSC "ESC ] ... BEL|ESC \\", pasted from a
# coloured terminal) and Unicode format characters (category Cf: a byte-order mark, a
# zero-width space, a soft hyphen) go; any other control character reads as a space.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b.?")
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Query:
    """A question as every stage of the answer path reads it.

    Attributes
    ----------
    asked : str
        The question as typed (echoed in the :class:`~retrieval.types.Answer`).
    text : str
        ``asked`` with misspelt words respelt the corpus's way; everything below is
        derived from it.
    terms : tuple of str
        The search terms: ``analyze(text)``, spelling-corrected; empty when the
        question has none (``"?"``, ``"the"``).
    distinct : tuple of str
        ``terms`` without repeats, in first-occurrence order.
    words : frozenset of str
        The lowercase ``\\w+`` runs of ``text`` (material the question already
        holds, which does not count as an answer).
    surface : tuple of str
        The lowercase tokens of ``text``, stopwords kept (the words as written).
    content_words : frozenset of str
        ``surface`` without stopwords and wh-words.
    pairs : frozenset of (str, str)
        Adjacent pairs of ``surface``.
    name_tokens : tuple of (str, str)
        ``(token, term)`` for each capitalised token after the first that has a term;
        empty when the question is all capitals (shouted: capitals say nothing).
    names : frozenset of str
        The terms of ``name_tokens``.
    expected_type : str or None
        ``"age"``, ``"number"``, ``"date"`` or None (the abstention test,
        :func:`~retrieval.answer_types.expected_answer_type`).
    ranking_type : str or None
        ``"date"``, ``"number"``, ``"person"``, ``"place"`` or None (ranking
        evidence, :func:`~retrieval.answer_types.ranking_answer_type`).
    carried : tuple of str
        For a follow-up question, the words carried over from the exchange before
        (:func:`retrieval.conversation.carry`: their terms are in ``terms`` with a
        lower weight); empty for a question that stands on its own.
    prefer : tuple of str
        Doc ids of the articles a follow-up prefers (the earlier answer's).
    exclude : frozenset of str
        Sentence ids a follow-up must not quote ("Who else?").
    """

    asked: str
    text: str
    terms: tuple[str, ...]
    distinct: tuple[str, ...]
    words: frozenset[str]
    surface: tuple[str, ...]
    content_words: frozenset[str]
    pairs: frozenset[tuple[str, str]]
    name_tokens: tuple[tuple[str, str], ...]
    names: frozenset[str]
    expected_type: str | None
    ranking_type: str | None
    carried: tuple[str, ...] = ()
    prefer: tuple[str, ...] = ()
    exclude: frozenset[str] = frozenset()


def too_long(question: str) -> bool:
    """Whether ``question`` has more than :data:`MAX_QUESTION_CHARS` characters: then
    :func:`retrieval.answer.answer` and :func:`retrieval.answer.explain` turn it away
    without analyzing it."""
    return len(question) > MAX_QUESTION_CHARS


def parse_query(question: str, index) -> Query:
    """Read ``question`` once, spelling-corrected against ``index``.

    Parameters
    ----------
    question : str
        Any text (callers check :func:`too_long` first).
    index : BaseIndex
        The corpus (for spelling correction only).
    """
    text, terms = spelled(visible(question), index)
    return query_of(text, terms, asked=question)


def visible(question: str) -> str:
    """``question`` as a reader sees it: escape sequences and format characters
    removed, other control characters as spaces (see ``_ESCAPES``). A question typed
    without them is returned unchanged, so answers to ordinary questions do not move."""
    text = _ESCAPES.sub("", question)
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    return _CONTROLS.sub(" ", text)


def query_of(text: str, terms: Sequence[str], asked: str | None = None) -> Query:
    """A :class:`Query` for ``text`` whose search terms are already known (``terms``,
    e.g. ``analyze(text)`` when no spelling correction is wanted); ``asked`` defaults
    to ``text``."""
    surface = tuple(t.lower() for t in tokenize(text))
    stop = stopwords()
    if text.isupper():
        name_tokens: tuple[tuple[str, str], ...] = ()
    else:
        name_tokens = tuple(
            (token, found[0])
            for token in tokenize(text)[1:]
            if token[0].isupper() and (found := terms_of_tokens([token]))
        )
    return Query(
        asked=text if asked is None else asked,
        text=text,
        terms=tuple(terms),
        distinct=tuple(dict.fromkeys(terms)),
        words=frozenset(w.lower() for w in re.findall(r"\w+", text)),
        surface=surface,
        content_words=frozenset(w for w in surface if w not in stop and w not in _WH_WORDS),
        pairs=frozenset(zip(surface, surface[1:])),
        name_tokens=name_tokens,
        names=frozenset(term for _, term in name_tokens),
        expected_type=expected_answer_type(text),
        ranking_type=ranking_answer_type(text),
    )
