"""The session's commands read the same way by the REPL and by ``ask --json`` on a pipe:
``:quit`` ends a JSON Lines run, ``:help`` / ``:sources`` / ``:explain`` / an unknown
``:word`` get one ``"reason": "command"`` object each, and none is asked as a question."""

from __future__ import annotations

import io
import json

import pytest

from bot.commands import HELP, Command, parse_command
from bot.jsonl import run_jsonl
from bot.repl import Session, main
from bot.repl_input import LineTooLong
from retrieval.conversation import Conversations

from .support import CORPUS

NO_ANSWER = {"question": None, "answered": False, "reason": "command", "answers": [], "follow_up": None}


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    monkeypatch.delenv("ASK_CORPUS", raising=False)
    monkeypatch.setenv("ASK_INDEX_DIR", "off")
    monkeypatch.chdir(tmp_path)  # no stray .env


def jsonl(engine, lines: list[str]) -> list[dict]:
    """Run JSON Lines over ``lines``; the objects written."""
    pending = iter(lines)
    written: list[str] = []

    def read_line() -> str:
        try:
            return next(pending)
        except StopIteration:
            raise EOFError from None

    code = run_jsonl(engine, read_line, written.append, too_long=LineTooLong, talks=Conversations(clock=lambda: 0.0))
    assert code == 0
    return [json.loads(line) for line in written]


@pytest.mark.parametrize(
    "line, expected",
    [
        (":help", Command("help", "help")),
        ("  :HELP  ", Command("help", "help")),
        (":?", Command("help", "?")),
        (":h", Command("help", "h")),
        (":sources", Command("sources", "sources")),
        (":explain who met Kim? ", Command("explain", "explain", "who met Kim?")),
        (":explain\twho met Kim?", Command("explain", "explain", "who met Kim?")),
        (":q", Command("quit", "q")),
        (":Exit", Command("quit", "exit")),
        ("QUIT", Command("quit", "quit")),
        (" q ", Command("quit", "q")),
        (":bogus now", Command("unknown", "bogus", "now")),
        (":quit now", Command("unknown", "quit now")),  # more than the command: never leave on a guess
        (":sources all", Command("unknown", "sources all")),
        ("\ufeff:help", Command("help", "help")),  # a byte-order mark opening a pasted line
        (": ", Command("unknown", "")),
        ("Who met Kim?", None),
        ("quit smoking?", None),
        ("", None),
    ],
)
def test_parse_command(line, expected):
    assert parse_command(line) == expected


@pytest.mark.parametrize("quit_line", [":quit", ":q", ":EXIT", "quit", "Exit", "q"])
def test_json_lines_stop_at_a_quit_command(engine, quit_line):
    objects = jsonl(engine, ["Who accompanied Putin?", quit_line, "never read"])
    assert [o["question"] for o in objects] == ["Who accompanied Putin?"]


def test_json_lines_help_is_one_command_object(engine):
    assert jsonl(engine, [":help"]) == [{**NO_ANSWER, "command": "help", "text": HELP}]


def test_json_lines_sources_lists_the_articles(engine):
    assert jsonl(engine, [":sources"]) == [
        {
            **NO_ANSWER,
            "command": "sources",
            "sources": [
                {
                    "doc_id": "putin-north-korea-visit",
                    "title": "Putin arrives in North Korea for first visit in 24 years",
                    "date": "2024-06-18",
                    "sentences": 23,
                }
            ],
        }
    ]


def test_json_lines_unknown_command_is_an_error_object_not_a_question(engine):
    assert jsonl(engine, [":bogus now"]) == [
        {**NO_ANSWER, "command": "unknown", "error": "Unknown command :bogus. Type :help for the commands."}
    ]


def test_json_lines_a_quit_with_more_on_its_line_does_not_end_the_run(engine):
    objects = jsonl(engine, [":quit now", "Who accompanied Putin?"])
    assert objects[0] == {
        **NO_ANSWER, "command": "unknown", "error": "Unknown command :quit now. Type :help for the commands."
    }
    assert objects[1]["question"] == "Who accompanied Putin?" and objects[1]["answered"] is True


