"""Ctrl-C and the standard streams at the end of a run, shared by the front ends.

:func:`final_output` writes a front end's last output with Ctrl-C held back and then
ignores SIGINT (:func:`ignore_interrupts`), so that an answer that has been shown
always exits 0; :func:`print_error` is the front ends' best-effort way to stderr.
This module imports nothing from :mod:`bot` and nothing heavy: the launchers
(:mod:`bot.cli`) and the front ends (:mod:`bot.repl`, :mod:`bot.__main__`) all import
it, so none of them needs to import another (no import circle).
"""

from __future__ import annotations

import argparse
import signal
import sys

TYPE_CHECKING = False  # typing itself is not imported: every millisecond before the guard counts
if TYPE_CHECKING:  # pragma: no cover
    from typing import Callable, TypeVar

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


class SafeErrorParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose usage errors go through :func:`print_error`: argparse's
    usage line, then ``<prog>: error: <message>``, so that an argument holding control
    characters (``ask $'\\x1b[2J'``) cannot drive the terminal; exits 2."""

    def error(self, message: str):
        self.print_usage(sys.stderr)
        print_error(f"{self.prog}: error: {message}")
        raise SystemExit(2)
