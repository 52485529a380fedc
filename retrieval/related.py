"""Terms related in meaning, from WordNet, as evidence for the reranker.

A question term the sentence lacks may still be answered by a term it has: a synonym
("purchase" / "buy"), a derived form ("inventor" / "invented", "death" / "died"), an
irregular inflection ("won" / "win") or a word one step more or less general ("monarch"
/ "king"). The relations come from Princeton WordNet 3.0 (Miller 1995, "WordNet: a
lexical database for English"; licence in ``retrieval/data/WORDNET-LICENSE``), taken
from each word's two most frequent senses, reduced to the product's terms by
``benchmarks/build_wordnet_terms.py`` and shipped in
``retrieval/data/wordnet_terms.json.xz`` (about 1.2 MB with the multi-word table; read
once, in about 0.15 s and 26 MiB, by :class:`retrieval.Engine` at load or on first use;
figures in ``docs/quality.md``). Nothing is downloaded.

Without word-sense disambiguation a relation can come from a sense the text does not
use ("start" / "jump"); the reranker weighs these features by what they were worth on
SQuAD, below a term the sentence holds itself.

All functions take and return *terms*, i.e. the output of
:func:`retrieval.analyze.analyze` (lowercased Snowball stems), and return an empty set
for a term WordNet does not know. The relations are symmetric.
"""

from __future__ import annotations

import json
import lzma
from functools import lru_cache
from pathlib import Path
from typing import Collection, Iterable, Sequence

from .analyze import analyze, stem
from .errors import RetrievalError

TABLE_PATH = Path(__file__).parent / "data" / "wordnet_terms.json.xz"
ANTONYM_PATH = Path(__file__).parent / "data" / "wordnet_antonyms.json"
TABLES = ("related", "hypernym", "phrase")
PHRASE_WORDS = (2, 3)  # WordNet multi-word lemmas looked up in a question: "go with", "hand over"
_EMPTY: frozenset[str] = frozenset()


@lru_cache(maxsize=1)
def load_table() -> dict[str, dict[str, str]]:
    """Read the shipped table once (later calls return the same object).

    Returns
    -------
    dict
        ``{"related": {term: "term term ..."}, "hypernym": {...}, "phrase": {...}}``:
        each term's (or phrase key's) related terms sorted and joined by single spaces
        (one string per key keeps the loaded table small; sizes in ``docs/quality.md``).

    Raises
    ------
    RetrievalError
        The file is missing, unreadable or not the expected JSON (names the file).
    """
    try:
        data = json.loads(lzma.decompress(TABLE_PATH.read_bytes()))
        if not isinstance(data, dict) or not all(name in data for name in TABLES):
            raise ValueError('not an object with "related", "hypernym" and "phrase" tables')
        tables = {name: data[name] for name in TABLES}
        if not all(isinstance(t, dict) and all(isinstance(v, str) for v in t.values()) for t in tables.values()):
            raise ValueError("the tables are not objects of strings")
        return tables
    except (OSError, EOFError, lzma.LZMAError, ValueError, RecursionError) as exc:  # truncated xz, deep JSON too
        raise RetrievalError(f"cannot read the related-term table {TABLE_PATH}: {exc}") from exc


@lru_cache(maxsize=1 << 16)
def related_terms(term: str) -> frozenset[str]:
    """Synonyms, derived forms and irregular inflections of ``term``.

    Parameters
    ----------
    term : str
        One term (a stem from :func:`~retrieval.analyze.analyze`).

    Returns
    -------
    frozenset of str
        The terms of the words that share one of the two most frequent WordNet senses
        (per part of speech) of a word with this term, the derivationally related forms
        and pertainyms in those senses, and the irregular forms of WordNet's exception
        lists; never ``term`` itself. Empty when WordNet does not know the term.

    Raises
    ------
    RetrievalError
        The shipped table is missing or unreadable (a broken install).
    """
    return frozenset(load_table()["related"].get(term, "").split()) or _EMPTY


@lru_cache(maxsize=1)
def load_antonyms() -> dict[str, str]:
    """The antonym table (``retrieval/data/wordnet_antonyms.json``, 0.13 MB, built by
    ``benchmarks/build_wordnet_terms.py --antonyms``), read once: ``{term: "term term ..."}``.

    Raises
    ------
    RetrievalError
        The file is missing, unreadable or not the expected JSON (names the file).
    """
    try:
        table = json.loads(ANTONYM_PATH.read_text(encoding="utf-8"))["antonym"]
        if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
            raise ValueError("the antonym table is not an object of strings")
        return table
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, RecursionError) as exc:
        raise RetrievalError(f"cannot read the antonym table {ANTONYM_PATH}: {exc}") from exc


