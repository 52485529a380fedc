"""``ask``: one-shot questions, ``--json``, ``--sentences``, ``--explain``, and the REPL.

Errors become user text only here, at the edge: configuration and corpus errors, and
output that cannot be written (stdout closed, a full disk), print one line on stderr
and exit 2 (a usage error: argparse's usage line, then the error, exit 2); a broken pipe
(``ask ... | head``) ends quietly with 0; no traceback reaches the user; the REPL
survives any input line.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Callable, Iterable

from bot import config
from bot.cli import final_output, print_error
from bot.render import (
    answer_dict,
    printable,
    render_explanation,
    render_sentence,
    render_sources,
    render_terminal,
    sentence_dict,
    too_long_text,
)

from retrieval import MAX_QUESTION_CHARS

log = logging.getLogger("ask")

PROMPT = "ask> "
HELP = """Ask a question about the articles, e.g.  who accompanied Putin?
Commands:
  :help (:h, :?)       this help
  :sources             the loaded articles
  :explain [QUESTION]  how each question term scored for the top sentences
                       (the last question when none is given)
  :quit (:q, :exit)    leave; so do quit, exit or q alone, Ctrl-D and Ctrl-C
                       (Ctrl-C while an answer is computed cancels that answer)"""

# Typed alone (any case), these leave like :quit: none of them can be a question.
BARE_QUIT = frozenset({"quit", "exit", "q"})

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

INTERRUPTED = "(interrupted)"  # the REPL's reply when Ctrl-C cancels an answer


class Session:
    """The REPL's work: one input line in, the text to print out.

    Parameters
    ----------
    engine : retrieval.Engine
        The loaded corpus.

    Attributes
    ----------
    articles : int
        How many articles the engine serves (the abstention says "the articles"
        when more than one).
    """

    def __init__(self, engine) -> None:
        self.engine = engine
        self.articles = len(engine.sources())
        self.last_question: str | None = None

    def handle(self, line: str) -> str | None:
        """The reply to ``line``; None means the user asked to quit (``:quit``, ``:q``,
        ``:exit``, or ``quit``, ``exit`` or ``q`` alone, in any case)."""
        text = line.strip()
        if not text:
            return ""
        if text.lower() in BARE_QUIT:
            return None
        if text.startswith(":"):
            command, _, rest = text[1:].partition(" ")
            command = command.lower()
            if command in ("q", "quit", "exit"):
                return None
            if command in ("h", "help", "?"):
                return HELP
            if command == "sources":
                return render_sources(self.engine.sources())
            if command == "explain":
                question = rest.strip() or self.last_question
                if rest.strip():
                    self.last_question = question
                if not question:
                    return "Ask a question first, or give one: :explain who accompanied Putin?"
                return render_explanation(
                    question, self.engine.explain(question), articles=self.articles
                )
            return f"Unknown command :{printable(command)}. Type :help for the commands."
        self.last_question = text
        return render_terminal(self.engine.answer(text), articles=self.articles)


MAX_READ_FAILURES = 3  # reading failing this often in a row ends the REPL (no endless loop)


class InputError(Exception):
    """Standard input keeps failing to be read; the message is the last reason."""


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


def repl(
    handle: Callable[[str], str | None],
    read_line: Callable[[str], str],
    write: Callable[[str], None],
) -> int:
    """Run the read-eval-print loop until :quit, end of input or Ctrl-C at the prompt.

    Parameters
    ----------
    handle : callable
        ``line -> reply`` (None to quit); its exceptions are shown as one line and
        the loop goes on; Ctrl-C while it runs (KeyboardInterrupt) cancels that reply
        only: :data:`INTERRUPTED` is shown and the loop goes on.
    read_line : callable
        ``prompt -> line``; raises EOFError (Ctrl-D, end of input) or
        KeyboardInterrupt (Ctrl-C at the prompt) to leave, or :class:`LineTooLong`
        for a line it threw away (answered with :func:`bot.render.too_long_text`).
        Any other exception is shown as one line and the loop goes on, unless
        reading failed :data:`MAX_READ_FAILURES` times in a row.
    write : callable
        Prints one reply.

    Returns
    -------
    int
        The exit code, 0.

    Raises
    ------
    InputError
        Reading a line failed :data:`MAX_READ_FAILURES` times in a row (the message
        is the last reason).
    """
    failures = 0
    while True:
        try:
            line = read_line(PROMPT)
        except (EOFError, KeyboardInterrupt):
            write("")
            return EXIT_OK
        except LineTooLong as exc:  # read and thrown away whole: no read failure
            failures = 0
            write(too_long_text(exc.length))
            continue
        except Exception as exc:  # a line that cannot be read is one bad line, not the end
            failures += 1
            reason = f"{type(exc).__name__}: {exc}"
            if failures >= MAX_READ_FAILURES:
                raise InputError(reason) from exc
            write(f"Sorry, that line could not be read ({reason}).")
            continue
        failures = 0
        try:
            reply = handle(line)
        except KeyboardInterrupt:  # Ctrl-C while answering: cancel this answer, not the session
            reply = INTERRUPTED
        except Exception as exc:  # the REPL must outlive any bad line
            log.debug("error handling %r", line, exc_info=True)
            reply = f"Sorry, something went wrong with that question ({type(exc).__name__}: {exc})."
        if reply is None:
            return EXIT_OK
        if reply:
            write(reply)


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


def _line_reader() -> Callable[[str], str]:
    """prompt_toolkit with history (:func:`_history`) on a terminal; plain lines from a
    pipe (:func:`read_bounded_line`)."""
    if sys.stdin is None:  # started with stdin closed: nothing to read

        def closed(prompt: str) -> str:
            raise EOFError

        return closed
    if sys.stdin.isatty() and sys.stdout.isatty():
        from prompt_toolkit import PromptSession

        session = PromptSession(history=_history())
        return session.prompt

    def read_plain(prompt: str) -> str:
        return read_bounded_line(sys.stdin)

    return read_plain


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


class _Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose ``--help`` is written with :func:`_print`, so that help
    that cannot be written raises :class:`OutputError` (argparse drops the error)."""

    def print_help(self, file=None) -> None:
        if file is not None or sys.stdout is None:  # stdout closed: argparse shows it on stderr
            super().print_help(file)
            return
        _print(self.format_help(), end="")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ask",
        description="Answer questions about news articles by quoting cited sentences.",
        epilog="With no question, starts an interactive session (:help inside).",
    )
    parser.add_argument("question", nargs="*", help="the question (quotes optional)")
    parser.add_argument(
        "--corpus",
        metavar="DIR",
        help="directory of .txt/.md articles (default: $ASK_CORPUS, else ./corpus)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument(
        "--sentences", action="store_true", help="list every citable sentence and exit"
    )
    parser.add_argument(
        "--explain", action="store_true", help="also show each term's share of the score"
    )
    parser.add_argument(
        "--semantic",
        metavar="VALUE",
        help="semantic model: off, on (bundled), a fastembed model name or a model directory "
        "(default: $ASK_SEMANTIC, else off; needs the semantic extra)",
    )
    return parser


