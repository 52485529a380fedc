"""Fit the ranking used with semantic on (``retrieval/data/semantic_ranker.json``), cross-validated by article.

Usage::

    python benchmarks/train_semantic.py [SQUAD_JSON] [--cache DIR] [--l2 1e-4]
        [--write retrieval/data/semantic_ranker.json] [--ablate]

For every answerable question of the file (default ``../shared/data/squad-v1.1-dev-A.json``)
the product's candidates and lexical feature rows are computed as
:func:`retrieval.answer.ranked` does, within its article and over every sentence of the
file (ReQA), as ``benchmarks/semantic_fit.py`` does (same ``--cache`` files); the semantic
columns (:func:`retrieval.semantic_rank.semantic_columns`) come from the bundled model's
vectors. One linear model over the lexical and the semantic columns is fitted listwise
(:func:`retrieval.rerank.fit_listwise`) on both kinds of lists.

Printed, per complete-first setting: within-article accuracy@1 (the best candidate is
gold, before any abstention) and ReQA MRR, cross-validated (fit on the even-numbered
articles, score the odd ones, and the reverse; means of the two halves), beside the
lexical ranking and ``linear + 10 * cosine`` on the same lists, and the in-sample fit.
``--ablate`` refits without each semantic column. ``--write`` stores the weights fitted
on the whole file, with the complete-first setting of the better cross-validated sum
(accuracy@1 + MRR). Deterministic (L-BFGS-B from zeros on fixed lists).

The ``--cache`` files are keyed by the data file and the model, not by the code: after a
change of the lexical features or weights, give a fresh directory. Retrain in this order:
``train_ranker.py``, ``train_answerability.py``, this script, then
``train_answerability.py --semantic on`` (its evidence comes from this ranking).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from semantic_fit import _cached, _lists, embedded, one_article_index  # noqa: E402

from retrieval import evaluate_data as ed  # noqa: E402
from retrieval.index import SentenceIndex  # noqa: E402
from retrieval.policy import DEFAULT_FEATURES  # noqa: E402
from retrieval.rerank import FEATURE_NAMES, fit_listwise  # noqa: E402
from retrieval.scoring import order  # noqa: E402
from retrieval.semantic import load_model  # noqa: E402
from retrieval.semantic_rank import (  # noqa: E402
    ALL_NAMES,
    SEMANTIC_FEATURE_NAMES,
    SemanticRanker,
    complete_flags,
    neighbour_cosines,
    semantic_columns,
)
from retrieval.semantic_scorer import WEIGHT  # noqa: E402

DEFAULT_SQUAD = ROOT.parent / "shared" / "data" / "squad-v1.1-dev-A.json"


def with_semantic(items, index_of, vectors: dict, queries: dict, questions) -> list:
    """Per question: ``(article, found, X, gold, cosine)`` with ``X`` the lexical rows
    and the semantic columns side by side (None for a question with no candidate)."""
    out = []
    for (article, found, _, cosine, gold), q in zip(items, questions):
        if found is None:
            out.append((article, None, None, None, None))
            continue
        index = index_of(q)
        query = queries[q.id]

        def cosine_at(positions, index=index, query=query):
            return np.stack([vectors[index.sentence(p).id] for p in positions]).astype(np.float32) @ query

        positions = [c.position for c in found.items]
        previous, following, paragraph = neighbour_cosines(positions, cosine_at, index.locate, index.size)
        S = semantic_columns(cosine, previous, following, paragraph, complete_flags(found.items))
        out.append((article, found, np.hstack([found.rows, S]), gold, cosine))
    return out


def first_gold(item, w: np.ndarray, complete_first: bool) -> int | None:
    """The rank of the first gold candidate under scores ``X @ w`` (the product's order)."""
    _, found, X, gold, _ = item
    if found is None:
        return None
    where = {c.position: i for i, c in enumerate(found.items)}
    features = replace(DEFAULT_FEATURES, complete_first=complete_first)
    for rank, c in enumerate(order(found, X @ w, features)):
        if gold[where[c.position]]:
            return rank
    return None


def metrics(within, reqa, w, complete_first: bool) -> tuple[float, float]:
    acc = float(np.mean([first_gold(i, w, complete_first) == 0 for i in within]))
    ranks = [first_gold(i, w, complete_first) for i in reqa]
    return acc, float(np.mean([0.0 if r is None else 1.0 / (r + 1) for r in ranks]))


def fit(items, l2: float, off: tuple[int, ...] = ()) -> np.ndarray:
    lists = []
    for _, found, X, gold, _ in items:
        if found is not None:
            X = X.copy()
            X[:, list(off)] = 0.0
            lists.append((X, gold))
    return fit_listwise(lists, l2, width=len(ALL_NAMES)).array()


def cross_validate(within, reqa, l2: float, complete_first: bool, off=()) -> dict:
    out = {}
    for held in (0, 1):
        train = [i for i in within + reqa if i[0] % 2 != held]
        w = fit(train, l2, off)
        out[held] = metrics([i for i in within if i[0] % 2 == held], [i for i in reqa if i[0] % 2 == held], w, complete_first)
    return {"accuracy@1": float(np.mean([out[h][0] for h in out])), "mrr": float(np.mean([out[h][1] for h in out]))}


def fixed(within, reqa, lam: float, complete_first: bool) -> tuple[float, float]:
    """The shipped lexical weights plus ``lam`` times the cosine (halves averaged)."""
    from retrieval.rerank import shipped_weights

    w = np.concatenate([shipped_weights().array(), np.zeros(len(SEMANTIC_FEATURE_NAMES))])
    w[len(FEATURE_NAMES) + SEMANTIC_FEATURE_NAMES.index("cosine")] = lam
    halves = [metrics([i for i in within if i[0] % 2 == h], [i for i in reqa if i[0] % 2 == h], w, complete_first) for h in (0, 1)]
    return float(np.mean([a for a, _ in halves])), float(np.mean([m for _, m in halves]))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("squad", nargs="?", default=str(DEFAULT_SQUAD))
    parser.add_argument("--cache", type=Path, help="keep vectors and candidate lists here between runs")
    parser.add_argument("--l2", type=float, default=1e-4)
    parser.add_argument("--write", help="write the weights fitted on the whole file here")
    parser.add_argument("--ablate", action="store_true", help="refit without each semantic column")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.cache is not None:
        args.cache.mkdir(parents=True, exist_ok=True)
    dataset = ed.load_squad(ed.read_json(args.squad))
    model = load_model("on")
    sentences = dataset.sentences
    questions = [q for q in dataset.questions if not q.impossible]
    vectors, queries, tag = embedded(model, sentences, questions, args.squad, args.cache)
    article_index = one_article_index(dataset)

    whole = SentenceIndex.build(sentences)

    def build():
        return _lists(article_index, vectors, queries, questions), _lists(lambda q, i: whole, vectors, queries, questions)

    within0, reqa0 = _cached(args.cache, f"lists-{tag}.pkl", build)
    names = hashlib.sha256(repr(ALL_NAMES).encode()).hexdigest()[:8]
    within, reqa = _cached(
        args.cache,
        f"semantic-lists-{tag}-{names}.pkl",
        lambda: (
            with_semantic(within0, article_index, vectors, queries, questions),
            with_semantic(reqa0, lambda q: whole, vectors, queries, questions),
        ),
    )
    print(f"{args.squad}: {len(questions)} answerable questions, {len(sentences)} sentences, model {model.name}, l2 {args.l2}")
    print(f"{'ranking':44s} {'acc@1':>7s} {'mrr':>7s}   (cross-validated by article unless said)")
    results = {}
    for complete_first in (True, False):
        rule = "complete-first kept" if complete_first else "complete-first dropped"
        a, m = fixed(within, reqa, 0.0, complete_first)
        print(f"{'lexical (shipped weights), ' + rule:44s} {a:7.4f} {m:7.4f}")
        a, m = fixed(within, reqa, WEIGHT, complete_first)
        print(f"{f'lexical + {WEIGHT:g} * cosine, ' + rule:44s} {a:7.4f} {m:7.4f}")
        r = cross_validate(within, reqa, args.l2, complete_first)
        results[complete_first] = r
        print(f"{'fitted semantic features, ' + rule:44s} {r['accuracy@1']:7.4f} {r['mrr']:7.4f}")
        w = fit(within + reqa, args.l2)
        a, m = metrics(within, reqa, w, complete_first)
        print(f"{'  in-sample, ' + rule:44s} {a:7.4f} {m:7.4f}")
    chosen = max(results, key=lambda k: results[k]["accuracy@1"] + results[k]["mrr"])
    if args.ablate:
        base = results[chosen]
        print(f"ablation (complete_first={chosen}): gain of each semantic column, cross-validated")
        for j, name in enumerate(SEMANTIC_FEATURE_NAMES):
            r = cross_validate(within, reqa, args.l2, chosen, off=(len(FEATURE_NAMES) + j,))
            print(f"  {name:20s} acc@1 {base['accuracy@1'] - r['accuracy@1']:+.4f}  mrr {base['mrr'] - r['mrr']:+.4f}")
    print(f"chosen: complete_first={chosen}; {time.perf_counter() - started:.0f} s")
    if args.write:
        w = fit(within + reqa, args.l2)
        ranker = SemanticRanker(tuple(float(v) for v in w), dict(model.identity), chosen)
        about = {
            "trained_on": Path(args.squad).name,
            "questions": len(questions),
            "lists": "article and reqa candidate lists (benchmarks/train_semantic.py)",
            "l2": args.l2,
            "cross_validated": {k: round(v, 4) for k, v in results[chosen].items()},
        }
        Path(args.write).write_text(json.dumps(ranker.to_json(about), indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
