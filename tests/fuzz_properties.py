"""The input surfaces of ``ask`` and ``ask-bot`` as hypothesis strategies, and the
properties every input must keep. Shared by the CI suite (``tests/test_fuzz.py``) and
the long campaign (``benchmarks/fuzz.py``), so both try the same things.

Surfaces: article files (random bytes and Unicode, huge lines, repeated words, empty
and binary files, odd names, links, FIFOs), questions (any Unicode, lone surrogates
included, any length), settings in the environment and in ``.env``, REPL input
lines, and the persisted index files (truncated, flipped bytes, swapped, deleted).

Properties (each check raises ``AssertionError`` naming what broke):

- a run of ``ask`` / ``ask-bot --check`` exits 0 or 2; exit 2 prints exactly one line
  on stderr (a usage error: argparse's usage line, then the error); exit 0 prints at
  most one notice line on stderr (``damaged index: ... rebuilding``); never a
  traceback;
- the REPL answers every line and keeps running (never "something went wrong");
- every quote, context and citable sentence satisfies ``body[start:end] == text``,
  and the body is the end of the file decoded with ``utf-8-sig``;
- a damaged persisted index is either served correctly or rebuilt: the sentences and
  the answers equal those of an intact index.

The front ends are called in process (:func:`run_entry`, a few milliseconds a call);
``tests/test_fuzz.py`` adds a few subprocess cases for what only a real process shows.

:data:`KNOWN_BUGS` lists inputs the engine does not handle yet (reproduced, strict
xfail, in ``tests/test_fuzz_found.py``); the strategies leave them out until the
engine is fixed, so that the suite stays green and finds new failures only.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import signal
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hypothesis import strategies as st

from .support import CORPUS

# Inputs a fix in retrieval/ is pending for (branch `robust`, issue 14); the
# strategies avoid them. Remove an entry once its reproducer in
# tests/test_fuzz_found.py passes (it is a strict xfail, so it will fail then).
KNOWN_BUGS: frozenset[str] = frozenset()  # none left: issue 14 items 1 and 2 are fixed

QUESTIONS = ("Who accompanied Putin?", "When did Putin arrive?", "What did they sign?")


# -- running the front ends in process -------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What a run of a front end gave: exit code, standard output, standard error."""

    code: int
    out: str
    err: str


@contextlib.contextmanager
def _environment(env: dict[str, str], cwd: Path):
    """``os.environ`` updated with ``env`` (the ``ASK_*``, ``BM25_*`` and ``DISCORD_*``
    keys not in it removed) and the working directory set to ``cwd``; both restored,
    with the SIGINT handler (the front ends ignore SIGINT once they have answered)."""
    saved_env = dict(os.environ)
    saved_cwd = os.getcwd()
    saved_sigint = signal.getsignal(signal.SIGINT)
    try:
        for key in list(os.environ):
            if key.startswith(("ASK_", "BM25_", "DISCORD_")):
                del os.environ[key]
        os.environ.update(env)
        os.chdir(cwd)
        yield
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        signal.signal(signal.SIGINT, saved_sigint)


def run_entry(main, argv: list[str], *, cwd: Path, env: dict[str, str] | None = None, stdin: str = "") -> Outcome:
    """Call a front end's ``main(argv)`` in process with standard input ``stdin``, the
    environment ``env`` (``ASK_INDEX_DIR=off`` unless given) and working directory
    ``cwd``; returns its :class:`Outcome`. A usage error's ``SystemExit`` becomes its
    exit code; any other exception propagates (a traceback the user would see)."""
    out, err = io.StringIO(), io.StringIO()
    saved_stdin = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with _environment({"ASK_INDEX_DIR": "off", **(env or {})}, cwd), _watchdog(HANG_SECONDS):
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    code = main(argv)
                except SystemExit as exc:  # argparse: usage line, then the error
                    code = exc.code
    finally:
        sys.stdin = saved_stdin
    return Outcome(code, out.getvalue(), err.getvalue())


HANG_SECONDS = 30  # a run this long is taken as hung (reading a FIFO, an endless loop)


class Hung(AssertionError):
    """A front end ran longer than :data:`HANG_SECONDS`."""


