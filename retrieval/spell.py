"""Spelling correction of question terms: common typing slips, checked against the corpus.

A question term that no sentence contains ("acompani", from "acompanied"; "puttin";
"reciev") is replaced by a corpus term that it turns into by undoing one typing slip of
the kinds that make up most typing errors (Damerau 1964, "A technique for computer
detection and correction of spelling errors"; Kukich 1992, "Techniques for
automatically correcting words in text"):

* two adjacent letters swapped ("braodcast" / "broadcast"; terms of 5+ letters, as
  shorter swaps are mostly other words: "sing" / "sign");
* a doubled letter typed once ("acompani" / "accompani", "ariv" / "arriv");
* a letter typed twice ("puttin" / "putin", "goovern" / "govern").

Candidates are generated (Norvig, "How to Write a Spelling Corrector") and looked up,
never searched for: a few dozen dictionary lookups per unseen term, whatever the corpus
size. The most frequent candidate wins (ties: alphabetical). Terms shorter than
:data:`MIN_LENGTH` letters or holding anything but letters are never changed.

A term is corrected only when the question's word behind it is not an English word:
"impossible" (stem "imposs") is not a slip for "impose", nor "rarest" for "arrest",
even in an article that never says "impossible" or "rarest". English words are those of
pyspellchecker's English word-frequency list (shipped in its wheel; loaded on first
need, about 0.15 s and 30 MB).

General one-edit correction (any substitution or insertion) was measured and not kept:
within one article most unseen question words are real words the article does not use,
and it turned "cost" into "colt", "male" into "made" (``docs/quality.md``).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Sequence

import re

from .analyze import analyze, terms_of_tokens, tokenize

MIN_LENGTH = 4  # shortest term that is corrected
MIN_SWAP_LENGTH = 5  # shortest term in which a swap of adjacent letters is undone


def typo_variants(term: str) -> set[str]:
    """The spellings ``term`` becomes by undoing one typing slip (see the module
    docstring); ``term`` itself is never included.

    Returns
    -------
    set of str
        At most ``3 * len(term)`` strings.
    """
    out: set[str] = set()
    if len(term) >= MIN_SWAP_LENGTH:
        for i in range(len(term) - 1):
            if term[i] != term[i + 1]:
                out.add(term[:i] + term[i + 1] + term[i] + term[i + 2 :])
    for i, letter in enumerate(term):
        out.add(term[: i + 1] + letter + term[i + 1 :])  # a doubled letter typed once
        if i + 1 < len(term) and term[i + 1] == letter:
            out.add(term[:i] + term[i + 1 :])  # a letter typed twice
    out.discard(term)
    return out


def correct_terms(terms: Sequence[str], index, question: str = "") -> list[str]:
    """``terms`` with each term the corpus never uses replaced by its correction.

    Parameters
    ----------
    terms : sequence of str
        Analyzed question terms (stems), in order: ``analyze(question)``.
    index : BaseIndex
        The corpus; only ``document_frequency`` is used.
    question : str
        The question as typed: a term whose word there is an English word
        (:func:`is_english_word`) is never corrected. Without it, the term itself is
        looked up.

    Returns
    -------
    list of str
        Same length and order. A term is replaced only when no sentence contains it,
        it is at least :data:`MIN_LENGTH` letters long and alphabetic, one of its
        :func:`typo_variants` is a corpus term (the one with the highest document
        frequency wins; ties: alphabetical), and none of the question's words that
        analyze to it is an English word.
    """
    out: list[str] = []
    corrected: dict[str, str] = {}
    words: dict[str, set[str]] | None = None
    for term in terms:
        if term not in corrected:
            replacement = _correction(term, index)
            if replacement != term:
                if words is None:
                    words = _words_of_terms(question)
                if any(is_english_word(w) for w in words.get(term, {term})):
                    replacement = term
            corrected[term] = replacement
        out.append(corrected[term])
    return out


def _words_of_terms(question: str) -> dict[str, set[str]]:
    """Each term of ``question`` -> the lowercase words (tokens) that analyze to it."""
    out: dict[str, set[str]] = {}
    for token in tokenize(question):
        for term in terms_of_tokens([token]):
            out.setdefault(term, set()).add(token.lower())
    return out


def is_english_word(word: str) -> bool:
    """Whether ``word`` (any case) is in pyspellchecker's English word-frequency list."""
    return word.lower() in _english_words()


@lru_cache(maxsize=1)
def _english_words():
    from spellchecker import SpellChecker

    return SpellChecker(language="en", distance=1).word_frequency


def _correction(term: str, index) -> str:
    if len(term) < MIN_LENGTH or not term.isalpha() or index.document_frequency(term) > 0:
        return term
    best: tuple[int, str] | None = None
    for variant in typo_variants(term):
        frequency = index.document_frequency(variant)
        if frequency > 0 and (best is None or (-frequency, variant) < best):
            best = (-frequency, variant)
    return best[1] if best is not None else term


def spelled(question: str, index) -> tuple[str, list[str]]:
    """The question as searched: its misspelt words respelt the corpus's way, and its terms.

    Parameters
    ----------
    question : str
        As typed.
    index : BaseIndex
        The corpus.

    Returns
    -------
    text : str
        ``question`` with each word whose term :func:`correct_terms` corrects replaced by
        the word as a sentence of the corpus writes it ("Who is Puttin?" -> "Who is
        Putin?"), so that the features reading the question as written (its words, word
        pairs, names) see the right spelling too; ``question`` itself when nothing is
        corrected (or a word cannot be found in the text as typed).
    terms : list of str
        ``analyze(text)``, corrected by :func:`correct_terms` (the search terms).
    """
    terms = analyze(question)
    fixed = correct_terms(terms, index, question)
    if fixed == terms:
        return question, terms
    wrong_to_right = {t: c for t, c in zip(terms, fixed) if t != c}
    text = question
    for token in dict.fromkeys(tokenize(question)):
        (term,) = terms_of_tokens([token]) or ("",)
        if term in wrong_to_right:
            written = _written(wrong_to_right[term], index)
            if written is not None:
                text = re.sub(rf"(?<!\w){re.escape(token)}(?!\w)", lambda _: written, text)
    return text, correct_terms(analyze(text), index, text)


def _written(term: str, index) -> str | None:
    """How the corpus writes ``term``: the word of the best-scored sentence holding it."""
    found = index.score_terms([term], 1)
    if not found:
        return None
    for token in tokenize(index.sentence(found[0].position).text):
        if terms_of_tokens([token]) == [term]:
            return token
    return None
