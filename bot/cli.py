"""The console scripts' entry points: ``ask`` and ``ask-bot``.

They import the real front ends (:mod:`bot.repl`, :mod:`bot.__main__`) only when
called: loading NumPy, nltk and discord.py takes a few tenths of a second, and Ctrl-C
pressed during that time must not end with a traceback -- nor, when it lands inside
NumPy's C import code, with an ImportError. So while the front end is imported, SIGINT
only records that it came (:func:`_import_uninterrupted`); then the program exits 130
without running the front end. Ctrl-C after that is a ``KeyboardInterrupt``, caught
here too, until the run is over: the front ends write their last output through
:func:`final_output` (Ctrl-C held back while it is written, ignored after it), and
once the front end has returned SIGINT is ignored (:func:`ignore_interrupts`), so
that Ctrl-C after the answer cannot turn exit 0 into 130 (both in :mod:`bot.terminal`). This module imports nothing heavy itself, and the front ends never
import it: it imports them, lazily, and nothing imports back (no import circle).
"""

from __future__ import annotations

import signal

from .terminal import EXIT_INTERRUPTED, _replace_default_sigint, ignore_interrupts, print_error

TYPE_CHECKING = False  # typing itself is not imported: every millisecond before the guard counts
if TYPE_CHECKING:  # pragma: no cover
    from typing import Callable, Sequence

    FrontEnd = Callable[[Sequence[str] | None], int]


def _import_uninterrupted(load: Callable[[], FrontEnd]) -> tuple[FrontEnd, bool]:
    """Run ``load()`` with SIGINT recorded instead of raised, so that no exception can
    start inside the imports.

    The recording handler is installed only over Python's default handler and only in
    the main thread (:func:`_replace_default_sigint`); the default handler is always
    restored.

    Returns
    -------
    tuple of (callable, bool)
        The front end's ``main``, and whether SIGINT arrived while it was imported.
    """
    arrived: list[int] = []
    installed = _replace_default_sigint(lambda signum, frame: arrived.append(signum))
    try:
        main = load()
    finally:
        if installed:
            signal.signal(signal.SIGINT, signal.default_int_handler)
    return main, bool(arrived)


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
        The front end's exit code, or :data:`EXIT_INTERRUPTED` (130) after Ctrl-C
        before it returned (the front end is not run when it came during the import),
        with one blank line on stderr. Once it has returned, SIGINT is ignored
        (:func:`ignore_interrupts`): Ctrl-C during the interpreter's shutdown cannot
        change the exit code.
    """
    try:
        main, interrupted = _import_uninterrupted(load)
        if interrupted:
            return _interrupted()
        code = main(argv)
        ignore_interrupts()
        return code
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
