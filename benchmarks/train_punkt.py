"""Regenerate ``retrieval/data/punkt_params.json``, the segmenter's Punkt parameters.

Usage (from the project root)::

    python benchmarks/train_punkt.py [--speeches ../shared/data/speeches] [--out PATH]

What goes into the file:

* ``ortho_context`` and ``collocations`` are learned by nltk's ``PunktTrainer``
  (Kiss & Strunk 2006) on the public-domain US presidential speeches (every
  ``*.txt`` under ``--speeches``, read in sorted order, so the result is
  deterministic).  Only ortho entries with a lower-case flag are kept: for a
  capitalised next word Punkt only ever asks "seen lower-case?" and "seen
  capitalised mid-sentence?", and an entry without a lower-case flag answers
  like a missing one; lower-case next words are always joined by our rules.
* ``abbrev_types`` is our curated list of news abbreviations below, plus the
  multi-period abbreviations the trainer found (``d.c``, ``h.r`` ...).  The
  trainer's single-word guesses are not used: on speeches they include words
  such as ``amen`` and ``fox``.
* ``sent_starters`` is the trainer's list plus a curated list of function words
  that commonly open an English sentence (used by Punkt only after an
  abbreviation, e.g. "in the U.S. How ...").

Nothing is copied from the training text except these word types and flags.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

TITLES = (
    "mr mrs ms messrs mme mlle dr prof rev hon fr pres gov sen rep st jr sr esq "
    "gen col lt sgt capt cmdr adm maj brig cpl pvt supt insp det atty"
)
MONTHS = "jan feb mar apr jun jul aug sep sept oct nov dec"
DAYS = "mon tue tues thu thur thurs fri"  # not "wed", "sat", "sun": common words
BUSINESS = "inc corp co ltd llc plc bros assn dept univ govt"
US_STATES = (  # AP style; not "ill", "mass", "wash", "miss" (common words)
    "ala ariz ark calif colo conn del fla ga kan ky la md mich minn mo mont "
    "neb nev okla ore pa tenn tex va vt wis wyo"
)
MISC = (
    "vs etc e.g i.e a.m p.m u.s u.k u.n u.s.a ph.d no nos n° approx est fig figs "
    "p pp vol vols ed eds cf al ca viz ave blvd rd mt ft"
)
# Single letters (initials such as "Jonas E. Smith"), except "i": "you and I." often ends a sentence.
LETTERS = " ".join(c for c in "abcdefghijklmnopqrstuvwxyz" if c != "i")

SENT_STARTERS = (
    "a an the this that these those there here i we you he she it they his her its "
    "our their my your but and or so yet however meanwhile still then now today "
    "how what why who where when if as after before since while in on at for "
    "also many most some both each"
)

ORTHO_LC = 16 | 32 | 64  # Punkt's _ORTHO_BEG_LC | _ORTHO_MID_LC | _ORTHO_UNK_LC


def curated_abbrevs() -> set[str]:
    return set(" ".join((TITLES, MONTHS, DAYS, BUSINESS, US_STATES, MISC, LETTERS)).split())


def train(speeches: Path) -> dict:
    """Train Punkt on every ``*.txt`` under ``speeches`` and merge our curated lists."""
    from nltk.tokenize.punkt import PunktTrainer

    files = sorted(speeches.rglob("*.txt"))
    if not files:
        raise FileNotFoundError(f"no *.txt files under {speeches}")
    trainer = PunktTrainer()
    for path in files:
        trainer.train(path.read_text(encoding="utf-8", errors="replace"), finalize=False)
    trainer.finalize_training()
    learned = trainer.get_params()

    multi_period = {a for a in learned.abbrev_types if "." in a.strip(".") and " " not in a}
    abbrevs = curated_abbrevs() | multi_period
    ortho = {w: v for w, v in learned.ortho_context.items() if v & ORTHO_LC}
    return {
        "_about": (
            "Punkt parameters for retrieval.segment; regenerate with benchmarks/train_punkt.py. "
            f"ortho_context, collocations and some sent_starters/abbrev_types learned by nltk's "
            f"PunktTrainer on {len(files)} public-domain US presidential speeches; the rest curated."
        ),
        "abbrev_types": sorted(abbrevs),
        "collocations": sorted([a, b] for a, b in learned.collocations),
        "sent_starters": sorted(set(learned.sent_starters) | set(SENT_STARTERS.split())),
        "ortho_context": dict(sorted(ortho.items())),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speeches", type=Path, default=ROOT / "../shared/data/speeches")
    parser.add_argument("--out", type=Path, default=ROOT / "retrieval/data/punkt_params.json")
    args = parser.parse_args(argv)
    if not args.speeches.is_dir():
        print(f"error: speeches folder not found: {args.speeches}", file=sys.stderr)
        return 2
    params = train(args.speeches)
    text = json.dumps(params, ensure_ascii=False, indent=0, sort_keys=False) + "\n"
    args.out.write_text(text, encoding="utf-8")
    print(
        f"wrote {args.out}: {len(params['abbrev_types'])} abbreviations, "
        f"{len(params['collocations'])} collocations, {len(params['sent_starters'])} sentence "
        f"starters, {len(params['ortho_context'])} ortho entries"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
