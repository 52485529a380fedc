"""``ask --json`` with no question and standard input not a terminal: JSON Lines.

One question per input line, one JSON object per output line, the lines forming one
conversation (follow-up questions lean on the line before them,
:mod:`retrieval.conversation`); it ends at the end of the input. Each object is the
one-shot ``--json`` object (:func:`bot.render.answer_dict`) plus ``"follow_up"``:
null for a question that stands on its own, else ``{"kind", "carried"}`` (what it
took over from the exchange before); with ``--explain``, also ``"explain"``.

Blank input lines are skipped (no object). A line longer than the REPL's limit is
read and thrown away, and answered with ``{"question": null, "answered": false,
"reason": "too_long", "answers": [], "follow_up": null, "length": N}``. Each object
is flushed as soon as it is written, so a program can talk to ``ask`` line by line.
"""

from __future__ import annotations

import json
from typing import Callable

from retrieval.conversation import Conversations

from .render import answer_dict, explain_dicts

KEY = "stdin"  # the one conversation of a JSON Lines run


def follow_up_dict(follow_up) -> dict | None:
    """``{"kind", "carried"}`` for a :class:`~retrieval.conversation.FollowUp`, or None."""
    if follow_up is None:
        return None
    return {"kind": follow_up.kind, "carried": list(follow_up.carried)}


def answer_line(engine, talks: Conversations, question: str, *, explain: bool = False) -> str:
    """The JSON object (one line) answering ``question`` in the conversation ``talks``
    keeps under :data:`KEY`, which records it."""
    follow_up = talks.resolve(KEY, question)
    result = engine.answer(question, follow_up=follow_up)
    talks.record(KEY, result, follow_up)
    payload = answer_dict(result)
    payload["follow_up"] = follow_up_dict(follow_up)
    if explain:
        payload["explain"] = explain_dicts(engine.explain(question, follow_up=follow_up))
    return json.dumps(payload, ensure_ascii=False)


def too_long_line(length: int) -> str:
    """The object for an input line of ``length`` characters that was thrown away."""
    payload = {"question": None, "answered": False, "reason": "too_long", "answers": [], "follow_up": None}
    payload["length"] = length
    return json.dumps(payload)


def run_jsonl(
    engine,
    read_line: Callable[[], str],
    write: Callable[[str], None],
    *,
    too_long: type[Exception],
    explain: bool = False,
    talks: Conversations | None = None,
) -> int:
    """Answer lines until the end of the input; returns the exit code, 0.

    Parameters
    ----------
    engine : Engine or LiveEngine
        Answers with ``answer(question, follow_up=...)``.
    read_line : callable
        The next line without its line break; raises EOFError at the end, or
        ``too_long`` (with a ``length`` attribute) for a line it threw away.
    write : callable
        Writes one output line (and flushes it).
    too_long : exception class
        What ``read_line`` raises for a line too long (the REPL's ``LineTooLong``).
    explain : bool
        Add each answer's ``"explain"`` list (:func:`bot.render.explain_dicts`).
    talks : Conversations, optional
        The conversation state (a fresh one by default).
    """
    talks = talks if talks is not None else Conversations()
    while True:
        try:
            line = read_line()
        except EOFError:
            return 0
        except too_long as exc:
            write(too_long_line(exc.length))
            continue
        question = line.strip()
        if question:
            write(answer_line(engine, talks, question, explain=explain))
