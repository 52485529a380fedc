"""The one analyzer, used for sentences and questions alike.

normalise -> tokenize -> stopwords -> stem:

1. Unicode NFKC; curly quotes and apostrophes folded to straight ones; soft hyphens,
   word joiners, zero-width spaces and byte-order marks removed (invisible: a word
   with one inside is the same word); lowercase.
2. Tokens as nltk's :class:`~nltk.tokenize.regexp.RegexpTokenizer` finds them (same
   pattern, same ``regex`` engine and flags; see :func:`_tokenizer`): numbers whole
   (``11,000`` -> ``11000``, ``3.5`` stays one token), words split at hyphens, a
   possessive ``'s`` dropped (``mayor's`` -> ``mayor``), accents of Latin letters
   removed (``Céleron`` -> ``Celeron``, as Lucene's ASCII folding; other scripts kept).
   ``No. 2`` (a rank) is read as the ordinal ``2nd``.
3. Stopwords from ``data/stopwords.txt`` removed (an all-capitals acronym such as
   ``US`` is kept even when its lowercase form is a stopword); an ordinal word is its
   numeric form (``second`` -> ``2nd``, up to ``tenth``).
4. Snowball English stemmer (Porter 2; nltk), memoised per distinct word.

Import cost: ``import nltk.<anything>`` executes ``nltk/__init__.py``, which imports
all of nltk (~0.85 s). The query path needs only the tokenizer regex and the Snowball
stemmer, so this module loads ``nltk/stem/snowball.py`` and the few modules it needs
without executing ``nltk/__init__.py`` (see :func:`_load_snowball`); the tests check
that the result equals the normally imported stemmer's and tokenizer's output.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
import types
import unicodedata
from functools import lru_cache
from importlib import resources

ANALYZER_VERSION = "analyzer-6"

_FOLD = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u02bc": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u00ad": None,  # soft hyphen
        "\u2060": None,  # word joiner
        "\ufeff": None,  # byte-order mark / zero-width no-break space
        "\u200c": None,  # zero-width non-joiner
        "\u200d": None,  # zero-width joiner
        "\u200b": None,  # zero-width space: invisible, so "acc\u200bompanied" is "accompanied"
    }
)

# numbers with thousands separators or decimals | words with inner apostrophes
_TOKEN_PATTERN = r"\d+(?:[.,]\d+)+|[^\W_]+(?:'[^\W_]+)*"
_THOUSANDS = re.compile(r"^\d{1,3}(?:,\d{3})+$")


def normalize(text: str) -> str:
    """Unicode-normalise ``text`` (NFKC, folded quotes, invisible characters removed).

    Case is kept; :func:`analyze` lowercases after tokenizing. ASCII text is returned
    as is (every folded character is non-ASCII and NFKC leaves ASCII unchanged).
    """
    if text.isascii():
        return text
    return _fold(unicodedata.normalize("NFKC", _fold(text)))


_FOLDED = re.compile("[" + re.escape("".join(map(chr, _FOLD))) + "]")
_FOLDED_TO = {chr(code): replacement or "" for code, replacement in _FOLD.items()}


def _fold(text: str) -> str:
    """``text.translate(_FOLD)``, replacing only where a folded character occurs:
    ``str.translate`` looks every character of non-ASCII text up in the table (about
    0.2 s for 10^6 words), the regular expression skips the others in C."""
    return _FOLDED.sub(lambda m: _FOLDED_TO[m.group()], text)


# RegexpTokenizer's default flags
_TOKEN_FLAGS = re.UNICODE | re.MULTILINE | re.DOTALL


_ASCII_TOKEN = re.compile(_TOKEN_PATTERN, _TOKEN_FLAGS)  # for ASCII text only (see analyze)


@lru_cache(maxsize=1)
def _tokenizer():
    """The token pattern compiled exactly as ``RegexpTokenizer(_TOKEN_PATTERN)`` does.

    nltk 3.10 compiles a RegexpTokenizer's pattern with the third-party ``regex``
    engine (``nltk.redos.compile``) and runs every match under a 5 s timeout; the
    timeout wrapper makes ``tokenize`` about 3x slower. The pattern here is linear
    (no nested quantifier over the same characters), so it is compiled with the same
    engine and flags and run without the wrapper: ``findall`` returns what
    ``RegexpTokenizer(_TOKEN_PATTERN).tokenize`` returns (tested).
    """
    import regex

    return regex.compile(_TOKEN_PATTERN, _TOKEN_FLAGS)


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """The stopword list shipped in ``retrieval/data/stopwords.txt`` (lowercase)."""
    text = resources.files("retrieval").joinpath("data/stopwords.txt").read_text("utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def _load_snowball() -> types.ModuleType:
    """``nltk.stem.snowball``, imported without running ``nltk/__init__.py``.

    When nltk is already imported, this is the normal import. Otherwise the package
    ``nltk``, its subpackage ``nltk.stem`` and ``nltk.corpus`` are replaced, for the
    duration of the import only, by empty stand-in modules: ``nltk`` and
    ``nltk.stem`` get the real ``__path__`` (so ``snowball.py``, ``porter.py``,
    ``api.py``, ``util.py``, ``redos.py`` and ``termsec.py`` load from the installed
    nltk, unchanged) and ``nltk.corpus`` offers ``stopwords = None`` (the stemmer
    needs the stopword corpus only with ``ignore_stopwords=True``, never used here).
    Afterwards every ``nltk*`` entry added to ``sys.modules`` is removed again, so a
    later ``import nltk`` (the segmenter at build time) runs the real package.

    Returns
    -------
    module
        The loaded ``snowball`` module (``EnglishStemmer`` et al.).
    """
    if "nltk" in sys.modules:
        return importlib.import_module("nltk.stem.snowball")
    spec = importlib.util.find_spec("nltk")  # locates the package; does not execute it
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("nltk is not installed")
    root = list(spec.submodule_search_locations)[0]
    before = set(sys.modules)
    stand_ins = {
        "nltk": [root],
        "nltk.stem": [f"{root}/stem"],
        "nltk.corpus": None,
    }
    for name, path in stand_ins.items():
        module = types.ModuleType(name, "stand-in (see retrieval.analyze._load_snowball)")
        if path is not None:
            module.__path__ = path
        else:
            module.stopwords = None
        sys.modules[name] = module
    try:
        return importlib.import_module("nltk.stem.snowball")
    finally:
        for name in set(sys.modules) - before:
            if name == "nltk" or name.startswith("nltk."):
                del sys.modules[name]


@lru_cache(maxsize=1)
def _stemmer():
    return _load_snowball().EnglishStemmer()


@lru_cache(maxsize=1 << 20)
def stem(word: str) -> str:
    """Snowball English stem of one lowercase word (memoised)."""
    return _stemmer().stem(word)


@lru_cache(maxsize=1 << 16)
def _fold_char(char: str) -> str:
    base = unicodedata.normalize("NFKD", char)
    return "".join(c for c in base if not unicodedata.combining(c))


# a Latin letter of U+00C0-U+024F and the combining marks (U+0300-U+036F) stacked on it
_LATIN_MARKED = re.compile("([\u00c0-\u024f])[\u0300-\u036f]*")


def fold_accents(text: str) -> str:
    """``text`` with the accents of Latin letters (U+00C0 to U+024F) removed: é -> e,
    Ł stays (no decomposition); Greek, Cyrillic, Devanagari and others are untouched.

    Combining marks stacked on such a letter go with its own accent ("À" + U+0300 ->
    "A"): left behind, NFKC would compose them with the bare letter again, and the
    fold would not be idempotent (``analyze`` re-tokenizes its matches)."""
    if text.isascii():
        return text
    return _LATIN_MARKED.sub(lambda m: _fold_char(m.group(1)), text)


def tokenize(text: str) -> list[str]:
    """Normalised word and number tokens of ``text``, case kept, in text order.

    Each raw tokenizer match is post-processed (thousands separators dropped from a
    number, a possessive ``'s`` from a word) once and memoised, as in
    :func:`analyze`: the result depends on the match alone, and a long text repeats
    its words (a dict of at most ``_TERMS_MAX`` entries, cleared when full). ASCII
    text is matched with the stdlib ``re`` engine, as in :func:`analyze`.
    """
    cache = _TOKENS
    text = _numero(fold_accents(normalize(text)))
    matches = (_ASCII_TOKEN if text.isascii() else _tokenizer()).findall(text)
    return _memoised(matches, cache, _token_of_match)


def _memoised(matches: list[str], cache: dict[str, str], make) -> list[str]:
    """``[make(m) for m in matches]``, each value looked up in ``cache`` first and stored
    there when new (the cache is cleared when it reaches ``_TERMS_MAX`` entries)."""
    values = list(map(cache.get, matches))
    if None in values:
        for i, value in enumerate(values):
            if value is None:
                match = matches[i]
                value = cache.get(match)  # a repeat of a match filled in just before
                if value is None:
                    if len(cache) >= _TERMS_MAX:
                        cache.clear()
                    value = cache[match] = make(match)
                values[i] = value
    return values


def _token_of_match(match: str) -> str:
    """One raw tokenizer match post-processed: ``11,000`` -> ``11000``, ``mayor's`` ->
    ``mayor``."""
    if match[0].isdigit():
        return match.replace(",", "") if _THOUSANDS.match(match) else match
    return match[:-2] if match.endswith("'s") else match


_TOKENS: dict[str, str] = {}  # raw match -> token; see tokenize()


def ordinal(number: int) -> str:
    """``number`` as an English numeric ordinal: 1 -> ``1st``, 12 -> ``12th``, 22 -> ``22nd``."""
    if 10 <= number % 100 <= 20:
        return f"{number}th"
    return f"{number}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(number % 10, 'th')}"


# Ordinal words and their numeric form: one term for both ("second", "2nd", "No. 2").
ORDINALS = {
    word: ordinal(n)
    for n, word in enumerate("first second third fourth fifth sixth seventh eighth ninth tenth".split(), start=1)
}
# "No. 2", "no.2": a rank or position ("is No. 2 in the region"), read as "2nd"
_NUMERO = re.compile(r"(?<![\w.])[Nn][Oo]\.[ \t]?(\d{1,3})(?![\d,.]?\d)")


def _numero(text: str) -> str:
    """``No. N`` (a rank: "No. 2 in the region") replaced by the ordinal ``Nth``."""
    if "o." not in text and "O." not in text:
        return text
    return _NUMERO.sub(lambda m: ordinal(int(m.group(1))), text)


def terms_of_tokens(tokens: list[str]) -> list[str]:
    """Stopwords out, stems in: the index terms of already-tokenized text, in order.
    An ordinal word is its numeric form (``second`` -> ``2nd``), so that "ranks
    second" and "is 2nd" / "is No. 2" share a term."""
    stop = stopwords()
    terms = []
    for token in tokens:
        lower = token.lower()
        if lower in stop and not (len(token) > 1 and token.isupper()):
            continue
        terms.append(lower if lower[0].isdigit() else ORDINALS.get(lower) or stem(lower))
    return terms


def _term_of_match(match: str) -> str:
    """The index term of one raw tokenizer match ("" when it is a stopword)."""
    (token,) = tokenize(match) or ("",)  # a match tokenizes to itself (post-processed)
    terms = terms_of_tokens([token]) if token else []
    return terms[0] if terms else ""


_TERMS: dict[str, str] = {}  # raw match -> term ("" = dropped); see analyze()
_TERMS_MAX = 1 << 20


def analyze(text: str) -> list[str]:
    """Index terms of ``text``: normalise -> tokenize -> stopwords -> stem.

    Parameters
    ----------
    text : str
        A sentence, heading or question; any Unicode.

    Returns
    -------
    list of str
        Terms in text order, repeats kept (BM25 counts term frequency). Empty when
        the text has no usable words (``"?"``, ``"the"``, an emoji).

    Notes
    -----
    Text with no lowercase letter at all ("WHAT DID THE ICC DO?") is lowercased first,
    so that the acronym exception of the stopword rule applies only to capitals inside
    ordinary text. Otherwise equal to ``terms_of_tokens(tokenize(text))``. Each raw tokenizer match is turned
    into its term once and memoised (a dict of at most ``_TERMS_MAX`` entries, cleared
    when full), since post-processing, stopword removal and stemming depend on the
    match alone. ASCII text is matched with the stdlib ``re`` engine (same pattern and
    flags; the same matches on ASCII, and faster), other text with ``regex``.
    """
    cache = _TERMS
    text = _numero(fold_accents(normalize(text)))
    if text.isupper():  # shouted text: "WHAT DID THE ICC DO" is not a row of acronyms
        text = text.lower()
    # On ASCII text the stdlib engine finds exactly what ``regex`` finds (\d, \w and
    # \W agree on ASCII; same leftmost-first alternation), and faster.
    matches = (_ASCII_TOKEN if text.isascii() else _tokenizer()).findall(text)
    return list(filter(None, _memoised(matches, cache, _term_of_match)))  # "" = a dropped match
