"""Answers as text: the terminal form and the JSON form. Pure functions.

The Discord renderer builds on the same pieces (:func:`source_line`, the fixed
messages), so both front ends say the same thing.
"""

from __future__ import annotations

import re
import textwrap
from typing import Iterable

from retrieval import MAX_QUESTION_CHARS, Answer, Citation, Explanation, Quote, Sentence, Source
from retrieval.answer import too_long
from retrieval.highlight import Highlight, highlight
from retrieval.semantic_rank import MEANING_FEATURES

from .language import looks_non_english

NOT_FOUND = "I couldn't find that in the article."
NOT_FOUND_MANY = "I couldn't find that in the articles."  # more than one article loaded
NO_TERMS = (
    "Please ask a question about the article in words: who, what, when, where, "
    "how many …?"
)
NO_TERMS_MANY = (  # more than one article loaded
    "Please ask a question about the articles in words: who, what, when, where, "
    "how many …?"
)


HEDGE = "I'm not sure, but the closest the article comes is:"
HEDGE_MANY = "I'm not sure, but the closest the articles come is:"


def hedge_text(*, articles: int = 1) -> str:
    """The line before a hedged answer (reason ``"uncertain"``: the answerability model's
    probability is middling): :data:`HEDGE`, or :data:`HEDGE_MANY` for several articles."""
    return HEDGE_MANY if articles > 1 else HEDGE


def not_found_text(*, articles: int = 1) -> str:
    """:data:`NOT_FOUND`, or :data:`NOT_FOUND_MANY` when more than one article is loaded.

    Parameters
    ----------
    articles : int
        How many articles are loaded (default 1: the singular wording).
    """
    return NOT_FOUND_MANY if articles > 1 else NOT_FOUND


def no_terms_text(*, articles: int = 1) -> str:
    """:data:`NO_TERMS`, or :data:`NO_TERMS_MANY` when more than one article is loaded.

    Parameters
    ----------
    articles : int
        How many articles are loaded (default 1: the singular wording).
    """
    return NO_TERMS_MANY if articles > 1 else NO_TERMS


LANGUAGE_HINT = "The article is read in English: please ask in English."
LANGUAGE_HINT_MANY = "The articles are read in English: please ask in English."  # more than one article


def too_long_text(length: int) -> str:
    """The reply to a question of ``length`` characters, more than
    :data:`retrieval.MAX_QUESTION_CHARS` (``That question is too long (2,001
    characters; the limit is 2,000). Please ask it more briefly.``)."""
    return (
        f"That question is too long ({length:,} characters; the limit is "
        f"{MAX_QUESTION_CHARS:,}). Please ask it more briefly."
    )


def abstention_text(result: Answer, *, articles: int = 1) -> str:
    """The one-line message for an answer that quotes nothing.

    Parameters
    ----------
    result : Answer
        An answer that quotes nothing.
    articles : int
        How many articles are loaded: the message says "the articles" when more than
        one is (default 1: "the article").

    Returns
    -------
    str
        :func:`too_long_text` for a question that is too long, :func:`no_terms_text`
        for one with no usable word, else :func:`not_found_text`; the last two
        followed by :data:`LANGUAGE_HINT` (:data:`LANGUAGE_HINT_MANY` for more than
        one article) when the question looks written in
        another language (:func:`bot.language.looks_non_english`).
    """
    if result.reason == "too_long":
        return too_long_text(len(result.question))
    text = no_terms_text(articles=articles) if result.reason == "no_terms" else not_found_text(articles=articles)
    if looks_non_english(result.question):
        text += " " + (LANGUAGE_HINT_MANY if articles > 1 else LANGUAGE_HINT)
    return text


_SOURCE_NUMBER = re.compile(r"\[\d+\] ")


def wrap_for_terminal(text: str, width: int) -> str:
    """``text`` with every line longer than ``width`` columns broken between words.

    A terminal breaks a long line at its edge, mid-word; this breaks it at the last
    space that fits instead (:func:`textwrap.wrap`), each continuation indented like
    the line it continues (a ``[n] Title ...`` sources line: under its title). A word longer than the whole width is never split (the
    terminal then breaks it itself). Widths are counted in characters, so a line of
    wide (CJK) characters may still reach the edge. Lines that fit are unchanged.

    Parameters
    ----------
    text : str
        Lines separated by ``"\\n"``.
    width : int
        The terminal's width in columns; below 20 it is taken as 20.
    """
    width = max(width, 20)
    lines = []
    for line in text.split("\n"):
        if len(line) <= width:
            lines.append(line)
            continue
        indent = line[: len(line) - len(line.lstrip(" "))]
        number = _SOURCE_NUMBER.match(line)
        if number:  # a sources line: continue under its title, past "[n] "
            indent = " " * number.end()
        lines.extend(
            textwrap.wrap(
                line,
                width,
                subsequent_indent=indent,
                break_long_words=False,
                break_on_hyphens=False,
            )
            or [line]
        )
    return "\n".join(lines)


