"""The regression suite of question-answer pairs over the bundled article."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

CASES = yaml.safe_load((Path(__file__).parent / "qa_regression.yaml").read_text("utf-8"))


def test_suite_has_the_issue_questions():
    assert len(CASES) == 33  # the issue's 30, and 3 paraphrases
    assert sum(1 for c in CASES if c.get("unanswerable")) == 5


@pytest.mark.parametrize("case", CASES, ids=[c["question"] for c in CASES])
def test_question(engine, case):
    result = engine.answer(case["question"])
    if case.get("unanswerable"):
        assert result.answered is False
        assert result.quotes == ()
        return
    assert result.answered is True
    max_rank = case.get("max_rank", 1)
    texts = [q.hit.text for q in result.quotes[:max_rank]]
    assert any(case["expect"] in t for t in texts), texts
