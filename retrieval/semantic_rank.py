"""The ranking with semantic on: the semantic evidence as features, fitted with the lexical ones.

What: each candidate is described by its lexical feature row
(:data:`~retrieval.rerank.FEATURE_NAMES`) and by :data:`SEMANTIC_FEATURE_NAMES`, computed
from the model's cosines (:func:`semantic_columns`):

* ``cosine``: the question's and the sentence's cosine;
* ``cosine_gap``: its cosine minus the best cosine among the candidates (0 for the best);
* ``cosine_top``: 1 for the candidate with the best cosine;
* ``cosine_rank``: ``log(1 + its rank by cosine)`` (0 for the best);
* ``previous_cosine`` / ``next_cosine``: the cosine of the sentence just before / after
  it in its article (0 at an article's edge), since SQuAD answers, like news answers,
  often sit next to the sentence that repeats the question's topic;
* ``paragraph_cosine``: the best cosine among the candidates of its paragraph;
* ``complete``: it holds every question term any candidate holds (the complete-first rule
  of :func:`retrieval.scoring.order`, as a feature the model weighs).

The score is one linear model over both (``rows @ w_lexical + semantic @ w_semantic``),
fitted listwise like the lexical reranker (:func:`retrieval.rerank.fit_listwise`, ListNet
top-one, Cao et al. 2007) on SQuAD half A by ``benchmarks/train_semantic.py``,
cross-validated by article, and shipped in ``retrieval/data/semantic_ranker.json``,
separate from the lexical weights: with semantic off nothing here is read.

Why features rather than ``linear + lambda * cosine``: the cosine's standing among the
candidates and its neighbours' cosines say more than its level (a question whose every
candidate has cosine 0.5 is unlike one where one stands out), and the lexical weights
shift when the cosine carries part of what they carried.

The weights hold for the model they were fitted with (the file names it); another model
(a fastembed name, a directory) keeps ``linear + WEIGHT * score``
(:class:`~retrieval.semantic_scorer.SemanticScorer`).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np

from .errors import RetrievalError
from .rerank import FEATURE_NAMES

SEMANTIC_FEATURE_NAMES: tuple[str, ...] = (
    "cosine",
    "cosine_gap",
    "cosine_top",
    "cosine_rank",
    "previous_cosine",
    "next_cosine",
    "paragraph_cosine",
    "complete",
)
ALL_NAMES = FEATURE_NAMES + SEMANTIC_FEATURE_NAMES
#: the features read from the model's cosines ("complete" is a lexical flag); with the
#: unfitted ``linear + WEIGHT * score`` scoring, its one feature is "semantic"
MEANING_FEATURES = frozenset(n for n in SEMANTIC_FEATURE_NAMES if n != "complete") | {"semantic"}
RANKER_PATH = Path(__file__).with_name("data") / "semantic_ranker.json"
RANKER_FORMAT = 1


class SemanticRankerError(RetrievalError):
    """The semantic ranker's weights file is missing, unreadable or names other features."""


def semantic_columns(
    cosine: np.ndarray,
    previous: np.ndarray,
    following: np.ndarray,
    paragraph: Sequence[object],
    complete: np.ndarray,
) -> np.ndarray:
    """The :data:`SEMANTIC_FEATURE_NAMES` columns of one question's candidates.

    Parameters
    ----------
    cosine : ndarray, shape (n,)
        Each candidate's cosine with the question.
    previous, following : ndarray, shape (n,)
        The cosine of the sentence before / after each candidate in its article (0 when none).
    paragraph : sequence of hashable, length n
        Each candidate's paragraph (any key equal for the same paragraph).
    complete : ndarray of bool, shape (n,)
        Whether the candidate holds every question term any candidate holds.

    Returns
    -------
    ndarray of float64, shape (n, len(SEMANTIC_FEATURE_NAMES))
    """
    cosine = np.asarray(cosine, dtype=np.float64)
    n = len(cosine)
    if n == 0:
        return np.zeros((0, len(SEMANTIC_FEATURE_NAMES)))
    by_cosine = np.lexsort((np.arange(n), -cosine))  # ties: candidate order
    rank = np.empty(n)
    rank[by_cosine] = np.arange(n)
    best: dict[object, float] = {}
    for key, value in zip(paragraph, cosine):
        best[key] = max(best.get(key, -1.0), float(value))
    return np.column_stack(
        [
            cosine,
            cosine - cosine.max(),
            (rank == 0).astype(np.float64),
            np.log1p(rank),
            np.asarray(previous, dtype=np.float64),
            np.asarray(following, dtype=np.float64),
            np.array([best[k] for k in paragraph]),
            np.asarray(complete, dtype=np.float64),
        ]
    )