def terminal_text(text: str) -> str:
    """``text`` with every non-printable character (controls such as ESC, bidi
    overrides, tabs, no-break spaces) replaced by a plain space, one for one, so that
    text from an article can never move the cursor, recolour or reorder the terminal.
    Printable text, spacing included, is unchanged."""
    return text if text.isprintable() else "".join(c if c.isprintable() else " " for c in text)


def source_line(number: int, quote: Quote) -> str:
    """``[n] Title — section “…”, paragraph P, sentence S`` (plus the context's sentence);
    title and section through :func:`terminal_text`."""
    c: Citation = quote.hit.citation
    parts = []
    if c.section:
        parts.append(f"section “{terminal_text(c.section)}”")
    parts.append(f"paragraph {c.paragraph}")
    if quote.context is not None:
        before = quote.context.citation
        if before.paragraph != c.paragraph:
            parts.append(f"sentence {c.sentence} (context: paragraph {before.paragraph}, sentence {before.sentence})")
        else:
            parts.append(f"sentences {before.sentence}–{c.sentence}")
    else:
        parts.append(f"sentence {c.sentence}")
    return f"[{number}] {terminal_text(c.title)} — {', '.join(parts)}"


# ANSI bold yellow for the answering phrase on a terminal (SGR 1;33, then reset)
HIGHLIGHT_ON, HIGHLIGHT_OFF = "\x1b[1;33m", "\x1b[0m"


def highlighted(question: str, text: str, *, color: bool) -> str:
    """``text`` through :func:`terminal_text`, the phrase that answers ``question``
    (:func:`retrieval.highlight.highlight`) in bold yellow when ``color`` is True
    (a terminal); plain otherwise. :func:`terminal_text` replaces characters one for
    one, so the highlight's offsets still hold."""
    safe = terminal_text(text)
    found = highlight(question, text) if color else None
    if found is None:
        return safe
    return safe[: found.start] + HIGHLIGHT_ON + safe[found.start : found.end] + HIGHLIGHT_OFF + safe[found.end :]


def render_terminal(result: Answer, *, articles: int = 1, color: bool = False) -> str:
    """The answer as the terminal shows it.

    Each quote on its own line(s), ``“…” [n]``, a context sentence (if any) just
    before its quote marked ``(context)``; then a ``Sources:`` block with one
    :func:`source_line` per quote. Article text goes through :func:`terminal_text`.
    An abstention is one line (:func:`abstention_text`); a hedged answer (reason
    ``"uncertain"``) opens with :func:`hedge_text`. A ``warning`` (answered from
    part of a sharded index) is one more line, ``warning: ...``, at the end.

    Parameters
    ----------
    result : Answer
        What the engine returned.
    articles : int
        How many articles are loaded, for the abstention's wording (default 1).
    color : bool
        Highlight the phrase that answers the question in each quote
        (:func:`highlighted`; for a terminal, never for a pipe).

    Returns
    -------
    str
        The text to print, without a final newline.
    """
    warning = f"\nwarning: {terminal_text(result.warning)}" if result.warning else ""
    if not result.answered:
        return abstention_text(result, articles=articles) + warning
    lines: list[str] = [hedge_text(articles=articles)] if result.reason == "uncertain" else []
    for number, quote in enumerate(result.quotes, start=1):
        if quote.context is not None:
            lines.append(f"  (context) “{terminal_text(quote.context.text)}”")
        lines.append(f"“{highlighted(result.question, quote.hit.text, color=color)}” [{number}]")
        lines.append("")
    lines.append("Sources:")
    lines.extend(source_line(n, q) for n, q in enumerate(result.quotes, start=1))
    return "\n".join(lines) + warning


def citation_dict(c: Citation) -> dict:
    """A citation as a JSON-ready dict (doc_id, title, section, paragraph, sentence, start, end)."""
    return {
        "doc_id": c.doc_id,
        "title": c.title,
        "section": c.section,
        "paragraph": c.paragraph,
        "sentence": c.sentence,
        "start": c.start,
        "end": c.end,
    }


def highlight_dict(found: Highlight | None) -> dict | None:
    """``{"start", "end", "text"}`` (offsets into the quote's text), or None."""
    return None if found is None else {"start": found.start, "end": found.end, "text": found.text}


def answer_dict(result: Answer) -> dict:
    """The ``ask --json`` object.

    ``{"question", "answered", "reason", "confidence", "answers": [{"text", "score",
    "citation", "context", "highlight"}]}``; ``answers`` is empty when not answered;
    ``context`` is null or ``{"text", "citation"}`` for the sentence shown before a quote;
    ``highlight`` is null or the phrase of ``text`` that answers the question
    (:func:`highlight_dict`); ``confidence`` is P(the first quote answers) or null
    (:attr:`Answer.confidence`); ``reason`` is ``"uncertain"`` for a hedged answer (still
    ``"answered": true``).
    """
    answers = []
    for quote in result.quotes:
        context = None
        if quote.context is not None:
            context = {"text": quote.context.text, "citation": citation_dict(quote.context.citation)}
        answers.append(
            {
                "text": quote.hit.text,
                "score": quote.hit.score,
                "citation": citation_dict(quote.hit.citation),
                "context": context,
                "highlight": highlight_dict(highlight(result.question, quote.hit.text)),
            }
        )
    out = {
        "question": result.question,
        "answered": result.answered,
        "reason": result.reason,
        "confidence": result.confidence,
        "answers": answers,
    }
    if result.warning:  # only from a partly answering sharded index
        out["warning"] = result.warning
    return out


