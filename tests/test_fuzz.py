"""The fuzz suite: every input surface of ``ask`` and ``ask-bot`` tried with hypothesis
(the surfaces, strategies and properties are in :mod:`tests.fuzz_properties`; the long
campaign is ``benchmarks/fuzz.py``), plus a few cases only a real process shows."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, example, given, settings

from . import fuzz_properties as fp
from .support import CORPUS, ROOT

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)


@pytest.fixture(scope="module")
def fx():
    fixtures = fp.Fixtures()
    yield fixtures
    fixtures.close()


@FAST
@given(question=fp.questions)
@example(question="Q")  # found by benchmarks/fuzz.py: "q" alone quits the REPL by design (the property asks "?Q")
@example(question=":q then a question")
def test_any_question_is_answered_and_the_repl_goes_on(fx, question):
    fp.prop_question(fx, question)


@FAST
@given(data=fp.repl_input)
def test_any_repl_input_keeps_the_session_running(fx, data):
    fp.prop_repl_input(fx, data)


@FAST
@given(lines=fp.jsonl_lines)
@example(lines=["Who accompanied Putin?", ":help", ":quit", "never asked"])
@example(lines=[":explain\tWho met Kim?", "QUIT", ":sources"])
def test_any_json_lines_input_answers_questions_and_reads_commands(fx, lines):
    fp.prop_jsonl_input(fx, lines)


@settings(FAST, max_examples=40)
@given(corpus=fp.corpora(), question=fp.questions, persisted=fp.st.booleans())
def test_any_corpus_gives_answers_with_exact_citations_or_one_error_line(fx, corpus, question, persisted):
    fp.prop_corpus(fx, corpus, question, persisted)


@settings(FAST, max_examples=40)
@given(env=fp.settings_env, dotenv=fp.st.none() | fp.dotenv_files, bot=fp.st.booleans())
@example(env={}, dotenv=b"ASK_TOP_K=1\x00\n", bot=False)  # found by benchmarks/fuzz.py
@example(env={}, dotenv=b"A\x00=1\n", bot=True)
def test_any_settings_give_an_answer_or_one_error_line(fx, env, dotenv, bot):
    fp.prop_settings(fx, env, dotenv, bot)


@FAST
@given(argv=fp.argv_lists)
@example(argv=["-", "--json", "\x1e"])  # found by benchmarks/fuzz.py: a control character in the error
def test_any_command_line_exits_0_or_2(fx, argv):
    fp.prop_argv(fx, argv)


@settings(FAST, max_examples=30)
@given(damage=fp.index_damage)
def test_a_damaged_index_is_served_correctly_or_rebuilt(fx, damage):
    fp.prop_index(fx, damage)


def test_the_properties_fail_on_a_traceback_or_a_second_line():
    """The checks can fail: a traceback, exit 1, two lines for exit 2."""
    with pytest.raises(AssertionError):
        fp.check_outcome(fp.Outcome(1, "", "ask: internal error: X\n"))
    with pytest.raises(AssertionError):
        fp.check_outcome(fp.Outcome(2, "", "ask: error: a\nask: error: b\n"))
    with pytest.raises(AssertionError):
        fp.check_outcome(fp.Outcome(0, "", "Traceback (most recent call last):\n"))
    with pytest.raises(AssertionError):
        fp.check_outcome(fp.Outcome(2, "", "ask: error: bad \x1b[2J name\n"))
    fp.check_outcome(fp.Outcome(0, "", "damaged index: x: checksum mismatch; rebuilding\n"))


def test_the_citation_check_fails_on_an_offset_that_is_off(tmp_path):
    from types import SimpleNamespace as Fake

    (tmp_path / "a.md").write_text("Kim met Putin. They signed.", encoding="utf-8")
    article = Fake(path=str(tmp_path / "a.md"), text="Kim met Putin. They signed.", doc_id="a")

    def engine(start, end):
        citation = Fake(doc_id="a", start=start, end=end, label="a ¶1 s2")
        return Fake(articles=[article], sentences=[Fake(text="They signed.", citation=citation)])

    fp.check_citations(engine(15, 27))
    with pytest.raises(AssertionError):
        fp.check_citations(engine(14, 26))


# -- a few real processes: encodings, FIFOs, signals of the actual console scripts ------


def _ask(args: list, tmp_path, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "ASK_INDEX_DIR": "off", "PYTHONIOENCODING": ""}
    env.pop("ASK_CORPUS", None)
    code = "import sys; from bot.cli import ask; sys.exit(ask())"
    return subprocess.run(
        [sys.executable, "-c", code, *args], cwd=tmp_path, env=env, capture_output=True, timeout=60, **kwargs
    )


def test_a_question_of_invalid_utf8_bytes_is_answered(tmp_path):
    done = _ask([b"--corpus", str(CORPUS).encode(), b"Who accompanied \xff\xfe Putin?"], tmp_path)
    assert (done.returncode, done.stderr) == (0, b"")
    assert b"Belousov" in done.stdout


def test_a_fifo_in_the_corpus_is_skipped_not_read(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.md").write_text("Kim met Putin in Pyongyang on Friday.\n", encoding="utf-8")
    os.mkfifo(corpus / "pipe.txt")
    done = _ask(["--corpus", str(corpus), "Where did Kim meet Putin?"], tmp_path)
    assert (done.returncode, done.stderr) == (0, b"")
    assert b"Pyongyang" in done.stdout


def test_a_dangling_link_is_named(fx, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.md").write_text("Kim met Putin in Pyongyang on Friday.\n", encoding="utf-8")
    os.symlink("nowhere", corpus / "z.md")
    outcome = fp.run_entry(fp.ask_main, ["--corpus", str(corpus), "Where?"], cwd=tmp_path)
    assert outcome == fp.Outcome(2, "", f"ask: error: {corpus / 'z.md'} is a broken or looping symbolic link\n")


def test_binary_input_to_the_repl_in_a_real_process(tmp_path):
    done = _ask(["--corpus", str(CORPUS)], tmp_path, input=b"\xff\x00\x1b[2J\nWho accompanied Putin?\n\x80")
    assert (done.returncode, done.stderr) == (0, b"")
    assert b"Belousov" in done.stdout and b"Sorry" not in done.stdout


@pytest.mark.parametrize("module", ["bot.repl", "bot"])
def test_the_module_entry_points_exit_2_with_one_line_on_bad_settings(tmp_path, module):
    env = {**os.environ, "ASK_TOP_K": "many", "DISCORD_TOKEN": "MTk4NjIyNDgzNDcx.G1x_2z.s3cr3t-v4lue_tok3n"}
    args = ["--check"] if module == "bot" else ["--corpus", str(CORPUS), "Who?"]
    done = subprocess.run(
        [sys.executable, "-m", module, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    prog = "ask-bot" if module == "bot" else "ask"
    assert (done.returncode, done.stdout, done.stderr) == (
        2,
        "",
        f"{prog}: error: ASK_TOP_K must be a whole number, got 'many'\n",
    )
