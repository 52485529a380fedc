"""``ask``: one-shot questions, ``--json``, ``--sentences``, ``--explain``, and the REPL.

Errors become user text only here, at the edge: configuration and corpus errors, and
output that cannot be written (stdout closed, a full disk), print one line on stderr
and exit 2 (a usage error: argparse's usage line, then the error, exit 2); a broken pipe
(``ask ... | head``) ends quietly with 0; no traceback reaches the user; the REPL
survives any input line. Reading the input lines (prompt_toolkit, history, bounded
lines from a pipe) is :mod:`bot.repl_input`; the Ctrl-C and stderr helpers are
:mod:`bot.terminal`.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
from typing import Callable, Iterable

from bot import config
from bot.commands import BARE_QUIT, HELP, NO_QUESTION_YET, parse_command  # noqa: F401 (BARE_QUIT, HELP: re-exported)
from bot.render import (
    answer_dict,
    explain_dicts,
    printable,
    render_explanation,
    render_sentence,
    render_sources,
    render_terminal,
    sentence_dict,
    too_long_text,
    wrap_for_terminal,
)
from bot.repl_input import LineDiscarded, LineTooLong, _line_reader
from bot.terminal import SafeErrorParser, final_output, print_error

log = logging.getLogger("ask")

PROMPT = "ask> "

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

INTERRUPTED = "(interrupted)"  # the REPL's reply when Ctrl-C cancels an answer


class Session:
    """The REPL's work: one input line in, the text to print out.

    Parameters
    ----------
    engine : retrieval.Engine
        The loaded corpus.
    color : bool
        Highlight the phrase that answers each question (a terminal).
    conversations : retrieval.conversation.Conversations, optional
        Follow-up questions lean on the one before (the session is one
        conversation); None answers every question on its own.

    Attributes
    ----------
    articles : int
        How many articles the engine serves (the abstention says "the articles"
        when more than one).
    """

    def __init__(self, engine, *, color: bool = False, conversations=None) -> None:
        self.engine = engine
        self.color = color  # highlight the answering phrase (a terminal)
        self.conversations = conversations
        self.last_question: str | None = None
        self.last_follow_up = None  # what the last question carried over (for :explain)

    @property
    def articles(self) -> int:
        """How many articles the engine serves now (it may be rebuilt meanwhile)."""
        return len(self.engine.sources())

    def handle(self, line: str) -> str | None:
        """The reply to ``line``; None means the user asked to quit (``:quit``, ``:q``,
        ``:exit``, or ``quit``, ``exit`` or ``q`` alone, in any case)."""
        text = line.strip()
        if not text:
            return ""
        command = parse_command(text)
        if command is None:
            return self._ask(text)
        if command.name == "quit":
            return None
        if command.name == "help":
            return HELP
        if command.name == "sources":
            return render_sources(self.engine.sources())
        if command.name == "explain":
            return self._explain(command.rest)
        return f"Unknown command :{printable(command.word)}. Type :help for the commands."

    def _explain(self, given: str) -> str:
        """``:explain [QUESTION]``: the given question, else the last one with what it
        carried over."""
        question = given or self.last_question
        follow_up = None if given else self.last_follow_up
        if given:
            self.last_question, self.last_follow_up = question, None
        if not question:
            return NO_QUESTION_YET
        explained = (
            self.engine.explain(question)
            if follow_up is None
            else self.engine.explain(question, follow_up=follow_up)
        )
        return render_explanation(question, explained, articles=self.articles, follow_up=follow_up)

    def _ask(self, question: str) -> str:
        """The answer to ``question`` as part of the session's conversation."""
        talks = self.conversations
        follow_up = talks.resolve(SESSION, question) if talks is not None else None
        if follow_up is None:  # on its own: exactly the engine's plain call
            result = self.engine.answer(question)
        else:
            result = self.engine.answer(question, follow_up=follow_up)
        if talks is not None:
            talks.record(SESSION, result, follow_up)
        self.last_question, self.last_follow_up = question, follow_up
        return render_terminal(result, articles=self.articles, color=self.color)


