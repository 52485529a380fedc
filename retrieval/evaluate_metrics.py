"""Evaluation metrics: MRR, recall@k, accuracy@1, abstention precision/recall/F1.

Sources: Voorhees (1999), TREC-8 QA track (mean reciprocal rank); Ahmad et al. (2019),
"ReQA: An Evaluation for End-to-End Answer Retrieval Models" (MRR over the top 100,
recall@k).
"""

from __future__ import annotations

from typing import Iterable, Sequence

RANK_CUTOFF = 100  # MRR is taken over the top 100 (ReQA)
RECALL_KS = (1, 5, 10)


def first_gold_rank(ranked: Sequence[str], gold: Iterable[str], cutoff: int = RANK_CUTOFF) -> int | None:
    """1-based rank of the first gold id in ``ranked[:cutoff]``, or None.

    Parameters
    ----------
    ranked : sequence of str
        Retrieved ids, best first.
    gold : iterable of str
        The ids that count as correct.
    cutoff : int
        Only the first ``cutoff`` ids are looked at.
    """
    gold = set(gold)
    for position, item in enumerate(ranked[:cutoff], start=1):
        if item in gold:
            return position
    return None


def reciprocal_rank(rank: int | None) -> float:
    """``1 / rank``, 0 when nothing gold was retrieved (``rank`` None)."""
    return 0.0 if rank is None else 1.0 / rank


def mrr(ranks: Sequence[int | None]) -> float:
    """Mean reciprocal rank of per-question first-gold ranks (0 for no question).

    Source: Voorhees (1999), TREC-8 QA track; as in ReQA (Ahmad et al. 2019).
    """
    return sum(reciprocal_rank(r) for r in ranks) / len(ranks) if ranks else 0.0


def recall_at_k(ranks: Sequence[int | None], k: int) -> float:
    """Fraction of questions with a gold sentence in the top ``k`` (ReQA's recall@k)."""
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks) if ranks else 0.0


def accuracy_at_1(correct: Sequence[bool]) -> float:
    """Fraction of questions whose top answer is right (0 for no question)."""
    return sum(map(bool, correct)) / len(correct) if correct else 0.0


def abstain_scores(abstained: Sequence[bool], impossible: Sequence[bool]) -> tuple[float, float, float]:
    """Precision, recall and F1 of abstaining, the unanswerable questions being positive.

    Parameters
    ----------
    abstained, impossible : sequence of bool, shape (n_questions,)
        Whether the system abstained, and whether the question is unanswerable.

    Returns
    -------
    (precision, recall, f1) : tuple of float
        Precision is 0 when the system never abstains, recall 0 when no question
        is unanswerable, F1 their harmonic mean (0 when both are 0).
    """
    if len(abstained) != len(impossible):
        raise ValueError("abstained and impossible differ in length")
    true_pos = sum(1 for a, i in zip(abstained, impossible) if a and i)
    predicted = sum(map(bool, abstained))
    actual = sum(map(bool, impossible))
    precision = true_pos / predicted if predicted else 0.0
    recall = true_pos / actual if actual else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1

