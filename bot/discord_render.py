"""Answers as Discord message text: pure functions, no I/O, no discord.Client.

Every question gets exactly one reply message. Layout of an answered question::

    **Q:** Who accompanied Putin?
    > Accompanying Putin on this trip are ... Alexander Novak, who oversees energy matters. [1]
    **Sources:**
    [1] Putin arrives in North Korea for first visit in 24 years — paragraph 4, sentence 5

A quote whose sentence refers back ("He also mentioned ...") is preceded by its context
sentence in italics, marked ``(context)``. Every piece of article text and the echoed
question is shown literally: Markdown is escaped and every ``@`` is followed by a
zero-width space, so ``@everyone``, ``<@123>`` or ``<@&role>`` render as text (the client's
``AllowedMentions.none()`` is the real guarantee that nobody is pinged; this is the
second belt).

Fitting into one message of at most :data:`MESSAGE_LIMIT` characters, in this order:

1. the longest quoted texts (sentences and context sentences alike) are cut with ``…``,
   all to the same length, down to :data:`MIN_QUOTE_CHARS` characters;
2. then context sentences are left out, the last quote's first;
3. then the last quotes are left out, and a line says how many
   (``*1 more quote left out to fit one message.*``);
4. the best quote alone is cut as short as it takes.

Every quote shown keeps its ``[n]`` marker and its whole sources line: a sources line
longer than :data:`SOURCE_LINE_LIMIT` has its title and section shortened, never its
paragraph and sentence numbers.

An answer with a ``warning`` (the xapian engine answered from part of its shards,
``ASK_XAPIAN_PARTIAL=1``) ends with one more line, ``*warning: ...*``, as the terminal's
last line (at most a quarter of the message; the rest is fitted in what is left).
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import re
from typing import Callable, Sequence

from discord.utils import escape_markdown

from retrieval import Answer, Quote, Source

from retrieval.highlight import highlight

from . import render as terminal

MESSAGE_LIMIT = 2000
MIN_LIMIT = 500  # the smallest ``limit`` the renderers accept
ELLIPSIS = "…"
QUESTION_ECHO_LIMIT = 300  # characters of the question echoed back (before escaping)
SOURCE_LINE_LIMIT = 300  # characters of one sources line at most (after escaping)
MIN_QUOTE_CHARS = 100  # quotes are not cut below this while a context or a quote can go instead
ZWSP = "\u200b"

# The same words as the terminal (bot.render), so both front ends say the same thing.
NOT_FOUND = terminal.NOT_FOUND
NOT_FOUND_MANY = terminal.NOT_FOUND_MANY
NO_TERMS = terminal.NO_TERMS
NO_TERMS_MANY = terminal.NO_TERMS_MANY
ERROR = "Sorry, something went wrong while answering. Please try again in a moment."
EMPTY_MENTION_HINT = "Ask me a question after the mention, e.g. `@me Who accompanied Putin?`, or use `/ask`."
COMMAND_HINT = (  # a session command of the terminal's `ask` (":quit", ":explain" ...) sent in Discord
    "That is a command of the terminal's `ask`; here, ask me a question, or use `/ask`, `/sources` or `/help`."
)
HELP = (
    "**How to ask**\n"
    "• `/ask question: Who accompanied Putin?`\n"
    "• Mention me with your question: `@{name} Who accompanied Putin?`\n"
    "• Or send me a direct message.\n"
    "I answer only by quoting sentences from the loaded articles, with numbered citations "
    "(article, section, paragraph, sentence). If the articles don't say, I say so instead of guessing.\n"
    "`/sources` lists the articles I know."
)


def cooldown_message(retry_after: float) -> str:
    """The polite cooldown reply; ``retry_after`` in seconds, shown rounded up (at least 1)."""
    seconds = max(1, int(-(-retry_after // 1)))
    return f"You're asking a bit fast. Please try again in {seconds} s."


def literal(text: str) -> str:
    """``text`` made safe to show verbatim in Discord: Markdown escaped, mentions defused.

    Every ``@`` gets a zero-width space after it (``@everyone`` -> ``@\\u200beveryone``,
    ``<@123>`` -> ``<@\\u200b123>``), and a leading ``1.`` is kept from becoming a list.
    Returns a new string; never raises.
    """
    escaped = escape_markdown(text)
    escaped = re.sub(r"(?m)^(\s*\d+)\.", r"\1\\.", escaped)
    return escaped.replace("@", "@" + ZWSP)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, ending in ``…`` when cut."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(ELLIPSIS))].rstrip() + ELLIPSIS


def _largest_fitting(caps: range, build: Callable[[int], str], limit: int) -> str | None:
    """``build(cap)`` for the largest ``cap`` in ``caps`` whose result has at most ``limit``
    characters, or None when none does.

    The length of ``build(cap)`` grows with ``cap`` (bisected); Markdown escaping can
    break that by a character or two, so the answer is checked and, if need be, the
    next smaller caps are tried.
    """
    end = bisect.bisect_right(caps, limit, key=lambda cap: len(build(cap)))
    for cap in reversed(caps[:end]):
        text = build(cap)
        if len(text) <= limit:
            return text
    return None


def _renamed(quote: Quote, title: str, section: str | None) -> Quote:
    """``quote`` with its hit's citation showing ``title`` and ``section`` instead."""
    sentence = quote.hit.sentence
    citation = dataclasses.replace(sentence.citation, title=title, section=section)
    hit = dataclasses.replace(quote.hit, sentence=dataclasses.replace(sentence, citation=citation))
    return Quote(hit=hit, context=quote.context)


