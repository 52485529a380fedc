"""How often the highlighted phrase is the answer, on SQuAD v1.1 dev half A.

Usage::

    python benchmarks/highlight_quality.py [--data ../shared/data]

For every question of ``squad-v1.1-dev-A.json``, the gold sentence (the sentence of its
paragraph, cut by :func:`retrieval.segment.split_sentences`, that holds the first gold
answer's start) is given to :func:`retrieval.highlight.highlight` with the question --
retrieval plays no part: this measures the picking alone. Per kind of question (the
type :mod:`retrieval.highlight` reads: person, place, date, number, age, or none):

* offered: share of questions given a highlight;
* hit: share of highlights overlapping a gold answer (any of the annotators');
* exact: share of highlights equal to a gold answer (case and outer punctuation
  ignored).

A highlight that is wrong costs a reader more than none, so "hit" matters most.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _norm(text: str) -> str:
    return " ".join(text.lower().strip(" .,;:'\"()").split())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args(argv)

    from retrieval.highlight import answer_type, highlight
    from retrieval.segment import split_sentences

    data = json.loads((args.data / "squad-v1.1-dev-A.json").read_text("utf-8"))["data"]
    stats: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # questions, offered, hit, exact
    for article in data:
        for paragraph in article["paragraphs"]:
            context = paragraph["context"]
            spans = split_sentences(context)
            for qa in paragraph["qas"]:
                first = qa["answers"][0]["answer_start"]
                found = [(s, e) for s, e in spans if s <= first < e]
                if not found:
                    continue
                start, end = found[0]
                kind = answer_type(qa["question"]) or "none"
                row = stats[kind]
                row[0] += 1
                picked = highlight(qa["question"], context[start:end])
                if picked is None:
                    continue
                row[1] += 1
                lo, hi = start + picked.start, start + picked.end
                golds = [(a["answer_start"], a["answer_start"] + len(a["text"]), a["text"]) for a in qa["answers"]]
                row[2] += any(lo < g_end and g_start < hi for g_start, g_end, _ in golds)
                row[3] += any(_norm(picked.text) == _norm(text) for _, _, text in golds)
    print("SQuAD v1.1 dev half A, the gold sentence given: highlight per question type")
    print(f"{'type':<8} {'questions':>9} {'offered':>8} {'hit':>6} {'exact':>6}")
    total = [0, 0, 0, 0]
    for kind in sorted(stats, key=lambda k: -stats[k][0]):
        n, offered, hit, exact = stats[kind]
        total = [a + b for a, b in zip(total, stats[kind])]
        print(f"{kind:<8} {n:>9,} {offered / n:>8.1%} {hit / max(offered, 1):>6.1%} {exact / max(offered, 1):>6.1%}")
    n, offered, hit, exact = total
    print(f"{'all':<8} {n:>9,} {offered / n:>8.1%} {hit / max(offered, 1):>6.1%} {exact / max(offered, 1):>6.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
