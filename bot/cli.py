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
that Ctrl-C after the answer cannot turn exit 0 into 130. This module imports nothing
heavy itself; it also holds :func:`print_error`, the front ends' best-effort way to
stderr.
"""

from __future__ import annotations

import signal
import sys

TYPE_CHECKING = False  # typing itself is not imported: every millisecond before the guard counts
if TYPE_CHECKING:  # pragma: no cover
    from typing import Callable, Sequence, TypeVar

    FrontEnd = Callable[[Sequence[str] | None], int]
    T = TypeVar("T")

EXIT_INTERRUPTED = 130  # the shell's code for a process ended by SIGINT


def _replace_default_sigint(handler) -> bool:
    """Install ``handler`` for SIGINT if SIGINT has Python's default handler (not when
    it is ignored, as for a background job, or handled by someone else) and this is the
    main thread; returns whether it was installed."""
    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        return False
    try:
        signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread: signals are not ours to handle
        return False
    return True


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


def ignore_interrupts() -> None:
    """Ignore SIGINT for the rest of the process: the run is over.

    Without it, Ctrl-C landing after the output -- while the functions return, or
    during interpreter shutdown, where Python puts the default action back on a signal
    that has Python's handler, so that the process dies of SIGINT without a word --
    ends a finished run with 130. Only Python's default handler is replaced, and only
    in the main thread (:func:`_replace_default_sigint`).
    """
    _replace_default_sigint(signal.SIG_IGN)


def final_output(write: Callable[[], T]) -> T:
    """Run ``write``, which writes the program's last output, with Ctrl-C held back;
    then ignore SIGINT for the rest of the process (:func:`ignore_interrupts`).

    The front ends write a one-shot answer, the end of the sentence list and the
    ``--check`` report through here, so that an answer that has been shown always
    exits 0: Ctrl-C that comes while it is being written is dropped rather than
    raised after the text is out, and Ctrl-C after it is ignored. When ``write``
    raises (output that cannot be written), SIGINT gets Python's default handler back
    and the exception propagates; a Ctrl-C that came meanwhile is dropped.

    Returns
    -------
    object
        What ``write`` returned.
    """
    held = _replace_default_sigint(lambda signum, frame: None)
    try:
        result = write()
    except BaseException:
        if held:
            signal.signal(signal.SIGINT, signal.default_int_handler)
        raise
    if held:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # straight from held to ignored: no gap
    return result


def print_error(text: str) -> None:
    """Print ``text`` and a newline on stderr, best effort.

    Every error message of ``ask`` and ``ask-bot`` goes through here: a stderr that is
    closed, full (``2>/dev/full``) or gone is skipped silently, so that failing to
    report an error never changes the exit code. Non-printable characters (an escape
    sequence in a corpus file's name, say) are replaced by spaces, one for one, so an
    error line cannot drive the terminal.
    """
    if not text.isprintable():
        text = "".join(c if c.isprintable() else " " for c in text)
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