@contextlib.contextmanager
def _watchdog(seconds: float):
    """Raise :class:`Hung` inside the block after ``seconds`` (SIGALRM; the blocking
    ``open`` of a FIFO is interrupted too). Main thread on POSIX only; else no limit."""
    if not hasattr(signal, "setitimer"):
        yield
        return

    def hung(signum, frame):
        raise Hung(f"no exit after {seconds} s")

    try:
        previous = signal.signal(signal.SIGALRM, hung)
    except ValueError:  # not the main thread
        yield
        return
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def ask_main(argv):
    from bot.repl import main

    return main(argv)


def ask_bot_main(argv):
    import bot.__main__

    return bot.__main__.main(argv)


def check_outcome(outcome: Outcome, *, usage_allowed: bool = False) -> None:
    """Exit 0 or 2; exit 2 with one line on stderr (two for a usage error when
    ``usage_allowed``: argparse's usage line, then the error); exit 0 with at most one
    notice line on stderr; no traceback anywhere."""
    code, err = outcome.code, outcome.err
    assert "Traceback (most recent call last)" not in err + outcome.out, f"a traceback: {err!r}"
    assert code in (0, 2), f"exit {code}: {err!r}"
    lines = err.split("\n")[:-1] if err.endswith("\n") else err.split("\n")
    assert all(c.isprintable() or c == "\n" for c in err), f"a control character on stderr: {err!r}"
    if code == 2:
        if usage_allowed and err.startswith("usage:"):
            assert len(lines) >= 2 and ": error: " in lines[-1], f"usage error: {err!r}"
        else:
            assert len(lines) == 1 and err.endswith("\n"), f"exit 2 needs one line on stderr: {err!r}"
            assert lines[0].startswith(("ask: error: ", "ask-bot: error: ")), f"unprefixed: {err!r}"
    else:
        assert len(lines) <= 1, f"exit 0 with more than one line on stderr: {err!r}"


# -- citations -------------------------------------------------------------------------


def check_citations(engine, questions=()) -> None:
    """Every citable sentence, and every quote and context of the answers to
    ``questions``, is ``body[start:end]`` of its article; each body is the end of its
    file decoded with ``utf-8-sig`` (line endings kept)."""
    bodies = {}
    for article in engine.articles:
        with open(article.path, encoding="utf-8-sig", newline="") as stream:
            assert stream.read().endswith(article.text), f"{article.path}: body is not the file's text"
        bodies[article.doc_id] = article.text
    for sentence in engine.sentences:
        c = sentence.citation
        assert bodies[c.doc_id][c.start : c.end] == sentence.text, f"sentence {c.label}: {sentence.text!r}"
    for question in questions:
        for quote in engine.answer(question).quotes:
            for hit in (quote.hit, quote.context):
                if hit is not None:
                    c = hit.citation
                    assert bodies[c.doc_id][c.start : c.end] == hit.text, f"quote {c.label} for {question!r}"


# -- strategies ------------------------------------------------------------------------

# Any code point, lone surrogates included (a non-UTF-8 byte in argv arrives as one).
any_char = st.characters(codec=None, exclude_categories=())
words = st.sampled_from(
    ["Putin", "Kim", "met", "the", "visit", "Pyongyang", "Lavrov", "on", "Friday", "signed", "treaty"]
)