SESSION = "repl"  # the REPL's one conversation key

MAX_READ_FAILURES = 3  # reading failing this often in a row ends the REPL (no endless loop)


class InputError(Exception):
    """Standard input keeps failing to be read; the message is the last reason."""


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
        KeyboardInterrupt (Ctrl-C at an empty prompt) to leave,
        :class:`~bot.repl_input.LineDiscarded` (Ctrl-C on a half-typed line) to
        prompt again, or :class:`~bot.repl_input.LineTooLong` for a line it threw
        away (answered with :func:`bot.render.too_long_text`).
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
        except LineDiscarded:  # Ctrl-C on a half-typed line: a fresh prompt, as in a shell
            failures = 0
            continue
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


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


class _Parser(SafeErrorParser):
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


def _terminal_width() -> int | None:
    """The terminal's width in columns when standard output is a terminal, else None
    (a pipe or a file gets every line whole)."""
    try:
        if sys.stdout is None or not sys.stdout.isatty():
            return None
    except (AttributeError, ValueError):  # a stand-in without isatty, or a closed file
        return None
    return shutil.get_terminal_size().columns


def _print_block(text: str) -> None:
    """A REPL reply, followed by a blank line so that answers stand apart; on a
    terminal its long lines are wrapped between words (:func:`bot.render.wrap_for_terminal`)."""
    width = _terminal_width()
    if width is not None:
        text = wrap_for_terminal(text, width)
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
        1 an unexpected internal error, also one raised while the corpus is loaded
        (``ask: internal error: <type>: <message>``); 130 Ctrl-C while loading or
        before the answer (or the sentence list) is printed, with one blank line on
        stderr (Ctrl-C while its last line is written, or after, is ignored:
        :func:`bot.terminal.final_output`); in the session, Ctrl-C at an empty
        prompt ends it (0), Ctrl-C on a half-typed line throws the line away, and
        Ctrl-C while a question is
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
    jsonl = args.json and not (asked or args.sentences) and not _stdin_is_terminal()  # bot/jsonl.py
    if (args.json or args.explain) and not (asked or args.sentences or jsonl):
        parser.error("--json and --explain need a question (or --sentences for --json, or questions on standard input)")
    if sys.stdout is None:  # started with stdout closed (`ask ... >&-`): the output would be lost
        return _cannot_write("standard output is closed")
    for stream in (sys.stdin, sys.stdout, sys.stderr):
        if stream is not None and hasattr(stream, "reconfigure"):
            # a terminal that cannot show a character gets "?" rather than a crash;
            # an input byte that is not valid in stdin's encoding becomes U+FFFD (the REPL goes on)
            stream.reconfigure(errors="replace")
    try:
        return _run(args, question, asked, jsonl)
    except KeyboardInterrupt:  # Ctrl-C while loading or answering: leave quietly
        print_error("")
        return EXIT_INTERRUPTED
    except Exception as exc:  # the edge, e.g. a bug in Engine.load: no traceback reaches the user
        print_error(f"ask: internal error: {type(exc).__name__}: {exc}")
        return EXIT_INTERNAL


