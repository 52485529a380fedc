"""Score the sentence segmenter on the English "Golden Rules" (pySBD's 48 cases).

Usage (from the project root)::

    python benchmarks/segmentation.py [--golden ../shared/data/sbd-golden-en.jsonl] [--json]

A case is correct when the list of sentences is exactly the expected list.  The
baseline is nltk's ``PunktSentenceTokenizer()`` with default (untrained, empty)
parameters.  With ``--json`` the last line is
``{"correct": N, "total": T, "baseline_correct": M}``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_GOLDEN = ROOT / "../shared/data/sbd-golden-en.jsonl"


def load_cases(path: Path) -> list[dict]:
    """Read the JSONL golden file: one ``{"id", "rule", "text", "sentences"}`` per line."""
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Score retrieval.segment on the Golden Rules.")
    parser.add_argument("--golden", type=Path, default=DEFAULT_GOLDEN, help="JSONL golden file")
    parser.add_argument("--json", action="store_true", help="end with a one-line JSON summary")
    args = parser.parse_args(argv)

    try:
        cases = load_cases(args.golden)
    except FileNotFoundError:
        print(f"error: golden file not found: {args.golden}", file=sys.stderr)
        return 2
    except (OSError, ValueError) as exc:
        print(f"error: cannot read golden file {args.golden}: {exc}", file=sys.stderr)
        return 2

    from nltk.tokenize.punkt import PunktSentenceTokenizer

    from retrieval.segment import SEGMENTER_VERSION, sentences

    baseline = PunktSentenceTokenizer()
    correct = baseline_correct = 0
    failures = []
    for case in cases:
        expected = case["sentences"]
        got = sentences(case["text"])
        base = [case["text"][s:e] for s, e in baseline.span_tokenize(case["text"])]
        correct += got == expected
        baseline_correct += base == expected
        if got != expected:
            failures.append((case, got))

    print(f"segmenter {SEGMENTER_VERSION}")
    if failures:
        print(f"\n{'id':>3}  rule / expected (-) / got (+)")
        for case, got in failures:
            print(f"{case['id']:>3}  {case['rule']}")
            for s in case["sentences"]:
                print(f"       - {s!r}")
            for s in got:
                print(f"       + {s!r}")
    total = len(cases)
    print(f"\ncorrect {correct}/{total}   baseline (untrained Punkt) {baseline_correct}/{total}")
    if args.json:
        print(json.dumps({"correct": correct, "total": total, "baseline_correct": baseline_correct}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
