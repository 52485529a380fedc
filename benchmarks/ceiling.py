"""Where the within-article ranking loses: paragraph identification versus sentence choice.

Usage::

    python benchmarks/ceiling.py [--squad ../shared/data/squad-v1.1-dev-A.json]

For each answerable question, with each article indexed alone and the product's
ranking (:func:`retrieval.answer.ranked`, no abstention), prints the share of
questions whose

* best-ranked sentence is gold (the ranking's accuracy@1, before abstaining);
* best-ranked sentence lies in a gold sentence's paragraph;
* gold sentence would be first if the ranking kept only the gold paragraph's
  candidates (an oracle paragraph: the ceiling of perfect paragraph identification);
* gold sentences are not candidates at all (they share no term with the question and
  are not in the paragraph of one of the best BM25 candidates);
* gold sentence is outranked by a candidate matching a strict superset of its
  question terms (the superset guarantee, measured and not kept, would keep it below).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from retrieval import evaluate as ev  # noqa: E402
from retrieval.answer import DEFAULT_FEATURES, ranked as rank_candidates  # noqa: E402
from retrieval.query import query_of  # noqa: E402
from retrieval.spell import spelled  # noqa: E402
from retrieval.index import SentenceIndex  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQUAD = ROOT.parent / "shared" / "data" / "squad-v1.1-dev-A.json"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", default=str(DEFAULT_SQUAD), help="SQuAD v1.1 JSON (default half A)")
    args = parser.parse_args(argv)
    try:
        dataset = ev.load_squad(ev.read_json(args.squad))
    except ev.EvaluationDataError as exc:
        print(f"{Path(__file__).name}: error: {exc} (give the file with --squad)", file=sys.stderr)
        return 2
    questions = [q for q in dataset.questions if not q.impossible]
    counts = dict.fromkeys(("top is gold", "top in gold paragraph", "oracle paragraph", "no candidate", "dominated"), 0)
    index, article = None, None
    for q in questions:
        if q.article != article:
            article, index = q.article, SentenceIndex.build(dataset.articles[q.article])
        text, terms = spelled(q.text, index)  # as the product searches
        ranked = rank_candidates(query_of(text, terms), index, DEFAULT_FEATURES)[0]
        gold = [c for c in ranked if index.sentence(c.position).id in q.gold]
        if not gold:
            counts["no candidate"] += 1
            continue
        paragraph = lambda c: index.sentence(c.position).citation.paragraph  # noqa: E731
        top = ranked[0]
        counts["top is gold"] += top is gold[0]
        counts["top in gold paragraph"] += paragraph(top) in {paragraph(g) for g in gold}
        counts["oracle paragraph"] += [c for c in ranked if paragraph(c) == paragraph(gold[0])][0] is gold[0]
        counts["dominated"] += any(gold[0].matched < c.matched for c in ranked)
    print(f"{len(questions)} answerable questions ({dataset.dropped} dropped: no gold sentence)")
    for name, n in counts.items():
        print(f"{name:24} {n / len(questions):.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
