"""The semantic scorer in the evaluation harness (``python -m retrieval.evaluate ... --semantic``).

What: a ranker factory for :mod:`retrieval.evaluate_runs` that builds the product's
:class:`~retrieval.evaluate_runs.ProductRanker` with a
:class:`~retrieval.semantic_scorer.SemanticScorer` over its index. Why: the harness
builds one index per article (and one over the whole file), so every sentence of the file
is embedded once, up front, and each index gets its rows by sentence id, in its own
position order.
"""

from __future__ import annotations

import sys

import numpy as np

from .semantic import load_model
from .semantic_scorer import SemanticScorer


def semantic_rankers(setting: str, dataset, progress: bool = False):
    """A factory ``sentences -> ProductRanker`` with the semantic scorer, or None when
    ``setting`` is off.

    Raises
    ------
    SettingsError, SemanticModelError
        As :func:`retrieval.semantic.load_model` (before any sentence is embedded).
    """
    model = load_model(setting)
    if model is None:
        return None
    from .evaluate_runs import ProductRanker

    scorer = scorers(model, dataset, progress)

    def make(chosen):
        return ProductRanker(chosen, semantic=scorer)

    return make


def scorers(model, dataset, progress: bool = False):
    """A factory ``index -> SemanticScorer`` for indexes of ``dataset``'s sentences
    (every sentence embedded once, here; rows picked by sentence id)."""
    from tqdm import tqdm

    sentences = dataset.sentences
    with tqdm(total=len(sentences), desc="semantic vectors", unit="sentence", file=sys.stderr, disable=not progress, leave=False) as bar:
        vectors = model.embed_passages([s.text for s in sentences], progress=bar.update).astype(np.float16)
    row = {s.id: i for i, s in enumerate(sentences)}

    def scorer(index) -> SemanticScorer:
        positions = range(index.size)
        rows = vectors[[row[index.sentence(p).id] for p in positions]] if model.kind == "embedding" else None
        return SemanticScorer(model, rows, lambda p: index.sentence(p).text, index)

    return scorer
