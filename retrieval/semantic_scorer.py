"""The semantic scorer: how close in meaning each candidate sentence is to the question.

What: for an embedding model, the cosine between the question's vector and each
candidate's persisted sentence vector (:mod:`retrieval.semantic_store`); for a
cross-encoder, its relevance probability for the first :data:`CROSS_TOP` candidates (in
the lexical ranking's order), the others getting the lowest of those. Why: one question
embedding and a few dot products cost a few milliseconds, where a cross-encoder runs the
model once per scored candidate.

With the bundled model, the ranking is the fitted model of :mod:`retrieval.semantic_rank`
(lexical and semantic features together) and the answerability model that of
:mod:`retrieval.semantic_answerability`; any other model keeps ``linear score + WEIGHT *
score`` and the lexical answerability model (the fitted weights hold for the model they
were fitted with).

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
    text : callable, optional
        Position -> sentence text (needed for a cross-encoder).
    index : BaseIndex, optional
        The index the positions are of: with it, an embedding model whose fitted
        weights ship (:func:`fitted_models`) ranks and decides with them.
    """

    def __init__(
        self,
        model: SemanticModel,
        vectors: np.ndarray | None = None,
        text: Callable[[int], str] | None = None,
        index=None,
    ):
        if model.kind == "embedding" and vectors is None:
            raise ValueError("an embedding model needs the sentence vectors")
        self.model = model
        self.vectors = vectors
        self.text = text
        self.index = index
        self.name = model.name
        self.weight = WEIGHT
        self.ranker, self.answerability = fitted_models(model) if index is not None else (None, None)
        self._last: tuple[str, np.ndarray] | None = None  # the last question's vector

    def combine(self, query, candidates, scores: np.ndarray, features) -> list:
        """The candidates in answer order (:func:`retrieval.scoring.order`): by the fitted
        ranker's score (:mod:`retrieval.semantic_rank`) when there is one, else by
        ``scores + weight * score(query, candidates)``; ``complete_first`` as the ranker
        (or :data:`COMPLETE_FIRST`) says."""
        from dataclasses import replace

        from .scoring import order

        if self.ranker is not None:
            combined = candidates.rows @ self.ranker.lexical() + self.columns(query, candidates) @ self.ranker.semantic()
            keep = self.ranker.complete_first
        else:
            combined, keep = scores + self.weight * self.score(query, candidates), COMPLETE_FIRST
        return order(candidates, combined, replace(features, complete_first=features.complete_first and keep))

    def columns(self, query, candidates) -> np.ndarray:
        """The semantic feature columns of ``candidates``
        (:func:`retrieval.semantic_rank.semantic_columns`), shape ``(n, 8)``."""
        from .semantic_rank import complete_flags, neighbour_cosines, semantic_columns

        positions = [c.position for c in candidates.items]
        cosine = self.similarities(query.text, positions, self.text)
        previous, following, paragraph = neighbour_cosines(
            positions, lambda ps: self.similarities(query.text, ps, self.text), self.index.locate, self.index.size
        )
        return semantic_columns(cosine, previous, following, paragraph, complete_flags(candidates.items))

    def lexical_weights(self) -> np.ndarray | None:
        """The lexical feature weights the ranking uses with semantic on, or None when
        they are the shipped lexical ones."""
        return self.ranker.lexical() if self.ranker is not None else None

    def contributions(self, query, candidates) -> dict[int, list[tuple[str, float]]]:
        """Position -> the semantic features' ``(name, value * weight)`` for ``--explain``
        (one ``("semantic", weight * score)`` without a fitted ranker)."""
        if self.ranker is None:
            values = self.weight * self.score(query, candidates)
            return {c.position: [("semantic", float(v))] for c, v in zip(candidates.items, values)}
        from .semantic_rank import SEMANTIC_FEATURE_NAMES

        parts = self.columns(query, candidates) * self.ranker.semantic()
        return {
            c.position: [(name, float(v)) for name, v in zip(SEMANTIC_FEATURE_NAMES, row) if v]
            for c, row in zip(candidates.items, parts)
        }

    def evidence(self, query, ranked) -> np.ndarray:
        """The semantic answerability evidence about ``ranked[0]``
        (:func:`retrieval.semantic_answerability.semantic_evidence`)."""
        from .semantic_answerability import semantic_evidence

        return semantic_evidence(self.similarities(query.text, [c.position for c in ranked], self.text))

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


def fitted_models(model: SemanticModel):
    """``(ranker, answerability model)`` fitted for ``model`` (:mod:`retrieval.semantic_rank`,
    :mod:`retrieval.semantic_answerability`), or ``(None, None)`` for a model they were not
    fitted with (the answerability model alone is None while it is not yet fitted:
    ``benchmarks/train_answerability.py --semantic on`` collects its evidence so).

    Raises
    ------
    SemanticRankerError, AnswerabilityModelError
        A shipped weights file is damaged (names the file).
    """
    if model.kind != "embedding":
        return None, None
    from .semantic_answerability import MODEL_PATH as ANSWERABILITY_PATH
    from .semantic_answerability import shipped_model
    from .semantic_rank import shipped_ranker

    ranker = shipped_ranker()
    if dict(ranker.identity) != dict(model.identity):
        return None, None
    if not ANSWERABILITY_PATH.exists():  # the ranking fitted, the answerability model not yet
        return ranker, None
    answerability = shipped_model()
    return ranker, answerability if dict(answerability.identity) == dict(model.identity) else None


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

    return SemanticScorer(model, sentence_vectors(model, index, directory, progress=progress), text, index)
