"""The context sentence (shown before a quote that needs it) in ``ask``'s two outputs:
the terminal's ``(context)`` line and source line, and the ``--json`` ``context`` object."""

from __future__ import annotations

import json

import pytest

from bot.render import answer_dict, render_terminal
from bot.repl import main
from .discord_fakes import answer_of, sentence
from retrieval import Answer, Hit, Quote

from .support import CORPUS, SEED_DOC

TITLE = "Putin arrives in North Korea for first visit in 24 years"
SECTION = "Putin and Kim Jong Un’s discussion topics"
CONTEXT = (
    "In an editorial published in North Korean state media before his arrival, Putin expressed "
    "Russia’s intent to continue opposing Western efforts to impede the establishment of a "
    "multipolar world order based on mutual respect and justice."
)
TRADE = (
    "He also mentioned plans to develop independent trade and payment systems with North Korea "
    "and to resist Western-imposed sanctions, describing them as “unilateral and illegal”."
)
QUESTION = "what did he mention about trade?"  # "he" is Putin, named only in the sentence before


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    monkeypatch.delenv("ASK_CORPUS", raising=False)
    monkeypatch.chdir(tmp_path)


def test_terminal_shows_the_context_line_before_the_quote(capsys):
    assert main(["--corpus", str(CORPUS), QUESTION]) == 0
    assert capsys.readouterr() == (
        f"  (context) “{CONTEXT}”\n"
        f"“{TRADE}” [1]\n"
        "\n"
        "Sources:\n"
        f"[1] {TITLE} — section “{SECTION}”, paragraph 7, sentences 9–10\n",
        "",
    )


def test_json_gives_the_context_object(capsys):
    assert main(["--corpus", str(CORPUS), "--json", QUESTION]) == 0
    out, err = capsys.readouterr()
    [answer] = json.loads(out)["answers"]
    citation = {"doc_id": SEED_DOC, "title": TITLE, "section": SECTION, "paragraph": 7}
    assert answer["text"] == TRADE
    assert answer["citation"] == {**citation, "sentence": 10, "start": 1553, "end": 1728}
    assert answer["context"] == {
        "text": CONTEXT,
        "citation": {**citation, "sentence": 9, "start": 1317, "end": 1552},
    }
    assert err == ""


def test_json_context_is_null_without_one():
    [answer] = answer_dict(answer_of("Alone.", question="q?"))["answers"]
    assert answer["context"] is None


def test_context_in_the_paragraph_before_is_cited_apart():
    # the quote opens paragraph 2 (sentence 2), its context closes paragraph 1 (sentence 1)
    quote = Quote(hit=Hit(sentence("He left.", 2), score=1.0, rank=1), context=sentence("Ann came.", 1))
    text = render_terminal(Answer("q?", answered=True, quotes=(quote,)))
    assert text == (
        "  (context) “Ann came.”\n“He left.” [1]\n\nSources:\n"
        "[1] T — paragraph 2, sentence 2 (context: paragraph 1, sentence 1)"
    )
    assert answer_dict(Answer("q?", answered=True, quotes=(quote,)))["answers"][0]["context"] == {
        "text": "Ann came.",
        "citation": {
            "doc_id": "a", "title": "T", "section": None, "paragraph": 1, "sentence": 1, "start": 0, "end": 9,
        },
    }