def _literal_source_line(number: int, quote: Quote) -> str:
    marker = f"[{number}] "
    line = _one_line(terminal.source_line(number, quote))
    if line.startswith(marker):
        return marker + literal(line[len(marker):])
    return literal(line)  # pragma: no cover - the terminal form always starts with [n]


def source_line(number: int, quote: Quote, max_chars: int = SOURCE_LINE_LIMIT) -> str:
    """The terminal's :func:`bot.render.source_line` (``[n] Title — section “…”,
    paragraph P, sentence S``) on one line, everything after ``[n]`` shown literally.

    Parameters
    ----------
    number : int
        The quote's ``[n]``.
    quote : Quote
        The quote cited.
    max_chars : int
        A longer line has its title and section cut with ``…`` (both to the same
        length) until it fits; the paragraph and sentence numbers are always kept.

    Returns
    -------
    str
        One line, at most ``max_chars`` characters unless even a title and section of
        ``…`` do not fit (then that shortest form).
    """
    line = _literal_source_line(number, quote)
    if len(line) <= max_chars:
        return line
    citation = quote.hit.citation
    title = _one_line(citation.title)
    section = _one_line(citation.section) if citation.section else None

    def build(cap: int) -> str:
        cut_section = _shorten(section, cap) if section is not None else None
        return _literal_source_line(number, _renamed(quote, _shorten(title, cap), cut_section))

    longest = max(len(title), len(section or ""))
    return _largest_fitting(range(1, longest + 1), build, max_chars) or build(1)


def question_line(question: str, max_chars: int | None = None) -> str:
    """``**Q:** <question>``: the question on one line, shortened to
    :data:`QUESTION_ECHO_LIMIT` characters (and, with ``max_chars``, until the escaped
    line fits) and shown literally."""
    text = _shorten(_one_line(question), QUESTION_ECHO_LIMIT)

    def build(cap: int) -> str:
        return f"**Q:** {literal(_shorten(text, cap))}"

    line = build(len(text))
    if max_chars is None or len(line) <= max_chars:
        return line
    return _largest_fitting(range(0, len(text) + 1), build, max_chars) or build(0)


def left_out_line(count: int) -> str:
    """The line saying that ``count`` (>= 1) quotes did not fit in the message."""
    return f"*{count} more quote{'' if count == 1 else 's'} left out to fit one message.*"


@functools.lru_cache(maxsize=256)  # fitting a message composes it a dozen times
def _highlight(question: str, text: str):
    return highlight(question, text)


def bold_answer(question: str, text: str, cap: int) -> str:
    """``text`` on one line, cut to ``cap`` characters and shown literally, with the
    phrase that answers ``question`` (:func:`retrieval.highlight.highlight`) in bold;
    plain :func:`literal` when none stands out or the cut removed part of it."""
    one = _one_line(text)
    short = _shorten(one, cap)
    found = _highlight(question, one)
    kept = len(short) if short == one else len(short) - len(ELLIPSIS)
    if found is None or found.end > kept:
        return literal(short)
    before, after = short[: found.start], short[found.end :]
    return f"{literal(before)}**{literal(found.text)}**{literal(after)}"


def _compose(
    header: str | None,
    shown: Sequence[tuple[int, Quote, str]],
    left_out: int,
    cap: int,
    question: str = "",
) -> str:
    """The message: header, the quotes (every text cut to ``cap`` characters, the
    phrase answering ``question`` in bold), the left-out line, the sources."""
    parts = [header] if header else []
    for number, quote, _ in shown:
        if quote.context is not None:
            parts.append(f"> *(context) {literal(_shorten(_one_line(quote.context.text), cap))}*")
        parts.append(f"> {bold_answer(question, quote.hit.text, cap)} [{number}]")
    if left_out:
        parts.append(left_out_line(left_out))
    parts.append("**Sources:**")
    parts.extend(line for _, _, line in shown)
    return "\n".join(parts)


def _fit(
    header: str | None,
    shown: Sequence[tuple[int, Quote, str]],
    left_out: int,
    limit: int,
    floor: int,
    question: str = "",
) -> str | None:
    """The message with its quoted texts cut as little as possible (all to one length,
    not below ``floor``) to fit ``limit``; None when even ``floor`` is too long."""
    longest = max(
        len(_one_line(text))
        for _, quote, _ in shown
        for text in (quote.hit.text, quote.context.text if quote.context else "")
    )
    return _largest_fitting(
        range(min(floor, longest), longest + 1),
        lambda cap: _compose(header, shown, left_out, cap, question),
        limit,
    )