questions = st.one_of(
    st.text(any_char, max_size=60),
    st.lists(words, max_size=12).map(" ".join).map(lambda s: s + "?"),
    st.builds(lambda w, n: " ".join([w] * n), words, st.integers(0, 3000)),  # long, repeated
    st.integers(1995, 2005).map(lambda n: "x" * n),  # around the length limit (2,000)
    st.integers(2001, 200_000).map(lambda n: "y " * (n // 2)),  # far over it
    st.sampled_from(["", " ", "?", ":", ":explain", ":sources", "-x", "--json", "\x00", "\x1b[2J", "\u202e"]),
)

REPEATED_65536 = "Kim met " + "Putin " * 70000 + "at home."

_sentence = st.lists(words, min_size=1, max_size=15).map(lambda ws: " ".join(ws).capitalize() + ".")
_paragraphs = st.lists(st.lists(_sentence, min_size=1, max_size=5).map(" ".join), min_size=1, max_size=4).map(
    "\n\n".join
)
_front_matter = st.builds(
    lambda title, date, body: f"---\ntitle: {title}\ndate: {date}\n---\n{body}",
    st.text(any_char, max_size=20),
    st.sampled_from(["2024-06-18", "yesterday", "", "2024-13-45", "[1, 2]"]),
    _paragraphs,
)

article_text = st.one_of(
    _paragraphs,
    _front_matter,
    st.text(any_char, max_size=300),  # any Unicode
    st.builds(lambda w, n: f"Kim met {(w + ' ') * n}at home.", words, st.integers(1, 3000)),  # repeated word
    st.integers(1, 20000).map(lambda n: "A very long line " + "x" * n + "."),  # a huge line (no space)
    st.sampled_from(["", " ", "\n\n", "---\n---\n", "---\ntitle: [\n---\nBody.", "\ufeff", "\r\n\r\n"]),
    # one word 65,536+ times in a sentence: drawn rarely (it takes a second to index)
    st.deferred(lambda: st.nothing() if "word_repeated_65536" in KNOWN_BUGS else st.just(REPEATED_65536)),
)

article_bytes = st.one_of(
    article_text.map(lambda t: t.encode("utf-8", "surrogatepass")),
    article_text.map(lambda t: t.encode("utf-16", "surrogatepass")),  # binary-looking, NULs
    st.binary(max_size=300),
    _paragraphs.map(lambda t: t.encode("latin-1", "replace") + b"\xe9\xff."),
    _paragraphs.map(lambda t: t.replace("\n", "\r\n").encode()),
)

_odd_names = ["a b.txt", "-dash.md", "UPPER.TXT", ".hidden.txt", "notes.rst", "x.md.txt", "é.md", "日本.txt", "tab\tname.txt"]
# A Latin-1 name from a Windows zip (os.fsencode gives b"caf\xe9.txt"); looked up when
# first drawn, so that benchmarks/fuzz.py --all can empty KNOWN_BUGS first.
_NON_UTF8_NAME = "caf\udce9.txt"
file_names = st.deferred(
    lambda: st.one_of(
        st.sampled_from(_odd_names + ([] if "non_utf8_name" in KNOWN_BUGS else [_NON_UTF8_NAME])),
        st.text(st.characters(codec="utf-8", exclude_characters="/\x00"), min_size=1, max_size=20).map(
            lambda s: s + ".txt"
        ),
    )
)


@st.composite
def corpora(draw) -> dict:
    """A corpus as ``{"files": {name: bytes}, "links": {name: target}, "fifos": [name],
    "dirs": [name]}``; the links may dangle or loop."""
    files = draw(st.dictionaries(file_names, article_bytes, min_size=0, max_size=4))
    if draw(st.booleans()):  # most corpora also hold one plain, good article
        files["good.md"] = b"Kim met Putin in Pyongyang on Friday. They signed a treaty."
    if "non_utf8_name" not in KNOWN_BUGS and draw(st.booleans()):  # a good article under such a name
        files[_NON_UTF8_NAME] = b"Lavrov met Kim on Monday."
    links = draw(
        st.dictionaries(
            st.sampled_from(["link.md", "loop.txt", "dangling.txt"]),
            st.sampled_from(["good.md", "nowhere.txt", "loop.txt", "..", "/dev/null"]),
            max_size=2,
        )
    )
    fifos = draw(st.lists(st.sampled_from(["pipe.txt", "pipe.md"]), max_size=1, unique=True))
    dirs = draw(st.lists(st.sampled_from(["sub.txt", "sub"]), max_size=1, unique=True))
    return {"files": files, "links": links, "fifos": fifos, "dirs": dirs}


def write_corpus_dir(directory: Path, corpus: dict) -> list[str]:
    """Create ``corpus`` (from :func:`corpora`) in ``directory``; returns the names that
    could not be made on this file system (too long, not allowed), which are skipped."""
    directory.mkdir(parents=True, exist_ok=True)
    skipped = []
    for name, data in corpus["files"].items():
        try:
            (directory / name).write_bytes(data)
        except (OSError, ValueError, UnicodeEncodeError):
            skipped.append(name)
    for name, target in corpus["links"].items():
        if not (directory / name).exists() and not (directory / name).is_symlink():
            os.symlink(target, directory / name)
    for name in corpus["fifos"]:
        if not (directory / name).exists() and hasattr(os, "mkfifo"):
            os.mkfifo(directory / name)
    for name in corpus["dirs"]:
        if not (directory / name).exists():
            (directory / name).mkdir()
    return skipped


# Settings: each key's value from a mix of sensible, boundary and hostile strings.
_setting_values = st.one_of(
    st.sampled_from(
        ["", "0", "1", "-1", "5", "0.5", "1e309", "nan", "inf", "-inf", "1_000", "0x10", " 3 ", "yes", "off",
         "sparse", "bm25", "rank-bm25", "auto", "SPARSE", "99999999999999999999", "1.2.3", "\u0663", "２"]
    ),
    st.text(any_char.filter(lambda c: c not in "\x00" and not 0xD800 <= ord(c) <= 0xDFFF), max_size=12),
)
SETTING_KEYS = (
    "ASK_TOP_K", "ASK_MAX_QUOTES", "ASK_ENGINE", "BM25_K1", "BM25_B", "BM25_EPSILON",
    "ASK_COOLDOWN_SECONDS", "DISCORD_GUILD_ID", "DISCORD_MESSAGE_CONTENT",
)
# Paths only inside the run's own directory: a fuzzer must not create folders elsewhere.
_local_paths = st.sampled_from(["", "off", "idx", "sub/idx", "corpus", ".", "missing", "file.txt", "~nobody"])
settings_env = st.fixed_dictionaries(
    {},
    optional={
        **{key: _setting_values for key in SETTING_KEYS},
        "ASK_INDEX_DIR": _local_paths,
        "ASK_CORPUS": _local_paths,
        "DISCORD_TOKEN": st.one_of(
            st.just("MTk4NjIyNDgzNDcx.G1x_2z.s3cr3t-v4lue_tok3n"),
            st.text(st.characters(codec="ascii", exclude_characters="\x00"), max_size=40),  # no NUL in a real environment
        ),
    },
)


def _dotenv_line(key: str, value: str) -> str:
    return f"{key}={value}"


dotenv_files = st.one_of(
    st.lists(st.builds(_dotenv_line, st.sampled_from(SETTING_KEYS), _setting_values), max_size=5).map("\n".join)
    .map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.text(any_char, max_size=80).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.binary(max_size=80),
    st.sampled_from([b"", b"export ASK_TOP_K=3", b"ASK_TOP_K='unterminated", b"=novalue", b"\xef\xbb\xbfASK_TOP_K=2"]),
)

# Index damage: (file index, operation, position, byte).
index_damage = st.lists(
    st.tuples(
        st.integers(0, 50),
        st.sampled_from(["truncate", "flip", "swap", "delete", "empty", "garbage", "append", "transplant", "replace"]),
        st.integers(0, 1 << 20),
        st.integers(1, 255),
    ),
    min_size=1,
    max_size=3,
)


DONOR_ARTICLE = "Kim met Putin in Pyongyang on Friday. They signed a treaty.\n\nLavrov spoke on Monday.\n"


def damage_index(directory: Path, damage: list[tuple[int, str, int, int]], donor: Path | None = None) -> None:
    """Apply ``damage`` (from :data:`index_damage`) to the files of a persisted index;
    ``transplant`` puts in the same file of the ``donor`` index (another corpus's),
    ``replace`` the donor's whole index."""
    for which, operation, position, byte in damage:
        if operation == "replace" and donor is not None:
            shutil.rmtree(directory)
            shutil.copytree(donor, directory)
            continue
        names = sorted(p.name for p in directory.iterdir() if p.is_file())
        if not names:
            return
        path = directory / names[which % len(names)]
        data = path.read_bytes()
        if operation == "truncate":
            path.write_bytes(data[: position % (len(data) + 1)])
        elif operation == "flip" and data:
            i = position % len(data)
            path.write_bytes(data[:i] + bytes([data[i] ^ byte]) + data[i + 1 :])
        elif operation == "swap":
            other = directory / names[(which + 1 + position) % len(names)]
            swapped = other.read_bytes()
            other.write_bytes(data)
            path.write_bytes(swapped)
        elif operation == "delete":
            path.unlink()
        elif operation == "empty":
            path.write_bytes(b"")
        elif operation == "garbage":
            path.write_bytes(bytes([byte]) * (position % 4096))
        elif operation == "append":
            path.write_bytes(data + bytes([byte]) * (1 + position % 64))
        elif operation == "transplant" and donor is not None and (donor / path.name).is_file():
            shutil.copyfile(donor / path.name, path)


# -- the properties ---------------------------------------------------------------------


class Fixtures:
    """What the properties share across examples: a scratch directory, the bundled
    corpus's engine and a persisted index of it with its answers (built once)."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="ask-fuzz-"))
        self._engine = None
        self._reference = None
        self._count = 0

    def scratch(self, keep: int = 3) -> Path:
        """A new empty directory under :attr:`root`; older ones but the last ``keep``
        are removed (an example uses at most three)."""
        self._count += 1
        old = self.root / f"run{self._count - keep}"
        if old.exists():
            shutil.rmtree(old, ignore_errors=True)
        path = self.root / f"run{self._count}"
        path.mkdir()
        return path

    def engine(self):
        if self._engine is None:
            from retrieval import Engine

            self._engine = Engine.load(CORPUS, index_dir=False)
        return self._engine

    def reference(self):
        """(a corpus copy, its intact index directory, its sentences, its answers)."""
        if self._reference is None:
            from retrieval import Engine

            corpus = self.root / "reference-corpus"
            shutil.copytree(CORPUS, corpus, ignore=shutil.ignore_patterns(".*"))
            index = self.root / "reference-index"
            engine = Engine.load(corpus, index_dir=index)
            self._reference = (corpus, index, _served(engine))
            other = self.root / "donor-corpus"  # another corpus's index, for transplants
            other.mkdir()
            (other / "other.md").write_text(DONOR_ARTICLE, encoding="utf-8")
            Engine.load(other, index_dir=self.donor)
        return self._reference

    @property
    def donor(self) -> Path:
        """The index of another corpus (:data:`DONOR_ARTICLE`), built by :meth:`reference`."""
        return self.root / "donor-index"

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def _served(engine) -> tuple:
    """What an engine serves, comparable across loads: its sentences and answers."""
    from bot.render import answer_dict

    sentences = [(s.text, s.citation) for s in engine.sentences]
    return sentences, [answer_dict(engine.answer(q)) for q in QUESTIONS]


def prop_question(fx: Fixtures, question: str) -> None:
    """Any question: the REPL's handler replies (no error reply) and keeps running, the
    bot's reply is one message within Discord's limit, the one-shot ``ask --json``
    exits 0 with a JSON answer, and every quote is its article's ``body[start:end]``."""
    from bot.commands import parse_command
    from bot.repl import Session, repl

    command = parse_command(question)
    if command is not None and command.name == "quit":
        question = f"?{question}"  # "q" or ":q ..." leaves the REPL by design; "?q" is a (bad) question
    session = Session(fx.engine())
    lines = iter([question, "Who accompanied Putin?"])
    replies: list[str] = []

    def read_line(prompt):
        try:
            return next(lines)
        except StopIteration:
            raise EOFError from None

    assert repl(session.handle, read_line, replies.append) == 0
    assert not any(r.startswith("Sorry") for r in replies), replies
    assert any("Belousov" in r for r in replies), "the REPL stopped answering after a bad question"
    check_citations(fx.engine(), [question])
    from bot import discord_render

    result = fx.engine().answer(question)
    for echo in (True, False):  # the bot's reply: one message within Discord's limit
        message = discord_render.render_answer(result, echo_question=echo)
        assert 0 < len(message) <= discord_render.MESSAGE_LIMIT, (echo, len(message))
    outcome = run_entry(ask_main, ["--corpus", str(CORPUS), "--json", "--", question], cwd=fx.scratch())
    check_outcome(outcome)
    assert outcome.code == 0 and outcome.err == "", outcome
    assert json.loads(outcome.out)["question"] == question


def prop_repl_input(fx: Fixtures, data: bytes) -> None:
    """Any bytes on the REPL's standard input: exit 0, nothing on stderr, and no line
    answered with an error."""
    text = data.decode("utf-8", "replace")
    outcome = run_entry(ask_main, ["--corpus", str(CORPUS)], cwd=fx.scratch(), stdin=text)
    check_outcome(outcome)
    assert outcome.code == 0 and outcome.err == "", outcome
    assert "Sorry, something went wrong" not in outcome.out


def prop_jsonl_input(fx: Fixtures, lines: list[str]) -> None:
    """Any lines of questions and commands to ``ask --json`` on a pipe: exit 0, nothing
    on stderr, one JSON object per non-blank line up to the first quit command (none
    after it); a command line gets its ``"reason": "command"`` object, never an answer
    (:mod:`bot.commands`), and any other line is answered as the question it is."""
    from bot.commands import parse_command
    from bot.repl_input import MAX_LINE_CHARS

    outcome = run_entry(ask_main, ["--corpus", str(CORPUS), "--json"], cwd=fx.scratch(), stdin="\n".join(lines) + "\n")
    check_outcome(outcome)
    assert outcome.code == 0 and outcome.err == "", outcome
    expected: list[tuple[str | None, str | None]] = []  # (question, command) per object
    for line in lines:
        command = parse_command(line) if len(line) <= MAX_LINE_CHARS else None
        if command is not None and command.name == "quit":
            break
        if len(line) > MAX_LINE_CHARS:
            expected.append((None, None))
        elif command is not None:
            expected.append((None, command.name))
        elif line.strip():
            expected.append((line.strip(), None))
    objects = [json.loads(line) for line in outcome.out.split("\n")[:-1]]  # U+0085 in a string is no line break
    assert [(o["question"], o.get("command")) for o in objects] == expected
    assert all((o["reason"] == "command") == (o.get("command") is not None) for o in objects), objects


def prop_corpus(fx: Fixtures, corpus: dict, question: str, persisted: bool) -> None:
    """Any corpus directory: ``ask`` exits 0 (answers) or 2 (one line naming the
    problem); when the engine loads, every sentence and quote is ``body[start:end]``;
    a second run over a persisted index says the same."""
    from retrieval import Engine, RetrievalError

    work = fx.scratch()
    directory = work / "corpus"
    write_corpus_dir(directory, corpus)
    env = {"ASK_INDEX_DIR": str(work / "index") if persisted else "off"}
    argv = ["--corpus", str(directory), "--json", "--", question]
    first = run_entry(ask_main, argv, cwd=work, env=env)
    check_outcome(first)
    if persisted:
        second = run_entry(ask_main, argv, cwd=work, env=env)
        check_outcome(second)
        assert (second.code, second.out) == (first.code, first.out), (first, second)
    try:
        engine = Engine.load(directory, index_dir=False)
    except RetrievalError:
        assert first.code == 2, first
        return
    assert first.code == 0, first
    check_citations(engine, [question])


def prop_settings(fx: Fixtures, env: dict, dotenv: bytes | None, bot: bool) -> None:
    """Any settings in the environment and in ``./.env``: ``ask QUESTION`` (or
    ``ask-bot --check``) exits 0 or 2 with one line."""
    work = fx.scratch()
    shutil.copytree(CORPUS, work / "corpus", ignore=shutil.ignore_patterns(".*"))
    (work / "sub").mkdir()
    (work / "file.txt").write_text("not a directory\n", encoding="utf-8")
    if dotenv is not None:
        (work / ".env").write_bytes(dotenv)
    env = {"ASK_INDEX_DIR": "off", **env}
    if bot:
        outcome = run_entry(ask_bot_main, ["--check"], cwd=work, env=env)
    else:
        outcome = run_entry(ask_main, ["Who accompanied Putin?"], cwd=work, env=env)
    check_outcome(outcome)


def prop_argv(fx: Fixtures, argv: list[str]) -> None:
    """Any command line: exit 0 or 2 (a usage error may print argparse's usage line)."""
    outcome = run_entry(ask_main, ["--corpus", str(CORPUS), *argv], cwd=fx.scratch())
    check_outcome(outcome, usage_allowed=True)


def prop_index(fx: Fixtures, damage: list) -> None:
    """A damaged persisted index is served correctly or rebuilt: the sentences and the
    answers equal the intact index's; at most one notice line on stderr."""
    from retrieval import Engine, IndexDirError

    corpus, intact, served = fx.reference()
    index = fx.scratch() / "index"
    shutil.copytree(intact, index)
    damage_index(index, damage, fx.donor)
    if not _identifiable(index, intact):
        # Neither the marker nor the manifest says whose directory this is: the engine
        # refuses to overwrite it (it might be someone else's), in one line, exit 2.
        with pytest_raises(IndexDirError):
            Engine.load(corpus, index_dir=index)
        outcome = run_entry(ask_main, ["--corpus", str(corpus), "Who?"], cwd=fx.scratch(),
                            env={"ASK_INDEX_DIR": str(index)})
        check_outcome(outcome)
        assert outcome.code == 2 and "is not a newsqa index" in outcome.err, outcome
        return
    engine = Engine.load(corpus, index_dir=index)
    assert _served(engine) == served, f"damage {damage} changed what is served"
    again = Engine.load(corpus, index_dir=index)  # the rebuilt index is sound too
    assert _served(again) == served
    outcome = run_entry(ask_main, ["--corpus", str(corpus), "Who accompanied Putin?"], cwd=fx.scratch(),
                        env={"ASK_INDEX_DIR": str(index)})
    check_outcome(outcome)
    assert outcome.code == 0 and "Belousov" in outcome.out


@contextlib.contextmanager
def pytest_raises(kind):
    """``pytest.raises`` without pytest (the campaign runs outside it)."""
    try:
        yield
    except kind:
        return
    raise AssertionError(f"{kind.__name__} was not raised")


def _identifiable(index: Path, intact: Path) -> bool:
    """Whether the damaged ``index`` still says it is an index: its marker file or its
    manifest starts its format with the intact manifest's format family
    (``newsqa-sparse-index-``), the engine's sign that it may overwrite the directory."""
    family = json.loads((intact / "manifest.json").read_bytes())["format"].rstrip("0123456789")
    for marker in (p.name for p in intact.iterdir() if p.name.startswith(".")):
        try:
            if (index / marker).read_bytes()[:64].startswith(family.encode()):
                return True
        except OSError:
            pass
    try:
        manifest = json.loads((index / "manifest.json").read_bytes()[: 1 << 26])
        return isinstance(manifest, dict) and str(manifest.get("format", "")).startswith(family)
    except (OSError, ValueError):
        return False


# What the REPL may read: any bytes, or lines of commands and questions.
repl_input = st.one_of(
    st.binary(max_size=400),
    st.lists(
        st.one_of(
            questions,
            st.sampled_from([":help", ":sources", ":explain", ":explain Who met Kim?", ":nope", ": ", "::", "q"]),
            st.builds(lambda q: ":explain " + q, questions),
        ),
        max_size=6,
    ).map(lambda lines: "\n".join(lines).encode("utf-8", "surrogatepass")),
)

# What ``ask --json`` may read from a pipe: lines of questions and commands (no line
# breaks inside a line: each list item is one line).
jsonl_lines = st.lists(
    st.one_of(
        questions,
        st.sampled_from([":help", ":SOURCES", ":explain", ":nope", ": ", "::", ":explain\tWho met Kim?", "quit", ":q"]),
        st.builds(lambda q: ":explain " + q, questions),
    ).filter(lambda line: "\n" not in line and "\r" not in line),
    max_size=5,
)

argv_lists = st.lists(
    st.one_of(
        st.sampled_from(["--json", "--sentences", "--explain", "--corpus", "--help", "-h", "--", "-", "--x", ""]),
        questions,
    ),
    max_size=4,
)

# Each property with the strategies of its arguments, in the order benchmarks/fuzz.py
# cycles through them.
PROPERTIES = {
    "question": (prop_question, (questions,)),
    "repl_input": (prop_repl_input, (repl_input,)),
    "jsonl_input": (prop_jsonl_input, (jsonl_lines,)),
    "corpus": (prop_corpus, (corpora(), questions, st.booleans())),
    "settings": (prop_settings, (settings_env, st.none() | dotenv_files, st.booleans())),
    "argv": (prop_argv, (argv_lists,)),
    "index": (prop_index, (index_damage,)),
}
