"""Answerability by boosted trees: P(the first quote answers) from a small tree ensemble.

What: the same evidence as the logistic model (:data:`retrieval.answerability.EVIDENCE_NAMES`,
or :data:`retrieval.semantic_answerability.ALL_EVIDENCE` with semantic on), scored by
an ensemble of shallow regression trees whose summed leaf values are a log-odds
(gradient boosting, Friedman 2001, as LightGBM fits it: Ke et al. 2017), then mapped to a
calibrated probability by Platt scaling (Platt 1999: ``sigmoid(slope * raw + intercept)``,
fitted on out-of-fold scores by article). Why: the evidence interacts (a low coverage
means little when the reranker's margin is wide; an unknown name matters only when the
quote lacks it), which a sum of hinges cannot bend to; trees find those interactions
and refuse more off-topic questions at the same share of answerable ones refused
(figures: ``docs/quality.md``, round 11).

The trees are fitted in ``benchmarks/train_answerability.py`` (LightGBM, the ``bench``
extra) and exported to plain arrays in ``retrieval/data/answerability.json``; here they
are walked with numpy alone, so the default install gains no dependency. The
decision thresholds (``abstain``, ``hedge``, ``doubt``) mean what they mean for
:class:`retrieval.answerability.AnswerabilityModel`, and the model has its interface
(``probability``, ``abstain``, ``hedge``, ``unknown_below``), so :mod:`retrieval.decide`
and the front ends do not know which kind they hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np

TREE_FORMAT = 2
_ARRAYS = ("feature", "threshold", "left", "right", "value")


@dataclass(frozen=True)
class TreeEnsemble:
    """Regression trees stored flat: node ``k`` splits on column ``feature[k]`` (going to
    ``left[k]`` when the value is ``<= threshold[k]``, else to ``right[k]``) or, when
    ``feature[k]`` is -1, is a leaf worth ``value[k]``; ``roots`` are the trees' first
    nodes. Node indices are into the flat arrays (shape ``(n_nodes,)`` each)."""

    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    value: np.ndarray
    roots: np.ndarray

    def raw(self, X: np.ndarray) -> np.ndarray:
        """The summed leaf values (a log-odds) per row of ``X`` (shape ``(n, n_columns)``),
        shape ``(n,)``. Each pass moves every row one level down every tree; a tree of
        depth d is done after d passes, so the loop runs the deepest tree's depth."""
        X = np.atleast_2d(np.asarray(X, dtype=np.float64))
        rows = np.arange(len(X))[:, None]
        node = np.broadcast_to(self.roots, (len(X), len(self.roots))).copy()
        while True:
            column = self.feature[node]
            inner = column >= 0
            if not inner.any():
                return self.value[node].sum(axis=1)
            goes_left = X[rows, np.where(inner, column, 0)] <= self.threshold[node]
            node = np.where(inner, np.where(goes_left, self.left[node], self.right[node]), node)

    def to_json(self) -> dict:
        return {name: getattr(self, name).tolist() for name in _ARRAYS + ("roots",)}

    @classmethod
    def from_json(cls, data: Mapping[str, Sequence], width: int) -> "TreeEnsemble":
        """Read :meth:`to_json`'s output for rows of ``width`` columns.

        Raises
        ------
        ValueError
            Arrays of different lengths, a child or root outside the arrays, a child that
            does not point further down (a loop), or a column outside ``width``.
        """
        ints = ("feature", "left", "right", "roots")
        arrays = {k: np.asarray(data[k], dtype=np.int64 if k in ints else np.float64) for k in _ARRAYS + ("roots",)}
        n = len(arrays["feature"])
        if any(arrays[k].shape != (n,) for k in _ARRAYS) or arrays["roots"].ndim != 1 or not len(arrays["roots"]):
            raise ValueError("the tree arrays must be non-empty and of one length")
        inner = arrays["feature"] >= 0
        if arrays["feature"].max() >= width or arrays["feature"].min() < -1:
            raise ValueError(f"a tree splits on a column outside the {width} of the evidence")
        children = np.concatenate([arrays["left"][inner], arrays["right"][inner]])
        nodes = np.arange(n)
        if ((children < 0) | (children >= n)).any() or ((arrays["roots"] < 0) | (arrays["roots"] >= n)).any():
            raise ValueError("a tree points outside its arrays")
        if (arrays["left"][inner] <= nodes[inner]).any() or (arrays["right"][inner] <= nodes[inner]).any():
            raise ValueError("a tree's children must come after their parent")
        return cls(**arrays)


@dataclass(frozen=True)
class TreeAnswerabilityModel:
    """Boosted trees, Platt scaling and the decision thresholds (see the module docstring).

    Attributes
    ----------
    evidence : tuple of str
        The evidence names, in the order of the columns the trees read.
    trees : TreeEnsemble
    slope, intercept : float
        Platt scaling: P = ``1 / (1 + exp(-(slope * raw + intercept)))``.
    abstain, hedge : float
        Below ``abstain`` the product refuses; below ``hedge`` it answers with a hedge.
    doubt : float or None
        Below this a question naming something the corpus never mentions is refused.
    identity : mapping
        The semantic model the evidence came from (empty for the lexical model).
    """

    evidence: tuple[str, ...]
    trees: TreeEnsemble
    slope: float
    intercept: float
    abstain: float
    hedge: float
    doubt: float | None = None
    identity: Mapping[str, object] = field(default_factory=dict)

    @property
    def unknown_below(self) -> float:
        """The probability below which an answer naming an unknown name is refused."""
        return self.hedge if self.doubt is None else self.doubt

    def probability(self, X: np.ndarray) -> np.ndarray:
        """P(first quote answers) per row of ``X`` (shape ``(n, len(evidence))``)."""
        return 1.0 / (1.0 + np.exp(-(self.slope * self.trees.raw(X) + self.intercept)))

    def to_json(self, about: Mapping[str, object] = ()) -> dict:
        data = {
            "format": TREE_FORMAT,
            "kind": "boosted trees",
            "about": dict(about),
            "evidence": list(self.evidence),
            "platt": {"slope": self.slope, "intercept": self.intercept},
            "thresholds": {"abstain": self.abstain, "hedge": self.hedge}
            | ({} if self.doubt is None else {"doubt": self.doubt}),
            "trees": self.trees.to_json(),
        }
        return data | ({"model": dict(self.identity)} if self.identity else {})


def read_trees(data: Mapping, evidence: tuple[str, ...], identity: Mapping[str, object] | None = None) -> TreeAnswerabilityModel:
    """A :class:`TreeAnswerabilityModel` from the parsed JSON of :meth:`~TreeAnswerabilityModel.to_json`
    whose evidence names must be ``evidence``; the caller checks the thresholds.

    Raises
    ------
    ValueError, KeyError, TypeError
        Malformed data (the caller names the file).
    """
    t = data["thresholds"]
    return TreeAnswerabilityModel(
        evidence,
        TreeEnsemble.from_json(data["trees"], len(evidence)),
        float(data["platt"]["slope"]),
        float(data["platt"]["intercept"]),
        float(t["abstain"]),
        float(t["hedge"]),
        None if t.get("doubt") is None else float(t["doubt"]),
        dict(identity or {}),
    )


def write_json(data: Mapping) -> str:
    """The model file's text: one top-level key per line, each value compact (the tree
    arrays hold thousands of numbers; one per line would make the file ten times longer)."""
    import json

    body = ",\n".join(f" {json.dumps(k)}: {json.dumps(v, separators=(',', ':'))}" for k, v in data.items())
    return "{\n" + body + "\n}\n"