def test_json_lines_explain_with_no_question_yet(engine):
    assert jsonl(engine, [":explain"]) == [
        {**NO_ANSWER, "command": "explain", "error": "Ask a question first, or give one: :explain who accompanied Putin?"}
    ]


def test_json_lines_bare_explain_explains_the_last_question_with_its_follow_up(engine):
    objects = jsonl(engine, ["Who is the US State Department spokesperson?", "What did he claim?", ":explain"])
    explained = objects[2]
    assert objects[1]["follow_up"]["kind"] == "pronoun"
    assert (explained["reason"], explained["explained"]) == ("command", "What did he claim?")
    assert explained["explain"][0]["sentence_id"] == "putin-north-korea-visit:17"
    assert "miller" in explained["explain"][0]["terms"]  # the carried-over name scored, as in the session


def test_json_lines_explain_with_a_question_becomes_the_last_question(engine):
    objects = jsonl(engine, [":explain Who accompanied Putin?", ":explain"])
    assert [o["explained"] for o in objects] == ["Who accompanied Putin?"] * 2
    assert objects[0]["explain"] == objects[1]["explain"]
    assert objects[0]["explain"][0]["sentence_id"] == "putin-north-korea-visit:5"


def test_json_lines_commands_do_not_break_the_conversation(engine):
    objects = jsonl(engine, ["Who is the US State Department spokesperson?", ":help", "What did he claim?"])
    assert objects[2]["follow_up"]["kind"] == "pronoun"


def test_ask_json_from_a_pipe_reads_commands(capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(":help\nWho accompanied Putin?\n:quit\nWho met Kim?\n"))
    code = main(["--corpus", str(CORPUS), "--json"])
    out, err = capsys.readouterr()
    objects = [json.loads(line) for line in out.splitlines()]
    assert (code, err) == (0, "")
    assert [(o["reason"], o["question"]) for o in objects] == [("command", None), ("answered", "Who accompanied Putin?")]


def test_the_session_reads_the_same_commands(engine):
    session = Session(engine)
    assert session.handle(":explain\twho accompanied Putin?").startswith(
        "Why these sentences rank first for: who accompanied Putin?"
    )
    assert session.handle("  Q ") is None
    assert session.handle(": ") == "Unknown command :. Type :help for the commands."


@pytest.mark.parametrize("argv", [["--json"], []])
def test_a_byte_order_mark_at_the_start_of_piped_input_is_dropped(capsys, monkeypatch, argv):
    monkeypatch.setattr("sys.stdin", io.StringIO("\ufeff:help\n\ufeffWho accompanied Putin?\n"))
    code = main(["--corpus", str(CORPUS), *argv])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    if argv:
        first, second = (json.loads(line) for line in out.splitlines())
        assert (first["command"], second["question"]) == ("help", "\ufeffWho accompanied Putin?")  # only the input's first
    else:
        assert out.startswith(HELP + "\n\n")


class TypedStdin(io.StringIO):
    """Lines typed at a terminal (the answers going to a pipe: capsys's stdout is none)."""

    def isatty(self) -> bool:
        return True


def test_typed_lines_with_answers_to_a_pipe_show_the_prompt_on_stderr(capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", TypedStdin(":help\n"))
    code = main(["--corpus", str(CORPUS)])
    out, err = capsys.readouterr()
    assert code == 0
    assert out == HELP + "\n\n\n"  # the pipe gets the answers alone
    assert err == "Loaded 1 article, 23 sentences. :help for help, Ctrl-D to quit.\nask> ask> "


def test_piped_lines_show_no_prompt(capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(":help\n"))
    assert main(["--corpus", str(CORPUS)]) == 0
    assert capsys.readouterr() == (HELP + "\n\n\n", "")