def explain_dicts(explanations: list[Explanation]) -> list[dict]:
    """The ``"explain"`` list of ``ask --json --explain``: per candidate its rank,
    sentence id, BM25, coverage, per-term and per-feature contributions, score and
    the related words that stood in for question terms."""
    return [
        {
            "rank": e.hit.rank,
            "sentence_id": e.hit.id,
            "bm25": e.bm25,
            "coverage": e.coverage,
            "terms": {t.term: t.score for t in e.terms},
            "score": e.score,
            "features": dict(e.features),
            "related_words": [list(match) for match in e.related_words],
        }
        for e in explanations
    ]


def sentence_dict(sentence: Sentence) -> dict:
    """One line of ``ask --sentences --json``: doc_id, paragraph, sentence, start, end, text."""
    c = sentence.citation
    return {
        "doc_id": c.doc_id,
        "paragraph": c.paragraph,
        "sentence": c.sentence,
        "start": c.start,
        "end": c.end,
        "text": sentence.text,
    }


def render_sentence(sentence: Sentence) -> str:
    """``doc_id ¶P sS  text`` for ``ask --sentences``."""
    return f"{terminal_text(sentence.citation.label)}\t{terminal_text(sentence.text)}"


def render_sources(sources: Iterable[Source]) -> str:
    """One line per loaded article: title, date, sentence count, id."""
    lines = []
    for s in sources:
        date = f", {s.date}" if s.date else ""
        noun = "sentence" if s.sentences == 1 else "sentences"
        lines.append(f"- {terminal_text(s.title)}{terminal_text(date)} — {s.sentences} {noun} ({terminal_text(s.doc_id)})")
    return "\n".join(lines) if lines else "No articles are loaded."


def carried_line(follow_up) -> str:
    """``Follow-up (pronoun): carried over, at a lower weight: US, State, ...`` (and the
    sentences an "else" question does not quote again)."""
    words = ", ".join(printable(w) for w in follow_up.carried)
    line = f"Follow-up ({follow_up.kind}): carried over from the previous question, at a lower weight: {words}"
    if follow_up.exclude:
        line += f"; not quoted again: {', '.join(sorted(follow_up.exclude))}"
    return line


EXPLAIN_FEATURES = 4  # reranker features shown per sentence by render_explanation


def printable(text: str) -> str:
    """``text`` on one line with control and format characters (escape sequences,
    NUL, bidi overrides, line breaks) replaced by spaces and runs of spaces collapsed:
    safe to echo to a terminal."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def render_explanation(
    question: str, explanations: list[Explanation], *, articles: int = 1, follow_up=None
) -> str:
    """Per-term BM25 contributions of the top hits, their largest reranker features
    and the WordNet-related words that stood in for question terms, for ``:explain`` /
    ``--explain``. The question is echoed through
    :func:`printable`; a question that is too long gets :func:`too_long_text`, one
    with no searchable word :func:`no_terms_text`, one that no sentence shares a word
    with ``Nothing in the article(s) matches ...`` (``articles``: how many articles
    are loaded, default 1: "the article"). For a follow-up question (``follow_up``, a
    :class:`retrieval.conversation.FollowUp`), a line says what it carried over from
    the exchange before."""
    from retrieval.analyze import analyze

    if not explanations:
        if too_long(question):  # checked first: such a question is never analyzed
            return too_long_text(len(question))
        if not analyze(question):
            return no_terms_text(articles=articles)
        where = "the articles" if articles > 1 else "the article"
        return f"Nothing in {where} matches the words of: {printable(question)}"
    lines = [f"Why these sentences rank first for: {printable(question)}"]
    if follow_up is not None:
        lines.append(carried_line(follow_up))
    for e in explanations:
        c = e.hit.citation
        lines.append(
            f"#{e.hit.rank} {terminal_text(c.label)}  BM25 {e.bm25:.3f}, term coverage {e.coverage:.0%}, "
            f"reranker score {e.score:.3f}"
        )
        lines.append(f"   “{terminal_text(e.hit.text)}”")
        for t in e.terms:
            lines.append(f"   {t.term:<16} {t.score:+.3f}")
        if e.features:
            shown = ", ".join(f"{name} {value:+.2f}" for name, value in e.features[:EXPLAIN_FEATURES])
            lines.append(f"   largest reranker features: {shown}")
        semantic = [v for name, v in e.features if name in MEANING_FEATURES]
        if semantic:  # the optional semantic scorer's share of the score (its cosine features)
            lines.append(f"   semantic score (meaning): {sum(semantic):+.3f}")
        if e.related_words:
            shown = ", ".join(f"{asked} ~ {held} ({relation})" for asked, held, relation in e.related_words)
            lines.append(f"   related words (question ~ sentence): {shown}")
    return "\n".join(lines)
