"""Answers as Discord message text: pure functions, no I/O, no discord.Client.

Layout of an answered question (one message when it fits)::

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

Splitting: every message is at most :data:`MESSAGE_LIMIT` characters. Messages are cut
only between quotes; a quote always travels with its ``[n]`` marker and its sources
line. A quote too long for a message on its own is truncated with ``…`` and keeps
its citation.
"""

from __future__ import annotations

import re
from typing import Sequence

from discord.utils import escape_markdown

from retrieval import Answer, Quote, Source

from . import render as terminal

MESSAGE_LIMIT = 2000
ELLIPSIS = "…"
QUESTION_ECHO_LIMIT = 300  # characters of the question echoed back (before escaping)
ZWSP = "\u200b"

# The same words as the terminal (bot.render), so both front ends say the same thing.
NOT_FOUND = terminal.NOT_FOUND
NO_TERMS = terminal.NO_TERMS
ERROR = "Sorry, something went wrong while answering. Please try again in a moment."
EMPTY_MENTION_HINT = "Ask me a question after the mention, e.g. `@me Who accompanied Putin?`, or use `/ask`."
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


def source_line(number: int, quote: Quote) -> str:
    """The terminal's :func:`bot.render.source_line` (``[n] Title — section “…”,
    paragraph P, sentence S``) on one line, everything after ``[n]`` shown literally."""
    marker = f"[{number}] "
    line = _one_line(terminal.source_line(number, quote))
    if line.startswith(marker):
        return marker + literal(line[len(marker):])
    return literal(line)  # pragma: no cover - the terminal form always starts with [n]


def _quote_block(number: int, quote: Quote, max_chars: int | None = None) -> str:
    """The Markdown quote lines of one quote, ending in its ``[n]`` marker.

    With ``max_chars``, the hit sentence (then, if needed, the context) is truncated
    with ``…`` until the block fits; the marker is always kept.
    """
    context = _one_line(quote.context.text) if quote.context is not None else None
    sentence = _one_line(quote.hit.text)
    marker = f" [{number}]"

    def build(ctx: str | None, sent: str) -> str:
        lines = []
        if ctx is not None:
            lines.append(f"> *(context) {literal(ctx)}*")
        lines.append(f"> {literal(sent)}{marker}")
        return "\n".join(lines)

    block = build(context, sentence)
    if max_chars is None or len(block) <= max_chars:
        return block
    # Shrink the raw text (never the escaped text, so no escape is cut in half).
    if context is not None:
        # first drop the context to a short stub, then shorten the sentence
        context = _shorten(context, 80)
        block = build(context, sentence)
        if len(block) <= max_chars:
            return block
    low, high = 0, len(sentence)
    best = build(context, _shorten(sentence, 0))
    while low <= high:  # the longest prefix whose escaped block fits
        mid = (low + high) // 2
        candidate = build(context, _shorten(sentence, mid) if mid < len(sentence) else sentence)
        if len(candidate) <= max_chars:
            best, low = candidate, mid + 1
        else:
            high = mid - 1
    if len(best) > max_chars and context is not None:
        return _quote_block(number, Quote(hit=quote.hit, context=None), max_chars)
    return best


def question_line(question: str) -> str:
    """``**Q:** <question>``, the question on one line, shortened and shown literally."""
    return f"**Q:** {literal(_shorten(_one_line(question), QUESTION_ECHO_LIMIT))}"


def _compose(header: str | None, blocks: Sequence[str], sources: Sequence[str]) -> str:
    parts = [header] if header else []
    parts += list(blocks)
    parts.append("**Sources:**\n" + "\n".join(sources))
    return "\n".join(parts)


def render_answer(
    answer: Answer, *, echo_question: bool = True, limit: int = MESSAGE_LIMIT
) -> list[str]:
    """Render an :class:`~retrieval.Answer` as Discord messages.

    Parameters
    ----------
    answer : Answer
        What the engine returned.
    echo_question : bool
        Open the first message with ``**Q:** <question>`` (slash commands do; a reply
        to a mention does not need to).
    limit : int
        Maximum characters per message (Discord's 2000 by default; >= 200).

    Returns
    -------
    list of str
        At least one message, each ``len() <= limit``. An abstention is a single
        message saying so plainly. Quotes keep their order and numbering across
        messages; each message ends with the sources lines of its own quotes.
    """
    if limit < 200:
        raise ValueError(f"limit must be >= 200, got {limit}")
    header = question_line(answer.question) if echo_question else None
    if not answer.answered or not answer.quotes:
        text = NO_TERMS if answer.reason == "no_terms" else NOT_FOUND
        return [_shorten(f"{header}\n{text}" if header else text, limit)]

    units = []  # (quote block, sources line), numbered across the whole answer
    for number, quote in enumerate(answer.quotes, start=1):
        units.append((number, quote, source_line(number, quote)))

    messages: list[str] = []
    blocks: list[str] = []
    sources: list[str] = []
    for number, quote, src in units:
        head = header if not messages else None
        block = _quote_block(number, quote)
        if len(_compose(head, blocks + [block], sources + [src])) <= limit:
            blocks.append(block)
            sources.append(src)
            continue
        if blocks:  # flush what we have, start a new message with this quote
            messages.append(_compose(head, blocks, sources))
            blocks, sources = [], []
            head = None
        # alone in its message: truncate the quote (and, absurdly long, its source line)
        src = _shorten(src, limit // 4)
        room = limit - len(_compose(head, [], [src])) - 1  # -1 for the joining newline
        block = _quote_block(number, quote, max_chars=room)
        blocks.append(block)
        sources.append(src)
    messages.append(_compose(header if not messages else None, blocks, sources))
    return messages


def render_sources(sources: Sequence[Source], *, limit: int = MESSAGE_LIMIT) -> list[str]:
    """The ``/sources`` listing: one line per article (title, date, sentence count).

    Returns
    -------
    list of str
        At least one message, each ``len() <= limit``, split between lines.
    """
    if not sources:
        return ["No articles are loaded."]
    total = sum(s.sentences for s in sources)
    lines = [f"**{len(sources)} article(s), {total} sentences**"]
    for s in sources:
        date = f" ({literal(s.date)})" if s.date else ""
        plural = "" if s.sentences == 1 else "s"
        title = literal(_shorten(_one_line(s.title), 200))
        lines.append(f"• {title}{date}: {s.sentences} sentence{plural}")
    return pack_lines(lines, limit=limit)


def pack_lines(lines: Sequence[str], *, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Join ``lines`` with newlines into as few messages of at most ``limit`` characters
    as possible, splitting only between lines (a single over-long line is shortened
    with ``…``)."""
    messages: list[str] = []
    current = ""
    for line in lines:
        line = _shorten(line, limit)
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) <= limit:
            current = candidate
        else:
            messages.append(current)
            current = line
    if current or not messages:
        messages.append(current)
    return messages
