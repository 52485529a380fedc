"""Score the sentence segmenter on two English sets, beside pySBD and untrained Punkt.

Usage (from the project root)::

    pip install -e '.[bench]'          # pySBD, for the comparison column
    python benchmarks/segmentation.py [--golden ../shared/data/sbd-golden-en.jsonl]
                                      [--held-out benchmarks/data/news-paragraphs-en.jsonl] [--json]

The two sets:

* **Golden Rules** (pySBD's 48 English cases): the Punkt parameters and the join rules
  of :mod:`retrieval.segment` were tuned on them, so ours is scored *in-sample* there.
* **News paragraphs** (``benchmarks/data/news-paragraphs-en.jsonl``): 100 news-style
  paragraphs, 202 sentences, written by hand for issue 17 and never used for tuning
  (abbreviations, initials, decimals, money, quotes, questions in running news prose).
  The held-out figure.

A case is correct when the list of sentences is exactly the expected list (every
system's sentences stripped of surrounding whitespace). Systems: ours; pySBD
(``pysbd.Segmenter(language="en", clean=False)``, rule-based, MIT; skipped with a note
when not installed); nltk's ``PunktSentenceTokenizer()`` with default (untrained, empty)
parameters. With ``--json`` the last line is
``{"<set>": {"total": T, "ours": N, "pysbd": P, "punkt_untrained": M}, ...}``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_GOLDEN = ROOT / "../shared/data/sbd-golden-en.jsonl"
DEFAULT_HELD_OUT = ROOT / "benchmarks/data/news-paragraphs-en.jsonl"


def load_cases(path: Path) -> list[dict]:
    """Read a JSONL file: one ``{"id", "text", "sentences"}`` (``"rule"`` optional) per line."""
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def systems() -> dict:
    """``{name: text -> list of sentences}`` for every system that can run here."""
    from nltk.tokenize.punkt import PunktSentenceTokenizer

    from retrieval.segment import sentences

    out = {"ours": sentences}
    try:
        import pysbd
    except ImportError:
        print("note: pySBD not installed (pip install -e '.[bench]'): its column is left out", file=sys.stderr)
    else:
        segmenter = pysbd.Segmenter(language="en", clean=False)
        out["pysbd"] = lambda text: [s.strip() for s in segmenter.segment(text) if s.strip()]
    punkt = PunktSentenceTokenizer()
    out["punkt_untrained"] = lambda text: [text[s:e].strip() for s, e in punkt.span_tokenize(text)]
    return out


def score(cases: list[dict], runners: dict) -> tuple[dict, list]:
    """Exact-match counts per system, and ours's failures as ``(case, got)``."""
    counts = {name: 0 for name in runners}
    failures = []
    for case in cases:
        for name, run in runners.items():
            got = run(case["text"])
            counts[name] += got == case["sentences"]
            if name == "ours" and got != case["sentences"]:
                failures.append((case, got))
    return counts, failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Score retrieval.segment on two English sets.")
    parser.add_argument("--golden", type=Path, default=DEFAULT_GOLDEN, help="Golden Rules JSONL (tuning set)")
    parser.add_argument("--held-out", type=Path, default=DEFAULT_HELD_OUT, help="held-out news paragraphs JSONL")
    parser.add_argument("--json", action="store_true", help="end with a one-line JSON summary")
    args = parser.parse_args(argv)

    sets = {}
    for label, path in (("golden_rules", args.golden), ("news_paragraphs", args.held_out)):
        try:
            sets[label] = load_cases(path)
        except FileNotFoundError:
            print(f"error: file not found: {path}", file=sys.stderr)
            return 2
        except (OSError, ValueError) as exc:
            print(f"error: cannot read {path}: {exc}", file=sys.stderr)
            return 2

    from retrieval.segment import SEGMENTER_VERSION

    runners = systems()
    print(f"segmenter {SEGMENTER_VERSION}")
    summary = {}
    for label, cases in sets.items():
        counts, failures = score(cases, runners)
        summary[label] = {"total": len(cases), **counts}
        if failures:
            print(f"\n{label}: ours misses\n{'id':>3}  rule / expected (-) / got (+)")
            for case, got in failures:
                print(f"{case['id']:>3}  {case.get('rule', '')}")
                for s in case["sentences"]:
                    print(f"       - {s!r}")
                for s in got:
                    print(f"       + {s!r}")
    names = list(runners)
    print(f"\n{'set (cases)':<34}" + "".join(f"{n:>17}" for n in names))
    notes = {"golden_rules": "Golden Rules, tuned on", "news_paragraphs": "news paragraphs, held out"}
    for label, row in summary.items():
        print(f"{notes[label] + ' (' + str(row['total']) + ')':<34}" + "".join(f"{row[n]:>17}" for n in names))
    if args.json:
        print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
