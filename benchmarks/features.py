"""Each ranking feature's gain on half A: ReQA MRR and within-article accuracy@1.

Usage::

    python benchmarks/features.py [--squad ../shared/data/squad-v1.1-dev-A.json] [--jobs 2]

Rows: the product with every feature (defaults of :class:`retrieval.answer.Features`),
then the product with one feature switched off ("- feature"), its gain being the drop;
also the original coverage-first policy with no feature, and features measured but not
kept ("+ feature"). Each row is one ReQA run (all articles in one corpus) and one
within-article run; its questions are also scored separately by even and odd article
number, so that a gain can be checked on both halves of the file. Rows run in
``--jobs`` processes.
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from retrieval import evaluate as ev  # noqa: E402
from retrieval.answer import DEFAULT_FEATURES, Features  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQUAD = ROOT.parent / "shared" / "data" / "squad-v1.1-dev-A.json"

OFF = {
    "paragraph": ("paragraph BM25 score, 1.0", 0.0),
    "bm25": ("sentence BM25, 0.3", 0.0),
    "proximity": ("proximity, 0.1", 0.0),
    "context": ("+ paragraph terms 0.3 (round 1; not kept)", 0.3),
    "previous": ("sentence before, 0.6", 0.0),
    "answer_type": ("answer type, +0.1", 0.0),
    "prefix": ("near-match, 0.5", 0.0),
    "unknown_names": ("abstain on unknown names", False),
}


def rows() -> list[tuple[str, Features]]:
    out = [
        ("original policy (coverage first, no features)", Features(
            coverage_first=True, context=0, previous=0, answer_type=0, prefix=0, quote_ranked=False,
            paragraph=0, bm25=0, proximity=0, unknown_names=False)),
        ("all features (product)", DEFAULT_FEATURES),
        ("- fused ranking (coverage first instead)", replace(DEFAULT_FEATURES, coverage_first=True)),
    ]
    out += [
        (label if label.startswith("+") else f"- {label}", replace(DEFAULT_FEATURES, **{name: value}))
        for name, (label, value) in OFF.items()
    ]
    out.append(("+ phrase 0.3 (bigrams; not kept)", replace(DEFAULT_FEATURES, phrase=0.3)))
    out.append(("+ paragraph k1 2.0 (not kept)", replace(DEFAULT_FEATURES, paragraph_k1=2.0)))
    return out


def _halves(values: list[float], questions: list[ev.Question]) -> tuple[float, float, float]:
    def mean(parity=None):
        kept = [v for v, q in zip(values, questions) if parity is None or q.article % 2 == parity]
        return sum(kept) / len(kept) if kept else 0.0

    return mean(), mean(0), mean(1)


_DATASET: ev.Dataset | None = None


def measure(features: Features, dataset: ev.Dataset | None = None) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """(MRR all/even/odd), (accuracy@1 all/even/odd) for ``features``."""
    dataset = dataset or _DATASET
    make = lambda sentences: ev.ProductRanker(sentences, None, features)  # noqa: E731
    questions = [q for q in dataset.questions if not q.impossible]
    ranker = make(dataset.sentences)
    rr = [ev.reciprocal_rank(ev.first_gold_rank(ranker.rank(q.text), q.gold)) for q in questions]
    correct = [
        float(r.top(q.text) in q.gold)
        for q, r in ev._per_article(dataset, make, questions, False, "article")
    ]
    return _halves(rr, questions), _halves(correct, questions)


def _init(path: str) -> None:
    global _DATASET
    _DATASET = ev.load_squad(ev.read_json(path))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", default=str(DEFAULT_SQUAD), help="SQuAD v1.1 JSON (default half A)")
    parser.add_argument("--jobs", type=int, default=2, help="processes (default 2)")
    args = parser.parse_args(argv)
    try:
        dataset = ev.load_squad(ev.read_json(args.squad))
    except ev.EvaluationDataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{args.squad}: {len(dataset.questions)} questions, {len(dataset.sentences)} sentences")
    print("| configuration | MRR | accuracy@1 | MRR even / odd | accuracy@1 even / odd |")
    print("|---|---|---|---|---|")
    configurations = rows()
    with ProcessPoolExecutor(args.jobs, initializer=_init, initargs=(args.squad,)) as pool:
        results = pool.map(measure, [f for _, f in configurations])
        for (name, _), ((mrr, me, mo), (acc, ae, ao)) in zip(configurations, results):
            print(f"| {name} | {mrr:.4f} | {acc:.4f} | {me:.4f} / {mo:.4f} | {ae:.4f} / {ao:.4f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
