"""Answerability with semantic on: the lexical evidence plus the model's cosines.

What: with semantic on, P(the first quote answers) is a logistic model over the lexical
evidence of :mod:`retrieval.answerability` (:data:`~retrieval.answerability.EVIDENCE_NAMES`,
its hinges) followed by :data:`SEMANTIC_EVIDENCE_NAMES`:

* ``first_cosine``: the first quote's cosine with the question;
* ``best_cosine``: the best cosine among the candidates;
* ``first_gap``: ``first_cosine - best_cosine`` (0 when the first quote has the best);
* ``first_rank``: ``log(1 + the first quote's rank by cosine)``;
* ``cosine_margin``: the first quote's cosine minus the best of the others';

with hinges ``max(0, x - knot)`` at the training quartiles of :data:`SEMANTIC_HINGED`.
Why: an off-topic question can share words with a sentence (lexical cover) while meaning
something else, and a paraphrase can mean what a sentence says while sharing few words.

Fitted by ``benchmarks/train_answerability.py --semantic on`` (the same data, folds and
threshold rule as the lexical model) and shipped in
``retrieval/data/semantic_answerability.json``, separate from the lexical model: with
semantic off nothing here is read. The weights hold for the model they were fitted
with (the file names it); another model keeps the lexical answerability model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from .answerability import EVIDENCE_NAMES, HINGED, AnswerabilityModel, read_model_file
from .answerability import expand as expand_lexical

MODEL_PATH = Path(__file__).with_name("data") / "semantic_answerability.json"
MODEL_FORMAT = 1
SEMANTIC_EVIDENCE_NAMES = ("first_cosine", "best_cosine", "first_gap", "first_rank", "cosine_margin")
SEMANTIC_HINGED = ("first_cosine", "best_cosine", "cosine_margin")
ALL_EVIDENCE = EVIDENCE_NAMES + SEMANTIC_EVIDENCE_NAMES
QUARTILES = (0.25, 0.5, 0.75)


def semantic_evidence(cosine: np.ndarray) -> np.ndarray:
    """The :data:`SEMANTIC_EVIDENCE_NAMES` values from the cosines of the ranked
    candidates (answer order, the first quote first), shape ``(len(SEMANTIC_EVIDENCE_NAMES),)``."""
    cosine = np.asarray(cosine, dtype=np.float64)
    first, best = float(cosine[0]), float(cosine.max())
    rank = int((cosine[1:] > first).sum())
    margin = first - float(cosine[1:].max()) if len(cosine) > 1 else 1.0
    return np.array([first, best, first - best, np.log1p(rank), margin])


def knots(X: np.ndarray) -> dict[str, tuple[float, ...]]:
    """Hinge points at the quartiles of each hinged column of ``X`` (shape ``(n, len(ALL_EVIDENCE))``)."""
    names = HINGED + SEMANTIC_HINGED
    return {n: tuple(float(v) for v in np.unique(np.quantile(X[:, ALL_EVIDENCE.index(n)], QUARTILES))) for n in names}


def expand(X: np.ndarray, points: Mapping[str, Sequence[float]]) -> np.ndarray:
    """The lexical columns and their hinges (:func:`retrieval.answerability.expand`), the
    semantic columns, then their hinges."""
    lexical = len(EVIDENCE_NAMES)
    cols = [expand_lexical(X[:, :lexical], points), X[:, lexical:]]
    for name in SEMANTIC_HINGED:
        j = ALL_EVIDENCE.index(name)
        for knot in points.get(name, ()):
            cols.append(np.maximum(X[:, [j]] - knot, 0.0))
    return np.hstack(cols)


@dataclass(frozen=True)
class SemanticAnswerabilityModel(AnswerabilityModel):
    """:class:`~retrieval.answerability.AnswerabilityModel` over :data:`ALL_EVIDENCE`;
    ``identity`` names the semantic model it was fitted with."""

    identity: Mapping[str, object] = field(default_factory=dict)

    def columns(self, X: np.ndarray) -> np.ndarray:
        return expand(X, self.knots)

    def to_json(self, about: Mapping[str, object] = ()) -> dict:
        data = super().to_json(about)
        data.update(format=MODEL_FORMAT, evidence=list(ALL_EVIDENCE), model=dict(self.identity))
        return data


def model(knots, mean, scale, weights, bias, abstain, hedge, identity=None, doubt=None) -> SemanticAnswerabilityModel:
    """A :class:`SemanticAnswerabilityModel` (the constructor ``benchmarks/train_answerability.py`` calls)."""
    return SemanticAnswerabilityModel(knots, mean, scale, weights, bias, abstain, hedge, doubt, dict(identity or {}))


def read_model(path: str | Path = MODEL_PATH) -> SemanticAnswerabilityModel:
    """Read a model written from :meth:`SemanticAnswerabilityModel.to_json`.

    Raises
    ------
    AnswerabilityModelError
        Unreadable, another format, other evidence names (as after a change of the
        lexical evidence: rerun ``benchmarks/train_answerability.py --semantic on``), or
        inconsistent shapes (names the file).
    """
    return read_model_file(
        path,
        MODEL_FORMAT,
        ALL_EVIDENCE,
        HINGED + SEMANTIC_HINGED,
        lambda data, knots, mean, scale, weights, bias, abstain, hedge, doubt: model(
            knots, mean, scale, weights, bias, abstain, hedge, data["model"], doubt
        ),
        "semantic answerability model",
        " (rerun benchmarks/train_answerability.py --semantic on)",
    )


@lru_cache(maxsize=1)
def shipped_model() -> SemanticAnswerabilityModel:
    """The model in ``retrieval/data/semantic_answerability.json`` (read once)."""
    return read_model(MODEL_PATH)