def _without_contexts(numbered: Sequence[tuple[int, Quote]], source_max: int):
    """The quotes as shown: first with every context sentence, then dropping them one at
    a time from the last quote back; each as ``[(number, quote, sources line)]``."""
    with_context = [i for i, (_, quote) in enumerate(numbered) if quote.context is not None]
    for dropped in range(len(with_context) + 1):
        gone = set(with_context[len(with_context) - dropped :])
        shown = []
        for i, (number, quote) in enumerate(numbered):
            if i in gone:
                quote = Quote(hit=quote.hit)
            shown.append((number, quote, source_line(number, quote, source_max)))
        yield shown


def render_answer(
    answer: Answer, *, echo_question: bool = True, limit: int = MESSAGE_LIMIT, articles: int = 1
) -> str:
    """Render an :class:`~retrieval.Answer` as one Discord message.

    Parameters
    ----------
    answer : Answer
        What the engine returned.
    echo_question : bool
        Open the message with ``**Q:** <question>`` (slash commands do; a reply to a
        mention does not need to).
    limit : int
        Maximum characters of the message (Discord's 2000 by default; >= :data:`MIN_LIMIT`).
    articles : int
        How many articles are loaded: an abstention says "the articles" when more
        than one is (default 1: "the article").

    Returns
    -------
    str
        One message of at most ``limit`` characters. An abstention says so plainly.
        Quotes keep their order and numbering; too long an answer is shortened as the
        module docstring says, every quote shown keeping its ``[n]`` and sources line.

    Raises
    ------
    ValueError
        If ``limit`` is below :data:`MIN_LIMIT`.
    """
    if limit < MIN_LIMIT:
        raise ValueError(f"limit must be >= {MIN_LIMIT}, got {limit}")
    if answer.warning:
        footer = warning_line(answer.warning, limit // 4)
        return f"{_render(answer, echo_question, limit - len(footer) - 1, articles)}\n{footer}"
    return _render(answer, echo_question, limit, articles)


def warning_line(warning: str, max_chars: int) -> str:
    """``*warning: ...*``: the engine's warning on one line, literal, at most
    ``max_chars`` characters (cut with ``…``)."""
    text = _one_line(warning)
    for cap in range(len(text), -1, -1):
        line = f"*warning: {literal(_shorten(text, cap))}*"
        if len(line) <= max_chars:
            return line
    return "*warning*"


def _render(answer: Answer, echo_question: bool, limit: int, articles: int) -> str:
    """:func:`render_answer` without the warning line, in ``limit`` characters."""
    # Each of the header and a sources line takes at most a quarter of the message, so
    # the best quote (cut to "…" if need be) always fits beside them.
    header = question_line(answer.question, limit // 4) if echo_question else None
    if not answer.answered or not answer.quotes:
        text = terminal.abstention_text(answer, articles=articles)
        return f"{header}\n{text}" if header else text
    if answer.reason == "uncertain":  # a hedged answer says so before its quotes
        hedge = f"*{terminal.hedge_text(articles=articles)}*"
        header = f"{header}\n{hedge}" if header else hedge

    source_max = min(SOURCE_LINE_LIMIT, limit // 4)
    numbered = list(enumerate(answer.quotes, start=1))
    for count in range(len(numbered), 0, -1):
        for shown in _without_contexts(numbered[:count], source_max):
            message = _fit(header, shown, len(numbered) - count, limit, MIN_QUOTE_CHARS, answer.question)
            if message is not None:
                return message
    best = Quote(hit=answer.quotes[0].hit)
    shown = [(1, best, source_line(1, best, source_max))]
    return _fit(header, shown, len(numbered) - 1, limit, 0, answer.question) or _compose(
        header, shown, len(numbered) - 1, 0, answer.question
    )


def render_sources(sources: Sequence[Source], *, limit: int = MESSAGE_LIMIT) -> str:
    """The ``/sources`` listing as one message: one line per article (title, date,
    sentence count).

    Parameters
    ----------
    sources : sequence of Source
        The loaded articles, in the order to list them.
    limit : int
        Maximum characters of the message (>= :data:`MIN_LIMIT`).

    Returns
    -------
    str
        A count line, then as many article lines as fit, then ``… and N more`` when
        some did not. Titles are shortened to 200 characters.

    Raises
    ------
    ValueError
        If ``limit`` is below :data:`MIN_LIMIT`.
    """
    if limit < MIN_LIMIT:
        raise ValueError(f"limit must be >= {MIN_LIMIT}, got {limit}")
    if not sources:
        return "No articles are loaded."
    total = sum(s.sentences for s in sources)
    lines = [f"**{len(sources)} article(s), {total} sentences**"]
    for s in sources:
        date = f" ({literal(s.date)})" if s.date else ""
        plural = "" if s.sentences == 1 else "s"
        title = literal(_shorten(_one_line(s.title), 200))
        lines.append(f"• {title}{date}: {s.sentences} sentence{plural}")
    message = "\n".join(lines)
    if len(message) <= limit:
        return message

    def build(count: int) -> str:
        return "\n".join(lines[: count + 1] + [f"… and {len(sources) - count} more"])

    # the most article lines that fit together with the "… and N more" line
    return _largest_fitting(range(0, len(sources)), build, limit) or build(0)
