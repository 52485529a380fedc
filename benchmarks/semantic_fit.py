"""Choose the semantic scorer's weight (lambda) on SQuAD, cross-validated by article.

Usage::

    python benchmarks/semantic_fit.py [SQUAD_JSON] [--semantic on] [--cache DIR]

The ranking with semantic on is ``linear score + lambda * cosine``
(:meth:`retrieval.semantic_scorer.SemanticScorer.combine`), ordered by
:func:`retrieval.scoring.order` with ``complete_first`` on or off. For every answerable
question of the file (default ``../shared/data/squad-v1.1-dev-A.json``) the product's
candidates and linear scores are computed once, as :func:`retrieval.answer.ranked` does,
both within its article and over every sentence of the file (ReQA); the cosines come from
the model (every sentence and question embedded once; ``--cache`` keeps the vectors).

Printed, per ``complete_first`` setting and lambda: within-article accuracy@1 (the best
candidate is gold, before any abstention) and ReQA MRR, as means over the two halves of
the articles (even / odd numbered). Then the cross-validated figure: lambda chosen on one
half (by accuracy@1 + MRR), scored on the other, both ways. The chosen values go into
``retrieval/semantic_scorer.py`` (``WEIGHT``, ``COMPLETE_FIRST``) and docs/quality.md.
"""

from __future__ import annotations

import argparse
import hashlib
import pickle
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from retrieval import evaluate_data as ed  # noqa: E402
from retrieval.candidates import candidate_positions  # noqa: E402
from retrieval.features import candidate_features  # noqa: E402
from retrieval.index import SentenceIndex  # noqa: E402
from retrieval.policy import DEFAULT_FEATURES  # noqa: E402
from retrieval.query import parse_query  # noqa: E402
from retrieval.scoring import LinearScorer, order  # noqa: E402
from retrieval.semantic import load_model  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQUAD = ROOT.parent / "shared" / "data" / "squad-v1.1-dev-A.json"
LAMBDAS = (0.0, 1.0, 2.0, 4.0, 8.0, 12.0, 16.0, 20.0, 25.0, 30.0, 40.0)


def _cached(cache: Path | None, name: str, compute):
    if cache is None:
        return compute()
    path = cache / name
    if path.exists():
        return pickle.loads(path.read_bytes())
    value = compute()
    path.write_bytes(pickle.dumps(value))
    return value


def embedded(model, sentences, questions, squad: str, cache: Path | None) -> tuple[dict, dict, str]:
    """Sentence id -> float16 vector and question id -> float32 vector under ``model``
    (kept in ``cache`` as ``vectors-TAG.pkl``), and TAG (the file and the model's identity)."""
    tag = hashlib.sha256((squad + repr(model.identity)).encode()).hexdigest()[:12]
    from tqdm import tqdm

    def embed():
        with tqdm(total=len(sentences), desc="sentences", file=sys.stderr, leave=False) as bar:
            rows = model.embed_passages([s.text for s in sentences], progress=bar.update).astype(np.float16)
        asked = np.stack([model.embed_query(q.text) for q in tqdm(questions, desc="questions", file=sys.stderr, leave=False)])
        return rows, asked.astype(np.float16)

    rows, asked = _cached(cache, f"vectors-{tag}.pkl", embed)
    vectors = {s.id: rows[i] for i, s in enumerate(sentences)}
    queries = {q.id: asked[i].astype(np.float32) for i, q in enumerate(questions)}
    return vectors, queries, tag


def one_article_index(dataset):
    """``article_index(question, index=None) -> SentenceIndex``: the index of the
    question's own article, built on first use and kept until a question of another
    article comes (the questions arrive grouped by article, so each is built once and
    only one is held in memory)."""
    articles: dict[int, SentenceIndex] = {}

    def article_index(q, index=None):
        if q.article not in articles:
            articles.clear()
            articles[q.article] = SentenceIndex.build(dataset.articles[q.article])
        return articles[q.article]

    return article_index


