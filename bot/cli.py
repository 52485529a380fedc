"""The console scripts' entry points: ``ask`` and ``ask-bot``.

They import the real front ends (:mod:`bot.repl`, :mod:`bot.__main__`) only when
called, inside a ``KeyboardInterrupt`` guard: loading NumPy, nltk and discord.py takes
a few tenths of a second, and Ctrl-C pressed during that time would otherwise end with
a traceback. This module imports nothing heavy itself.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing itself is not imported: every millisecond before the guard counts
if TYPE_CHECKING:  # pragma: no cover
    from typing import Callable, Sequence

EXIT_INTERRUPTED = 130  # the shell's code for a process ended by SIGINT


def _guarded(load: Callable[[], Callable[[Sequence[str] | None], int]], argv: Sequence[str] | None) -> int:
    """Run ``load()(argv)``; Ctrl-C at any point (while importing, too) ends it quietly.

    Returns
    -------
    int
        The entry point's exit code, or :data:`EXIT_INTERRUPTED` (130) after Ctrl-C,
        with one blank line on stderr so the shell prompt starts on a new line.
    """
    try:
        return load()(argv)
    except KeyboardInterrupt:
        try:
            print("", file=sys.stderr)
        except (OSError, ValueError):  # stderr closed too: nothing more to say
            pass
        return EXIT_INTERRUPTED


def _load_ask():
    from bot.repl import main

    return main


def _load_ask_bot():
    from bot.__main__ import main

    return main


def ask(argv: Sequence[str] | None = None) -> int:
    """``ask``: :func:`bot.repl.main` behind the Ctrl-C guard; returns its exit code."""
    return _guarded(_load_ask, argv)


def ask_bot(argv: Sequence[str] | None = None) -> int:
    """``ask-bot``: :func:`bot.__main__.main` behind the Ctrl-C guard; returns its exit code."""
    return _guarded(_load_ask_bot, argv)
