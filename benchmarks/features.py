"""Each ranking feature's gain on half A: ReQA MRR and within-article accuracy@1.

Usage::

    python benchmarks/features.py [--squad ../shared/data/squad-v1.1-dev-A.json]

Rows: the product with every feature (defaults of :class:`retrieval.answer.Features`),
then the product with one feature switched off ("- feature"), its gain being the drop;
also the original coverage-first policy with no feature, and features measured but not
kept ("+ feature"). Every row is also split by even/odd article so that a gain can be
checked on both halves of the file.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from retrieval import evaluate as ev  # noqa: E402
from retrieval.answer import DEFAULT_FEATURES, Features  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQUAD = ROOT.parent / "shared" / "data" / "squad-v1.1-dev-A.json"

OFF = {
    "context": 0.0,
    "previous": 0.0,
    "answer_type": 0.0,
    "prefix": 0.0,
}


def rows() -> list[tuple[str, Features]]:
    out = [
        ("original policy (coverage first, no features)", Features(
            coverage_first=True, context=0, previous=0, answer_type=0, prefix=0, quote_ranked=False)),
        ("all features (product)", DEFAULT_FEATURES),
        ("- fused ranking (coverage first instead)", replace(DEFAULT_FEATURES, coverage_first=True)),
    ]
    out += [(f"- {name}", replace(DEFAULT_FEATURES, **{name: value})) for name, value in OFF.items()]
    out.append(("+ phrase 0.3 (not kept)", replace(DEFAULT_FEATURES, phrase=0.3)))
    return out


def split(dataset: ev.Dataset, parity: int) -> ev.Dataset:
    keep = [i % 2 == parity for i in range(len(dataset.articles))]
    return ev.Dataset(
        [a if k else [] for a, k in zip(dataset.articles, keep)],
        [q for q in dataset.questions if keep[q.article]],
    )


def measure(dataset: ev.Dataset, features: Features) -> tuple[float, float]:
    make = lambda sentences: ev.ProductRanker(sentences, None, features)  # noqa: E731
    return ev.run_reqa(dataset, make)["mrr"], ev.run_article(dataset, make)["accuracy@1"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", default=str(DEFAULT_SQUAD), help="SQuAD v1.1 JSON (default half A)")
    args = parser.parse_args(argv)
    try:
        dataset = ev.load_squad(ev.read_json(args.squad))
    except ev.EvaluationDataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    halves = [split(dataset, 0), split(dataset, 1)]
    print(f"{args.squad}: {len(dataset.questions)} questions, {len(dataset.sentences)} sentences")
    print("| configuration | MRR | accuracy@1 | MRR even / odd | accuracy@1 even / odd |")
    print("|---|---|---|---|---|")
    for name, features in rows():
        mrr, acc = measure(dataset, features)
        (me, ae), (mo, ao) = (measure(h, features) for h in halves)
        print(f"| {name} | {mrr:.4f} | {acc:.4f} | {me:.4f} / {mo:.4f} | {ae:.4f} / {ao:.4f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
