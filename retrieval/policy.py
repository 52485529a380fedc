"""The answer path's switches (:class:`Features`) and fixed thresholds.

One frozen value shared by every stage, so that a configuration can be compared and
``benchmarks/train_ranker.py --ablate`` can measure each switch by refitting without
it (figures in ``docs/quality.md``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .rerank import RankerWeights, shipped_weights

CANDIDATES = 100
# Abstain when no candidate holds this share of the question's term weight; 0.25
# rather than 0.3 keeps the accuracy@1 lost on answerable SQuAD 2.0 questions under
# 3 points (docs/quality.md).
MIN_COVERAGE = 0.25
PREFIX = 5  # shared leading letters for a morphological near-match (acquir/acquisit)


@dataclass(frozen=True)
class Features:
    """Switches of the answer layer's ranking (defaults: the product's choice).

    Frozen, so a configuration can be shared and compared; ``benchmarks/train_ranker.py``
    measures each ranking feature's gain by refitting without it.

    Attributes
    ----------
    candidates : int
        How many sentences (best sentence BM25 first) are reranked per question.
    weights : RankerWeights or None
        The linear model over :data:`~retrieval.rerank.FEATURE_NAMES` (see
        :func:`retrieval.features.candidate_features`); None means the shipped, fitted weights
        (:func:`~retrieval.rerank.shipped_weights`).
    coverage_first : bool
        Rank by IDF-weighted term coverage before the model's score (the original
        policy).
    complete_first : bool
        Rank the candidates that contain every question term found in any candidate
        above all the others (the model's order within each group): a sentence that
        answers with all of the question's words is never placed below one that lacks
        some. Measured neutral on SQuAD half A (``docs/quality.md``).
    superset_first : bool
        Place a candidate whose matched question terms strictly contain another's
        above it (:func:`retrieval.scoring.dominance_order`). Measured and not kept
        (``docs/quality.md``).
    quote_ranked : bool
        Quote the ranking's best sentence first, rather than the best one that passes
        the abstention test on its own.
    paragraph_k1, paragraph_b : float
        BM25 parameters of the ``paragraph`` feature (the paragraph as one document).
    unknown_names : bool
        Abstain when the question names something the corpus never mentions
        (:func:`retrieval.decide.unknown_names`); an abstention rule, not a ranking feature.
    quote_gap : float
        A quote after the first is shown only when its reranker score is at most this
        much below the first quote's (a log-odds difference); ``math.inf`` quotes every
        candidate that adds evidence.
    paragraph_neighbours : int
        The other sentences of the paragraphs of this many best BM25 candidates are
        reranked too (:func:`retrieval.candidates.candidate_positions`), so that an answer sharing no word
        with the question ("He died in 1259.") can still be found; 0 turns it off.
    neighbour_window : int
        Only the paragraph's sentences at most this many places before or after the
        candidate are added (15: every sentence of every SQuAD paragraph, which have at
        most 16; a one-line article of thousands of sentences adds at most 30 each).
    """

    candidates: int = CANDIDATES
    weights: RankerWeights | None = None
    coverage_first: bool = False
    complete_first: bool = True
    superset_first: bool = False
    quote_ranked: bool = True
    paragraph_k1: float = 1.2
    paragraph_b: float = 0.75
    unknown_names: bool = True
    quote_gap: float = 4.0
    paragraph_neighbours: int = 3
    neighbour_window: int = 15

    def weight_vector(self) -> np.ndarray:
        """The model's weights, shape ``(len(FEATURE_NAMES),)``."""
        return (self.weights or shipped_weights()).array()


DEFAULT_FEATURES = Features()