def _lists(index_of, vectors: dict, queries: dict, questions) -> list:
    """Per question: (article, candidates, linear scores, cosines, gold flags)."""
    out = []
    index = None
    for q in questions:
        index = index_of(q, index)
        query = parse_query(q.text, index)
        scored = candidate_positions(index, query.terms, DEFAULT_FEATURES) if query.terms else []
        if not scored:
            out.append((q.article, None, None, None, None))
            continue
        found = candidate_features(index, query, scored, DEFAULT_FEATURES)
        linear = LinearScorer.of(DEFAULT_FEATURES).score(query, found)
        ids = [index.sentence(c.position).id for c in found.items]
        cosine = np.stack([vectors[i] for i in ids]).astype(np.float32) @ queries[q.id]
        gold = np.array([i in q.gold for i in ids])
        out.append((q.article, found, linear, cosine.astype(np.float64), gold))
    return out


def _first_gold(item, lam: float, features) -> int | None:
    _, found, linear, cosine, gold = item
    if found is None:
        return None
    where = {c.position: i for i, c in enumerate(found.items)}
    for rank, c in enumerate(order(found, linear + lam * cosine, features)):
        if gold[where[c.position]]:
            return rank
    return None


def _metrics(items, lam: float, features) -> tuple[float, float]:
    ranks = [_first_gold(item, lam, features) for item in items]
    return float(np.mean([r == 0 for r in ranks])), float(np.mean([0.0 if r is None else 1 / (r + 1) for r in ranks]))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("squad", nargs="?", default=str(DEFAULT_SQUAD))
    parser.add_argument("--semantic", default="on", help="the model (default on: the bundled one)")
    parser.add_argument("--cache", type=Path, help="keep vectors and candidate lists here between runs")
    args = parser.parse_args(argv)
    if args.cache is not None:
        args.cache.mkdir(parents=True, exist_ok=True)
    dataset = ed.load_squad(ed.read_json(args.squad))
    model = load_model(args.semantic)
    sentences = dataset.sentences
    questions = [q for q in dataset.questions if not q.impossible]
    vectors, queries, tag = embedded(model, sentences, questions, args.squad, args.cache)
    article_index = one_article_index(dataset)

    def build():
        whole = SentenceIndex.build(sentences)
        return _lists(article_index, vectors, queries, questions), _lists(lambda q, i: whole, vectors, queries, questions)

    within, reqa = _cached(args.cache, f"lists-{tag}.pkl", build)
    print(f"{args.squad}: {len(questions)} answerable questions, {len(sentences)} sentences, model {model.name}")
    for complete_first in (True, False):
        features = replace(DEFAULT_FEATURES, complete_first=complete_first)
        print(f"complete_first={complete_first}")
        print(f"  {'lambda':>6}  {'acc@1':>7}  {'mrr':>7}   (means of the two halves)")
        table = {}
        for lam in LAMBDAS:
            for half in (0, 1):
                acc = _metrics([i for i in within if i[0] % 2 == half], lam, features)[0]
                mrr = _metrics([i for i in reqa if i[0] % 2 == half], lam, features)[1]
                table[lam, half] = (acc, mrr)
            print(f"  {lam:6.1f}  {np.mean([table[lam, h][0] for h in (0, 1)]):7.4f}  {np.mean([table[lam, h][1] for h in (0, 1)]):7.4f}")
        held_out = []
        for held in (0, 1):
            best = max(LAMBDAS, key=lambda lam: sum(table[lam, 1 - held]))
            held_out.append((best, *table[best, held]))
        shown = ", ".join(f"lambda {b:g} -> acc@1 {a:.4f}, mrr {m:.4f}" for b, a, m in held_out)
        print(f"  cross-validated (chosen on one half, scored on the other): {shown}")
        print(f"  mean: acc@1 {np.mean([h[1] for h in held_out]):.4f}, mrr {np.mean([h[2] for h in held_out]):.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
