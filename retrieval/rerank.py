"""The learned reranker: a linear model over per-candidate features, fitted listwise.

The answer layer (:mod:`retrieval.answer`) describes each candidate sentence by the
features named in :data:`FEATURE_NAMES` (their definitions are in
:func:`retrieval.features.candidate_features`) and ranks candidates by the dot product
with a weight vector (the scorer :class:`retrieval.scoring.LinearScorer`; this module
holds its weights, their file and their fitting). The shipped weights live in ``retrieval/data/ranker.json``; they
are fitted by ``benchmarks/train_ranker.py`` with :func:`fit_listwise`.

Model: the listwise "top one" softmax loss of ListNet (Cao et al. 2007, "Learning to
Rank: From Pairwise Approach to Listwise Approach"), i.e. a conditional logit over each
question's candidates: ``P(sentence i | question) = exp(s_i) / sum_j exp(s_j)`` with
``s = X @ w``, maximising the probability of the gold sentences plus an L2 penalty,
minimised with SciPy's L-BFGS-B. No neural model, nothing downloaded: the weights are a
few dozen numbers in the repository.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from .errors import RetrievalError

FEATURE_NAMES: tuple[str, ...] = (
    "coverage",
    "previous",
    "paragraph",
    "near_match",
    "proximity",
    "words",
    "word_pairs",
    "longest_run",
    "log_length",
    "names",
    "title",
    "matched_share",
    "paragraph_x_coverage",
    "offers_date",
    "offers_number",
    "offers_person",
    "offers_place",
    "lacks_date",
    "lacks_number",
    "lacks_person",
    "lacks_place",
    "expected_type",
    "related",
    "hypernym",
    "related_two_steps",
    "qualifier_clash",
    "verb_order",
)

WEIGHTS_PATH = Path(__file__).with_name("data") / "ranker.json"
WEIGHTS_FORMAT = 1


class RankerWeightsError(RetrievalError):
    """The reranker's weights file is missing, unreadable or does not name exactly
    :data:`FEATURE_NAMES` (message names the file)."""


@dataclass(frozen=True)
class RankerWeights:
    """A weight per feature, in :data:`FEATURE_NAMES` order.

    Attributes
    ----------
    vector : tuple of float
        One weight per feature name; a candidate's score is ``features @ vector``.
    """

    vector: tuple[float, ...]

    @classmethod
    def from_mapping(cls, weights: Mapping[str, float]) -> "RankerWeights":
        """Weights from ``{feature name: weight}``; names left out weigh 0.

        Raises
        ------
        ValueError
            A name is not in :data:`FEATURE_NAMES`.
        """
        unknown = sorted(set(weights) - set(FEATURE_NAMES))
        if unknown:
            raise ValueError(f"unknown ranking features: {', '.join(unknown)}")
        return cls(tuple(float(weights.get(name, 0.0)) for name in FEATURE_NAMES))

    def as_dict(self) -> dict[str, float]:
        """``{feature name: weight}`` in :data:`FEATURE_NAMES` order."""
        return dict(zip(FEATURE_NAMES, self.vector))

    def array(self) -> np.ndarray:
        """The weights as a float64 array of shape ``(len(FEATURE_NAMES),)``."""
        return np.asarray(self.vector, dtype=np.float64)


def read_weights(path: str | Path = WEIGHTS_PATH) -> RankerWeights:
    """Read a weights file written by :func:`write_weights`.

    Raises
    ------
    RankerWeightsError
        Unreadable or invalid JSON, another format, feature names that differ from
        :data:`FEATURE_NAMES` (missing or extra), or a weight that is not a finite
        number (``NaN``, ``true``, ``"1"``).
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if data.get("format") != WEIGHTS_FORMAT:
            raise RankerWeightsError(f"{path}: format {data.get('format')!r}, expected {WEIGHTS_FORMAT}")
        weights = data["weights"]
        if set(weights) != set(FEATURE_NAMES):
            missing = sorted(set(FEATURE_NAMES) - set(weights))
            extra = sorted(set(weights) - set(FEATURE_NAMES))
            raise RankerWeightsError(f"{path}: feature names differ (missing {missing}, unknown {extra})")
        bad = [
            name
            for name in FEATURE_NAMES
            if isinstance(weights[name], bool)
            or not isinstance(weights[name], (int, float))
            or not math.isfinite(weights[name])
        ]
        if bad:
            verb = "is" if len(bad) == 1 else "are"
            raise RankerWeightsError(f"{path}: weights must be finite numbers ({', '.join(bad)} {verb} not)")
        return RankerWeights(tuple(float(weights[name]) for name in FEATURE_NAMES))
    except RankerWeightsError:
        raise
    except (
        OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError, KeyError, TypeError, ValueError, RecursionError
    ) as exc:
        raise RankerWeightsError(f"{path}: cannot read the ranker weights ({type(exc).__name__}: {exc})") from exc


