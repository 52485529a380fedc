"""What the semantic scorer costs: index build per sentence, question latency, memory.

Usage::

    python benchmarks/semantic_speed.py --sentences N [--data DIR] [--queries 100]
        [--semantic on] [--sample S] [--json]

The corpus is made as ``benchmarks/bm25_speed.py`` makes it (real sentences of
``--data``, default ``../shared/data``, then recombined ones; 1,000 per article file).
Each measurement runs in its own child process so that peak RSS is its own:

1. build: the sparse index (:func:`retrieval.build.build_corpus_index` +
   :func:`retrieval.store.save`), then the sentence vectors
   (:func:`retrieval.semantic_store.sentence_vectors`, written beside the index); the
   lexical build's ms per sentence, the vectors' extra ms per sentence, and the ratio.
   With ``--sample S`` only the first S sentences are embedded (the rate is per
   sentence: it does not depend on N) and the other rows are copies of them, so that
   the serving measurement below still runs at N sentences; the output says so.
2. serve, semantic off: :meth:`retrieval.Engine.load` from the index and ``--queries``
   SQuAD questions (seed 1) through ``Engine.answer``: p50/p99 and peak RSS.
3. serve, semantic on: the same with the model loaded and the vectors read from disk;
   p50/p99, the p50 extra over (2), the model load seconds and peak RSS.

Figures are wall-clock on a shared machine: compare the two columns of one run, not
runs made at different times.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bm25_speed import _peak_rss_mib, make_corpus, real_text  # noqa: E402


def _child_build(corpus, index_dir, semantic, sample, out):
    from retrieval import Settings, store
    from retrieval.build import build_corpus_index
    from retrieval.semantic import load_model
    from retrieval.semantic_store import sentence_vectors

    settings = Settings()
    fingerprint = store.fingerprint(corpus, settings)
    started = time.perf_counter()
    index = build_corpus_index(corpus, settings)
    store.save(index, index_dir, fingerprint, corpus_dir=corpus)
    lexical = time.perf_counter() - started
    model = load_model(semantic, threads=None)
    embedded = index.size if not sample else min(sample, index.size)
    started = time.perf_counter()
    if embedded == index.size:
        sentence_vectors(model, index, index_dir, progress=False)
    else:
        import numpy as np

        from retrieval import semantic_store

        part = model.embed_passages([index.sentence(i).text for i in range(embedded)]).astype(np.float16)
        rows = np.resize(part, (index.size, part.shape[1]))  # copies: timing of the serving side only
        semantic_store._write(Path(index_dir), semantic_store._key(model, index), rows)
    vectors = time.perf_counter() - started
    out.put(
        {
            "sentences": index.size,
            "embedded": embedded,
            "lexical_ms_per_sentence": 1000 * lexical / index.size,
            "semantic_ms_per_sentence": 1000 * vectors / embedded,
            "build_rss_mib": _peak_rss_mib(),
        }
    )


def _child_serve(corpus, index_dir, semantic, questions, out):
    from retrieval import Engine, Settings

    started = time.perf_counter()
    engine = Engine.load(corpus, Settings(semantic=semantic), index_dir=index_dir)
    loaded = time.perf_counter() - started
    engine.answer(questions[0])  # warm-up
    times = []
    for q in questions:
        started = time.perf_counter()
        engine.answer(q)
        times.append(1000 * (time.perf_counter() - started))
    times.sort()
    out.put(
        {
            "load_s": loaded,
            "p50_ms": statistics.median(times),
            "p99_ms": times[min(len(times) - 1, int(0.99 * len(times)))],
            "rss_mib": _peak_rss_mib(),
        }
    )


def _run(target, *args):
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    process = context.Process(target=target, args=(*args, out))
    process.start()
    result = out.get()
    process.join()
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sentences", type=int, default=10_000)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--semantic", default="on", help="the model (default on: the bundled one)")
    parser.add_argument("--sample", type=int, default=0, help="embed only this many sentences (0: all)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    real, questions = real_text(args.data)
    questions = random.Random(1).sample(questions, min(args.queries, len(questions)))
    with tempfile.TemporaryDirectory() as tmp:
        corpus, index_dir = Path(tmp) / "corpus", Path(tmp) / "index"
        recombined = make_corpus(real, args.sentences, corpus)
        print(f"corpus: {args.sentences} sentences ({recombined} recombined), {len(questions)} questions", file=sys.stderr)
        build = _run(_child_build, corpus, index_dir, args.semantic, args.sample)
        off = _run(_child_serve, corpus, index_dir, "off", questions)
        on = _run(_child_serve, corpus, index_dir, args.semantic, questions)
    print(f"sentences indexed            {build['sentences']}")
    if build["embedded"] != build["sentences"]:
        print(f"sentences embedded           {build['embedded']} (the other vectors are copies: serving timing only)")
    print(f"lexical build ms/sentence    {build['lexical_ms_per_sentence']:.3f}")
    print(f"semantic extra ms/sentence   {build['semantic_ms_per_sentence']:.3f}")
    print(f"build peak RSS MiB           {build['build_rss_mib']:.0f}")
    print(f"{'':28} {'off':>10} {'on':>10}")
    for key in ("load_s", "p50_ms", "p99_ms", "rss_mib"):
        print(f"{key:28} {off[key]:10.1f} {on[key]:10.1f}")
    print(f"question p50 extra ms        {on['p50_ms'] - off['p50_ms']:.1f}")
    if args.json:
        print(json.dumps({"build": build, "off": off, "on": on, "semantic": args.semantic}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
