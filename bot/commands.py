"""The session's commands (``:help``, ``:sources``, ``:explain``, ``:quit``), read the
same way by the interactive session (:mod:`bot.repl`) and by ``ask --json`` reading
questions from a pipe (:mod:`bot.jsonl`), so that a line a person types and the same
line in a file of questions mean the same thing.

A line is a command when it starts with ``:`` (``:help``, ``:explain who met Kim?``),
or when it is ``quit``, ``exit`` or ``q`` alone, in any case: none of those can be a
question. :func:`parse_command` tells the two apart; everything else is a question.
"""

from __future__ import annotations

from dataclasses import dataclass

HELP = """Ask a question about the articles, e.g.  who accompanied Putin?
Commands:
  :help (:h, :?)       this help
  :sources             the loaded articles
  :explain [QUESTION]  how each question term scored for the top sentences
                       (the last question when none is given)
  :quit (:q, :exit)    leave; so do quit, exit or q alone, Ctrl-D and Ctrl-C
                       (Ctrl-C on a half-typed line throws the line away;
                       while an answer is computed it cancels that answer)"""

# Typed alone (any case), these leave like :quit: none of them can be a question.
BARE_QUIT = frozenset({"quit", "exit", "q"})

# The command word (after ":", lower case) -> the command it names.
NAMES = {
    "q": "quit",
    "quit": "quit",
    "exit": "quit",
    "h": "help",
    "help": "help",
    "?": "help",
    "sources": "sources",
    "explain": "explain",
}

NO_QUESTION_YET = "Ask a question first, or give one: :explain who accompanied Putin?"


@dataclass(frozen=True)
class Command:
    """One command line, parsed.

    Attributes
    ----------
    name : str
        ``"quit"``, ``"help"``, ``"sources"``, ``"explain"`` or ``"unknown"``.
    word : str
        The command word as typed after ``:``, lower case (``"bogus"`` for
        ``:bogus``; ``"quit"`` for a bare ``quit``).
    rest : str
        What follows the word, stripped (``:explain``'s question; ``""`` when none).
    """

    name: str
    word: str
    rest: str = ""


def parse_command(line: str) -> Command | None:
    """The command ``line`` gives, or None when it is a question (or blank).

    ``line`` is stripped first (and a leading byte-order mark dropped); a ``:`` line's
    word is compared in lower case, so ``:HELP`` is ``:help``. Only ``:explain`` takes
    text after its word: ``:quit now`` or ``:sources all`` is an unknown command (word
    ``"quit now"``), so a line with more in it never ends the session. Never raises.
    """
    text = line.strip().lstrip("\ufeff")  # a byte-order mark a pasted line may carry
    if text.lower() in BARE_QUIT:
        return Command("quit", text.lower())
    if not text.startswith(":"):
        return None
    parts = text[1:].split(None, 1)  # any whitespace after the word: ":explain\twho ..."
    word = parts[0].lower() if parts else ""
    rest = parts[1].strip() if len(parts) > 1 else ""
    name = NAMES.get(word, "unknown")
    if rest and name not in ("explain", "unknown"):  # ":quit now" is no command: never leave on a guess
        return Command("unknown", f"{word} {rest}")
    return Command(name, word, rest)
