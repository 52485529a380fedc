"""The one analyzer, used for sentences and questions alike.

normalise -> tokenize -> stopwords -> stem:

1. Unicode NFKC; curly quotes and apostrophes folded to straight ones; soft hyphens,
   word joiners and byte-order marks removed; zero-width spaces become spaces (they
   separate words); lowercase.
2. Tokens with nltk's :class:`~nltk.tokenize.regexp.RegexpTokenizer`: numbers whole
   (``11,000`` -> ``11000``, ``3.5`` stays one token), words split at hyphens, a
   possessive ``'s`` dropped (``mayor's`` -> ``mayor``), accents of Latin letters
   removed (``Céleron`` -> ``Celeron``, as Lucene's ASCII folding; other scripts kept).
3. Stopwords from ``data/stopwords.txt`` removed (an all-capitals acronym such as
   ``US`` is kept even when its lowercase form is a stopword).
4. Snowball English stemmer (Porter 2; nltk), memoised per distinct word.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources

ANALYZER_VERSION = "analyzer-2"

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
        "\u200b": " ",  # zero-width space: a word boundary
    }
)

# numbers with thousands separators or decimals | words with inner apostrophes
_TOKEN_PATTERN = r"\d+(?:[.,]\d+)+|[^\W_]+(?:'[^\W_]+)*"
_THOUSANDS = re.compile(r"^\d{1,3}(?:,\d{3})+$")


def normalize(text: str) -> str:
    """Unicode-normalise ``text`` (NFKC, folded quotes, invisible characters removed).

    Case is kept; :func:`analyze` lowercases after tokenizing.
    """
    return unicodedata.normalize("NFKC", text.translate(_FOLD)).translate(_FOLD)


@lru_cache(maxsize=1)
def _tokenizer():
    from nltk.tokenize.regexp import RegexpTokenizer

    return RegexpTokenizer(_TOKEN_PATTERN)


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """The stopword list shipped in ``retrieval/data/stopwords.txt`` (lowercase)."""
    text = resources.files("retrieval").joinpath("data/stopwords.txt").read_text("utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


@lru_cache(maxsize=1)
def _stemmer():
    from nltk.stem.snowball import EnglishStemmer

    return EnglishStemmer()


@lru_cache(maxsize=1 << 20)
def stem(word: str) -> str:
    """Snowball English stem of one lowercase word (memoised)."""
    return _stemmer().stem(word)


@lru_cache(maxsize=1 << 16)
def _fold_char(char: str) -> str:
    base = unicodedata.normalize("NFKD", char)
    return "".join(c for c in base if not unicodedata.combining(c))


def fold_accents(text: str) -> str:
    """``text`` with the accents of Latin letters (U+00C0 to U+024F) removed: é -> e,
    Ł stays (no decomposition); Greek, Cyrillic, Devanagari and others are untouched."""
    if text.isascii():
        return text
    return "".join(_fold_char(c) if "\u00c0" <= c <= "\u024f" else c for c in text)


def tokenize(text: str) -> list[str]:
    """Normalised word and number tokens of ``text``, case kept, in text order."""
    tokens = []
    for token in _tokenizer().tokenize(fold_accents(normalize(text))):
        if token[0].isdigit():
            if _THOUSANDS.match(token):
                token = token.replace(",", "")
        elif token.endswith("'s"):
            token = token[:-2]
        tokens.append(token)
    return tokens


def terms_of_tokens(tokens: list[str]) -> list[str]:
    """Stopwords out, stems in: the index terms of already-tokenized text, in order."""
    stop = stopwords()
    terms = []
    for token in tokens:
        lower = token.lower()
        if lower in stop and not (len(token) > 1 and token.isupper()):
            continue
        terms.append(lower if lower[0].isdigit() else stem(lower))
    return terms


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
    """
    return terms_of_tokens(tokenize(text))
