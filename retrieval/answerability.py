"""Answerability: how likely the first quote answers the question (a calibrated probability).

The ranking says which sentence is best; this says whether the best is good enough.
A question the article does not answer still has a best sentence, so the product used
to refuse only by hand rules (too little of the question's term weight covered, an
expected number or date missing, a name the corpus never mentions). Here those rules
become evidence, beside the rest of what the answer path already knows about the
question, and a model over it gives P(the first quote holds the answer): boosted trees
(:mod:`retrieval.answerability_trees`, the shipped model) or the logistic regression
with hinges of :class:`AnswerabilityModel` (the model before; ``--model logistic``):

* coverage: the share of the question's IDF weight the first candidate holds (its terms
  alone, and with WordNet-related words), the best share any candidate holds, the
  share held only through a two-step relation (weaker: "went" reaches "last" that way)
  or a hypernym step, and the weight of question terms the whole corpus never uses;
* the question's *focus* (:func:`focus_word`: the head noun or verb of what is asked,
  "population" in "What is the population of ...", "born" in "When was ... born"):
  whether there is one, whether the first candidate holds it or a related word, whether
  the corpus uses it at all;
* names: the question has capitalised names, the share the candidate holds, a name
  the corpus never mentions (:func:`retrieval.decide.unknown_names`);
* answer type: the question asks for an age, number or date, and the candidate holds one;
* the reranker: the first candidate's log-odds, its margin over the next, its share of
  the softmax over the candidates;
* its surface evidence (words, word pairs, longest run, the sentence before, the
  paragraph's BM25, the matched share), whether it holds every term any candidate
  holds, the number of question terms, and the old coverage rule's verdict;
* what is asked against what is offered (:func:`_asked_and_offered`): cover counting
  one-step WordNet relations (a hypernym at half weight, two-step links not at all),
  an answer of the asked kind that the question does not itself name, the question's
  names that the sentence lacks but the article holds, the heaviest question term the
  sentence does not reach, and a number of the question the sentence contradicts.

In the logistic model, continuous evidence also enters through hinge functions
``max(0, x - knot)`` at the training quartiles, so the model can bend where a straight
line cannot (a piecewise-linear logistic model, as in generalized additive models:
Hastie & Tibshirani 1990). Either model is fitted by ``benchmarks/train_answerability.py`` on SQuAD
half A (positives: answerable questions whose first quote is gold; negatives: SQuAD
2.0's impossible questions, each article's answerable questions asked of the
*previous* article, and answerable questions answered wrongly) and shipped in
``retrieval/data/answerability.json`` with the two thresholds of the decision
(:mod:`retrieval.decide`): below ``abstain`` the product refuses, below ``hedge`` it
answers with a hedge. Figures and what each threshold trades: ``docs/quality.md``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from .analyze import analyze, stopwords, tokenize
from .answerability_trees import TREE_FORMAT, TreeAnswerabilityModel, read_trees
from .errors import RetrievalError
from .index import positive_idf
from .related import antonym_terms, related_terms
from .rerank import FEATURE_NAMES

MODEL_PATH = Path(__file__).with_name("data") / "answerability.json"
MODEL_FORMAT = 1

EVIDENCE_NAMES = (
    "coverage",
    "cover_related",
    "best_cover",
    "two_step",
    "hypernym",
    "unseen",
    "focus",
    "focus_top",
    "focus_related",
    "focus_corpus",
    "has_names",
    "names",
    "unknown_names",
    "asks_type",
    "expected",
    "score",
    "margin",
    "softmax",
    "words",
    "word_pairs",
    "longest_run",
    "previous",
    "paragraph",
    "matched_share",
    "complete",
    "log_terms",
    "coverage_rule",
    "cover_partial",
    "best_partial",
    "asks_kind",
    "offers_kind",
    "names_elsewhere",
    "missing_top",
    "missing_elsewhere",
    "number_clash",
    "title",
    "names_unseen",
    "negation_clash",
    "antonym_clash",
)
# The evidence that also enters through hinge functions (see the module docstring).
HINGED = (
    "best_cover", "cover_related", "coverage", "unseen", "score", "margin", "softmax", "words", "names",
    "cover_partial", "missing_top",
)
MARGIN_CAP = 10.0  # the margin of a lone candidate, and the most any margin counts
HYPERNYM_SHARE = 0.5  # a term covered one hypernym step away counts half (``cover_partial``)

_AUXILIARIES = frozenset("is was are were did does do has have had can could will would should be been being".split())
_ARTICLES = frozenset(("the", "a", "an"))
_WH = frozenset("what which who whom whose when where why how".split())
_NEGATIONS = frozenset("not never no none nor neither nothing nobody cannot without".split())
_KIND = frozenset(("kind", "type", "sort", "of", "the", "a", "an", "name"))


def focus_word(surface: Sequence[str]) -> str | None:
    """The head word of what a question asks, from its lowercase words as written.

    Rules, in order, after the first wh-word: "how many / much X" -> X; "what / which /
    whose (kind of) X" -> X; "what / who is the X of ..." -> X; otherwise the last
    content word, which in English questions is usually the main verb ("When was Kim
    born?" -> "born") or its object. None without a wh-word or a content word.

    A heuristic, not a parser: it is one piece of evidence among many, weighed by
    what it was worth on SQuAD.
    """
    stop = stopwords()
    words = list(surface)
    starts = [i for i, w in enumerate(words) if w in _WH]
    if not starts:
        return None
    wh, rest = words[starts[0]], words[starts[0] + 1 :]
    if wh == "how" and rest[:1] and rest[0] in ("many", "much"):
        return next((w for w in rest[1:] if w not in _AUXILIARIES and w not in _ARTICLES), None)
    if wh in ("what", "which", "whose", "who"):
        j = 0
        while j < len(rest) and rest[j] in _KIND and wh != "who":
            j += 1
        if j < len(rest) and rest[j] not in _AUXILIARIES and wh != "who":
            return rest[j]
        if j < len(rest) and rest[j] in _AUXILIARIES:
            j += 1
            while j < len(rest) and rest[j] in _KIND:
                j += 1
            if j + 1 < len(rest) and rest[j] not in stop and rest[j + 1] in ("of", "for", "at", "in"):
                return rest[j]
    content = [w for w in rest if w not in stop and w not in _WH and not w[:1].isdigit()]
    return content[-1] if content else None


def evidence(query, index, ranked: Sequence, rows: Mapping[int, np.ndarray], sentence_terms, coverage_rule: bool, unknown: bool) -> np.ndarray:
    """The evidence vector (:data:`EVIDENCE_NAMES` order) about ``ranked[0]``.

    Parameters
    ----------
    query : retrieval.query.Query
        With terms.
    index : SentenceIndex
    ranked : sequence of Candidate
        In answer order, non-empty, ``score`` set (the reranker's log-odds).
    rows : mapping of int to ndarray
        Each candidate's ranking feature row (:data:`~retrieval.rerank.FEATURE_NAMES`)
        by position.
    sentence_terms : callable
        ``position -> list of terms`` (the paragraph cache's).
    coverage_rule : bool
        Whether the old abstention test (coverage, answer type) passed for some candidate.
    unknown : bool
        Whether the question names something the corpus never mentions.

    Returns
    -------
    ndarray of float64, shape (len(EVIDENCE_NAMES),)
    """
    first = ranked[0]
    row = rows[first.position]
    at = FEATURE_NAMES.index
    weights = {t: positive_idf(index, t) for t in query.distinct}
    total = sum(weights.values()) or 1.0
    scores = np.array([c.score for c in ranked])
    soft = np.exp(scores - scores.max())
    margin = first.score - float(scores[1:].max()) if len(ranked) > 1 else MARGIN_CAP
    present = set(sentence_terms(first.position))
    focus = focus_word(query.surface)
    focus_terms = analyze(focus) if focus else []
    term = focus_terms[0] if focus_terms else None
    everything = frozenset().union(*(c.matched for c in ranked))
    values = {
        "coverage": first.coverage,
        "cover_related": first.coverage + row[at("related")],
        "best_cover": max(c.coverage + c.related for c in ranked),
        "two_step": row[at("related_two_steps")],
        "hypernym": row[at("hypernym")],
        "unseen": sum(w for t, w in weights.items() if index.document_frequency(t) == 0) / total,
        "focus": float(term is not None),
        "focus_top": float(term is not None and term in present),
        "focus_related": float(term is not None and (term in present or not present.isdisjoint(related_terms(term)))),
        "focus_corpus": float(term is not None and index.document_frequency(term) > 0),
        "has_names": float(bool(query.names)),
        "names": row[at("names")],
        "unknown_names": float(unknown),
        "asks_type": float(query.expected_type is not None),
        "expected": row[at("expected_type")],
        "score": first.score,
        "margin": min(margin, MARGIN_CAP),
        "softmax": float(soft[0] / soft.sum()),
        "words": row[at("words")],
        "word_pairs": row[at("word_pairs")],
        "longest_run": row[at("longest_run")],
        "previous": row[at("previous")],
        "paragraph": row[at("paragraph")],
        "matched_share": row[at("matched_share")],
        "complete": float(first.matched == everything),
        "log_terms": math.log(len(query.distinct)),
        "coverage_rule": float(coverage_rule),
        **_asked_and_offered(query, index, ranked, rows, row, present, weights, total),
    }
    return np.array([values[n] for n in EVIDENCE_NAMES], dtype=np.float64)


def _partial(row: np.ndarray) -> float:
    """Cover by the sentence's terms and one-step WordNet relations: the related words
    (synonyms, derivations, phrases) in full, a hypernym or hyponym at :data:`HYPERNYM_SHARE`;
    two-step links not at all (loose: "went" reaches "last")."""
    at = FEATURE_NAMES.index
    return float(row[at("coverage")] + row[at("related")] + HYPERNYM_SHARE * row[at("hypernym")])


def _asked_and_offered(query, index, ranked, rows, row, present, weights, total) -> dict[str, float]:
    """The evidence of issue 12's second pass (see :func:`evidence`'s names):

    * ``cover_partial`` / ``best_partial``: :func:`_partial` of the first candidate / the best of all;
    * ``asks_kind`` / ``offers_kind``: the question asks for a date, number, person or
      place (:func:`retrieval.answer_types.ranking_answer_type`), and the first candidate
      offers one the question does not already name (the ``offers_<type>`` features);
    * ``names_elsewhere``: the share of the question's names (terms of its capitalised
      words) that the first candidate lacks but the corpus holds -- the article talks
      about them, elsewhere;
    * ``missing_top`` / ``missing_elsewhere``: the largest weight share of one question
      term that the first candidate neither holds nor reaches by a one-step relation,
      and whether the corpus holds that term (the question is about something the
      quoted sentence does not say, which SQuAD 2.0's impossible questions often are);
    * ``number_clash``: the question names a number or year that the first candidate
      lacks while it holds other numbers;
    * ``title``: the weight share of the question's terms in the article's title (the
      ranking feature): a question about another subject rarely names this one;
    * ``names_unseen``: the share of the question's names whose exact term the corpus
      never uses (stricter than ``unknown_names``, which forgives a variant spelling);
    * ``negation_clash``: the question says "not", "never", "no" ... and the first
      candidate says none of them, times the candidate's coverage: a question that
      repeats what the sentence says but negates it (a sentence that shares few of
      its words may say the same in other words);
    * ``antonym_clash``: a question term the first candidate lacks while it holds one of
      the term's WordNet antonyms (:func:`retrieval.related.antonym_terms`: "smallest"
      asked, "largest" said), times the candidate's coverage (SQuAD 2.0 writes
      impossible questions by swapping a word for its opposite).
    """
    at = FEATURE_NAMES.index
    first = ranked[0]
    kinds = [n for n in FEATURE_NAMES if n.startswith("offers_")]
    names = [t for t in query.names if t in weights]
    lacking = [t for t in names if t not in present]
    stand_in = first.stood_in
    missing = [t for t in weights if t not in present and t not in stand_in]
    heaviest = max(missing, key=lambda t: (weights[t], t)) if missing else None
    numbers = [t for t in weights if t[:1].isdigit()]
    negated = _negates(query.surface)
    return {
        "cover_partial": _partial(row),
        "best_partial": max(_partial(rows[c.position]) for c in ranked),
        "asks_kind": float(query.ranking_type is not None),
        "offers_kind": float(sum(row[at(k)] for k in kinds)),
        "names_elsewhere": (len([t for t in lacking if index.document_frequency(t) > 0]) / len(names)) if names else 0.0,
        "missing_top": weights[heaviest] / total if heaviest else 0.0,
        "missing_elsewhere": float(heaviest is not None and index.document_frequency(heaviest) > 0),
        "number_clash": float(
            bool(numbers) and not any(t in present for t in numbers) and any(t[:1].isdigit() for t in present)
        ),
        "title": row[at("title")],
        "names_unseen": (len([t for t in names if index.document_frequency(t) == 0]) / len(names)) if names else 0.0,
        "negation_clash": first.coverage * float(
            negated and not _negates(t.lower() for t in tokenize(index.sentence(ranked[0].position).text))
        ),
        "antonym_clash": first.coverage * float(
            any(t not in present and not present.isdisjoint(antonym_terms(t)) for t in weights)
        ),
    }


def _negates(words) -> bool:
    """Whether lowercase ``words`` hold a negation ("not", "never", "didn't" ...)."""
    return any(w in _NEGATIONS or w.endswith("n't") for w in words)


class AnswerabilityModelError(RetrievalError):
    """The answerability model file is missing, unreadable or malformed."""


@dataclass(frozen=True)
class AnswerabilityModel:
    """A logistic model over the evidence and its hinges, and the decision thresholds.

    Attributes
    ----------
    knots : dict of str to tuple of float
        Hinge points per evidence name in :data:`HINGED`.
    mean, scale : ndarray, shape (n_columns,)
        Standardisation of the expanded columns (:meth:`columns`).
    weights : ndarray, shape (n_columns,)
    bias : float
    abstain : float
        Below this probability the product refuses.
    hedge : float
        Below this (and at or above ``abstain``) it answers with a hedge.
    doubt : float or None
        Below this a question naming something the corpus never mentions is refused
        (:func:`retrieval.decide.decide`); None: the ``hedge`` threshold (models written
        before the two were apart).
    """

    knots: Mapping[str, tuple[float, ...]]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    abstain: float
    hedge: float
    doubt: float | None = None

    @property
    def unknown_below(self) -> float:
        """The probability below which an answer naming an unknown name is refused."""
        return self.hedge if self.doubt is None else self.doubt

    def columns(self, X: np.ndarray) -> np.ndarray:
        """``X`` (shape ``(n, len(EVIDENCE_NAMES))``) with the hinge columns appended."""
        return expand(X, self.knots)

    def probability(self, X: np.ndarray) -> np.ndarray:
        """P(first quote answers) per row of ``X`` (shape ``(n, len(EVIDENCE_NAMES))``)."""
        Z = (self.columns(np.atleast_2d(X)) - self.mean) / self.scale
        return 1.0 / (1.0 + np.exp(-(Z @ self.weights + self.bias)))

    def to_json(self, about: Mapping[str, object] = ()) -> dict:
        return {
            "format": MODEL_FORMAT,
            "about": dict(about),
            "evidence": list(EVIDENCE_NAMES),
            "knots": {k: list(v) for k, v in self.knots.items()},
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "weights": self.weights.tolist(),
            "bias": self.bias,
            "thresholds": {"abstain": self.abstain, "hedge": self.hedge}
            | ({} if self.doubt is None else {"doubt": self.doubt}),
        }


def expand(X: np.ndarray, knots: Mapping[str, Sequence[float]]) -> np.ndarray:
    """``X`` with ``max(0, x - knot)`` columns appended, per :data:`HINGED` name and knot."""
    cols = [X]
    for name in HINGED:
        j = EVIDENCE_NAMES.index(name)
        for knot in knots.get(name, ()):
            cols.append(np.maximum(X[:, [j]] - knot, 0.0))
    return np.hstack(cols)


def read_model(path: str | Path = MODEL_PATH) -> AnswerabilityModel | TreeAnswerabilityModel:
    """Read a model written by :meth:`AnswerabilityModel.to_json` (format 1, logistic) or
    :meth:`retrieval.answerability_trees.TreeAnswerabilityModel.to_json` (format 2, trees).

    Raises
    ------
    AnswerabilityModelError
        Unreadable, not JSON, another format, other evidence, or inconsistent shapes
        (names the file).
    """
    return read_model_file(
        path, MODEL_FORMAT, EVIDENCE_NAMES, HINGED, lambda data, *args: AnswerabilityModel(*args), "answerability model"
    )


def read_model_file(path, model_format: int, evidence: tuple, hinged: tuple, build, what: str, hint: str = ""):
    """The checked reading of a model file, shared by the lexical and the semantic model:
    a format-2 file is a tree model (:func:`retrieval.answerability_trees.read_trees`,
    its ``model`` key the semantic identity); for a logistic one (``model_format``),
    ``build(data, knots, mean, scale, weights, bias, abstain, hedge, doubt)`` makes the
    model once the format, the evidence names (``hint`` follows a mismatch), the array
    widths (``len(evidence)`` plus a column per knot of each name in ``hinged``) and the
    thresholds are checked.

    Raises
    ------
    AnswerabilityModelError
        One line naming ``what`` and the file.
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if data.get("format") not in (model_format, TREE_FORMAT):
            raise ValueError(f"format {data.get('format')!r}, expected {model_format} or {TREE_FORMAT}")
        if tuple(data["evidence"]) != evidence:
            raise ValueError(f"its evidence names are not this version's{hint}")
        if data["format"] == TREE_FORMAT:
            return _checked(read_trees(data, evidence, data.get("model")))
        knots = {k: tuple(float(x) for x in v) for k, v in data["knots"].items()}
        width = len(evidence) + sum(len(knots.get(n, ())) for n in hinged)
        arrays = [np.asarray(data[k], dtype=np.float64) for k in ("mean", "scale", "weights")]
        if any(a.shape != (width,) for a in arrays):
            raise ValueError(f"mean, scale and weights must have {width} values")
        t = data["thresholds"]
        doubt = None if t.get("doubt") is None else float(t["doubt"])
        return _checked(build(data, knots, *arrays, float(data["bias"]), float(t["abstain"]), float(t["hedge"]), doubt))
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise AnswerabilityModelError(f"cannot read the {what} {path}: {exc}") from exc


def _checked(model):
    """``model`` once its thresholds are in order (ValueError otherwise)."""
    if not 0.0 <= model.abstain <= model.hedge <= 1.0:
        raise ValueError("thresholds must satisfy 0 <= abstain <= hedge <= 1")
    if not model.abstain <= model.unknown_below <= 1.0:
        raise ValueError("thresholds must satisfy abstain <= doubt <= 1")
    return model


@lru_cache(maxsize=1)
def shipped_model() -> AnswerabilityModel | TreeAnswerabilityModel:
    """The model in ``retrieval/data/answerability.json`` (read once)."""
    return read_model(MODEL_PATH)
