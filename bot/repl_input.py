"""Reading the REPL's input lines: prompt_toolkit on a terminal, bounded lines from a pipe.

On a terminal (:func:`_line_reader`) lines come from prompt_toolkit with a history file
(:func:`_history`); Ctrl-C with a half-typed line throws that line away
(:class:`LineDiscarded`), as shells do, and Ctrl-C on an empty line leaves. From a pipe
each line is read with :func:`read_bounded_line`, which never holds more than
:data:`MAX_LINE_CHARS` + 1 characters of one line in memory.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable

from bot import config

from retrieval import MAX_QUESTION_CHARS


class LineDiscarded(Exception):
    """Ctrl-C was pressed with a half-typed line: the line is thrown away and the REPL
    prompts again (only Ctrl-C on an empty line leaves)."""


class LineTooLong(Exception):
    """An input line longer than :data:`MAX_LINE_CHARS` was read and thrown away.

    Attributes
    ----------
    length : int
        Its length in characters, line break excluded (as far as it was read: up to
        the end of the input when it has no line break).
    """

    def __init__(self, length: int) -> None:
        super().__init__(f"a line of {length} characters")
        self.length = length


HISTORY_DIR = (".local", "state", "ask")  # under the home directory; the file is "history"
XDG_HISTORY_DIR = ("ask",)  # under $XDG_STATE_HOME, when that is set to an absolute path


def _history_base() -> tuple[Path, tuple[str, ...]] | None:
    """Where the history goes: an existing directory and the folders below it.

    Returns
    -------
    tuple of (Path, tuple of str) or None
        ``$XDG_STATE_HOME`` and :data:`XDG_HISTORY_DIR` when ``XDG_STATE_HOME`` is an
        absolute path (:func:`bot.config.state_home`), else the home directory and
        :data:`HISTORY_DIR`; None when that directory does not exist or cannot be
        determined (it is never created).
    """
    base = config.state_home()
    parts = XDG_HISTORY_DIR
    try:
        if base is None:
            base, parts = Path.home(), HISTORY_DIR
        if base.is_absolute() and base.is_dir():
            return base, parts
    except (RuntimeError, OSError):  # no $HOME and no password-database entry; no access
        pass
    return None


def _history():
    """The REPL's line history: ``$XDG_STATE_HOME/ask/history`` when ``XDG_STATE_HOME``
    is set to an absolute path, else ``~/.local/state/ask/history``.

    The folders below ``$XDG_STATE_HOME`` or the home directory are created as needed,
    that directory itself never: when it does not exist (or cannot be determined, or a
    folder cannot be made) the history is kept in memory only, silently.

    Returns
    -------
    prompt_toolkit.history.History
        A ``FileHistory`` or an ``InMemoryHistory``.
    """
    from prompt_toolkit.history import FileHistory, InMemoryHistory

    found = _history_base()
    if found is None:
        return InMemoryHistory()
    directory, parts = found
    try:
        for part in parts:  # one level at a time (no parents=True): never the base itself
            directory = directory / part
            directory.mkdir(exist_ok=True)
    except OSError:
        return InMemoryHistory()

    class BestEffortHistory(FileHistory):
        """A ``FileHistory`` that never ends the REPL: a history file that cannot be
        read or written (a directory, a full disk, no permission) is skipped."""

        def load_history_strings(self):
            try:
                yield from super().load_history_strings()
            except OSError:
                return

        def store_string(self, string: str) -> None:
            try:
                super().store_string(string)
            except OSError:
                pass

    return BestEffortHistory(str(directory / "history"))


# The longest input line read whole from a pipe: room for a question of
# MAX_QUESTION_CHARS with a command (":explain ") and spaces around it. A longer line is
# never held in memory: it is read on and thrown away in pieces of DISCARD_CHARS.
MAX_LINE_CHARS = 2 * MAX_QUESTION_CHARS
DISCARD_CHARS = 1 << 16


def read_bounded_line(stream) -> str:
    """The next line of ``stream`` without its line break, holding at most
    :data:`MAX_LINE_CHARS` + 1 characters of it in memory.

    Raises
    ------
    EOFError
        At the end of the input.
    LineTooLong
        The line has more than :data:`MAX_LINE_CHARS` characters: the rest of it has
        been read, :data:`DISCARD_CHARS` at a time, and thrown away. A line that never
        ends (``ask < /dev/zero``) is read until the end of the input or Ctrl-C.
    """
    line = stream.readline(MAX_LINE_CHARS + 1)
    if not line:
        raise EOFError
    if line.endswith("\n"):
        return line[:-1]
    if len(line) <= MAX_LINE_CHARS:  # the last line, without a line break
        return line
    length = len(line)
    while True:
        piece = stream.readline(DISCARD_CHARS)
        if piece.endswith("\n"):
            raise LineTooLong(length + len(piece) - 1)
        if not piece:
            raise LineTooLong(length)
        length += len(piece)


def ctrl_c_bindings():
    """prompt_toolkit key bindings for Ctrl-C at the prompt, as shells have it: with a
    half-typed line the line is thrown away (the prompt raises :class:`LineDiscarded`,
    the typed text stays on screen); on an empty line the prompt raises
    ``KeyboardInterrupt`` (the REPL ends), prompt_toolkit's own behaviour. Also: a
    colour escape code typed at the prompt is dropped, not handed to prompt_toolkit's
    mouse handler (which fails on it with a traceback).

    Returns
    -------
    prompt_toolkit.key_binding.KeyBindings
        Given to ``PromptSession(key_bindings=...)``, they take precedence over
        prompt_toolkit's default Ctrl-C binding.
    """
    from prompt_toolkit.key_binding import KeyBindings

    bindings = KeyBindings()

    @bindings.add("c-c")
    def _(event) -> None:
        typed = event.current_buffer.text
        event.app.exit(exception=LineDiscarded() if typed else KeyboardInterrupt(), style="class:aborting")

    from prompt_toolkit.keys import Keys

    @bindings.add(Keys.Vt100MouseEvent)
    def _(event) -> None:
        """Mouse support is off, so a "mouse event" is text that looks like one: a
        colour code typed or pasted ("\\x1b[1;33m" matches the SGR mouse pattern), on
        which prompt_toolkit's own handler raises. It is dropped."""

    return bindings