def write_weights(weights: RankerWeights, path: str | Path, about: Mapping[str, object] = ()) -> None:
    """Write ``weights`` as JSON (``format``, ``about``, ``weights``)."""
    data = {"format": WEIGHTS_FORMAT, "about": dict(about), "weights": weights.as_dict()}
    Path(path).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


@lru_cache(maxsize=1)
def shipped_weights() -> RankerWeights:
    """The product's weights (``retrieval/data/ranker.json``), read once."""
    return read_weights(WEIGHTS_PATH)


def fit_listwise(
    lists: Sequence[tuple[np.ndarray, np.ndarray]],
    l2: float = 1e-4,
    width: int | None = None,
) -> RankerWeights:
    """Fit linear weights to ranked lists with ListNet's top-one softmax loss.

    Parameters
    ----------
    lists : sequence of (X, gold)
        One per question: ``X`` of shape ``(n_candidates, len(FEATURE_NAMES))``,
        ``gold`` a bool array of shape ``(n_candidates,)``. Lists with no gold
        candidate carry no signal and are skipped.
    l2 : float
        L2 penalty on the weights of the standardised features.
    width : int, optional
        The number of columns when not ``len(FEATURE_NAMES)`` (the semantic ranker's
        lexical and semantic columns, :mod:`retrieval.semantic_rank`).

    Returns
    -------
    RankerWeights
        For the raw (unstandardised) features: ``X @ w`` ranks as the fitted model.

    Raises
    ------
    ValueError
        No list has a gold candidate, or a matrix has the wrong number of columns.
    """
    kept = [(np.asarray(X, dtype=np.float64), np.asarray(g, dtype=bool)) for X, g in lists if np.any(g)]
    if not kept:
        raise ValueError("no list has a gold candidate")
    width = len(FEATURE_NAMES) if width is None else width
    if any(X.ndim != 2 or X.shape[1] != width for X, _ in kept):
        raise ValueError(f"every feature matrix needs {width} columns")
    from scipy.optimize import minimize

    X = np.vstack([x for x, _ in kept])
    gold = np.concatenate([g for _, g in kept]).astype(np.float64)
    sizes = [len(g) for _, g in kept]
    segment = np.repeat(np.arange(len(kept)), sizes)
    n = len(kept)
    mean, scale = X.mean(axis=0), X.std(axis=0)
    scale[scale == 0] = 1.0
    Z = (X - mean) / scale

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        s = Z @ w
        top = np.full(n, -np.inf)
        np.maximum.at(top, segment, s)
        e = np.exp(s - top[segment])
        total = np.bincount(segment, e, n)
        on_gold = np.bincount(segment, e * gold, n)
        value = -(np.log(on_gold) - np.log(total)).sum() / n + l2 * (w @ w)
        p_all = e / total[segment]
        p_gold = e * gold / on_gold[segment]
        return value, Z.T @ (p_all - p_gold) / n + 2 * l2 * w

    result = minimize(loss, np.zeros(width), jac=True, method="L-BFGS-B")
    return RankerWeights(tuple(float(v) for v in result.x / scale))