class OutputError(Exception):
    """Standard output cannot be written (a full disk, a bad descriptor ...); the message
    is the reason, e.g. ``No space left on device``."""


def _print(text: str, end: str = "\n") -> None:
    """Print ``text`` to standard output and flush it.

    Raises
    ------
    OutputError
        If the write fails (a broken pipe excepted: that stays a BrokenPipeError, as
        a reader such as ``head`` leaving early is no error).
    """
    try:
        print(text, end=end, flush=True)
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise OutputError(exc.strerror or str(exc)) from exc


def _cannot_write(reason: str) -> int:
    """Say on stderr that the output cannot be written (``ask: error: cannot write
    output: <reason>``); returns the exit code, 2."""
    print_error(f"ask: error: cannot write output: {reason}")
    return EXIT_USAGE


def _print_block(text: str) -> None:
    """A REPL reply, followed by a blank line so that answers stand apart."""
    _print(text, end="\n\n" if text else "\n")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``ask`` console script.

    Parameters
    ----------
    argv : list of str, optional
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit code: 0 answered, abstained or the session ended (also when a reader
        closed the pipe early); 2 a usage, configuration or corpus error, standard
        output closed or not writable (``ask: error: cannot write output: <reason>``),
        or standard input failing :data:`MAX_READ_FAILURES` times in a row in the
        session (``ask: error: cannot read input: <reason>``);
        1 an unexpected internal error; 130 Ctrl-C while loading or before the answer
        (or the sentence list) is printed, with one blank line on stderr (Ctrl-C
        while its last line is written, or after, is ignored:
        :func:`bot.cli.final_output`); in the session, Ctrl-C at the prompt ends it (0) and Ctrl-C while a question is
        answered cancels that answer only. Each error is one line on stderr, but for
        a usage error: argparse's usage line, then the error (``SystemExit(2)``).
        ``--help`` exits 0 (shown on stderr when stdout is closed), or 2 when the help
        cannot be written.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except OutputError as exc:  # --help could not be written
        return _cannot_write(str(exc))
    except BrokenPipeError:  # `ask --help | head -1`
        return EXIT_OK
    asked = bool(args.question)  # `ask ""` is a (wordless) question, not the REPL
    question = " ".join(args.question)
    if args.corpus is not None and not args.corpus.strip():
        parser.error("--corpus needs a directory")
    if args.sentences and (asked or args.explain):
        parser.error("--sentences lists the sentences; give no question or --explain with it")
    if (args.json or args.explain) and not (asked or args.sentences):
        parser.error("--json and --explain need a question (or --sentences for --json)")
    if sys.stdout is None:  # started with stdout closed (`ask ... >&-`): the output would be lost
        return _cannot_write("standard output is closed")
    for stream in (sys.stdin, sys.stdout, sys.stderr):
        if stream is not None and hasattr(stream, "reconfigure"):
            # a terminal that cannot show a character gets "?" rather than a crash;
            # an input byte that is not valid in stdin's encoding becomes U+FFFD (the REPL goes on)
            stream.reconfigure(errors="replace")
    try:
        return _run(args, question, asked)
    except KeyboardInterrupt:  # Ctrl-C while loading or answering: leave quietly
        print_error("")
        return EXIT_INTERRUPTED


