"""Answer time on a corpus that is one very long sentence (not a test; prints figures).

Usage::

    python benchmarks/long_sentence.py [--words 10000 100000 1000000] [--repeat 3]

For each size N, a corpus directory holds one file: N words drawn at random (seed 0)
from a vocabulary, joined by spaces, with one full stop at the end -- one sentence, no
boundary for the segmenter to find. Two vocabularies: the five words of the bug report
(``alpha beta Putin visited Korea``: every word a question term, the worst case for the
per-term work) and the words of the bundled article (``corpus/``: about a thousand
distinct words). Each corpus is loaded with ``Engine.load(..., index_dir=False)``.

The questions (:data:`QUESTIONS`) ask for a date, a number, a person and a place (the
answer-type cues), or nothing in particular, and one is ten words long (the longest-run
feature). Each (corpus, question) is timed in a new process, after a warm-up question
on a separate engine over the bundled article, so every answer pays the first look at
its corpus (the sentence's words as written, its distinct words), as the first question
about it would. The reference is the same question on a freshly loaded bundled article
(normal sentences), measured in exactly the same way: a new process, the same warm-up,
the first answer of the new engine. Both sides keep the best of ``--repeat`` such
processes (default 3: one cold run is at the mercy of the machine's load).

Printed: per corpus, the slowest and the median answer over the questions in seconds,
and the largest and the median ratio of a question's answer time to its reference.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CORPUS = ROOT / "corpus"
REPORTED = ["alpha", "beta", "Putin", "visited", "Korea"]
QUESTIONS = [
    "When did Putin visit Korea?",
    "How many times did Putin visit Korea?",
    "Who visited Putin in Korea?",
    "Which city did Putin visit?",
    "Did Putin visit North Korea?",
    "alpha beta Putin visited Korea alpha beta Putin visited Korea",
]


def article_words() -> list[str]:
    """The distinct words of the bundled article (punctuation stripped), in order of
    first occurrence."""
    text = " ".join(path.read_text("utf-8") for path in sorted(CORPUS.glob("*.md")))
    stripped = (w.strip(".,;:!?\"'()[]—“”’") for w in text.split())
    return list(dict.fromkeys(w for w in stripped if w))


def write_sentence(directory: Path, words: list[str], n: int) -> Path:
    """One file of ``n`` words from ``words`` (seed 0) and a final full stop."""
    rng = random.Random(0)
    directory.mkdir(parents=True)
    (directory / "l.txt").write_text(" ".join(rng.choice(words) for _ in range(n)) + ".", "utf-8")
    return directory


def _warm_engine():
    from retrieval import Engine

    engine = Engine.load(CORPUS, index_dir=False)
    engine.answer(QUESTIONS[0])
    return engine


def _child(corpus: Path, question: str, out) -> None:
    from retrieval import Engine

    _warm_engine()  # imports, ranker weights, stemmer: not what is measured
    engine = Engine.load(corpus, index_dir=False)
    start = time.perf_counter()
    result = engine.answer(question)
    out.put((time.perf_counter() - start, result.reason))


def _run(target, *args):
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    process = ctx.Process(target=target, args=(*args, out))
    process.start()
    result = out.get()
    process.join()
    return result


def _cold(corpus: Path, question: str, repeat: int) -> float:
    """Seconds of the first answer to ``question`` on a new engine over ``corpus``, in a
    new process (:func:`_child`), best of ``repeat`` processes."""
    return min(_run(_child, corpus, question)[0] for _ in range(repeat))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--words", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument(
        "--repeat", type=int, default=3, help="new processes per measurement, both sides (best kept)"
    )
    args = parser.parse_args(argv)

    reference = {q: _cold(CORPUS, q, args.repeat) for q in QUESTIONS}
    print(
        "reference (bundled article, normal sentences, first answer of a new engine): "
        + ", ".join(f"{reference[q] * 1000:.1f} ms" for q in QUESTIONS)
        + f" for the {len(QUESTIONS)} questions"
    )
    vocabularies = {"5 words of the report": REPORTED, "words of the bundled article": article_words()}
    print(f"{'vocabulary':<30} {'words':>9} {'slowest s':>10} {'median s':>9} {'max ratio':>10} {'median ratio':>13}")
    with tempfile.TemporaryDirectory(prefix="long-sentence-") as work:
        for label, words in vocabularies.items():
            for n in args.words:
                corpus = write_sentence(Path(work) / f"{len(words)}-{n}", words, n)
                timed = [(_cold(corpus, q, args.repeat), q) for q in QUESTIONS]
                seconds = [t for t, _ in timed]
                ratios = [t / reference[q] for t, q in timed]
                print(
                    f"{label:<30} {n:>9,} {max(seconds):>10.3f} {statistics.median(seconds):>9.3f} "
                    f"{max(ratios):>9.0f}x {statistics.median(ratios):>12.0f}x"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
