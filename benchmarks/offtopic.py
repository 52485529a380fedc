"""Off-topic abstention on SQuAD: ask each article the next article's questions.

Usage::

    python benchmarks/offtopic.py [../shared/data/squad-v1.1-dev-A.json] [--json]

For each article i of the file, its own answerable questions and the answerable
questions of article i+1 (mod the number of articles) are asked of article i's
sentences alone (indexed by themselves, as the product indexes a corpus). Nothing in
article i answers article i+1's questions, so the product should refuse them
(issue 12's cross-article test). Prints ``offtopic_abstain_recall`` (share of the
off-topic questions refused), ``answerable_abstain_rate`` (share of the article's own
questions refused) and ``questions`` (both kinds together).

This is the prototype of ``python -m retrieval.evaluate FILE --mode offtopic``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from retrieval import evaluate as ev  # noqa: E402

DEFAULT_SQUAD = ROOT.parent / "shared" / "data" / "squad-v1.1-dev-A.json"


def offtopic_pairs(dataset: ev.Dataset):
    """``(article i, question, off_topic)`` for every article's own answerable questions
    and the next article's (off_topic True), grouped by article i."""
    by_article: dict[int, list[ev.Question]] = {}
    for q in dataset.questions:
        if not q.impossible:
            by_article.setdefault(q.article, []).append(q)
    count = len(dataset.articles)
    for i in range(count):
        for q in by_article.get(i, []):
            yield i, q, False
        for q in by_article.get((i + 1) % count, []):
            yield i, q, True


def run_offtopic(dataset: ev.Dataset, make=ev.ProductRanker, progress: bool = False) -> dict:
    ranker, current = None, None
    own = refused_own = off = refused_off = 0
    pairs = list(offtopic_pairs(dataset))
    for i, q, off_topic in ev._progress(pairs, "offtopic", progress):
        if i != current:
            current, ranker = i, make(dataset.articles[i])
        refused = ranker.top(q.text) is None
        if off_topic:
            off += 1
            refused_off += refused
        else:
            own += 1
            refused_own += refused
    return {
        "offtopic_abstain_recall": refused_off / off if off else 0.0,
        "answerable_abstain_rate": refused_own / own if own else 0.0,
        "questions": own + off,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("squad", nargs="?", default=str(DEFAULT_SQUAD))
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    dataset = ev.load_squad(ev.read_json(args.squad))
    out = run_offtopic(dataset, progress=not args.no_progress)
    print(json.dumps(out) if args.json else "\n".join(f"{k:26s}{v:.4f}" if isinstance(v, float) else f"{k:26s}{v}" for k, v in out.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
