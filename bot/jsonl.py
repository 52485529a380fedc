"""``ask --json`` with no question and standard input not a terminal: JSON Lines.

One question per input line, one JSON object per output line, the lines forming one
conversation (follow-up questions lean on the line before them,
:mod:`retrieval.conversation`); it ends at the end of the input. Each object is the
one-shot ``--json`` object (:func:`bot.render.answer_dict`) plus ``"follow_up"``:
null for a question that stands on its own, else ``{"kind", "carried"}`` (what it
took over from the exchange before); with ``--explain``, also ``"explain"``.

A line that is a session command (:mod:`bot.commands`) is not asked as a question:
``:quit``, ``:q``, ``:exit`` (or ``quit``, ``exit``, ``q`` alone) ends the run as the
end of the input does; ``:help``, ``:sources``, ``:explain [QUESTION]`` and an
unknown ``:word`` each get one object with ``"reason": "command"`` (:func:`command_line`).
Blank input lines are skipped (no object). A line longer than the REPL's limit is
read and thrown away, and answered with ``{"question": null, "answered": false,
"reason": "too_long", "answers": [], "follow_up": null, "length": N}``. Each object
is flushed as soon as it is written, so a program can talk to ``ask`` line by line.
"""

from __future__ import annotations

import json
from typing import Callable

from retrieval.conversation import Conversations

from .commands import HELP, NO_QUESTION_YET, Command, parse_command
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
    return _answered(engine, talks, question, explain=explain)[0]


def _answered(engine, talks: Conversations, question: str, *, explain: bool = False):
    """:func:`answer_line`'s line, and the follow-up the question was read as (None
    for a question on its own), which a bare ``:explain`` after it explains."""
    follow_up = talks.resolve(KEY, question)
    result = engine.answer(question, follow_up=follow_up)
    talks.record(KEY, result, follow_up)
    payload = answer_dict(result)
    payload["follow_up"] = follow_up_dict(follow_up)
    if explain:
        payload["explain"] = explain_dicts(engine.explain(question, follow_up=follow_up))
    return json.dumps(payload, ensure_ascii=False), follow_up


def command_line(engine, command: Command, last: tuple[str, object] | None) -> str:
    """The object (one line) answering a session command other than quit.

    Every command object has the keys of an abstention (``"question": null,
    "answered": false, "answers": [], "follow_up": null``) so that a reader looking
    only at those sees no answer, plus ``"reason": "command"``, ``"command"`` (the
    command's name, or ``"unknown"``) and what it gives: ``:help`` ``"text"`` (the
    session's help); ``:sources`` ``"sources"``, a list of ``{"doc_id", "title",
    "date", "sentences"}``; ``:explain`` ``"explained"`` (the question explained: the
    one given, else the last question, with what it carried over) and ``"explain"``
    (:func:`bot.render.explain_dicts`), or ``"error"`` when there is no question yet;
    an unknown command ``"error"``.

    Parameters
    ----------
    engine : Engine or LiveEngine
    command : Command
        From :func:`bot.commands.parse_command`; not ``"quit"``.
    last : tuple of (str, FollowUp or None), optional
        The last question asked and what it carried over (for a bare ``:explain``).
    """
    payload = {"question": None, "answered": False, "reason": "command", "answers": [], "follow_up": None}
    payload["command"] = command.name
    if command.name == "help":
        payload["text"] = HELP
    elif command.name == "sources":
        payload["sources"] = [
            {"doc_id": s.doc_id, "title": s.title, "date": s.date, "sentences": s.sentences}
            for s in engine.sources()
        ]
    elif command.name == "explain":
        question, follow_up = (command.rest, None) if command.rest else (last or (None, None))
        if question is None:
            payload["error"] = NO_QUESTION_YET
        else:
            explained = engine.explain(question) if follow_up is None else engine.explain(question, follow_up=follow_up)
            payload["explained"] = question
            payload["explain"] = explain_dicts(explained)
    else:
        payload["error"] = f"Unknown command :{command.word}. Type :help for the commands."
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
    """Answer lines until the end of the input or a quit command (``:quit``, ``quit``
    ...); returns the exit code, 0. Other commands get :func:`command_line`'s object.

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
    last: tuple[str, object] | None = None  # the last question and its follow-up, for :explain
    while True:
        try:
            line = read_line()
        except EOFError:
            return 0
        except too_long as exc:
            write(too_long_line(exc.length))
            continue
        question = line.strip()
        if not question:
            continue
        command = parse_command(question)
        if command is None:
            line, follow_up = _answered(engine, talks, question, explain=explain)
            write(line)
            last = (question, follow_up)
        elif command.name == "quit":
            return 0
        else:
            if command.name == "explain" and command.rest:
                last = (command.rest, None)  # as in the session: it becomes the last question
            write(command_line(engine, command, last))