def above_the_prompt(prompt: Callable[[str], str]) -> Callable[[str], str]:
    """``prompt`` with prompt_toolkit's ``patch_stdout`` around each call: what another
    thread prints meanwhile (the corpus watcher's "now serving ..." notices) is drawn
    above the prompt instead of through the line being typed."""
    from prompt_toolkit.patch_stdout import patch_stdout

    def read(text: str) -> str:
        with patch_stdout():
            return prompt(text)

    return read


def _is_terminal(stream) -> bool:
    """Whether ``stream`` is a terminal (False for a stand-in without ``isatty`` or a
    closed file)."""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def _prompt_on_stderr(prompt: str) -> None:
    """Show ``prompt`` on stderr, best effort: lines are typed at a terminal while the
    answers go to a pipe or a file, which must get the answers alone."""
    try:
        if sys.stderr is not None:
            sys.stderr.write(prompt)
            sys.stderr.flush()
    except (OSError, ValueError):  # stderr closed or full: typing still works
        pass


BOM = "\ufeff"  # a byte-order mark: how editors such as Notepad start a UTF-8 file


def _line_reader() -> Callable[[str], str]:
    """prompt_toolkit with history (:func:`_history`) on a terminal; plain lines from a
    pipe (:func:`read_bounded_line`; the prompt on stderr when the lines are typed at a
    terminal but the answers go to a pipe), a byte-order mark at the start of the input
    dropped (a file of questions saved with one: its first line is a question or a
    command like any other, not ``"\ufeff:help"``)."""
    if sys.stdin is None:  # started with stdin closed: nothing to read

        def closed(prompt: str) -> str:
            raise EOFError

        return closed
    if sys.stdin.isatty() and sys.stdout.isatty():
        from prompt_toolkit import PromptSession

        session = PromptSession(history=_history(), key_bindings=ctrl_c_bindings())
        return above_the_prompt(session.prompt)

    first = True
    typed = _is_terminal(sys.stdin)  # typed with the answers going to a pipe (`ask | tee log`)

    def read_plain(prompt: str) -> str:
        nonlocal first
        at_start, first = first, False
        if typed:
            _prompt_on_stderr(prompt)
        line = read_bounded_line(sys.stdin)
        return line.removeprefix(BOM) if at_start else line

    return read_plain