def neighbour_cosines(
    positions: Sequence[int], cosine_at: Callable[[Sequence[int]], np.ndarray], locate, size: int
) -> tuple[np.ndarray, np.ndarray, list]:
    """The cosines of the sentences just before and after each position in its article
    (0 at an edge), and each position's paragraph key ``(doc_id, paragraph)``.

    ``cosine_at(positions)`` gives the cosines of any positions; ``locate`` is the
    index's :meth:`~retrieval.base.BaseIndex.locate`; ``size`` its sentence count.
    """
    places = {p: locate(p) for p in positions}

    def neighbour(p: int, step: int) -> int:
        q = p + step
        if not 0 <= q < size:
            return -1
        if q not in places:
            places[q] = locate(q)
        (doc, _, number), (other, _, other_number) = places[p], places[q]
        return q if other == doc and other_number == number + step else -1

    before = [neighbour(p, -1) for p in positions]
    after = [neighbour(p, 1) for p in positions]
    wanted = sorted({q for q in before + after if q >= 0})
    values = dict(zip(wanted, cosine_at(wanted))) if wanted else {}
    previous = np.array([values.get(q, 0.0) for q in before], dtype=np.float64)
    following = np.array([values.get(q, 0.0) for q in after], dtype=np.float64)
    return previous, following, [places[p][:2] for p in positions]


def complete_flags(items) -> np.ndarray:
    """Whether each candidate holds every question term any candidate holds."""
    everything = frozenset().union(*(c.matched for c in items)) if items else frozenset()
    return np.array([c.matched == everything for c in items], dtype=bool)


@dataclass(frozen=True)
class SemanticRanker:
    """A weight per name of :data:`ALL_NAMES` (lexical then semantic), the model it was
    fitted with (a :attr:`~retrieval.semantic.SemanticModel.identity`), and whether the
    complete-first rule still applies on top of the score."""

    vector: tuple[float, ...]
    identity: Mapping[str, object]
    complete_first: bool = False

    def lexical(self) -> np.ndarray:
        """The weights of the lexical columns, shape ``(len(FEATURE_NAMES),)``."""
        return np.asarray(self.vector[: len(FEATURE_NAMES)], dtype=np.float64)

    def semantic(self) -> np.ndarray:
        """The weights of the semantic columns, shape ``(len(SEMANTIC_FEATURE_NAMES),)``."""
        return np.asarray(self.vector[len(FEATURE_NAMES) :], dtype=np.float64)

    def to_json(self, about: Mapping[str, object] = ()) -> dict:
        return {
            "format": RANKER_FORMAT,
            "about": dict(about),
            "model": dict(self.identity),
            "complete_first": self.complete_first,
            "weights": dict(zip(ALL_NAMES, self.vector)),
        }


def read_ranker(path: str | Path = RANKER_PATH) -> SemanticRanker:
    """Read a file written from :meth:`SemanticRanker.to_json`.

    Raises
    ------
    SemanticRankerError
        Unreadable, another format, names other than :data:`ALL_NAMES` (as after a
        change of the lexical features: rerun ``benchmarks/train_semantic.py``), or a
        weight that is not a finite number (names the file).
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if data.get("format") != RANKER_FORMAT:
            raise ValueError(f"format {data.get('format')!r}, expected {RANKER_FORMAT}")
        weights = data["weights"]
        if tuple(weights) != ALL_NAMES:
            raise ValueError("its feature names are not this version's (rerun benchmarks/train_semantic.py)")
        vector = tuple(float(weights[n]) for n in ALL_NAMES)
        if not all(math.isfinite(v) for v in vector) or any(isinstance(weights[n], bool) for n in ALL_NAMES):
            raise ValueError("weights must be finite numbers")
        return SemanticRanker(vector, dict(data["model"]), bool(data["complete_first"]))
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise SemanticRankerError(f"cannot read the semantic ranker {path}: {exc}") from exc


@lru_cache(maxsize=1)
def shipped_ranker() -> SemanticRanker:
    """The weights in ``retrieval/data/semantic_ranker.json`` (read once)."""
    return read_ranker(RANKER_PATH)
