"""The console scripts' entry points: ``ask`` and ``ask-bot``.

They import the real front ends (:mod:`bot.repl`, :mod:`bot.__main__`) only when
called: loading NumPy, nltk and discord.py takes a few tenths of a second, and Ctrl-C
pressed during that time must not end with a traceback -- nor, when it lands inside
NumPy's C import code, with an ImportError. So while the front end is imported, SIGINT
only records that it came (:func:`_import_uninterrupted`); then the program exits 130
without running the front end. Ctrl-C after that is a ``KeyboardInterrupt``, caught
here too. This module imports nothing heavy itself; it also holds :func:`print_error`,
the front ends' best-effort way to stderr.
"""

from __future__ import annotations

import signal
import sys

TYPE_CHECKING = False  # typing itself is not imported: every millisecond before the guard counts
if TYPE_CHECKING:  # pragma: no cover
    from typing import Callable, Sequence

    FrontEnd = Callable[[Sequence[str] | None], int]

EXIT_INTERRUPTED = 130  # the shell's code for a process ended by SIGINT


def _import_uninterrupted(load: Callable[[], FrontEnd]) -> tuple[FrontEnd, bool]:
    """Run ``load()`` with SIGINT recorded instead of raised, so that no exception can
    start inside the imports.

    The recording handler is installed only when SIGINT has Python's default handler
    (not when it is ignored, as for a background job, or handled by someone else) and
    only in the main thread; the previous handler is always restored.

    Returns
    -------
    tuple of (callable, bool)
        The front end's ``main``, and whether SIGINT arrived while it was imported.
    """
    arrived: list[int] = []
    previous = signal.getsignal(signal.SIGINT)
    installed = False
    if previous is signal.default_int_handler:
        try:
            signal.signal(signal.SIGINT, lambda signum, frame: arrived.append(signum))
            installed = True
        except ValueError:  # not the main thread: signals are not ours to handle
            pass
    try:
        main = load()
    finally:
        if installed:
            signal.signal(signal.SIGINT, previous)
    return main, bool(arrived)


def print_error(text: str) -> None:
    """Print ``text`` and a newline on stderr, best effort.

    Every error message of ``ask`` and ``ask-bot`` goes through here: a stderr that is
    closed, full (``2>/dev/full``) or gone is skipped silently, so that failing to
    report an error never changes the exit code.
    """
    try:
        if sys.stderr is not None:  # print(file=None) would write to stdout
            print(text, file=sys.stderr, flush=True)
    except (OSError, ValueError):  # nowhere left to say it
        pass


def _interrupted() -> int:
    """One blank line on stderr, so the shell prompt starts on a new line (best effort:
    :func:`print_error`); returns :data:`EXIT_INTERRUPTED` (130)."""
    print_error("")
    return EXIT_INTERRUPTED


def _guarded(load: Callable[[], FrontEnd], argv: Sequence[str] | None) -> int:
    """Import the front end with :func:`_import_uninterrupted`, then run it on ``argv``.

    Returns
    -------
    int
        The front end's exit code, or :data:`EXIT_INTERRUPTED` (130) after Ctrl-C at
        any point (the front end is not run when it came during the import), with one
        blank line on stderr.
    """
    try:
        main, interrupted = _import_uninterrupted(load)
        if interrupted:
            return _interrupted()
        return main(argv)
    except KeyboardInterrupt:
        return _interrupted()


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
