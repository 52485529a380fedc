"""Fit the answer layer's reranker on SQuAD and measure it, honestly, across articles.

Usage::

    python benchmarks/train_ranker.py [--squad ../shared/data/squad-v1.1-dev-A.json]
        [--l2 1e-4] [--write retrieval/data/ranker.json] [--ablate]

Each answerable question gives two candidate lists with their feature matrices
(:func:`retrieval.features.candidate_features`): one with its article indexed alone (the
product's use) and one with every sentence of the file as one corpus (ReQA). The
weights are fitted with :func:`retrieval.rerank.fit_listwise` on both kinds.

Cross-validation by article: fit on the even-numbered articles and score the odd ones,
then the reverse. These are the figures to trust (the final ones are taken on held-back
articles); a fit on all of half A scored on half A is in-sample. Reported per held-out
half: ranking accuracy@1 within the article (the model's best candidate is gold,
before any abstention) and ReQA MRR over the candidates (0 when no candidate is gold).

``--ablate`` refits without each feature (its column zeroed), once more on lists built
without spelling correction of the question terms, and once on lists of the BM25
candidates alone (no paragraph neighbours, :func:`retrieval.candidates.candidate_positions`),
and prints the table of gains that the README carries. ``--write`` stores the weights fitted on the whole file.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from retrieval import evaluate as ev  # noqa: E402
from retrieval.analyze import analyze  # noqa: E402
from retrieval.answer import DEFAULT_FEATURES, Features, candidate_features, candidate_positions  # noqa: E402
from retrieval.query import query_of  # noqa: E402
from retrieval.spell import spelled  # noqa: E402
from retrieval.errors import RetrievalError  # noqa: E402
from retrieval.index import SentenceIndex  # noqa: E402
from retrieval.rerank import FEATURE_NAMES, RankerWeights, fit_listwise, write_weights  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQUAD = ROOT.parent / "shared" / "data" / "squad-v1.1-dev-A.json"

GROUPS = {
    "answer type (offers / lacks, 8 columns)": [n for n in FEATURE_NAMES if n.startswith(("offers_", "lacks_"))],
    "surface words (words, word_pairs, longest_run)": ["words", "word_pairs", "longest_run"],
    "WordNet (related, hypernym, related_two_steps)": ["related", "hypernym", "related_two_steps"],
    "qualifier and direction (qualifier_clash, verb_order)": ["qualifier_clash", "verb_order"],
}


class Lists:
    """Per-question candidate lists: ``(article number, X, gold)`` for each mode."""

    def __init__(
        self, dataset: ev.Dataset, progress: bool = True, spelling: bool = True, features: Features = DEFAULT_FEATURES
    ):
        from tqdm import tqdm

        questions = [q for q in dataset.questions if not q.impossible]
        self.article: list[tuple[int, np.ndarray, np.ndarray]] = []
        self.reqa: list[tuple[int, np.ndarray, np.ndarray]] = []
        index, current = None, None
        for q in tqdm(questions, desc="article lists", file=sys.stderr, disable=not progress, leave=False):
            if q.article != current:
                current, index = q.article, SentenceIndex.build(dataset.articles[q.article])
            self.article.append((q.article, *_list(index, q, spelling, features)))
        whole = SentenceIndex.build(dataset.sentences)
        for q in tqdm(questions, desc="reqa lists", file=sys.stderr, disable=not progress, leave=False):
            self.reqa.append((q.article, *_list(whole, q, spelling, features)))


def _list(
    index: SentenceIndex, q: ev.Question, spelling: bool = True, features: Features = DEFAULT_FEATURES
) -> tuple[np.ndarray, np.ndarray]:
    # as the product searches (misspelt words respelt), or the question as typed
    text, terms = spelled(q.text, index) if spelling else (q.text, analyze(q.text))
    scored = candidate_positions(index, terms, features) if terms else []
    if not scored:
        return np.zeros((0, len(FEATURE_NAMES))), np.zeros(0, dtype=bool)
    X, found = candidate_features(index, query_of(text, terms), scored, features)
    gold = np.array([index.sentence(c.position).id in q.gold for c in found], dtype=bool)
    return X, gold


def _order(scores: np.ndarray) -> np.ndarray:
    return np.lexsort((np.arange(len(scores)), -scores))  # ties: candidate (BM25) order


def accuracy(lists, w: np.ndarray) -> float:
    """Share of lists whose best-scored candidate is gold (empty lists count wrong)."""
    return float(np.mean([bool(len(g)) and bool(g[_order(X @ w)[0]]) for _, X, g in lists]))


def mrr(lists, w: np.ndarray) -> float:
    """Mean reciprocal rank of the first gold candidate (0 when none is a candidate)."""
    out = []
    for _, X, g in lists:
        hits = np.nonzero(g[_order(X @ w)])[0] if len(g) else []
        out.append(1.0 / (hits[0] + 1) if len(hits) else 0.0)
    return float(np.mean(out))


def _half(lists, parity: int):
    return [item for item in lists if item[0] % 2 == parity]


def _masked(lists, off: list[int]):
    if not off:
        return lists
    out = []
    for a, X, g in lists:
        X = X.copy()
        X[:, off] = 0.0
        out.append((a, X, g))
    return out


def cross_validate(lists: Lists, l2: float, off: list[int] = ()) -> dict[str, float]:
    """Fit on one parity of articles, score the other, both ways.

    Returns
    -------
    dict
        ``accuracy@1`` and ``mrr`` (means of the two held-out halves), plus the
        per-half figures ``accuracy@1 even`` / ``odd`` and ``mrr even`` / ``odd``.
    """
    article, reqa = _masked(lists.article, list(off)), _masked(lists.reqa, list(off))
    out: dict[str, float] = {}
    for held, name in ((0, "even"), (1, "odd")):
        train = [(X, g) for _, X, g in _half(article, 1 - held) + _half(reqa, 1 - held)]
        w = fit_listwise(train, l2).array()
        out[f"accuracy@1 {name}"] = accuracy(_half(article, held), w)
        out[f"mrr {name}"] = mrr(_half(reqa, held), w)
    out["accuracy@1"] = (out["accuracy@1 even"] + out["accuracy@1 odd"]) / 2
    out["mrr"] = (out["mrr even"] + out["mrr odd"]) / 2
    return out


def _row(label: str, r: dict[str, float], base: dict[str, float] | None = None) -> str:
    gain = ""
    if base is not None:
        gain = f" | {base['mrr'] - r['mrr']:+.4f} | {base['accuracy@1'] - r['accuracy@1']:+.4f}"
    else:
        gain = " | | "
    return (
        f"| {label} | {r['mrr']:.4f} | {r['accuracy@1']:.4f}{gain} | "
        f"{r['mrr even']:.4f} / {r['mrr odd']:.4f} | {r['accuracy@1 even']:.4f} / {r['accuracy@1 odd']:.4f} |"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", default=str(DEFAULT_SQUAD), help="SQuAD v1.1 JSON (default half A)")
    parser.add_argument("--l2", type=float, default=1e-4, help="L2 penalty (default 1e-4)")
    parser.add_argument("--write", metavar="PATH", help="write the weights fitted on the whole file here")
    parser.add_argument("--ablate", action="store_true", help="refit without each feature and print the gains")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    try:
        dataset = ev.load_squad(ev.read_json(args.squad))
    except ev.EvaluationDataError as exc:
        print(f"{Path(__file__).name}: error: {exc} (give the file with --squad)", file=sys.stderr)
        return 2
    began = time.perf_counter()
    try:
        lists = Lists(dataset, progress=not args.no_progress)
    except RetrievalError as exc:  # e.g. passages with no searchable word at all
        print(f"{Path(__file__).name}: error: {exc}", file=sys.stderr)
        return 2
    print(
        f"{args.squad}: {len(lists.article)} questions ({dataset.dropped} dropped: no gold sentence); "
        f"lists built in {time.perf_counter() - began:.0f} s"
    )
    base = cross_validate(lists, args.l2)
    print("Cross-validated by article parity (fit on one half, scored on the other):")
    print("| configuration | MRR | accuracy@1 | MRR gain | accuracy@1 gain | MRR even / odd | accuracy@1 even / odd |")
    print("|---|---|---|---|---|---|---|")
    print(_row("all features (product)", base), flush=True)
    if args.ablate:
        grouped = {name for members in GROUPS.values() for name in members}
        singles = [(f"- {n}", [n]) for n in FEATURE_NAMES if n not in grouped]
        groups = [(f"- {label}", members) for label, members in GROUPS.items()]
        for label, members in singles + groups:
            off = [FEATURE_NAMES.index(n) for n in members]
            print(_row(label, cross_validate(lists, args.l2, off), base), flush=True)
        unspelt = Lists(dataset, progress=not args.no_progress, spelling=False)
        print(_row("- spelling correction (question terms as analyzed)", cross_validate(unspelt, args.l2), base), flush=True)
        alone = Lists(dataset, progress=not args.no_progress, features=replace(DEFAULT_FEATURES, paragraph_neighbours=0))
        label = "- paragraph neighbours (the BM25 candidates only)"
        print(_row(label, cross_validate(alone, args.l2), base), flush=True)
    if args.write:
        weights = fit_listwise([(X, g) for _, X, g in lists.article + lists.reqa], args.l2)
        about = {
            "trained_on": Path(args.squad).name,
            "questions": len(lists.article),
            "lists": "article and reqa candidate lists (benchmarks/train_ranker.py)",
            "l2": args.l2,
            "cross_validated": {k: round(v, 4) for k, v in base.items()},
        }
        write_weights(weights, args.write, about)
        print(f"wrote {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
