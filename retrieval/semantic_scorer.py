"""The semantic scorer: how close in meaning each candidate sentence is to the question.

What: for an embedding model, the cosine between the question's vector and each
candidate's persisted sentence vector (:mod:`retrieval.semantic_store`); for a
cross-encoder, its relevance probability for the first :data:`CROSS_TOP` candidates (in
the lexical ranking's order), the others getting the lowest of those. Why: one question
embedding and a few dot products cost a few milliseconds, where a cross-encoder runs the
model once per scored candidate.

The engine builds one with :func:`prepare` (the model, before the corpus is read, so that
a model that cannot load fails fast) and :func:`attach` (the sentence vectors of the
index).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .semantic import SemanticModel, load_model

CROSS_TOP = 20  # candidates a cross-encoder scores per question
# lambda of "linear score + lambda * semantic score", and whether the candidates holding
# every question term still come first (Features.complete_first) when semantic is on:
# chosen on SQuAD v1.1 dev half A, cross-validated by article, by
# benchmarks/semantic_fit.py (figures in docs/quality.md)
WEIGHT = 10.0
COMPLETE_FIRST = True


class SemanticScorer:
    """Scores candidate sentences by meaning.

    Parameters
    ----------
    model : SemanticModel
    vectors : ndarray, optional
        float16 ``(N, dim)`` unit vectors of the indexed sentences, by position (needed
        for an embedding model).
    """

    def __init__(
        self,
        model: SemanticModel,
        vectors: np.ndarray | None = None,
        text: Callable[[int], str] | None = None,
    ):
        if model.kind == "embedding" and vectors is None:
            raise ValueError("an embedding model needs the sentence vectors")
        self.model = model
        self.vectors = vectors
        self.text = text
        self.name = model.name
        self.weight = WEIGHT
        self._last: tuple[str, np.ndarray] | None = None  # the last question's vector

    def combine(self, query, candidates, scores: np.ndarray, features) -> list:
        """The candidates in answer order by ``scores + weight * score(query,
        candidates)`` (:func:`retrieval.scoring.order`, with ``complete_first`` as
        :data:`COMPLETE_FIRST` says)."""
        from dataclasses import replace

        from .scoring import order

        combined = scores + self.weight * self.score(query, candidates)
        return order(candidates, combined, replace(features, complete_first=features.complete_first and COMPLETE_FIRST))

    def contributions(self, query, candidates) -> dict[int, float]:
        """Position -> ``weight * score`` for ``--explain``."""
        values = self.weight * self.score(query, candidates)
        return {c.position: float(v) for c, v in zip(candidates.items, values)}

    def score(self, query, candidates) -> np.ndarray:
        """The scorer interface of :mod:`retrieval.scoring`: :meth:`similarities` of
        ``query.text`` (the question, respelt the corpus's way) and the positions of
        ``candidates.items``, shape ``(len(candidates.items),)``."""
        return self.similarities(query.text, [c.position for c in candidates.items], self.text)

    def similarities(self, question: str, positions: Sequence[int], text: Callable[[int], str]) -> np.ndarray:
        """Each candidate's semantic score, float64, aligned with ``positions``.

        Parameters
        ----------
        question : str
            As typed.
        positions : sequence of int
            Candidate sentence positions, best lexical candidate first.
        text : callable
            Position -> sentence text (used by a cross-encoder only).

        Returns
        -------
        ndarray
            Cosine in [-1, 1] (embedding model) or probability in [0, 1] (cross-encoder).
        """
        positions = list(positions)
        if not positions:
            return np.zeros(0)
        if self.model.kind == "embedding":
            last = self._last
            if last is not None and last[0] == question:
                query = last[1]
            else:
                query = self.model.embed_query(question).astype(np.float16).astype(np.float32)
                self._last = (question, query)
            rows = self.vectors[np.asarray(positions, dtype=np.int64)].astype(np.float32)
            return (rows @ query).astype(np.float64)
        top = positions[:CROSS_TOP]
        scores = self.model.pair_scores(question, [text(p) for p in top])
        rest = np.full(len(positions) - len(top), scores.min() if len(scores) else 0.0)
        return np.concatenate([scores, rest])


def prepare(settings) -> SemanticModel | None:
    """The model ``settings.semantic`` names, loaded (None when off).

    Raises
    ------
    SemanticModelError, SettingsError
        As :func:`retrieval.semantic.load_model`.
    """
    if settings.semantic == "off":
        return None
    return load_model(settings.semantic, cache_dir=settings.model_cache, threads=1)


def attach(model: SemanticModel | None, index, directory: str | Path | None, *, progress=None) -> SemanticScorer | None:
    """A scorer for ``index`` (None when ``model`` is None); an embedding model's sentence
    vectors are read from ``directory`` or computed (and persisted there): see
    :func:`retrieval.semantic_store.sentence_vectors`."""
    if model is None:
        return None
    def text(position: int) -> str:
        return index.sentence(position).text

    if model.kind != "embedding":
        return SemanticScorer(model, text=text)
    from .semantic_store import sentence_vectors

    return SemanticScorer(model, sentence_vectors(model, index, directory, progress=progress), text)
