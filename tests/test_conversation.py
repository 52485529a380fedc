"""Follow-up questions answered through the engine, measured on tests/qa_conversation.yaml."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from retrieval.conversation import Conversations, score_conversations

from .support import CORPUS

CONVERSATIONS = Path(__file__).with_name("qa_conversation.yaml")


def test_the_conversation_file_is_well_formed():
    exchanges = yaml.safe_load(CONVERSATIONS.read_text("utf-8"))
    assert len(exchanges) >= 30
    for exchange in exchanges:
        assert 2 <= len(exchange["turns"]) <= 3
        assert exchange["turns"][0]["follow_up"] is False
        for turn in exchange["turns"]:
            assert set(turn) == {"ask", "follow_up", "expect"} and turn["expect"]


def test_follow_ups_right_and_stand_alone_questions_unchanged(engine):
    score = score_conversations(engine, yaml.safe_load(CONVERSATIONS.read_text("utf-8")))
    assert (score.follow_ups, score.alone) == (32, 40)
    assert score.alone_identical == score.alone, score.misses  # 100%: answered exactly as before
    assert score.follow_ups_right / score.follow_ups >= 0.9, score.misses


def test_the_spokesperson_and_his_claim(engine):
    talks = Conversations(clock=lambda: 0.0)
    first = engine.answer("Who is the US State Department spokesperson?")
    talks.record("c", first)
    follow_up = talks.resolve("c", "What did he claim?")
    assert "Matthew" in follow_up.carried and "Miller" in follow_up.carried
    second = engine.answer("What did he claim?", follow_up=follow_up)
    assert "11,000 containers of munitions" in second.quotes[0].hit.text
    assert second.question == "What did he claim?"


def test_else_never_quotes_the_same_sentence_again(engine):
    talks = Conversations(clock=lambda: 0.0)
    first = engine.answer("Which countries have expressed alarm over these developments?")
    talks.record("c", first)
    follow_up = talks.resolve("c", "Who else has expressed concern?")
    again = engine.answer("Who else has expressed concern?", follow_up=follow_up)
    shown = {q.hit.id for q in first.quotes}
    assert again.answered and not shown & {q.hit.id for q in again.quotes}


def test_explain_says_what_was_carried(engine):
    from bot.render import render_explanation

    talks = Conversations(clock=lambda: 0.0)
    talks.record("c", engine.answer("Who is the US State Department spokesperson?"))
    follow_up = talks.resolve("c", "What did he claim?")
    text = render_explanation("What did he claim?", engine.explain("What did he claim?", follow_up=follow_up),
                              follow_up=follow_up)
    assert text.splitlines()[1] == (
        "Follow-up (pronoun): carried over from the previous question, at a lower weight: "
        "US, State, Department, spokesperson, Matthew, Miller"
    )


# ---------------------------------------------------------------- ask --json, JSON Lines


def ask_jsonl(tmp_path, lines: str) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "ASK_INDEX_DIR": "off", "HOME": str(tmp_path)}
    return subprocess.run(
        [sys.executable, "-m", "bot.repl", "--corpus", str(CORPUS), "--json"],
        input=lines, capture_output=True, text=True, env=env, cwd=Path(__file__).parent.parent, timeout=120,
    )


def test_json_lines_one_conversation_the_done_check(tmp_path):
    done = ask_jsonl(tmp_path, "Who is the US State Department spokesperson?\nWhat did he claim?\n")
    assert (done.returncode, done.stderr) == (0, "")
    first, second = map(json.loads, done.stdout.splitlines())
    assert first["answers"][0]["highlight"]["text"] == "Matthew Miller"
    assert first["follow_up"] is None
    assert second["question"] == "What did he claim?"
    assert "dozens of ballistic missiles and over 11,000 containers" in second["answers"][0]["text"]
    assert second["follow_up"]["kind"] == "pronoun"


def test_json_lines_skip_blank_lines_and_answer_a_too_long_line(tmp_path):
    done = ask_jsonl(tmp_path, "\n   \n" + "x" * 5000 + "\nWho accompanied Putin?")
    objects = [json.loads(line) for line in done.stdout.splitlines()]
    assert done.returncode == 0
    assert objects[0] == {"question": None, "answered": False, "reason": "too_long", "answers": [],
                          "follow_up": None, "length": 5000}
    assert objects[1]["answers"][0]["highlight"]["text"] == (  # the list of officials is one answer
        "Defence Minister Andrei Belousov, Foreign Minister Sergei Lavrov, and Deputy Prime Minister Alexander Novak"
    )
    assert len(objects) == 2


@pytest.mark.parametrize("lines", ["", "\n\n"])
def test_json_lines_with_no_question_print_nothing(tmp_path, lines):
    done = ask_jsonl(tmp_path, lines)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_json_lines_with_explain_explain_each_answer(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "ASK_INDEX_DIR": "off", "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "bot.repl", "--corpus", str(CORPUS), "--json", "--explain"],
        input="Who is the US State Department spokesperson?\nWhat did he claim?\n",
        capture_output=True, text=True, env=env, cwd=Path(__file__).parent.parent, timeout=120,
    )
    first, second = map(json.loads, done.stdout.splitlines())
    assert first["explain"][0]["sentence_id"] == "putin-north-korea-visit:17"
    assert second["explain"][0]["sentence_id"] == "putin-north-korea-visit:17"
    assert "miller" in second["explain"][0]["terms"]  # a carried term scored


def test_the_repl_session_is_one_conversation(engine):
    from bot.repl import Session

    session = Session(engine, conversations=Conversations(clock=lambda: 0.0))
    session.handle("Who is the US State Department spokesperson?")
    assert CLAIM_TEXT in session.handle("What did he claim?")
    explained = session.handle(":explain")
    assert explained.splitlines()[:2] == [
        "Why these sentences rank first for: What did he claim?",
        "Follow-up (pronoun): carried over from the previous question, at a lower weight: "
        "US, State, Department, spokesperson, Matthew, Miller",
    ]
    alone = Session(engine)  # no conversation: each question on its own
    alone.handle("Who is the US State Department spokesperson?")
    assert alone.handle(":explain What did he claim?").splitlines()[1].startswith("#1 ")


CLAIM_TEXT = "dozens of ballistic missiles and over 11,000 containers of munitions"


def test_else_abstains_when_the_earlier_question_asked_again_would(engine):
    from dataclasses import replace

    talks = Conversations(clock=lambda: 0.0)
    talks.record("c", engine.answer("How many containers of munitions were sent?"))
    follow_up = talks.resolve("c", "What else?")
    assert follow_up.again == ("How many containers of munitions were sent?", ())
    result = engine.answer("What else?", follow_up=follow_up)
    assert (result.question, result.answered, result.reason) == ("What else?", False, "not_found")
    # the refusal is the earlier question's, asked again without its quote (a lower
    # confidence than the follow-up's own words give)
    alone = engine.answer("What else?", follow_up=replace(follow_up, again=None))
    assert result.confidence < alone.confidence


def test_who_else_abstains_when_no_other_sentence_names_a_person_for_the_question(engine):
    # one spokesperson is named; the other sentences about the State Department name
    # no person tied to the question, so "Who else?" has no answer
    talks = Conversations(clock=lambda: 0.0)
    first = engine.answer("Who was the spokesperson of the US State Department?")
    assert first.answered and "Matthew Miller" in first.quotes[0].hit.text
    talks.record("c", first)
    result = engine.answer("Who else?", follow_up=talks.resolve("c", "Who else?"))
    assert (result.answered, result.reason, result.quotes) == (False, "not_found", ())
