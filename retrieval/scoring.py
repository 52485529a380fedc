"""Fourth stage of the answer path: scorers, and the order the answer quotes from.

A scorer is any object with one method, ``score(query, candidates) -> ndarray`` of
shape ``(len(candidates.items),)``, higher meaning more likely to hold the answer
(:class:`Scorer`). Today the product has one, :class:`LinearScorer`, the listwise
linear reranker of :mod:`retrieval.rerank`; a learned answerability model or a
semantic model is added beside it as another class with the same method, without
touching the others. :func:`order` turns scores into the ranking.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from .candidates import Candidate
from .features import Candidates
from .policy import Features
from .query import Query
from .rerank import RankerWeights, shipped_weights


class Scorer(Protocol):
    """Scores a question's candidates (one float per candidate, higher is better)."""

    def score(self, query: Query, candidates: Candidates) -> np.ndarray:  # pragma: no cover - protocol
        ...


@dataclass(frozen=True)
class LinearScorer:
    """The reranker's linear model: ``rows @ weights``, a log-odds under its softmax
    (ListNet's top-one model, Cao et al. 2007; fitted by
    :func:`retrieval.rerank.fit_listwise`)."""

    weights: RankerWeights

    @classmethod
    def of(cls, features: Features) -> "LinearScorer":
        """The scorer ``features`` asks for: its weights, or the shipped ones."""
        return cls(features.weights or shipped_weights())

    def score(self, query: Query, candidates: Candidates) -> np.ndarray:
        """``candidates.rows @ weights``, shape ``(len(candidates.items),)``."""
        return candidates.rows @ self.weights.array()


def order(candidates: Candidates, scores: np.ndarray, features: Features) -> list[Candidate]:
    """The candidates with their ``score`` set, in answer order.

    By score, then BM25, then corpus order (:func:`_key`), *except that* the candidates
    containing every question term that any candidate contains come first
    (``Features.complete_first``): a sentence with all of the question's words is
    never ranked below one that lacks some. ``Features.coverage_first`` ranks by
    coverage first instead; ``Features.superset_first`` uses :func:`dominance_order`.
    """
    out = [replace(c, score=float(v)) for c, v in zip(candidates.items, scores)]
    if features.coverage_first:
        out.sort(key=lambda c: (-c.coverage,) + _key(c))
        return out
    out = dominance_order(out) if features.superset_first else sorted(out, key=_key)
    if features.complete_first:
        everything = frozenset().union(*(c.matched for c in out))
        out = [c for c in out if c.matched == everything] + [c for c in out if c.matched != everything]
    return out


def dominance_order(candidates: list[Candidate]) -> list[Candidate]:
    """Candidates by ``score`` descending, except that a sentence matching a strict
    superset of another's question terms is always placed before it.

    Greedy: repeatedly emit the best-scored candidate among those whose matched term
    set is not strictly contained in a remaining candidate's. Work is
    O(n * g) for n candidates in g distinct matched sets.
    """
    groups: dict[frozenset[str], list[Candidate]] = {}
    for c in sorted(candidates, key=_key):
        groups.setdefault(c.matched, []).append(c)
    heads = {m: 0 for m in groups}
    out: list[Candidate] = []
    while heads:
        free = [m for m in heads if not any(m < other for other in heads)]
        best = min(free, key=lambda m: _key(groups[m][heads[m]]))
        out.append(groups[best][heads[best]])
        heads[best] += 1
        if heads[best] == len(groups[best]):
            del heads[best]
    return out


def _key(c: Candidate) -> tuple[float, float, int]:
    return (-c.score, -c.bm25, c.position)

