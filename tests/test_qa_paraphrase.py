"""The paraphrase / unanswerable file (tests/qa_paraphrase.yaml), pinned at its measured level.

Unlike tests/qa_regression.yaml (every case must pass), this file measures how far the
product understands questions in other words and refuses what the article does not say;
the figures here are the ones in README.md and docs/quality.md. A change that moves them
updates all three, so a regression is seen and an improvement is recorded.
"""

from __future__ import annotations

from pathlib import Path

from retrieval.evaluate import load_regression, run_regression

PATH = Path(__file__).parent / "qa_paraphrase.yaml"
CASES = load_regression(PATH)


def test_file_has_the_promised_cases():
    assert sum(not c.unanswerable for c in CASES) == 45
    assert sum(c.unanswerable for c in CASES) == 24


def test_measured_level(engine):
    result = run_regression(CASES, engine)
    answerable = [c for c in CASES if not c.unanswerable]
    answered_right = result["passed"] - result["abstained_unanswerable"]
    assert (answered_right, len(answerable)) == (12, 45), result["failures"]
    assert (result["abstained_unanswerable"], result["unanswerable"]) == (14, 24), result["failures"]
