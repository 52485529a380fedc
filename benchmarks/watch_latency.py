"""How soon a new article is answerable, with questions answered all the while.

Usage::

    python benchmarks/watch_latency.py [--sentences N] [--data DIR] [--trials 3]

How the corpus is made (printed by every run): the bundled ``corpus/`` article, plus,
with ``--sentences N``, N sentences written as ``benchmarks/bm25_speed.py`` writes them
(the real sentences of ``--data``, default ``../shared/data``: SQuAD contexts and the
speeches; then recombined halves of real sentences, seed 0; 1,000 per article file).
The engine is loaded as ``ask`` loads it (persisted index in ``<corpus>/.index``) and
served through :class:`bot.watch.LiveEngine` with :func:`bot.watch.watching`.

Each trial writes a new article of two sentences (a made-up place, so that nothing
else answers) to a hidden file and renames it into the corpus directory: the moment
of the rename is when it *lands*. One thread asks the new article's question every
20 ms until the answer quotes its sentence (the latency); another thread asks
questions about the bundled article all the while and checks each answer is the
sentence it was before (a question *fails* if it raises or quotes something else).

Printed: per trial the latency, and the reference: a cold ``Engine.load`` of the same
corpus without a persisted index, timed in the same process (the latency is about
one rebuild plus the watch's batching). Targets: <= 5 s for the bundled corpus, <= 60 s
at 10^5 sentences, 0 failed questions.
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STEADY = [  # questions about the bundled article, asked while the corpus changes
    "Who accompanied Putin?",
    "Who is the US State Department spokesperson?",
    "When did Putin last visit Pyongyang?",
    "Where will Putin travel after North Korea?",
]


def _bm25_speed():
    spec = importlib.util.spec_from_file_location("bm25_speed", ROOT / "benchmarks" / "bm25_speed.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _new_article(trial: int) -> tuple[str, str, str]:
    """(file text, question, the sentence that answers it) for trial ``trial``."""
    place = f"Quillmarsh{trial}"
    sentence = f"The lighthouse of {place} was relit by keeper Odile Varga after a storm."
    text = f"---\ntitle: Lighthouse news {trial}\n---\n{sentence}\nIts lamp can be seen for thirty miles.\n"
    return text, f"Who relit the lighthouse of {place}?", sentence


def _first(engine, question: str) -> str | None:
    result = engine.answer(question)
    return result.quotes[0].hit.text if result.answered else None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sentences", type=int, default=0, help="extra sentences beside the bundled article")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--trials", type=int, default=3)
    args = parser.parse_args(argv)

    from bot.watch import live_engine, watching
    from retrieval import Engine, Settings

    with tempfile.TemporaryDirectory(prefix="watch-latency-") as scratch:
        corpus = Path(scratch) / "corpus"
        shutil.copytree(ROOT / "corpus", corpus)
        how = "the bundled article"
        if args.sentences:
            module = _bm25_speed()
            real, _ = module.real_text(args.data)
            recombined = module.make_corpus(real, args.sentences, corpus)
            how += (
                f" + {args.sentences:,} sentences from {args.data} ({args.sentences - recombined:,} real, "
                f"{recombined:,} recombined halves, seed 0; {module.SENTENCES_PER_ARTICLE:,} per file)"
            )
        print(f"corpus: {how}")
        started = time.perf_counter()
        Engine.load(corpus, index_dir=False)
        cold = time.perf_counter() - started
        engine = Engine.load(corpus)  # as ask loads it: persisted index in <corpus>/.index
        print(f"sentences indexed: {len(engine.sentences):,}; cold load without persisted index {cold:.2f} s")
        expected = {q: _first(engine, q) for q in STEADY}
        reports: list[str] = []
        live = live_engine(engine, corpus, Settings(), None, reports.append)
        asked, failed, times = [0], [], []
        stop = threading.Event()

        def steady() -> None:
            i = 0
            while not stop.is_set():
                question = STEADY[i % len(STEADY)]
                i += 1
                t = time.perf_counter()
                try:
                    got = _first(live, question)
                except Exception as exc:  # noqa: BLE001 - counted as a failure
                    got = f"{type(exc).__name__}: {exc}"
                times.append(time.perf_counter() - t)
                asked[0] += 1
                if got != expected[question]:
                    failed.append((question, got))
                time.sleep(0.005)

        latencies = []
        with watching(live):
            worker = threading.Thread(target=steady, daemon=True)
            worker.start()
            time.sleep(1.5)  # the watch is set up
            for trial in range(1, args.trials + 1):
                text, question, sentence = _new_article(trial)
                hidden = corpus / f".trial-{trial}.md.part"
                hidden.write_text(text, "utf-8")
                landed = time.perf_counter()
                hidden.rename(corpus / f"lighthouse-{trial}.md")
                while _first(live, question) != sentence:
                    if time.perf_counter() - landed > 600:
                        print(f"trial {trial}: not answerable after 600 s")
                        break
                    time.sleep(0.02)
                latencies.append(time.perf_counter() - landed)
                print(f"trial {trial}: answerable {latencies[-1]:.2f} s after it landed "
                      f"({latencies[-1] / cold:.2f} x the cold load)")
            stop.set()
            worker.join()
        target = 5.0 if not args.sentences else 60.0
        print(f"latency: max {max(latencies):.2f} s, median {statistics.median(latencies):.2f} s "
              f"(target <= {target:g} s): {'OK' if max(latencies) <= target else 'MISSED'}")
        times.sort()
        print(f"questions answered meanwhile: {asked[0]:,}, failed: {len(failed)}; answer time p50 "
              f"{1000 * times[len(times) // 2]:.1f} ms, max {1000 * times[-1]:.1f} ms")
        for question, got in failed[:5]:
            print(f"  failed: {question!r} -> {got!r}")
        for line in reports:
            print(f"  report: {line}")
    return 0 if max(latencies) <= target and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
