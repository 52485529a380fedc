"""The answerability harness: calibration, the off-topic mode, and the three outcomes as rendered."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot import discord_render
from bot.render import HEDGE, HEDGE_MANY, answer_dict, render_terminal
from retrieval import evaluate as ev
from retrieval.answerability import shipped_model
from retrieval.evaluate_metrics import calibration
from retrieval.types import Answer, Citation, Hit, Quote, Sentence

TINY = Path(__file__).parent / "data" / "squad_tiny.json"


def test_calibration_exact():
    ece, table = calibration([0.05, 0.15, 0.95, 1.0], [False, True, True, True])
    # bins: 0.0-0.1 (0.05 vs 0), 0.1-0.2 (0.15 vs 1), 0.9-1.0 (0.975 vs 1)
    assert ece == pytest.approx(0.25 * 0.05 + 0.25 * 0.85 + 0.5 * 0.025)
    assert [(r["bin"], r["questions"]) for r in table] == [("0.0-0.1", 1), ("0.1-0.2", 1), ("0.9-1.0", 2)]
    assert table[2]["confidence"] == pytest.approx(0.975) and table[2]["accuracy"] == 1.0


def test_calibration_of_nothing_and_mismatched_lengths():
    assert calibration([], []) == (0.0, [])
    with pytest.raises(ValueError, match="differ in length"):
        calibration([0.5], [])


class WordRanker:
    """Answers a question when one of its lowercase words of 5+ letters is in the
    article, with the article's first sentence; refuses otherwise."""

    def __init__(self, sentences):
        self.sentences = list(sentences)
        self.words = {w.strip(".,?").lower() for s in self.sentences for w in s.text.split()}

    def top(self, question):
        words = {w.strip(".,?").lower() for w in question.split() if len(w.strip(".,?")) >= 5}
        return self.sentences[0].id if words & self.words else None


def test_offtopic_mode_asks_each_article_the_next_ones_questions():
    tiny = ev.load_squad(ev.read_json(TINY))
    out = ev.run_offtopic(tiny, WordRanker)
    # Each article's own answerable questions share a 5+ letter word with it ("Amazon",
    # "river", "Nile", "Mount", "village", "watched"): none of the 7 refused. Off-topic:
    # the 3 Volcanoes questions asked of Rivers and the 4 Rivers questions asked of
    # Volcanoes share none: 7 of 7 refused.
    assert out == {
        "offtopic_abstain_recall": 1.0,
        "answerable_abstain_rate": 0.0,
        "questions": 14,
        "sentences": 8,
    }


def test_cli_offtopic_json(capsys):
    assert ev.main([str(TINY), "--mode", "offtopic", "--json", "--no-progress"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert set(out) == {
        "offtopic_abstain_recall", "answerable_abstain_rate", "questions", "sentences", "dropped", "seconds",
        "ece", "reliability",
    }  # no "ece_offtopic": no off-topic question shares a term with its article, so none has a confidence
    assert out["questions"] == 14
    assert sum(r["questions"] for r in out["reliability"]) == 7


def test_article_mode_reports_calibration(capsys):
    assert ev.main([str(TINY), "--mode", "article", "--json", "--no-progress"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    out = json.loads(lines[-1])
    assert 0.0 <= out["ece"] <= 1.0
    assert sum(r["questions"] for r in out["reliability"]) == 7
    assert any(line.startswith("reliability (confidence bin") for line in lines)


def _answer(reason: str, confidence: float | None) -> Answer:
    citation = Citation(doc_id="d", title="T", section=None, paragraph=1, sentence=2, start=0, end=3)
    hit = Hit(sentence=Sentence(id="d:2", text="Putin went.", citation=citation), score=1.5, rank=1)
    return Answer(question="Who went?", answered=True, quotes=(Quote(hit=hit),), reason=reason, confidence=confidence)


def test_terminal_hedges_an_uncertain_answer_only():
    assert render_terminal(_answer("uncertain", 0.3)).splitlines()[0] == HEDGE
    assert render_terminal(_answer("uncertain", 0.3), articles=2).splitlines()[0] == HEDGE_MANY
    assert render_terminal(_answer("answered", 0.9)).splitlines()[0] == "“Putin went.” [1]"


def test_json_carries_confidence_and_reason():
    out = answer_dict(_answer("uncertain", 0.3))
    assert (out["answered"], out["reason"], out["confidence"]) == (True, "uncertain", 0.3)
    assert answer_dict(_answer("answered", None))["confidence"] is None


def test_discord_hedges_an_uncertain_answer_only():
    hedged = discord_render.render_answer(_answer("uncertain", 0.3)).splitlines()
    assert hedged[:2] == ["**Q:** Who went?", f"*{HEDGE}*"]
    assert discord_render.render_answer(_answer("uncertain", 0.3), echo_question=False).splitlines()[0] == f"*{HEDGE}*"
    plain = discord_render.render_answer(_answer("answered", 0.9)).splitlines()
    assert plain[1] == "> **Putin** went. [1]"  # the answer to "Who went?" picked out in bold


def test_the_bundled_article_gives_all_three_outcomes(engine):
    sure = engine.answer("When did Putin arrive in North Korea?")
    assert (sure.answered, sure.reason) == (True, "answered") and "arrived in North Korea today" in sure.quotes[0].hit.text
    hedged = engine.answer("Who went with Putin?")  # the article says "accompanying": a paraphrase
    assert (hedged.answered, hedged.reason) == (True, "uncertain")
    assert "Andrei Belousov" in hedged.quotes[0].hit.text
    refused = engine.answer("How many soldiers does South Korea have?")
    assert (refused.answered, refused.reason, refused.quotes) == (False, "not_found", ())
    shipped = shipped_model()
    assert hedged.confidence is not None and shipped.abstain <= hedged.confidence < shipped.hedge
    assert sure.confidence is not None and sure.confidence >= shipped.hedge
    assert refused.confidence is not None and refused.confidence < shipped.hedge