def _print_lines(lines: Iterable[str]) -> None:
    """Print each of ``lines``, the last one through :func:`bot.terminal.final_output`:
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
            payload["explain"] = explain_dicts(engine.explain(question))
        return json.dumps(payload, ensure_ascii=False)
    articles = len(engine.sources())
    text = render_terminal(result, articles=articles, color=_stdout_is_terminal())
    if explain and result.reason not in ("no_terms", "too_long"):  # the line above says it all
        text += "\n\n" + render_explanation(question, engine.explain(question), articles=articles)
    return text


def _stdout_is_terminal() -> bool:
    """Whether standard output is a terminal (answers are highlighted there only)."""
    isatty = getattr(sys.stdout, "isatty", None)  # None for a stdout that is closed or no file
    try:
        return bool(isatty and isatty())
    except (ValueError, OSError):  # closed or detached
        return False


def _stdin_is_terminal() -> bool:
    """Whether standard input is a terminal (then ``--json`` needs a question)."""
    isatty = getattr(sys.stdin, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (ValueError, OSError):
        return False


def _load(args: argparse.Namespace):
    """The settings, the corpus directory, its index directory and the loaded Engine,
    or the exit code when one of them is bad (its one line already printed)."""
    try:
        config.load_dotenv_file()
        settings = config.retrieval_settings(semantic=args.semantic)
        corpus = args.corpus or config.corpus_dir()
        index_dir = config.index_dir()
        from retrieval import Engine, RetrievalError
        from retrieval.errors import Terminated
    except config.ConfigError as exc:
        print_error(f"ask: error: {exc}")
        return EXIT_USAGE
    config.show_engine_notices("ask")
    try:
        return settings, corpus, index_dir, Engine.load(corpus, settings, index_dir=index_dir)
    except RetrievalError as exc:
        print_error(f"ask: error: {exc}{config.corpus_hint(corpus, option=True)}")
        return EXIT_USAGE
    except Terminated as exc:  # SIGTERM during the index build: workers stopped, nothing left
        print_error("ask: terminated")
        return exc.code
    except OSError as exc:  # anything the engine did not wrap, e.g. a vanished directory
        print_error(f"ask: error: cannot load the corpus {corpus}: {exc.strerror or exc}")
        return EXIT_USAGE


def _run(args: argparse.Namespace, question: str, asked: bool, jsonl: bool = False) -> int:
    loaded = _load(args)
    if isinstance(loaded, int):
        return loaded
    settings, corpus, index_dir, engine = loaded
    from retrieval import RetrievalError

    try:
        if args.sentences:
            _print_lines(
                json.dumps(sentence_dict(sentence), ensure_ascii=False) if args.json else render_sentence(sentence)
                for sentence in engine.sentences
            )
            return EXIT_OK
        if asked:
            text = _one_shot(engine, question, json_output=args.json, explain=args.explain)
            width = None if args.json else _terminal_width()
            if width is not None:
                text = wrap_for_terminal(text, width)
            final_output(lambda: _print(text))
            return EXIT_OK
        return _converse(args, engine, corpus, settings, index_dir, jsonl)
    except OutputError as exc:
        return _cannot_write(str(exc))
    except InputError as exc:
        print_error(f"ask: error: cannot read input: {exc}")
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_OK
    except RetrievalError as exc:  # e.g. a shard of the xapian engine stopped answering
        print_error(f"ask: error: {exc}")
        return EXIT_USAGE
    except Exception as exc:  # the edge: no traceback reaches the user
        print_error(f"ask: internal error: {type(exc).__name__}: {exc}")
        return EXIT_INTERNAL


def _converse(args: argparse.Namespace, engine, corpus, settings, index_dir, jsonl: bool) -> int:
    """The REPL, or JSON Lines from a pipe: one conversation, served from a live engine that
    picks up articles added while it runs."""
    from bot.watch import live_engine, watching  # new articles are served as they land

    live = live_engine(engine, corpus, settings, index_dir, lambda line: print_error(f"ask: {line}"))
    if jsonl:  # ask --json with questions on standard input: JSON Lines, one conversation
        from bot.jsonl import run_jsonl

        reader = _line_reader()
        with watching(live):
            return run_jsonl(live, lambda: reader(""), _print, too_long=LineTooLong, explain=args.explain)
    from retrieval.conversation import Conversations

    session = Session(live, color=_stdout_is_terminal(), conversations=Conversations())
    if sys.stdin is not None and sys.stdin.isatty():  # typed: the banner (on stderr when the answers go to a pipe)
        loaded = f"Loaded {_count(session.articles, 'article')}, {_count(len(engine.sentences), 'sentence')}."
        (_print if _stdout_is_terminal() else print_error)(f"{loaded} :help for help, Ctrl-D to quit.")
    with watching(live):
        return repl(session.handle, _line_reader(), _print_block)

if __name__ == "__main__":
    sys.exit(main())
