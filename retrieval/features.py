"""Third stage of the answer path: a feature row per candidate sentence.

:func:`candidate_features` describes each candidate by the columns of
:data:`~retrieval.rerank.FEATURE_NAMES` (term coverage weighted by positive IDF, the
sentence before, the paragraph's BM25 as a wider field, near-matches, proximity, the
question's words and word pairs as written, names, the article's title, answer-type
cues, WordNet-related words for the question terms it lacks); the scorers of
:mod:`retrieval.scoring` read the rows. Everything about the question comes from the
:class:`~retrieval.query.Query`; everything about a sentence is read once per question
(:class:`~retrieval.candidates.Paragraphs`) or memoised by text.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import NamedTuple, Sequence

import numpy as np

from .analyze import analyze, tokenize
from .answer_types import _TYPE_NAMES, has_answer_type, offers_answer_type
from .candidates import Candidate, Paragraphs
from .index import SentenceIndex, positive_idf
from .policy import DEFAULT_FEATURES, PREFIX, Features
from .qualifiers import cased_words, qualified_words, verb_order
from .query import Query
from .related import hypernym_terms, question_phrases, related_terms, two_step_terms
from .rerank import FEATURE_NAMES

_RELATED = FEATURE_NAMES.index("related")
_TWO_STEPS = FEATURE_NAMES.index("related_two_steps")


class Candidates(NamedTuple):
    """The candidates of one question with their feature rows.

    Attributes
    ----------
    rows : ndarray of float64, shape (n, len(FEATURE_NAMES))
        Row i describes ``items[i]`` (:func:`candidate_features`).
    items : list of Candidate
        In the order they were given (best BM25 first, then paragraph neighbours),
        ``score`` 0.
    """

    rows: np.ndarray
    items: list[Candidate]


def proximity(sentence_terms: Sequence[str], weights: dict[str, float]) -> float:
    """Closeness of the question's terms in the sentence: each matched term's weight
    divided by its distance (in terms) to the nearest occurrence of another matched
    question term, summed (0 with fewer than two distinct matched terms).

    Parameters
    ----------
    sentence_terms : sequence of str
        The sentence's terms in order; a term's distance to another is the
        difference of their indexes.
    weights : dict of str to float
        The question's terms (the keys: a sentence term is matched when it is one)
        and their weights.

    Returns
    -------
    float
        The sum, over the distinct matched terms in order of first occurrence, of
        ``weights[t] / d(t)``, ``d(t)`` the smallest ``|i - j|`` between an
        occurrence ``i`` of ``t`` and an occurrence ``j`` of another matched term.

    Notes
    -----
    One sweep, O(n) in the sentence's length: the nearest occurrence of another
    matched term is always found between two *consecutive* matched occurrences whose
    terms differ (between an occurrence of ``t`` and the nearest other term's, the
    last ``t`` before the first other term forms such a pair, no farther apart), so
    ``d(t)`` is the smallest gap of those pairs that involve ``t``. The values, and
    the order of the sum, are those of the pairwise definition, which the reranker's
    weights were fitted on (``tests/test_answer_features.py`` checks both agree).
    """
    nearest: dict[str, int] = {}  # matched term -> d(t) so far, in first-occurrence order
    last_term: str | None = None
    last_position = 0
    for i, t in enumerate(sentence_terms):
        if t not in weights:
            continue
        if t not in nearest:
            nearest[t] = 0  # no gap seen yet
        if last_term is not None and t != last_term:
            gap = i - last_position
            for u in (last_term, t):
                if not nearest[u] or gap < nearest[u]:
                    nearest[u] = gap
        last_term, last_position = t, i
    if len(nearest) < 2:
        return 0.0
    total = 0.0  # added in order, not sum(): Python 3.12's sum() rounds differently
    for t, distance in nearest.items():
        total += weights[t] / distance
    return total






@lru_cache(maxsize=1 << 12)  # about 2 KB an entry: ~8 MB at most
def _said(text: str) -> tuple[tuple[str, ...], frozenset[str]]:
    """A sentence's lowercase tokens (its words as written, stopwords kept) and their set; memoised, since
    the same sentences are candidates again and again."""
    words = tuple(t.lower() for t in tokenize(text))
    return words, frozenset(words)


def _pairs_found(pairs: set[tuple[str, str]], words: Sequence[str]) -> set[tuple[str, str]]:
    """The word pairs of ``pairs`` that occur adjacent in ``words``.

    One pass over the sentence's pairs, keeping only the question's: a set of all the
    pairs of a long sentence costs a tuple and a hash per word (about 0.5 s for 10^6
    words of ordinary vocabulary).
    """
    return set(filter(pairs.__contains__, zip(words, words[1:]))) if pairs else set()


def _terms_of_words(words: set[str]) -> set[str]:
    """The terms of ``words`` (:func:`~retrieval.analyze.analyze` of each)."""
    return {t for w in words for t in analyze(w)}


def _ngrams(words: Sequence[str], n: int) -> set[tuple[str, ...]]:
    return set(zip(*(words[i:] for i in range(n))))


def _longest_run(question: Sequence[str], said: tuple) -> int:
    """Length of the longest run of consecutive question words that also occurs,
    consecutively, in the sentence (``said``: its :func:`_said` words and their set).

    Notes
    -----
    Grows the runs from where the sentence's adjacent pairs that the question also
    has end: a run of ``n`` words ending there is a question n-gram whose last
    ``n - 1`` words already ended there, so each length only re-checks the ends that
    survived the one before. O(n) in the sentence's length for a question of fixed
    length, where comparing every n-gram of the sentence built a set of them per
    ``n`` (checked against a brute force by ``tests/test_rerank.py``).
    """
    words, vocabulary = said
    if not vocabulary.intersection(question):
        return 0
    question_pairs = set(zip(question, question[1:]))
    # ends[k]: index just past a pair of the sentence that the question also has
    ends = [k for k, hit in enumerate(map(question_pairs.__contains__, zip(words, words[1:])), 2) if hit]
    if not ends:
        return 1
    run = 2
    for n in range(3, len(question) + 1):
        grams = _ngrams(question, n)
        ends = [k for k in ends if k >= n and tuple(words[k - n : k]) in grams]
        if not ends:
            break
        run = n
    return run



def candidate_features(
    index: SentenceIndex,
    query: Query,
    scored: Sequence,
    features: Features = DEFAULT_FEATURES,
    paragraphs: Paragraphs | None = None,
) -> Candidates:
    """The feature rows of the candidates ``scored`` for ``query``.

    Long only for this docstring, the one definition of every column; the work is in
    :func:`_paragraph_scores` and :func:`_row`.

    Parameters
    ----------
    index : SentenceIndex
    query : Query
        Its ``terms`` non-empty.
    scored : sequence of ScoredPosition
        The candidates, best sentence BM25 first
        (:func:`~retrieval.candidates.candidate_positions`).
    features : Features
        Only ``paragraph_k1`` and ``paragraph_b`` are read.
    paragraphs : Paragraphs, optional
        This question's paragraph cache, to share it with the caller (a new one when
        omitted).

    Returns
    -------
    Candidates
        ``rows`` (X) and ``items``; unpacks as ``X, items``.
        Row i describes ``scored[i]``; columns in :data:`~retrieval.rerank.FEATURE_NAMES`
        order. "Weight" is a question term's positive IDF
        (:func:`~retrieval.index.positive_idf`); weight sums are divided by the
        question's total (distinct terms), so most columns lie in [0, 1]:

        * ``coverage``: weight of the question terms the sentence contains;
        * ``previous``: weight of the question terms absent from the sentence but
          present in the sentence just before it (pronouns: "He died in 1259.");
        * ``paragraph``: BM25 of the sentence's whole paragraph taken as one document
          (``paragraph_k1``, ``paragraph_b``; length normalised by the mean length of the
          candidates' paragraphs), divided by ``(k1 + 1)`` -- BM25F-style evidence from
          a wider field (Robertson, Zaragoza & Taylor 2004), fused at the score level;
        * ``near_match``: weight of the absent question terms whose first ``PREFIX``
          letters start a sentence term (acquir / acquisit);
        * ``proximity``: :func:`proximity` of the matched terms;
        * ``words``: share of the question's content words (lowercase, not stopwords or
          wh-words) found verbatim in the sentence;
        * ``word_pairs``: share of the question's adjacent word pairs, stopwords
          included, found adjacent in the sentence;
        * ``longest_run``: the longest run of consecutive question words found in the
          sentence (:func:`_longest_run`), over the question's length in words;
        * ``log_length``: ``log(1 + number of terms)`` of the sentence;
        * ``names``: share of the terms of the question's capitalised words (after the
          first) the sentence contains (0 when there are none);
        * ``title``: weight of the question terms in the article's title;
        * ``matched_share``: distinct question terms matched over distinct terms;
        * ``paragraph_x_coverage``: ``paragraph`` times ``coverage``;
        * ``offers_<type>`` / ``lacks_<type>``: 1 when the question asks for a date,
          number, person or place (:func:`ranking_answer_type`) and the sentence offers
          / does not offer one the question does not contain
          (:func:`offers_answer_type`);
        * ``expected_type``: 1 unless the question asks for an age, number or date that
          the sentence lacks (:func:`has_answer_type`, the abstention test);
        * ``related``: weight of the absent question terms for which the sentence has a
          WordNet synonym, derived form or irregular inflection
          (:func:`~retrieval.related.related_terms`: "purchase" / "bought");
        * ``hypernym``: weight of the absent question terms for which the sentence has a
          term one WordNet hypernym or hyponym step away
          (:func:`~retrieval.related.hypernym_terms`: "monarch" / "king");
        * ``related_two_steps``: weight of the absent question terms with no related term
          in the sentence but one two steps away
          (:func:`~retrieval.related.two_step_terms`).
          Neither of these two counts for a question's *name* (a term of its capitalised
          words, ``query.names``): a name identifies one thing, which a broader, narrower
          or two-step word does not ("US" reaches "north" through the Civil War's Union).
        * ``qualifier_clash``: weight of the question terms the sentence holds only in a
          title qualified by a word the question lacks
          (:func:`~retrieval.qualifiers.qualified_words`: "Deputy Secretary of State"
          for the Secretary of State);
        * ``verb_order``: :func:`~retrieval.qualifiers.verb_order`, 1 when the
          question's names stand on the other sides of its verb, -1 on the same sides.
        ``items[i]``: position, BM25, coverage, matched terms, the ``related`` plus
        ``related_two_steps`` features and the terms ``related`` stands in for
        (``score`` left 0).
    """
    weights = {t: positive_idf(index, t) for t in query.distinct}
    total = sum(weights.values()) or 1.0
    paragraphs = paragraphs or Paragraphs(index)
    keys = [paragraphs.key(s.position) for s in scored]
    paragraph_score = _paragraph_scores(paragraphs, keys, weights, total, features)
    titles: dict[str, set[str]] = {}
    rows = []
    out = []
    for s, key in zip(scored, keys):
        row, matched, related_absent = _row(
            index, query, s.position, paragraphs, weights, total, paragraph_score[key], titles
        )
        rows.append(row)
        out.append(
            Candidate(
                s.position,
                s.score,
                row[0],
                matched,
                related=row[_RELATED] + row[_TWO_STEPS],
                stood_in=frozenset(related_absent),
            )
        )
    X = np.array(rows, dtype=np.float64).reshape(len(rows), len(FEATURE_NAMES))
    return Candidates(X, out)


def _paragraph_scores(
    paragraphs: Paragraphs, keys: list, weights: dict[str, float], total: float, features: Features
) -> dict[tuple[str, int], float]:
    """The ``paragraph`` feature of each paragraph in ``keys``: BM25 of the paragraph
    as one document (``paragraph_k1``, ``paragraph_b``, lengths normalised by the mean
    of these paragraphs), over ``total * (k1 + 1)``."""
    unique_keys = list(dict.fromkeys(keys))
    k1, b = features.paragraph_k1, features.paragraph_b
    lengths = {key: sum(paragraphs.terms[key].values()) for key in unique_keys}
    mean_length = sum(lengths.values()) / len(lengths) if lengths else 1.0
    out: dict[tuple[str, int], float] = {}
    for key in unique_keys:
        counts = paragraphs.terms[key]
        norm = k1 * (1 - b + b * lengths[key] / mean_length)
        out[key] = sum(
            weights[t] * counts[t] * (k1 + 1) / (counts[t] + norm) for t in weights if counts[t]
        ) / (total * (k1 + 1))
    return out


def _row(
    index: SentenceIndex,
    query: Query,
    position: int,
    paragraphs: Paragraphs,
    weights: dict[str, float],
    total: float,
    para: float,
    titles: dict[str, set[str]],
) -> tuple[list[float], frozenset[str], set[str]]:
    """One candidate's feature row (columns in FEATURE_NAMES order, defined in
    :func:`candidate_features`), the question terms it holds, and the absent ones a
    related word stands in for. One expression per column, in column order, so the row reads as the list of
    features; hence its length."""
    distinct = query.distinct
    sentence = index.sentence(position)
    sentence_terms = paragraphs.sentence_terms(position)
    present = set(sentence_terms)
    matched = frozenset(t for t in distinct if t in present)
    absent = [t for t in distinct if t not in present]
    coverage = sum(weights[t] for t in distinct if t in matched) / total  # in question order: a set's order varies by process
    phrases = question_phrases(query.surface, query.distinct)  # "went with" ~ accompany
    related_absent = {t for t in absent if not present.isdisjoint(related_terms(t) | phrases.get(t, frozenset()))}
    before = paragraphs.before(position)
    stems = {u[:PREFIX] for u in present if len(u) >= PREFIX}
    said = _said(sentence.text)
    doc_id = sentence.citation.doc_id
    if doc_id not in titles:
        titles[doc_id] = set(analyze((sentence.citation.title or "").replace("_", " ")))
    offers = [0.0] * len(_TYPE_NAMES)
    lacks = [0.0] * len(_TYPE_NAMES)
    if query.ranking_type is not None:
        slot = _TYPE_NAMES.index(query.ranking_type)
        if offers_answer_type(sentence.text, query.ranking_type, query.words):
            offers[slot] = 1.0
        else:
            lacks[slot] = 1.0
    content, pairs, surface, names = query.content_words, query.pairs, query.surface, query.names
    loose = [t for t in absent if t not in names]  # a name is not covered by a broader or narrower word
    qualified = _terms_of_words(qualified_words(cased_words(sentence.text), query))  # summed in question order
    row = [
        coverage,
        sum(weights[t] for t in absent if t in before) / total,
        para,
        sum(weights[t] for t in absent if len(t) >= PREFIX and t[:PREFIX] in stems) / total,
        proximity(sentence_terms, weights) / total if len(matched) > 1 else 0.0,
        len(content & said[1]) / len(content) if content else 0.0,
        len(_pairs_found(pairs, said[0])) / len(pairs) if pairs else 0.0,
        _longest_run(surface, said) / max(len(surface), 1),
        math.log1p(len(sentence_terms)),
        len(names & present) / len(names) if names else 0.0,
        sum(weights[t] for t in distinct if t in titles[doc_id]) / total,
        len(matched) / len(distinct),
        para * coverage,
        *offers,
        *lacks,
        1.0 if has_answer_type(sentence.text, query.expected_type) else 0.0,
        sum(weights[t] for t in absent if t in related_absent) / total,
        sum(weights[t] for t in loose if not present.isdisjoint(hypernym_terms(t))) / total,
        sum(weights[t] for t in loose if t not in related_absent and not present.isdisjoint(two_step_terms(t)))
        / total,
        sum(weights[t] for t in distinct if t in qualified) / total,
        verb_order(query.terms, query.names, sentence_terms),
    ]
    return row, matched, related_absent
