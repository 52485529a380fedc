"""Fit the answerability model (``retrieval/data/answerability.json``) and measure it across articles.

Usage::

    python benchmarks/train_answerability.py [--data ../shared/data] [--write retrieval/data/answerability.json]
        [--cache /tmp/answerability.npz] [--model trees|logistic] [--l2 1e-3] [--answerable-abstain 0.02]
        [--doubt 0.3] [--hedge 0.5] [--budgets] [--drop NAME,...] [--semantic on]

The shipped lexical model is ``--model trees`` (the default; LightGBM, the ``bench``
extra); the shipped semantic one is ``--semantic on --model logistic`` (trees did not gain
there: ``docs/quality.md``, round 11). ``--budgets`` adds the cross-validated figures at
1..5% of answerable questions refused; ``--drop`` zeroes evidence before fitting (what
it is worth). Both fits are deterministic: from one cache, two trainings write the same
file (a fresh collection can differ in the last digit of a sum, as Python orders sets
by a hashing seed: ``PYTHONHASHSEED=0`` makes collections repeat too).

With ``--semantic on`` the questions are ranked with the bundled semantic model (its
fitted ranker, ``retrieval/data/semantic_ranker.json``: run ``benchmarks/train_semantic.py``
first) and the evidence gains the model's cosines
(:mod:`retrieval.semantic_answerability`); the model it fits is the one semantic on uses
(write it to ``retrieval/data/semantic_answerability.json``). The figures are the same.

Questions, each asked of one article's sentences alone (the product's use), with the
product's evidence about its first quote (:func:`retrieval.decide.question_evidence`):

* ``own``: SQuAD v1.1 half A's questions of their own article; label 1 when the first
  quote is gold, else 0;
* ``offtopic``: article i+1's questions (mod the article count) asked of article i: label 0;
* ``impossible`` / ``v2own``: SQuAD 2.0 half A's unanswerable questions (label 0, used for
  fitting) and its answerable ones (label as ``own``; only for the report, since they
  repeat v1.1's).

Boosted trees (:func:`fit_trees`: impossible questions weighted, Platt scaling and the
abstain threshold from out-of-fold scores by article) or a logistic regression
(:func:`fit`: L2 on standardised columns, SciPy's L-BFGS-B, over the evidence and its
hinges, :func:`retrieval.answerability.expand`, knots at the training quartiles) is
fitted on own + offtopic + impossible. The product still refuses when no
candidate passes the old coverage and answer-type test (a guarantee: "How old is ...?"
without an age in the article) and when a doubtful answer (below the ``--doubt`` threshold)
names something the corpus never mentions ("Who is the Prime Minister of the UK?" of
an article without the UK); beyond that, the abstain threshold is chosen so that
the product refuses ``--answerable-abstain`` (default 2%) of the training questions of
the ``own`` kind; the hedge threshold (a presentation choice: below it an answer is
given with "I'm not sure") is ``--hedge``, apart from ``--doubt`` so that moving it
changes no refusal.

Cross-validation by article as in ``benchmarks/train_ranker.py``: fit on the even-numbered
articles of the v1.1 file (an SQuAD 2.0 article takes the parity of the same title
there) and score the odd ones, then the reverse; *the thresholds are chosen inside each
fold* from its training half, so the held-out figures include their fitting. Printed:
off-topic abstain recall, answerable abstain rate, within-article accuracy@1 (an
abstention counting as wrong), SQuAD 2.0 abstain precision / recall and answerable
accuracy@1 against never abstaining, and the expected calibration error (10 equal-width
bins) on the mix the model is fitted to (own + offtopic + impossible), on the answerable
questions alone (article mode), on SQuAD 2.0 (abstain mode) and on the off-topic
questions alone (offtopic mode: all wrong, so it is their mean confidence), in-sample
and cross-validated, and the same for the old coverage rule.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from retrieval import evaluate as ev  # noqa: E402
from retrieval.answerability import EVIDENCE_NAMES, HINGED, AnswerabilityModel, expand  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data"
KINDS = ("own", "offtopic", "impossible", "v2own")
QUARTILES = (0.25, 0.5, 0.75)


def collect(data: Path, progress: bool = True, semantic=None) -> dict[str, np.ndarray]:
    """Evidence, labels, kinds and folds of every question (see the module docstring);
    ``semantic`` (a loaded SemanticModel) ranks with it and appends its evidence."""
    import importlib

    from tqdm import tqdm

    from retrieval.candidates import Paragraphs
    from retrieval.decide import question_evidence
    from retrieval.index import SentenceIndex
    from retrieval.policy import DEFAULT_FEATURES
    from retrieval.query import parse_query

    answer = importlib.import_module("retrieval.answer")  # the package exports a function of that name
    raw1 = ev.read_json(data / "squad-v1.1-dev-A.json")
    raw2 = ev.read_json(data / "squad-v2.0-dev-A.json")
    v1, v2 = ev.load_squad(raw1), ev.load_squad(raw2)
    same = v1_numbers(raw1, raw2)  # an SQuAD 2.0 article's number in the v1.1 file (its group)
    fold2 = [same[i] % 2 for i in range(len(raw2["data"]))]
    jobs = []  # (articles, article number, fold, question, kind)
    own = {}
    for q in v1.questions:
        own.setdefault(q.article, []).append(q)
    count = len(v1.articles)
    for i in range(count):
        jobs += [(v1.articles, i, i % 2, q, "own") for q in own.get(i, [])]
        jobs += [(v1.articles, i, i % 2, q, "offtopic") for q in own.get((i + 1) % count, [])]
    for q in v2.questions:
        jobs.append((v2.articles, q.article, fold2[q.article], q, "impossible" if q.impossible else "v2own"))
    X, y, kind, fold, article, group = [], [], [], [], [], []
    current, index, scorer, width = None, None, None, len(EVIDENCE_NAMES)
    if semantic is not None:  # every sentence embedded once per file; a scorer per article index
        from retrieval.semantic_answerability import ALL_EVIDENCE
        from retrieval.semantic_eval import scorers

        scorer_of, width = {id(v1.articles): scorers(semantic, v1, progress), id(v2.articles): scorers(semantic, v2, progress)}, len(ALL_EVIDENCE)
    for articles, i, f, q, k in tqdm(jobs, desc="evidence", file=sys.stderr, disable=not progress, leave=False):
        if current != (id(articles), i):
            current, index = (id(articles), i), SentenceIndex.build(articles[i])
            scorer = scorer_of[id(articles)](index) if semantic is not None else None
        query = parse_query(q.text, index)
        row, label = np.zeros(width), 0
        if query.terms:
            paragraphs = Paragraphs(index)
            best, found = answer.ranked(query, index, DEFAULT_FEATURES, paragraphs, scorer)
            if best:
                row = question_evidence(query, best, found, index, DEFAULT_FEATURES, paragraphs, scorer)
                label = int(k in ("own", "v2own") and index.sentence(best[0].position).id in q.gold)
        X.append(row)
        y.append(label)
        kind.append(KINDS.index(k))
        fold.append(f)
        article.append(i if k != "impossible" and k != "v2own" else 1000 + i)
        group.append(i if articles is v1.articles else same[i])
    return {
        "group": np.array(group),
        "X": np.array(X),
        "y": np.array(y, dtype=np.float64),
        "kind": np.array(kind),
        "fold": np.array(fold),
        "article": np.array(article),
    }


def v1_numbers(raw1: dict, raw2: dict) -> list[int]:
    """Each SQuAD 2.0 article's number in the v1.1 file, by title (an article v1.1 lacks:
    10,000 + its own number, of its own parity as the folds were before)."""
    titles1 = [a["title"] for a in raw1["data"]]
    return [titles1.index(a["title"]) if a["title"] in titles1 else 10_000 + i for i, a in enumerate(raw2["data"])]


def groups(d: dict, data: Path) -> np.ndarray:
    """The article group of each row (``d["group"]``; for a cache written before it, from
    ``d["article"]`` and the data files' titles): the v1.1 article number, shared by an
    article's v1.1 and SQuAD 2.0 questions."""
    if "group" in d:
        return d["group"]
    same = v1_numbers(ev.read_json(data / "squad-v1.1-dev-A.json"), ev.read_json(data / "squad-v2.0-dev-A.json"))
    return np.array([a if a < 1000 else same[a - 1000] for a in d["article"]])


def fit(
    X: np.ndarray, y: np.ndarray, l2: float, answerable_abstain: float, hedge: float, own: np.ndarray, family=None,
    doubt: float = 0.3,
) -> AnswerabilityModel:
    """The model fitted on rows ``X`` / labels ``y``; the abstain threshold is chosen so
    that, with the coverage rule's refusals (:func:`hard`, kept as a guarantee), the
    product refuses ``answerable_abstain`` of the rows ``own``. ``family`` (the module
    :mod:`retrieval.semantic_answerability`, for semantic evidence) gives the knots, the
    columns and the model class instead of :mod:`retrieval.answerability`."""
    if family is not None:
        knots = family.knots(X)
        C, make = family.expand(X, knots), family.model
    else:
        knots = {n: tuple(float(v) for v in np.unique(np.quantile(X[:, EVIDENCE_NAMES.index(n)], QUARTILES))) for n in HINGED}
        C, make = expand(X, knots), AnswerabilityModel
    mean, scale = C.mean(0), C.std(0)
    scale[scale == 0] = 1.0
    Z = (C - mean) / scale

    def loss(beta):
        z = Z @ beta[:-1] + beta[-1]
        p = 1.0 / (1.0 + np.exp(-z))
        value = np.mean(np.logaddexp(0.0, z) - y * z) + l2 * beta[:-1] @ beta[:-1]
        grad = np.append(Z.T @ (p - y) / len(y) + 2 * l2 * beta[:-1], np.mean(p - y))
        return value, grad

    beta = minimize(loss, np.zeros(Z.shape[1] + 1), jac=True, method="L-BFGS-B").x
    model = make(knots, mean, scale, beta[:-1], float(beta[-1]), 0.0, 1.0)
    abstain, hedge, doubt = choose_thresholds(model.probability(X[own]), X[own], answerable_abstain, hedge, doubt)
    return make(knots, mean, scale, beta[:-1], float(beta[-1]), abstain, hedge, doubt=doubt)


def choose_thresholds(p_own: np.ndarray, X_own: np.ndarray, answerable_abstain: float, hedge: float, doubt: float):
    """``(abstain, hedge, doubt)`` such that, with the rule's refusals (:func:`hard`) and
    doubtful unknown names, ``answerable_abstain`` of the rows ``X_own`` (probabilities
    ``p_own``) are refused."""
    refused = hard(X_own) | (unknown(X_own) & (p_own < doubt))
    p = p_own[~refused]
    rest = max(answerable_abstain - refused.mean(), 0.0) / max(1.0 - refused.mean(), 1e-9)
    abstain = float(np.quantile(p, rest)) if len(p) else 0.0
    return abstain, max(abstain, hedge), max(abstain, doubt)


# The boosted trees (``--model trees``, the default): LightGBM's binary log-loss, 300
# trees of 4 leaves, learning rate 0.05, at least 50 questions per leaf, one thread and
# deterministic, so that two trainings write the same file; SQuAD 2.0's impossible
# questions weigh IMPOSSIBLE_WEIGHT (they are the hard negatives: at weight 1 the trees
# spend the refusals on off-topic questions alone). Chosen on half A, cross-validated
# (docs/quality.md, round 11).
TREE_PARAMS = {
    "objective": "binary",
    "num_leaves": 4,
    "learning_rate": 0.05,
    "min_data_in_leaf": 50,
    "deterministic": True,
    "force_row_wise": True,
    "num_threads": 1,
    "seed": 0,
    "verbose": -1,
}
TREE_ROUNDS = 300
IMPOSSIBLE_WEIGHT = 3.0
INNER_FOLDS = 4  # out-of-fold scores by article, for Platt scaling and the abstain threshold


def boost(X: np.ndarray, y: np.ndarray, weight: np.ndarray):
    """A LightGBM booster fitted with :data:`TREE_PARAMS` (the ``bench`` extra)."""
    import lightgbm

    return lightgbm.train(TREE_PARAMS, lightgbm.Dataset(X, y, weight=weight), num_boost_round=TREE_ROUNDS)


def export_trees(booster, X: np.ndarray):
    """The booster's trees as a :class:`retrieval.answerability_trees.TreeEnsemble` (nodes
    in pre-order, so children follow their parent), checked against LightGBM's own
    scores on ``X``."""
    from retrieval.answerability_trees import TreeEnsemble

    nodes: list[list[float]] = []  # feature, threshold, left, right, value
    roots = []

    def walk(node) -> int:
        at = len(nodes)
        nodes.append([-1, 0.0, -1, -1, 0.0])
        if "leaf_value" in node:
            nodes[at][4] = float(node["leaf_value"])
            return at
        if node["decision_type"] != "<=":
            raise SystemExit(f"train_answerability.py: error: a {node['decision_type']} split the numpy walk does not make")
        left = walk(node["left_child"])
        right = walk(node["right_child"])
        nodes[at][:4] = [int(node["split_feature"]), float(node["threshold"]), left, right]
        return at

    for tree in booster.dump_model()["tree_info"]:
        roots.append(walk(tree["tree_structure"]))
    a = np.array(nodes, dtype=object)
    ensemble = TreeEnsemble(
        a[:, 0].astype(np.int64), a[:, 1].astype(np.float64), a[:, 2].astype(np.int64),
        a[:, 3].astype(np.int64), a[:, 4].astype(np.float64), np.array(roots, dtype=np.int64),
    )
    gap = np.abs(ensemble.raw(X) - booster.predict(X, raw_score=True)).max()
    if gap > 1e-9:
        raise SystemExit(f"train_answerability.py: error: the exported trees differ from LightGBM's by {gap}")
    return ensemble


def platt(raw: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Platt scaling (Platt 1999): ``(slope, intercept)`` of the logistic regression of
    ``y`` on ``raw`` (SciPy's L-BFGS-B from (1, 0): deterministic)."""

    def loss(b):
        z = b[0] * raw + b[1]
        p = 1.0 / (1.0 + np.exp(-z))
        return np.mean(np.logaddexp(0.0, z) - y * z), np.array([np.mean((p - y) * raw), np.mean(p - y)])

    slope, intercept = minimize(loss, np.array([1.0, 0.0]), jac=True, method="L-BFGS-B").x
    return float(slope), float(intercept)


def fit_trees(
    X: np.ndarray, y: np.ndarray, kind: np.ndarray, group: np.ndarray, answerable_abstain: float, hedge: float,
    own: np.ndarray, evidence: tuple, doubt: float = 0.3,
):
    """The tree model fitted on rows ``X`` / labels ``y`` (``kind`` weighs the impossible
    questions, :data:`IMPOSSIBLE_WEIGHT`); Platt scaling and the abstain threshold come
    from out-of-fold scores: the rows split into :data:`INNER_FOLDS` by article group
    (``group // 2``, so that both parities split evenly), each scored by trees fitted on
    the others -- in-sample scores of boosted trees are sharper than held-out ones, and a
    threshold taken from them would refuse more than asked."""
    from retrieval.answerability_trees import TreeAnswerabilityModel

    weight = np.where(kind == KINDS.index("impossible"), IMPOSSIBLE_WEIGHT, 1.0)
    inner = (group // 2) % INNER_FOLDS
    held_out = np.zeros(len(y))
    for k in range(INNER_FOLDS):
        rest = inner != k
        held_out[~rest] = boost(X[rest], y[rest], weight[rest]).predict(X[~rest], raw_score=True)
    slope, intercept = platt(held_out, y)
    p_own = 1.0 / (1.0 + np.exp(-(slope * held_out[own] + intercept)))
    abstain, hedge, doubt = choose_thresholds(p_own, X[own], answerable_abstain, hedge, doubt)
    trees = export_trees(boost(X, y, weight), X)
    return TreeAnswerabilityModel(tuple(evidence), trees, slope, intercept, abstain, hedge, doubt)


def hard(X: np.ndarray) -> np.ndarray:
    """The refusals the product keeps as a rule (:func:`retrieval.decide.decide`): no
    candidate passes the coverage and answer-type test."""
    return X[:, EVIDENCE_NAMES.index("coverage_rule")] == 0


def unknown(X: np.ndarray) -> np.ndarray:
    """The question names something the corpus never mentions (refused when the
    probability is also below the doubt threshold)."""
    return X[:, EVIDENCE_NAMES.index("unknown_names")] > 0


def refusals(model: AnswerabilityModel, X: np.ndarray, p: np.ndarray) -> np.ndarray:
    """What the product refuses: the rule, a doubtful answer naming an unknown name, or
    a probability below the abstain threshold."""
    return hard(X) | (unknown(X) & (p < model.unknown_below)) | (p < model.abstain)


def ece(p: np.ndarray, y: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error over ``bins`` equal-width bins (Naeini et al. 2015)."""
    which = np.minimum((p * bins).astype(int), bins - 1)
    return float(sum(abs(p[which == b].mean() - y[which == b].mean()) * (which == b).sum() for b in range(bins) if (which == b).any()) / len(p))


def report(p: np.ndarray, abstain: np.ndarray, hedge: np.ndarray, d: dict) -> dict:
    """The figures of one set of probabilities / decisions (see the module docstring)."""
    y, kind = d["y"].astype(bool), d["kind"]
    own, off, imp, v2own = (kind == KINDS.index(k) for k in KINDS)
    v2 = imp | v2own
    caught = abstain & imp
    refused_v2 = abstain & v2
    return {
        "offtopic_abstain_recall": float(abstain[off].mean()),
        "answerable_abstain_rate": float(abstain[own].mean()),
        "accuracy@1": float((y & ~abstain)[own].mean()),
        "hedged_share": float((hedge & ~abstain)[own].mean()),
        "hedged_accuracy": float(y[own & hedge & ~abstain].mean()) if (own & hedge & ~abstain).any() else 0.0,
        "confident_accuracy": float(y[own & ~hedge].mean()) if (own & ~hedge).any() else 0.0,
        "offtopic_plain_answer": float((~hedge & ~abstain)[off].mean()),
        "impossible_plain_answer": float((~hedge & ~abstain)[imp].mean()),
        "squad2_abstain_precision": float(caught.sum() / refused_v2.sum()) if refused_v2.any() else 0.0,
        "squad2_abstain_recall": float(caught.sum() / imp.sum()),
        "squad2_answerable_accuracy@1": float((y & ~abstain)[v2own].mean()),
        "squad2_never_abstain_accuracy@1": float(y[v2own].mean()),
        "ece_training_mix": ece(p[own | off | imp], y[own | off | imp].astype(float)),
        "ece_article": ece(p[own], y[own].astype(float)),
        "ece_abstain": ece(p[v2], y[v2].astype(float)),
        "ece_offtopic": ece(p[off], y[off].astype(float)),
    }


def cross_validate(d: dict, train_on, answerable_abstain: float):
    """Probabilities, refusals and hedges of every row, each fold scored by the model
    ``train_on(rows, answerable_abstain)`` fits on the other fold (thresholds inside)."""
    kind = d["kind"]
    train = kind != KINDS.index("v2own")
    p_cv = np.zeros(len(kind))
    ab_cv = np.zeros(len(kind), dtype=bool)
    hedge_cv = np.zeros(len(kind), dtype=bool)
    for f in (0, 1):
        tr, te = train & (d["fold"] != f), d["fold"] == f
        m = train_on(tr, answerable_abstain)
        p_cv[te] = m.probability(d["X"][te])
        ab_cv[te] = refusals(m, d["X"][te], p_cv[te])
        hedge_cv[te] = p_cv[te] < m.hedge
    return p_cv, ab_cv, hedge_cv


def main(argv=None) -> int:
    """The command (see the module docstring). Long, as a script's main is: the options,
    the fits and the printed tables read top to bottom in the order they run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA), help="folder of the SQuAD half-A files")
    parser.add_argument("--cache", help="read the evidence from / save it to this .npz")
    parser.add_argument("--model", default="trees", choices=("trees", "logistic"), help="boosted trees (shipped) or the logistic model with hinges")
    parser.add_argument("--l2", type=float, default=1e-3, help="the logistic model's L2 penalty")
    parser.add_argument("--answerable-abstain", type=float, default=0.02)
    parser.add_argument("--hedge", type=float, default=0.5, help="below it an answer is hedged")
    parser.add_argument("--doubt", type=float, default=0.3, help="below it a question naming what the corpus never mentions is refused")
    parser.add_argument("--budgets", action="store_true", help="also print the cross-validated figures at 1..5%% answerable refused")
    parser.add_argument("--drop", default="", help="comma-separated evidence names zeroed before fitting (to measure their worth)")
    parser.add_argument("--write", help="write the model fitted on all of half A here")
    parser.add_argument("--no-progress", action="store_true")
    parser.add_argument("--semantic", default="off", choices=("off", "on"), help="fit the model semantic on uses")
    args = parser.parse_args(argv)
    family = semantic = None
    if args.semantic == "on":
        from retrieval import semantic_answerability as family
        from retrieval.semantic import load_model

        semantic = load_model("on")
    if args.cache and Path(args.cache).exists():
        d = dict(np.load(args.cache))
    else:
        d = collect(Path(args.data), progress=not args.no_progress, semantic=semantic)
        if args.cache:
            np.savez(args.cache, **d)
    evidence = family.ALL_EVIDENCE if family is not None else EVIDENCE_NAMES
    for name in filter(None, args.drop.split(",")):
        d["X"][:, evidence.index(name)] = 0.0
    group = groups(d, Path(args.data))
    kind = d["kind"]
    own = kind == KINDS.index("own")

    def train_on(rows: np.ndarray, budget: float):
        if args.model == "logistic":
            return fit(d["X"][rows], d["y"][rows], args.l2, budget, args.hedge, own[rows], family, args.doubt)
        return fit_trees(d["X"][rows], d["y"][rows], kind[rows], group[rows], budget, args.hedge, own[rows], evidence, args.doubt)

    model = train_on(kind != KINDS.index("v2own"), args.answerable_abstain)
    rule = hard(d["X"])
    p_in = model.probability(d["X"])
    p_cv, ab_cv, hedge_cv = cross_validate(d, train_on, args.answerable_abstain)
    old = rule | unknown(d["X"])
    results = {
        "in-sample": report(p_in, refusals(model, d["X"], p_in), p_in < model.hedge, d),
        "cross-validated": report(p_cv, ab_cv, hedge_cv, d),
        "old rule": report(np.where(old, 0.0, 1.0), old, old, d),
    }
    keys = list(results["in-sample"])
    print(f"{'metric':34s}" + "".join(f"{n:>17s}" for n in results))
    for k in keys:
        print(f"{k:34s}" + "".join(f"{results[n][k]:17.4f}" for n in results))
    print(f"thresholds (all of half A): abstain {model.abstain:.4f}, doubt {model.unknown_below:.4f}, hedge {model.hedge:.4f}")
    print("questions: " + ", ".join(f"{k} {int((kind == i).sum())}" for i, k in enumerate(KINDS)))
    if args.budgets:
        print("budget  own refused  off-topic refused  accuracy@1  SQuAD 2.0 P / R   (cross-validated)")
        for budget in (0.01, 0.02, 0.03, 0.04, 0.05):
            r = report(*cross_validate(d, train_on, budget), d)
            print(
                f"{budget:6.2f}  {r['answerable_abstain_rate']:11.4f}  {r['offtopic_abstain_recall']:17.4f}  "
                f"{r['accuracy@1']:10.4f}  {r['squad2_abstain_precision']:.3f} / {r['squad2_abstain_recall']:.3f}"
            )
    if args.write:
        about = {
            "trained_on": "squad-v1.1-dev-A.json (own and next-article questions), squad-v2.0-dev-A.json (impossible)",
            "model": args.model,
            "answerable_abstain": args.answerable_abstain,
            "cross_validated": {k: round(v, 4) for k, v in results["cross-validated"].items()},
            "in_sample": {k: round(v, 4) for k, v in results["in-sample"].items()},
        } | ({"l2": args.l2} if args.model == "logistic" else {})
        if semantic is not None:
            from dataclasses import replace

            model = replace(model, identity=dict(semantic.identity))
        write(model, about, Path(args.write))
        print(f"wrote {args.write}")
    return 0


def write(model, about: dict, path: Path) -> None:
    """The model file: the logistic model indented, the trees with compact arrays."""
    from retrieval.answerability_trees import TreeAnswerabilityModel, write_json

    data = model.to_json(about)
    text = write_json(data) if isinstance(model, TreeAnswerabilityModel) else json.dumps(data, indent=1) + "\n"
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
