"""docs/bad-input.md: each row of its table, run as written, gives the message and the
exit code the row promises."""

from __future__ import annotations

import contextlib
import io
import re
import shlex
import shutil
import sys

import pytest

from retrieval import Engine

from . import fuzz_properties as fp
from .support import CORPUS, ROOT, FullStdout, write_corpus

DOC = ROOT / "docs" / "bad-input.md"
LONG_QUESTION = re.compile(r"\$\(printf 'x%\.0s' \$\(seq (\d+)\)\)")


def table_rows() -> list[tuple[str, str, str, int]]:
    """(input, command, message, exit code) for each row of the doc's table."""
    rows = []
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not cells[3].isdigit():
            continue
        what, command, message, code = cells
        rows.append((what, command.strip("`"), message.strip("`"), int(code)))
    return rows


ROWS = table_rows()


def test_the_table_has_its_rows():
    assert len(ROWS) == 23


@pytest.fixture
def workdir(tmp_path):
    shutil.copytree(CORPUS, tmp_path / "corpus", ignore=shutil.ignore_patterns(".*"))
    (tmp_path / "empty").mkdir()
    (tmp_path / "blank").mkdir()
    (tmp_path / "blank" / "a.md").write_bytes(b"")
    (tmp_path / "latin").mkdir()
    (tmp_path / "latin" / "b.txt").write_bytes("café au lait.\n".encode("latin-1"))
    shutil.copytree(CORPUS, tmp_path / "link", ignore=shutil.ignore_patterns(".*"))
    (tmp_path / "link" / "z.md").symlink_to("nowhere")
    shutil.copytree(CORPUS, tmp_path / "dirlink", ignore=shutil.ignore_patterns(".*"))
    (tmp_path / "dirlink" / "d.md").symlink_to(tmp_path / "empty")
    write_corpus(tmp_path / "headings", {f"{n}.md": "One heading line\n" for n in "abcd"})
    Engine.load(tmp_path / "corpus")  # writes corpus/.index
    (tmp_path / "broken.env").write_text("ASK_TOP_K 3\n", encoding="utf-8")
    return tmp_path


def matches(pattern: str, text: str) -> bool:
    """Whether ``text`` is ``pattern`` with each ``…`` standing for any text."""
    return re.fullmatch(".*".join(re.escape(part) for part in pattern.split("…")), text, re.DOTALL) is not None


def run_row(command: str, cwd) -> fp.Outcome:
    """Run a row's command in process: ``VAR=value`` prefixes become the environment,
    ``> /dev/full`` a standard output whose flush fails, the ``$(printf ...)`` question
    its N characters."""
    words = shlex.split(LONG_QUESTION.sub(lambda m: "x" * int(m.group(1)), command))
    env = {}
    while "=" in words[0]:
        key, _, value = words.pop(0).partition("=")
        env[key] = value
    full = words[-2:] == [">", "/dev/full"]
    if full:
        words = words[:-2]
    program, argv = words[0], words[1:]
    main = {"ask": fp.ask_main, "ask-bot": fp.ask_bot_main}[program]
    if not full:
        return fp.run_entry(main, argv, cwd=cwd, env=env)
    real = sys.stdout
    sys.stdout = FullStdout()
    try:  # run_entry would capture stdout: call the front end under the same environment
        with fp._environment({"ASK_INDEX_DIR": "off", **env}, cwd):
            err = io.StringIO()
            with contextlib.redirect_stderr(err):
                code = main(argv)
    finally:
        sys.stdout = real
    return fp.Outcome(code, "", err.getvalue())


@pytest.mark.parametrize(("what", "command", "message", "code"), ROWS, ids=[row[0] for row in ROWS])
def test_each_row_gets_its_message_and_exit_code(workdir, monkeypatch, what, command, message, code):
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    outcome = run_row(command, workdir)
    assert outcome.code == code, outcome
    if code == 0:
        assert matches(message, outcome.out.rstrip("\n")), outcome
        assert outcome.err == ""
    else:
        lines = outcome.err.splitlines()
        assert matches(message, lines[-1]), outcome
        if not outcome.err.startswith("usage:"):
            assert len(lines) == 1, outcome