def _print_lines(lines: Iterable[str]) -> None:
    """Print each of ``lines``, the last one through :func:`bot.cli.final_output`:
    once the list is out, Ctrl-C can no longer make the program exit 130."""
    held: str | None = None
    for line in lines:
        if held is not None:
            _print(held)
        held = line
    final_output(lambda: None if held is None else _print(held))


def _one_shot(engine, question: str, *, json_output: bool, explain: bool) -> str:
    """The whole output of ``ask [--json] [--explain] QUESTION``, without its final
    newline: the answer as text (:func:`bot.render.render_terminal`, then the
    explanation after a blank line) or as one JSON object (with an ``"explain"`` list)."""
    result = engine.answer(question)
    if json_output:
        payload = answer_dict(result)
        if explain:
            payload["explain"] = [
                {
                    "rank": e.hit.rank,
                    "sentence_id": e.hit.id,
                    "bm25": e.bm25,
                    "coverage": e.coverage,
                    "terms": {t.term: t.score for t in e.terms},
                    "score": e.score,
                    "features": dict(e.features),
                    "related_words": [list(match) for match in e.related_words],
                }
                for e in engine.explain(question)
            ]
        return json.dumps(payload, ensure_ascii=False)
    articles = len(engine.sources())
    text = render_terminal(result, articles=articles)
    if explain and result.reason not in ("no_terms", "too_long"):  # the line above says it all
        text += "\n\n" + render_explanation(question, engine.explain(question), articles=articles)
    return text


def _run(args: argparse.Namespace, question: str, asked: bool) -> int:
    try:
        config.load_dotenv_file()
        settings = config.retrieval_settings(semantic=args.semantic)
        corpus = args.corpus or config.corpus_dir()
        index_dir = config.index_dir()
        from retrieval import Engine, RetrievalError
    except config.ConfigError as exc:
        print_error(f"ask: error: {exc}")
        return EXIT_USAGE
    try:
        engine = Engine.load(corpus, settings, index_dir=index_dir)
    except RetrievalError as exc:
        print_error(f"ask: error: {exc}")
        return EXIT_USAGE
    except OSError as exc:  # anything the engine did not wrap, e.g. a vanished directory
        print_error(f"ask: error: cannot load the corpus {corpus}: {exc.strerror or exc}")
        return EXIT_USAGE
    try:
        if args.sentences:
            _print_lines(
                json.dumps(sentence_dict(sentence), ensure_ascii=False) if args.json else render_sentence(sentence)
                for sentence in engine.sentences
            )
            return EXIT_OK
        if asked:
            text = _one_shot(engine, question, json_output=args.json, explain=args.explain)
            final_output(lambda: _print(text))
            return EXIT_OK
        session = Session(engine)
        if sys.stdin is not None and sys.stdin.isatty():
            _print(
                f"Loaded {_count(session.articles, 'article')}, "
                f"{_count(len(engine.sentences), 'sentence')}. :help for help, Ctrl-D to quit."
            )
        return repl(session.handle, _line_reader(), _print_block)
    except OutputError as exc:
        return _cannot_write(str(exc))
    except InputError as exc:
        print_error(f"ask: error: cannot read input: {exc}")
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # the edge: no traceback reaches the user
        print_error(f"ask: internal error: {type(exc).__name__}: {exc}")
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