@lru_cache(maxsize=1 << 16)
def antonym_terms(term: str) -> frozenset[str]:
    """WordNet's direct antonyms of ``term`` in its two most frequent senses, adjectives
    with their comparatives and superlatives ("largest" gives "small", "smaller",
    "smallest"); empty when WordNet knows none. Evidence that a sentence says the
    opposite of a question, not a relation that covers a term.

    Raises
    ------
    RetrievalError
        The shipped table is missing or unreadable.
    """
    return frozenset(load_antonyms().get(term, "").split()) or _EMPTY


@lru_cache(maxsize=1 << 16)
def hypernym_terms(term: str) -> frozenset[str]:
    """Terms one WordNet hypernym or hyponym step away from ``term``.

    Hypernyms of the two most frequent senses (per part of speech) of a word with this
    term, and the words that have this term's word among theirs: "king" gives
    "monarch" (more general) and the names of kings (instances); "city" gives
    "municipality" and city names. Never ``term`` itself; empty when unknown.

    Raises
    ------
    RetrievalError
        The shipped table is missing or unreadable.
    """
    return frozenset(load_table()["hypernym"].get(term, "").split()) or _EMPTY


@lru_cache(maxsize=1 << 16)
def two_step_terms(term: str) -> frozenset[str]:
    """Terms related to a related term of ``term`` (:func:`related_terms` applied twice).

    Excludes ``term`` and its own :func:`related_terms`, so the two sets are disjoint
    ("purchase" reaches "bought" through "buy").

    Raises
    ------
    RetrievalError
        The shipped table is missing or unreadable.
    """
    first = related_terms(term)
    out: set[str] = set()
    for other in first:
        out |= related_terms(other)
    out.discard(term)
    return frozenset(out - first) or _EMPTY


def phrase_related(words: Sequence[str], terms: Collection[str]) -> dict[str, frozenset[str]]:
    """Related terms that a question's multi-word expressions give its terms.

    WordNet lists phrasal verbs and compounds as lemmas of their own ("go with" =
    accompany, "pass away" = die, "hand over" = deliver); a question that says "Who
    went with Putin?" means "accompanied", which no single word of it says. Each run of
    2 or 3 adjacent words of ``words`` is looked up (by :func:`retrieval.analyze.stem`
    of each word, stopwords kept; built by ``benchmarks/build_wordnet_terms.py`` with
    the first word inflected: "went with", "goes with"), and the terms of the phrase's
    two most frequent senses are credited to the run's words that are question terms.

    Parameters
    ----------
    words : sequence of str
        The question's lowercase tokens as written (stopwords kept).
    terms : collection of str
        The question's terms: only these receive related terms.

    Returns
    -------
    dict of str to frozenset of str
        Question term -> the phrase-related terms for it (never the term itself);
        only terms in some phrase appear.

    Raises
    ------
    RetrievalError
        The shipped table is missing or unreadable.
    """
    table = load_table()["phrase"]
    stems = [stem(w) for w in words]
    out: dict[str, set[str]] = {}
    for n in PHRASE_WORDS:
        for i in range(len(stems) - n + 1):
            found = table.get(" ".join(stems[i : i + n]))
            if not found:
                continue
            related = set(found.split())
            for word in words[i : i + n]:
                for term in analyze(word):
                    if term in terms:
                        out.setdefault(term, set()).update(related - {term})
    return {t: frozenset(v) for t, v in out.items() if v}


@lru_cache(maxsize=1 << 10)
def question_phrases(surface: tuple[str, ...], terms: tuple[str, ...]) -> dict[str, frozenset[str]]:
    """:func:`phrase_related` memoised per question (the features ask once per candidate)."""
    return phrase_related(surface, frozenset(terms))


RELATIONS = (("related", related_terms), ("hypernym", hypernym_terms), ("two steps", two_step_terms))


def related_matches(
    absent: Iterable[str], present: Collection[str], names: Collection[str] = ()
) -> list[tuple[str, str, str]]:
    """Which sentence term explains each absent question term, for explanations.

    Parameters
    ----------
    absent : iterable of str
        Question terms the sentence lacks, in question order.
    present : collection of str
        The sentence's terms.
    names : collection of str
        The question's name terms: only ``"related"`` explains these (as the features
        count them, :func:`retrieval.features.candidate_features`).

    Returns
    -------
    list of (question term, sentence term, relation)
        At most one per absent term, the first relation that applies in the order
        ``"related"``, ``"hypernym"``, ``"two steps"`` (as the reranker's features
        count them), and within it the alphabetically first sentence term.
    """
    present = set(present)
    out = []
    for term in absent:
        for name, relation in RELATIONS[:1] if term in names else RELATIONS:
            shared = present & relation(term)
            if shared:
                out.append((term, min(shared), name))
                break
    return out
