"""Two cheap signs that a sentence matching the question's words says something else.

* A title *qualified* by a word the question lacks: "US Deputy Secretary of State" for
  a question on the Secretary of State, "Deputy Prime Minister" for one on the prime
  minister (:func:`qualified_words`).
* The question's names on the other sides of its verb: "North Korea provided Russia
  with ..." for a question on what Russia gave North Korea (:func:`verb_order`).

Both read only the words as written and the WordNet table of :mod:`retrieval.related`;
they are the ``qualifier_clash`` and ``verb_order`` ranking features of
:mod:`retrieval.features`, whose weights the reranker learns on SQuAD (what they are
worth there: ``docs/quality.md``, round 12).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Sequence

from .analyze import analyze, normalize, stopwords
from .query import Query
from .related import hypernym_terms, related_terms

TITLE_MODIFIERS = frozenset({"former", "acting", "deputy", "vice", "interim", "assistant", "ex", "then"})
"""Lowercase words that, directly before a title, make it another office ("former
president", "vice-foreign minister"); capitalised qualifiers are found without a list."""


_CASED_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")
_GLUE = re.compile(r"[ \t-]*")  # what may stand between a qualifier and its title: spaces, a hyphen


@lru_cache(maxsize=1 << 12)
def cased_words(text: str) -> tuple[tuple[str, ...], tuple[bool, ...]]:
    """A sentence's words as written (case kept, a possessive ``'s`` dropped) and, for
    each, whether only spaces or a hyphen separate it from the word before ("Deputy
    Secretary", "vice-foreign"; not "September, Disney"). Memoised: the same sentences
    are candidates again and again."""
    words, glued, end = [], [], 0
    text = normalize(text)
    for m in _CASED_WORD.finditer(text):
        word = m.group()
        words.append(word[:-2] if word.endswith(("'s", "\u2019s")) else word)
        glued.append(bool(words[:-1]) and _GLUE.fullmatch(text, end, m.start()) is not None)
        end = m.end()
    return tuple(words), tuple(glued)


def _is_qualifier(token: str, first: bool, question_terms: frozenset[str]) -> bool:
    """Whether ``token``, directly before a run of question words, makes the run name
    another thing than the question's: a word of :data:`TITLE_MODIFIERS`, or a
    capitalised dictionary word ("Deputy", "Russian": a term WordNet relates, so not a
    first name like "Barack") that does not open the sentence; never one the question
    holds, by term or through a related term ("Russian" for a question naming Russia)."""
    lower = token.lower()
    if lower in stopwords():
        return False
    if lower not in TITLE_MODIFIERS and (first or not token[0].isupper()):
        return False
    terms = analyze(token)
    if not terms or any(t in question_terms for t in terms):
        return False
    related = related_terms(terms[0])
    if lower not in TITLE_MODIFIERS and not related:
        return False
    return related.isdisjoint(question_terms)


def _common(word: str) -> bool:
    """A dictionary word (its term has WordNet relations), not a proper name."""
    terms = analyze(word)
    return bool(terms) and bool(related_terms(terms[0]))


@lru_cache(maxsize=1 << 10)
def _qualified_in_question(text: str) -> frozenset[str]:
    """The question's words (lowercase) right after a capitalised word of its own
    that is not its first word nor a stopword ("secretary" in "the US Secretary of
    State", "prime" in "the Russian prime minister"): the titles the question itself
    qualifies."""
    words, glued = cased_words(text)
    return frozenset(
        words[k].lower()
        for k in range(2, len(words))
        if glued[k] and words[k - 1][0].isupper() and words[k - 1].lower() not in stopwords()
    )


def qualified_words(cased: tuple[Sequence[str], Sequence[bool]], query: Query) -> set[str]:
    """The question's content words (lowercase) that the sentence holds only inside
    runs of question words qualified by a word the question lacks.

    A run is a maximal stretch of consecutive sentence tokens that are all words of the
    question (as written, lowercase) with at least one content word; it is *qualified*
    when the token before it is a :data:`TITLE_MODIFIERS` word ("former president"),
    or when the question qualifies the run itself ("the *US* Secretary of State",
    :func:`_qualified_in_question`), the run opens with a capitalised word and holds
    two or more content words of the question, all dictionary words (a title:
    "Secretary of State", "Prime Minister"; not a person's name, which a title before
    it does not change) and the token
    before it passes :func:`_is_qualifier` ("US Deputy Secretary of State" for a
    question on the Secretary of State; "Russian Prime Minister" for one on the US
    prime minister). One capitalised word is too often a name's own part to read a
    word before it as a qualifier ("Academy Award", "Tropical Storm"). A word also
    found in an unqualified run elsewhere in the sentence is not returned.

    Parameters
    ----------
    cased : (sequence of str, sequence of bool)
        The sentence's words as written and whether each is glued to the one before
        (:func:`cased_words`); a qualifier must be glued to its run.
    query : Query

    Returns
    -------
    set of str
        Lowercase content words of the question; empty when no run is qualified.
    """
    asked, content = set(query.surface), query.content_words
    question_terms = frozenset(query.distinct)
    qualified: set[str] = set()
    plain: set[str] = set()
    tokens, glued = cased
    own = _qualified_in_question(query.text)
    i, n = 0, len(tokens)
    while i < n:
        if tokens[i].lower() not in asked:
            i += 1
            continue
        j = i
        while j < n and tokens[j].lower() in asked:
            j += 1
        run = {t.lower() for t in tokens[i:j]} & content
        before = tokens[i - 1] if i else ""
        if run:
            modifier = before.lower() in TITLE_MODIFIERS
            titled = modifier or (
                tokens[i][0].isupper()
                and len(run) >= 2
                and all(map(_common, run))
                and tokens[i].lower() in own
            )
            if i and glued[i] and titled and _is_qualifier(before, i == 1, question_terms):
                qualified |= run
            else:
                plain |= run
        i = j
    return qualified - plain


def verb_order(terms: Sequence[str], names: frozenset[str], sentence_terms: Sequence[str]) -> float:
    """Whether the sentence holds the question's names on the other sides of its verb:
    a cheap proxy for a sentence that relates the same things the other way round
    ("North Korea provided Russia with ..." for a question on what Russia gave North
    Korea: agent and recipient swapped).

    The question's *verb* is its first term that is not a name with names both before
    and after it ("give" in "did Russia give North Korea"); the sentence's is the
    first occurrence of that term or of a term WordNet relates to it in one step
    (synonym, derived form, hypernym or hyponym: "provided"). Each name present
    counts +1 when it stands on the other side of the verb than in the question, -1
    on the same side (its first occurrence).

    Parameters
    ----------
    terms : sequence of str
        The question's terms in order (``Query.terms``).
    names : frozenset of str
        The question's names (``Query.names``).
    sentence_terms : sequence of str
        The sentence's terms in order.

    Returns
    -------
    float
        The mean of the counts over the names present, in [-1, 1]: 1 all swapped, -1
        all in the question's order; 0 when the question has no such verb, the
        sentence lacks it, or holds none of the names.
    """
    verb = next(
        (i for i, t in enumerate(terms) if t not in names
         and any(u in names for u in terms[:i]) and any(u in names for u in terms[i + 1 :])),
        None,
    )
    if verb is None:
        return 0.0
    forms = {terms[verb]} | related_terms(terms[verb]) | hypernym_terms(terms[verb])
    at = next((i for i, t in enumerate(sentence_terms) if t in forms), None)
    if at is None:
        return 0.0
    first: dict[str, int] = {}
    for i, t in enumerate(sentence_terms):
        first.setdefault(t, i)
    sides = {t: False for t in terms[:verb] if t in names} | {t: True for t in terms[verb + 1 :] if t in names}
    counts = [1.0 if (first[t] > at) != after else -1.0 for t, after in sides.items() if t in first and first[t] != at]
    return sum(counts) / len(counts) if counts else 0.0
