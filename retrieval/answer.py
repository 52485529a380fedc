"""From a question to an :class:`~retrieval.types.Answer`: select, add context, abstain, explain.

Policy
------
0. A question longer than ``MAX_QUESTION_CHARS`` (2000) characters is not analyzed at
   all: not answered, reason ``"too_long"``.
1. The question is analyzed with the same analyzer as the sentences. No terms left
   (``"?"``, ``"the"``, an emoji) -> not answered, reason ``"no_terms"``. A term the
   corpus never uses is replaced by the most frequent corpus term it becomes by
   undoing one common typing slip, unless the word is English as typed, and the word
   is respelt in the question the way the corpus writes it
   (:func:`retrieval.spell.spelled`: "Who is Puttin?" is ranked as "Who is Putin?").
2. Candidates are the sentences sharing a term with the question, best BM25Okapi
   first (at most ``Features.candidates``, default ``CANDIDATES``), then the other
   sentences of the best ``Features.paragraph_neighbours`` (3) candidates' paragraphs
   (:func:`candidate_positions`).
3. Each candidate is described by the features of :func:`candidate_features` (term
   coverage weighted by positive IDF, the sentence before, the paragraph's BM25 as a
   wider field, near-matches, proximity, the question's words and word pairs as
   written, names, the article's title, answer-type cues, WordNet-related words for
   the question terms it lacks, ...) and scored by a linear
   model over them (:mod:`retrieval.rerank`): weights fitted listwise on SQuAD v1.1
   dev half A by ``benchmarks/train_ranker.py`` and shipped in
   ``retrieval/data/ranker.json``. Candidates are ordered by that score, then BM25,
   then corpus order, *except that* the candidates containing every question term
   that any candidate contains come first (``Features.complete_first``): a sentence
   with all of the question's words is never ranked below one that lacks some, and
   stopwords (never terms) never carry an answer. ``Features(coverage_first=True)``
   restores the original coverage-first order. Work per question is proportional to
   the candidates and their paragraphs, never to the corpus size.
4. Abstain (reason ``"not_found"``) when no candidate covers ``MIN_COVERAGE`` (0.25)
   of the question's total term weight (terms the corpus never uses weigh most; a
   term counts as covered when the sentence holds it or a WordNet-related word, one
   or two steps away, :func:`retrieval.related.related_terms`: "Who escorted Putin?"
   is answered by "Accompanying Putin ...", "Who bought the chain?" by "... agreed to
   purchase the chain"), or
   when the question asks for an age, a number or a date and no candidate that
   covers enough contains one (a count word, not "several" or "many"), or when the
   question names something the corpus never mentions (:func:`unknown_names`: a
   capitalised word, not the question's first, whose term no sentence contains and
   that is no variant -- same first letters or a typo away -- of a term in the
   candidates' paragraphs: "Who is the president of France?" asked of an article
   that never mentions France). 0.25 rather than 0.3 keeps the accuracy@1 lost on
   answerable SQuAD 2.0 questions under 3 points (see ``docs/quality.md``).
5. Quote the ranking's best sentence (``Features.quote_ranked``); quote another
   candidate only when it passes the test of step 4, adds evidence (it contains a
   question term the quotes so far lack, or a WordNet-related word for one: on SQuAD
   half A the share of answers with a gold quote 0.7916 -> 0.7943, quotes per answer
   1.390 -> 1.403) and the reranker scores it within
   ``Features.quote_gap`` (4.0) of the first quote: the score is a log-odds under the
   reranker's softmax, so a further quote is at least e^-4 (about 2%) as likely as the
   first to hold the answer. On SQuAD half A (within-article) this leaves out about a
   third of the further quotes, under 1% of which held the answer: quotes per answer
   1.54 -> 1.35, questions with the answer among the quotes 0.7702 -> 0.7689
   (``docs/quality.md``).
6. A quoted sentence that opens by referring back ("He also mentioned ...", "This
   visit ...") is shown with the sentence before it as context.

Every feature's gain on SQuAD is measured by ``benchmarks/train_ranker.py --ablate``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Iterable, Iterator, Sequence

import numpy as np
from rapidfuzz.distance import OSA

from .analyze import analyze, stopwords, terms_of_tokens, tokenize
from .base import ScoredPosition
from .index import SentenceIndex, positive_idf
from .related import hypernym_terms, related_matches, related_terms, two_step_terms
from .rerank import FEATURE_NAMES, RankerWeights, shipped_weights
from .settings import Settings
from .spell import spelled
from .types import Answer, Hit, Quote, Sentence, TermContribution

CANDIDATES = 100
# The longest question answered, in characters (code points, as ``len`` counts them):
# Discord's limit for one message (without Nitro), so a question that fits in an
# ordinary message is never refused, and every front end has the same limit. Longer
# text is no question: analyzing it costs time and memory in proportion (a 1 MB
# question took about 5 s and 120 MB), so answer() and explain() turn it away unread.
MAX_QUESTION_CHARS = 2000
MIN_COVERAGE = 0.25
PREFIX = 5  # shared leading letters for a morphological near-match (acquir/acquisit)

_REFERS_BACK = re.compile(
    r"^(?:he|she|it|they|this|these|that|those|his|her|its|their|them|such|there)\b",
    re.I,
)

# words that state a count (not vague quantities such as "several", "many", "number")
_COUNT_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|"
    r"eighty|ninety|hundreds?|thousands?|millions?|billions?|trillions?|dozens?|once|twice|"
    r"thrice|half"
)
_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class _Cue:
    """What shows an answer type in a text: matches of ``anywhere`` (searched in the
    text) and words that ``whole_word`` matches entirely.

    A word is a maximal run of word characters (``\\w+``, the characters between
    which ``\\b`` never holds), so a text matches ``whole_word`` as a word exactly
    where it matches ``\\b(?:whole_word)\\b`` -- provided ``whole_word`` only ever
    matches word characters, as every pattern here does. Matching each *distinct*
    word (:func:`_words`) finds the same matches in one pass that all cues share,
    instead of trying a case-insensitive alternation of some sixty words at every
    word boundary: seconds on a sentence of 10^6 words, a few milliseconds for
    its distinct words. ``tests/test_answer_features.py`` checks the cues against
    the single regular expressions they replace.

    Attributes
    ----------
    anywhere : re.Pattern or None
    whole_word : re.Pattern or None
        Used with ``fullmatch`` on one word.
    """

    anywhere: re.Pattern | None
    whole_word: re.Pattern | None = None

    def found_in(self, text: str) -> bool:
        """Whether ``text`` holds a match."""
        if self.anywhere is not None and self.anywhere.search(text):
            return True
        return self.whole_word is not None and any(map(self.whole_word.fullmatch, _words(text)))

    def matches(self, text: str) -> Iterator[str]:
        """The matched strings of ``text``, each once, in no particular order."""
        seen: set[str] = set()
        if self.anywhere is not None:
            for match in self.anywhere.finditer(text):
                found = match.group()
                if found not in seen:
                    seen.add(found)
                    yield found
        if self.whole_word is not None:
            yield from filter(self.whole_word.fullmatch, _words(text))


@lru_cache(maxsize=1 << 12)
def _words(text: str) -> frozenset[str]:
    """The distinct maximal runs of word characters of ``text``; memoised like
    :func:`_said`, since a candidate is tested for answer types several times."""
    return frozenset(_WORD.findall(text))


_EXPECTED = {
    "age": (
        # "how old", "at what age", "what is Lavrov's age", "what is his age"
        re.compile(
            r"\bhow old\b|\b(?:what|which) age\b|(?:['\u2019]s|\b(?:his|her|their)) age\b|"
            r"^\s*what (?:is|was) the age of\b",
            re.I,
        ),
        _Cue(re.compile(r"\b\d+[- ]years?[- ]old\b|\baged? \d+|\bage of \d+|\b\d+-year-old", re.I)),
    ),
    "number": (
        re.compile(r"\bhow (?:many|much)\b", re.I),
        _Cue(re.compile(r"\d"), re.compile(_COUNT_WORDS, re.I)),
    ),
    "date": (
        re.compile(r"^\s*when\b|\b(?:what|which) (?:year|date|day|month|time|century|decade)\b", re.I),
        _Cue(
            re.compile(r"\d"),
            re.compile(
                rf"{_MONTHS}|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
                r"today|yesterday|tomorrow|tonight|ago|last|next|since|until|before|after|during|"
                r"century|decade|year|years|week|weeks|month|months|morning|evening|night|"
                r"spring|summer|autumn|fall|winter|recently|earlier|later|now",
                re.I,
            ),
        ),
    ),
}


@dataclass(frozen=True)
class Explanation:
    """Why a sentence ranked where it did.

    Attributes
    ----------
    hit : Hit
        The sentence, its BM25Okapi score and its rank in the answer's ranking.
    terms : tuple of TermContribution
        The question terms it contains, with their BM25Okapi contributions (they sum
        to ``bm25``).
    coverage : float
        Share of the question's term weight (positive IDF) the sentence contains.
    bm25 : float
        Its BM25Okapi score.
    score : float
        The reranker's score (the sum of ``features``' contributions).
    features : tuple of (str, float)
        Each non-zero feature's contribution to ``score`` (value times weight), largest
        in absolute value first.
    related_words : tuple of (str, str, str)
        ``(question term, sentence term, relation)`` for each question term the
        sentence lacks but holds a WordNet-related term for
        (:func:`retrieval.related.related_matches`), in question order.
    """

    hit: Hit
    terms: tuple[TermContribution, ...]
    coverage: float
    bm25: float
    score: float = 0.0
    features: tuple[tuple[str, float], ...] = ()
    related_words: tuple[tuple[str, str, str], ...] = ()


NAME_PREFIX = 4


def unknown_names(question: str, index: SentenceIndex, nearby: Iterable[str] = ()) -> list[str]:
    """Capitalised words of ``question`` (not its first word) that no sentence of the
    corpus contains: "Who is the president of France?" asked of an article that never
    mentions France is about something else, however well "president" matches.

    A word whose term shares its first ``NAME_PREFIX`` letters (or all of the shorter
    one's) with a term of ``nearby`` (the candidates' paragraphs), accents ignored,
    is a variant of a name the corpus uses ("Feb", "Jewish", "Bismark", "Celeron"),
    not an unknown one.
    """
    if question.isupper():  # shouted: capitals say nothing about names
        return []
    near = {_fold(t) for t in nearby}
    out = []
    for token in tokenize(question)[1:]:
        if not token[0].isupper():
            continue
        terms = terms_of_tokens([token])
        if not terms or index.document_frequency(terms[0]) > 0:
            continue
        term = _fold(terms[0])
        if not any(_variant(term, u) for u in near):
            out.append(token)
    return out


def _variant(term: str, other: str) -> bool:
    """``term`` and ``other`` share their first ``NAME_PREFIX`` letters (or all of the
    shorter one's: "jew" / "jewish"), or, starting with the same letter, differ by at
    most one edit (two for 7 letters or more) -- a misspelt name such as Ghandi for
    Gandhi, Moncalm for Montcalm."""
    if _common_prefix(term, other) >= min(NAME_PREFIX, len(term), len(other)):
        return True
    limit = 2 if min(len(term), len(other)) >= 6 else 1
    return (
        min(len(term), len(other)) >= 4
        and term[0] == other[0]
        and abs(len(term) - len(other)) <= limit
        and OSA.distance(term, other, score_cutoff=limit) <= limit
    )


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def _nearby(paragraphs: _Paragraphs, ranked: list[_Candidate]) -> set[str]:
    """The terms of the candidates' paragraphs."""
    out: set[str] = set()
    for key in {paragraphs.key(c.position) for c in ranked}:
        out.update(paragraphs.terms[key])
    return out


def _fold(term: str) -> str:
    if term.isascii():
        return term
    return "".join(c for c in unicodedata.normalize("NFKD", term) if not unicodedata.combining(c))


def expected_answer_type(question: str) -> str | None:
    """``"age"``, ``"number"``, ``"date"`` or None, from the question's wording."""
    for name, (asks, _) in _EXPECTED.items():
        if asks.search(question):
            return name
    return None


def has_answer_type(text: str, answer_type: str | None) -> bool:
    """Whether ``text`` contains something of ``answer_type`` (always True for None)."""
    return answer_type is None or _EXPECTED[answer_type][1].found_in(text)


@dataclass(frozen=True)
class Features:
    """Switches of the answer layer's ranking (defaults: the product's choice).

    Frozen, so a configuration can be shared and compared; ``benchmarks/train_ranker.py``
    measures each ranking feature's gain by refitting without it.

    Attributes
    ----------
    candidates : int
        How many sentences (best sentence BM25 first) are reranked per question.
    weights : RankerWeights or None
        The linear model over :data:`~retrieval.rerank.FEATURE_NAMES` (see
        :func:`candidate_features`); None means the shipped, fitted weights
        (:func:`~retrieval.rerank.shipped_weights`).
    coverage_first : bool
        Rank by IDF-weighted term coverage before the model's score (the original
        policy).
    complete_first : bool
        Rank the candidates that contain every question term found in any candidate
        above all the others (the model's order within each group): a sentence that
        answers with all of the question's words is never placed below one that lacks
        some. Measured neutral on SQuAD half A (``docs/quality.md``).
    superset_first : bool
        Place a candidate whose matched question terms strictly contain another's
        above it (:func:`dominance_order`). Measured and not kept: it costs MRR 0.006
        and accuracy@1 0.003 on SQuAD half A.
    quote_ranked : bool
        Quote the ranking's best sentence first, rather than the best one that passes
        the abstention test on its own.
    paragraph_k1, paragraph_b : float
        BM25 parameters of the ``paragraph`` feature (the paragraph as one document).
    unknown_names : bool
        Abstain when the question names something the corpus never mentions
        (:func:`unknown_names`); an abstention rule, not a ranking feature.
    quote_gap : float
        A quote after the first is shown only when its reranker score is at most this
        much below the first quote's (a log-odds difference); ``math.inf`` quotes every
        candidate that adds evidence.
    paragraph_neighbours : int
        The other sentences of the paragraphs of this many best BM25 candidates are
        reranked too (:func:`candidate_positions`), so that an answer sharing no word
        with the question ("He died in 1259.") can still be found; 0 turns it off.
    neighbour_window : int
        Only the paragraph's sentences at most this many places before or after the
        candidate are added (15: every sentence of every SQuAD paragraph, which have at
        most 16; a one-line article of thousands of sentences adds at most 30 each).
    """

    candidates: int = CANDIDATES
    weights: RankerWeights | None = None
    coverage_first: bool = False
    complete_first: bool = True
    superset_first: bool = False
    quote_ranked: bool = True
    paragraph_k1: float = 1.2
    paragraph_b: float = 0.75
    unknown_names: bool = True
    quote_gap: float = 4.0
    paragraph_neighbours: int = 3
    neighbour_window: int = 15

    def weight_vector(self) -> np.ndarray:
        """The model's weights, shape ``(len(FEATURE_NAMES),)``."""
        return (self.weights or shipped_weights()).array()


DEFAULT_FEATURES = Features()
_RELATED = FEATURE_NAMES.index("related")
_TWO_STEPS = FEATURE_NAMES.index("related_two_steps")


_RANK_TYPES = {
    "date": (
        re.compile(
            r"^\s*when\b|\bwhen (?:did|was|were|is|does|do|will|had|has)\b|"
            r"\b(?:what|which) (?:year|date|day|month|century|decade|era|period)\b|\bwhat time\b",
            re.I,
        ),
        _Cue(
            None,
            re.compile(rf"(?:1\d{{3}}|20\d{{2}})s?|{_MONTHS}|centur(?:y|ies)|\d+(?:st|nd|rd|th)|BC|AD", re.I),
        ),
    ),
    "number": (
        re.compile(
            r"\bhow (?:many|much|long|far|old|large|big|high|tall|often|fast|heavy|deep|wide)\b|"
            r"\bwhat (?:percentage|percent|number|amount|proportion|fraction|size|population)\b",
            re.I,
        ),
        _Cue(re.compile(r"\d[\d,.]*"), re.compile(_COUNT_WORDS, re.I)),
    ),
    "person": (
        re.compile(
            r"^\s*(?:who|whom|whose)\b|\bwho (?:was|is|were|did|had|has)\b|"
            r"\b(?:which|what) (?:person|player|man|woman|king|president|leader|emperor|"
            r"scientist|writer|author|team|company|group|organi[sz]ation)\b",
            re.I,
        ),
        None,
    ),
    "place": (
        re.compile(
            r"^\s*where\b|\bwhere (?:did|was|is|were|does|do)\b|"
            r"\b(?:what|which) (?:city|country|state|region|place|town|area|location|continent|"
            r"island|river|county|province|nation)\b",
            re.I,
        ),
        None,
    ),
}
# a capitalised word that does not open the sentence or a quotation
_CAPITALISED = re.compile(r"(?<!^)(?<![.!?] )(?<![\"(] )\b[A-Z][\w'-]*")
_NAME = _Cue(_CAPITALISED)


def ranking_answer_type(question: str) -> str | None:
    """``"date"``, ``"number"``, ``"person"``, ``"place"`` or None: what kind of answer
    the question's wh-phrase asks for (used as ranking evidence, not for abstaining)."""
    for name, (asks, _) in _RANK_TYPES.items():
        if asks.search(question):
            return name
    return None


def offers_answer_type(text: str, answer_type: str, question_words: frozenset[str]) -> bool:
    """Whether ``text`` holds a candidate answer of ``answer_type`` that the question
    does not already contain: a year, month or century (date); a digit or count word
    (number); a capitalised word not opening the sentence (person, place). Material
    whose every word is in ``question_words`` (lowercase) does not count: "When did
    the 1998 storm hit?" is not answered by "1998"."""
    for found in (_RANK_TYPES[answer_type][1] or _NAME).matches(text):
        words = re.findall(r"\w+", found.lower())
        if words and not all(w in question_words for w in words):
            return True
    return False


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


@dataclass(frozen=True)
class _Candidate:
    position: int
    bm25: float
    coverage: float  # fraction of the question's term weight the sentence contains
    matched: frozenset[str]
    score: float = 0.0  # the reranker's score (retrieval.rerank)
    related: float = 0.0  # fraction held only as a WordNet-related word, one or two steps away
    stood_in: frozenset[str] = frozenset()  # the absent terms a related word stands in for


class _Paragraphs:
    """Per-question cache of the candidates' paragraphs: each paragraph's positions
    (contiguous in corpus order) and term counts.

    Found by walking from a candidate to the neighbouring positions while the
    citation's (doc_id, paragraph) stays the same, so the work is proportional to the
    candidates' paragraphs, never to the corpus size.
    """

    def __init__(self, index: SentenceIndex):
        self.index = index
        self._of: dict[int, tuple[str, int]] = {}
        self.terms: dict[tuple[str, int], Counter] = {}
        self.span: dict[tuple[str, int], tuple[int, int]] = {}
        self._sentence_terms: dict[int, list[str]] = {}

    def key(self, position: int) -> tuple[str, int]:
        key = self._of.get(position)
        if key is not None:
            return key
        index = self.index
        doc_id, paragraph, _ = index.locate(position)
        key = (doc_id, paragraph)
        first = last = position
        while first > 0 and self._same(first - 1, key):
            first -= 1
        while last + 1 < index.size and self._same(last + 1, key):
            last += 1
        counts: Counter = Counter()
        for other in range(first, last + 1):
            counts.update(self.sentence_terms(other))
            self._of[other] = key
        self.terms[key] = counts
        self.span[key] = (first, last)
        return key

    def _same(self, position: int, key: tuple[str, int]) -> bool:
        return self.index.locate(position)[:2] == key

    def sentence_terms(self, position: int) -> list[str]:
        """The sentence's terms in text order, read once per question.

        ``index.sentence_terms(position)``, except when a term repeats: the sparse
        engine (and so a persisted index) keeps each term's occurrences together, and
        :func:`proximity` needs the text's order, so such a sentence is analyzed again
        (memoised by text, :func:`_text_terms`).
        """
        terms = self._sentence_terms.get(position)
        if terms is None:
            terms = self.index.sentence_terms(position)
            if len(set(terms)) < len(terms):
                terms = list(_text_terms(self.index.sentence(position).text))
            self._sentence_terms[position] = terms
        return terms

    def before(self, position: int) -> set[str]:
        """Terms of the sentence just before ``position`` in the same article."""
        if position == 0:
            return set()
        doc_id, _, number = self.index.locate(position)
        other_doc, _, other_number = self.index.locate(position - 1)
        if other_doc == doc_id and other_number == number - 1:
            return set(self.sentence_terms(position - 1))
        return set()


def dominance_order(candidates: list[_Candidate]) -> list[_Candidate]:
    """Candidates by ``score`` descending, except that a sentence matching a strict
    superset of another's question terms is always placed before it.

    Greedy: repeatedly emit the best-scored candidate among those whose matched term
    set is not strictly contained in a remaining candidate's. Work is
    O(n * g) for n candidates in g distinct matched sets.
    """
    groups: dict[frozenset[str], list[_Candidate]] = {}
    for c in sorted(candidates, key=_key):
        groups.setdefault(c.matched, []).append(c)
    heads = {m: 0 for m in groups}
    out: list[_Candidate] = []
    while heads:
        free = [m for m in heads if not any(m < other for other in heads)]
        best = min(free, key=lambda m: _key(groups[m][heads[m]]))
        out.append(groups[best][heads[best]])
        heads[best] += 1
        if heads[best] == len(groups[best]):
            del heads[best]
    return out


def _key(c: _Candidate) -> tuple[float, float, int]:
    return (-c.score, -c.bm25, c.position)


_WH_WORDS = frozenset("what which who whom whose when where why how".split())
_TYPE_NAMES = ("date", "number", "person", "place")


def _surface(text: str) -> list[str]:
    """Lowercased tokens, stopwords kept (the words as written, not terms)."""
    return [t.lower() for t in tokenize(text)]


@lru_cache(maxsize=1 << 12)
def _text_terms(text: str) -> tuple[str, ...]:
    """``analyze(text)`` in text order; memoised like :func:`_said`."""
    return tuple(analyze(text))


@lru_cache(maxsize=1 << 12)  # about 2 KB an entry: ~8 MB at most
def _said(text: str) -> tuple[tuple[str, ...], frozenset[str]]:
    """A sentence's words as written (:func:`_surface`) and their set; memoised, since
    the same sentences are candidates again and again."""
    words = tuple(_surface(text))
    return words, frozenset(words)


def _pairs_found(pairs: set[tuple[str, str]], words: Sequence[str]) -> set[tuple[str, str]]:
    """The word pairs of ``pairs`` that occur adjacent in ``words``.

    One pass over the sentence's pairs, keeping only the question's: a set of all the
    pairs of a long sentence costs a tuple and a hash per word (about 0.5 s for 10^6
    words of ordinary vocabulary).
    """
    return set(filter(pairs.__contains__, zip(words, words[1:]))) if pairs else set()


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
    question: str,
    terms: Sequence[str],
    scored: Sequence,
    features: Features = DEFAULT_FEATURES,
    paragraphs: _Paragraphs | None = None,
) -> tuple[np.ndarray, list[_Candidate]]:
    """The feature matrix of the candidates ``scored`` for ``question``.

    Parameters
    ----------
    index : SentenceIndex
    question : str
    terms : sequence of str
        ``analyze(question)``, non-empty.
    scored : sequence of ScoredPosition
        The candidates, best sentence BM25 first (from ``index.score_terms``).
    features : Features
        Only ``paragraph_k1`` and ``paragraph_b`` are read.
    paragraphs : _Paragraphs, optional
        This question's paragraph cache, to share it with the caller (a new one when
        omitted).

    Returns
    -------
    X : ndarray of float64, shape (len(scored), len(FEATURE_NAMES))
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
    candidates : list of _Candidate
        Per row: position, BM25, coverage, matched terms, the ``related`` plus
        ``related_two_steps`` features and the terms ``related`` stands in for
        (``score`` left 0).
    """
    distinct = list(dict.fromkeys(terms))
    weights = {t: positive_idf(index, t) for t in distinct}
    total = sum(weights.values()) or 1.0
    answer_type = ranking_answer_type(question)
    expected = expected_answer_type(question)
    question_words = frozenset(w.lower() for w in re.findall(r"\w+", question))
    question_surface = _surface(question)
    stop = stopwords()
    content_words = {w for w in question_surface if w not in stop and w not in _WH_WORDS}
    question_pairs = _ngrams(question_surface, 2)
    names = set(terms_of_tokens([t for t in tokenize(question)[1:] if t[0].isupper()]))
    if question.isupper():
        names = set()
    paragraphs = paragraphs or _Paragraphs(index)
    keys = [paragraphs.key(s.position) for s in scored]
    unique_keys = list(dict.fromkeys(keys))
    k1, b = features.paragraph_k1, features.paragraph_b
    lengths = {key: sum(paragraphs.terms[key].values()) for key in unique_keys}
    mean_length = sum(lengths.values()) / len(lengths) if lengths else 1.0
    paragraph_score: dict[tuple[str, int], float] = {}
    for key in unique_keys:
        counts = paragraphs.terms[key]
        norm = k1 * (1 - b + b * lengths[key] / mean_length)
        paragraph_score[key] = sum(
            weights[t] * counts[t] * (k1 + 1) / (counts[t] + norm) for t in distinct if counts[t]
        ) / (total * (k1 + 1))
    titles: dict[str, set[str]] = {}
    rows = []
    out = []
    for s, key in zip(scored, keys):
        position = s.position
        sentence = index.sentence(position)
        sentence_terms = paragraphs.sentence_terms(position)
        present = set(sentence_terms)
        matched = frozenset(t for t in distinct if t in present)
        absent = [t for t in distinct if t not in present]
        coverage = sum(weights[t] for t in matched) / total
        related_absent = {t for t in absent if not present.isdisjoint(related_terms(t))}
        before = paragraphs.before(position)
        stems = {u[:PREFIX] for u in present if len(u) >= PREFIX}
        said = _said(sentence.text)
        doc_id = sentence.citation.doc_id
        if doc_id not in titles:
            titles[doc_id] = set(analyze((sentence.citation.title or "").replace("_", " ")))
        offers = [0.0] * len(_TYPE_NAMES)
        lacks = [0.0] * len(_TYPE_NAMES)
        if answer_type is not None:
            slot = _TYPE_NAMES.index(answer_type)
            if offers_answer_type(sentence.text, answer_type, question_words):
                offers[slot] = 1.0
            else:
                lacks[slot] = 1.0
        para = paragraph_score[key]
        rows.append(
            [
                coverage,
                sum(weights[t] for t in absent if t in before) / total,
                para,
                sum(weights[t] for t in absent if len(t) >= PREFIX and t[:PREFIX] in stems) / total,
                proximity(sentence_terms, weights) / total if len(matched) > 1 else 0.0,
                len(content_words & said[1]) / len(content_words) if content_words else 0.0,
                len(_pairs_found(question_pairs, said[0])) / len(question_pairs) if question_pairs else 0.0,
                _longest_run(question_surface, said) / max(len(question_surface), 1),
                math.log1p(len(sentence_terms)),
                len(names & present) / len(names) if names else 0.0,
                sum(weights[t] for t in distinct if t in titles[doc_id]) / total,
                len(matched) / len(distinct),
                para * coverage,
                *offers,
                *lacks,
                1.0 if has_answer_type(sentence.text, expected) else 0.0,
                sum(weights[t] for t in related_absent) / total,
                sum(weights[t] for t in absent if not present.isdisjoint(hypernym_terms(t))) / total,
                sum(
                    weights[t] for t in absent if t not in related_absent and not present.isdisjoint(two_step_terms(t))
                ) / total,
            ]
        )
        out.append(
            _Candidate(position, s.score, coverage, matched, related=rows[-1][_RELATED] + rows[-1][_TWO_STEPS], stood_in=frozenset(related_absent))
        )
    X = np.array(rows, dtype=np.float64).reshape(len(rows), len(FEATURE_NAMES))
    return X, out


def candidate_positions(
    index: SentenceIndex,
    terms: Sequence[str],
    features: Features = DEFAULT_FEATURES,
    paragraphs: _Paragraphs | None = None,
) -> list[ScoredPosition]:
    """The sentences the reranker scores for a question's ``terms``.

    The ``features.candidates`` best sentences by BM25 (``index.score_terms``), then,
    in corpus order, the other sentences of the paragraphs of the
    ``features.paragraph_neighbours`` best of them (those at most
    ``features.neighbour_window`` places away), each with BM25 0.0 (added for their
    paragraph, not scored). On SQuAD half A (cross-validated, 3 paragraphs): ReQA MRR
    +0.0051, accuracy@1 +0.0018 (``benchmarks/train_ranker.py --ablate``).

    Returns
    -------
    list of ScoredPosition
        No position twice; empty when no sentence matches a term.
    """
    scored = list(index.score_terms(terms, features.candidates))
    if not scored or features.paragraph_neighbours <= 0:
        return scored
    paragraphs = paragraphs or _Paragraphs(index)
    seen = {s.position for s in scored}
    window = features.neighbour_window
    for best in scored[: features.paragraph_neighbours]:
        first, last = paragraphs.span[paragraphs.key(best.position)]
        for position in range(max(first, best.position - window), min(last, best.position + window) + 1):
            if position not in seen:
                seen.add(position)
                scored.append(ScoredPosition(position, 0.0))
    return scored


def _candidates(
    index: SentenceIndex,
    terms: list[str],
    features: Features = DEFAULT_FEATURES,
    question: str = "",
    paragraphs: _Paragraphs | None = None,
) -> list[_Candidate]:
    return _ranked_with_rows(index, terms, features, question, paragraphs)[0]


def _ranked_with_rows(
    index: SentenceIndex,
    terms: list[str],
    features: Features,
    question: str,
    paragraphs: _Paragraphs | None,
) -> tuple[list[_Candidate], dict[int, np.ndarray]]:
    """The candidates in answer order, and each one's feature row by position."""
    paragraphs = paragraphs or _Paragraphs(index)
    scored = candidate_positions(index, terms, features, paragraphs)
    if not scored:
        return [], {}
    X, found = candidate_features(index, question, terms, scored, features, paragraphs)
    rows = {c.position: row for c, row in zip(found, X)}
    scores = X @ features.weight_vector()
    out = [replace(c, score=float(v)) for c, v in zip(found, scores)]
    if features.coverage_first:
        out.sort(key=lambda c: (-c.coverage,) + _key(c))
        return out, rows
    out = dominance_order(out) if features.superset_first else sorted(out, key=_key)
    if features.complete_first:
        everything = frozenset().union(*(c.matched for c in out))
        out = [c for c in out if c.matched == everything] + [c for c in out if c.matched != everything]
    return out, rows


def rank(
    question: str,
    index: SentenceIndex,
    k: int | None = None,
    features: Features = DEFAULT_FEATURES,
) -> list[Hit]:
    """The answer layer's ranking of sentences for ``question``, without abstaining.

    Parameters
    ----------
    question : str
        Any text.
    index : SentenceIndex
        The corpus.
    k : int, optional
        Keep the ``k`` best (all ``features.candidates`` candidates when None).
    features : Features, optional
        Ranking switches; the product's defaults when omitted.

    Returns
    -------
    list of Hit
        Best first (``rank`` 1-based), each ``score`` its BM25Okapi score; empty when
        the question has no terms or no sentence shares one. This is the order
        :func:`answer` quotes from (before its abstention rule).
    """
    question, terms = spelled(question, index)
    if not terms:
        return []
    ranked = _candidates(index, terms, features, question)
    if k is not None:
        ranked = ranked[:k]
    return [
        Hit(sentence=index.sentence(c.position), score=c.bm25, rank=r)
        for r, c in enumerate(ranked, start=1)
    ]


def too_long(question: str) -> bool:
    """Whether ``question`` has more than :data:`MAX_QUESTION_CHARS` characters: then
    :func:`answer` and :func:`explain` turn it away without analyzing it."""
    return len(question) > MAX_QUESTION_CHARS


def _context(index: SentenceIndex, sentence: Sentence) -> Sentence | None:
    if not _REFERS_BACK.match(sentence.text):
        return None
    return index.previous(sentence)


def answer(
    question: str,
    index: SentenceIndex,
    settings: Settings | None = None,
    features: Features = DEFAULT_FEATURES,
) -> Answer:
    """Answer ``question`` extractively from ``index``.

    Parameters
    ----------
    question : str
        Any text; never raises for odd input. Longer than :data:`MAX_QUESTION_CHARS`,
        it is not analyzed (reason ``"too_long"``).
    index : SentenceIndex
        The corpus to quote from.
    settings : Settings, optional
        ``max_quotes`` bounds the quotes; defaults to ``index.settings``.
    features : Features, optional
        Ranking switches; the product's defaults when omitted.

    Returns
    -------
    Answer
        ``answered`` False with no quotes when abstaining (see the module docstring
        for the policy); otherwise 1 to ``max_quotes`` quotes, best first, each hit's
        ``score`` its BM25Okapi score and ``rank`` its position in the answer.
    """
    if too_long(question):
        return Answer(question=question, answered=False, reason="too_long")
    settings = settings or index.settings
    asked = question
    question, terms = spelled(question, index)  # misspelt words respelt the corpus's way
    if not terms:
        return Answer(question=asked, answered=False, reason="no_terms")
    answer_type = expected_answer_type(question)
    paragraphs = _Paragraphs(index)  # shared by the ranking and the unknown-name test
    ranked = _candidates(index, terms, features, question, paragraphs)
    candidates = [
        c
        for c in ranked
        if c.coverage + c.related >= MIN_COVERAGE
        and has_answer_type(index.sentence(c.position).text, answer_type)
    ]
    if candidates and features.unknown_names and unknown_names(question, index, _nearby(paragraphs, ranked)):
        candidates = []
    if not candidates:
        return Answer(question=asked, answered=False, reason="not_found")
    if features.quote_ranked and ranked[0] is not candidates[0]:
        candidates = [ranked[0]] + candidates
    quotes: list[Quote] = []
    shown: set[str] = set()  # sentence ids already on screen, as quote or context
    covered: set[str] = set()
    for candidate in candidates:
        if len(quotes) >= settings.max_quotes:
            break
        sentence = index.sentence(candidate.position)
        evidence = candidate.matched | candidate.stood_in  # its terms, or related words for them
        if quotes and (sentence.id in shown or not evidence - covered):
            continue
        if quotes and candidates[0].score - candidate.score > features.quote_gap:
            continue  # far less likely than the first quote: noise, not a second answer
        context = _context(index, sentence)
        if context is not None and context.id in shown:
            context = None
        hit = Hit(sentence=sentence, score=candidate.bm25, rank=len(quotes) + 1)
        quotes.append(Quote(hit=hit, context=context))
        shown.add(sentence.id)
        if context is not None:
            shown.add(context.id)
        covered |= evidence
    return Answer(question=asked, answered=True, quotes=tuple(quotes), reason="answered")


def explain(question: str, index: SentenceIndex, k: int = 3) -> list[Explanation]:
    """Per-term BM25 and per-feature reranker contributions for the top ``k``
    candidates, in the order :func:`answer` ranks them (before abstaining).

    Returns
    -------
    list of Explanation
        At most ``k``; empty when the question is too long (:func:`too_long`: not
        analyzed), has no terms or nothing matches.
    """
    if too_long(question):
        return []
    question, terms = spelled(question, index)
    if not terms:
        return []
    paragraphs = _Paragraphs(index)
    ranked, rows = _ranked_with_rows(index, terms, DEFAULT_FEATURES, question, paragraphs)
    ranked = ranked[:k]
    weights = DEFAULT_FEATURES.weight_vector()
    out = []
    for position, candidate in enumerate(ranked, start=1):
        sentence = index.sentence(candidate.position)
        parts = [(name, float(v)) for name, v in zip(FEATURE_NAMES, rows[candidate.position] * weights) if v]
        parts.sort(key=lambda item: -abs(item[1]))
        out.append(
            Explanation(
                hit=Hit(sentence=sentence, score=candidate.bm25, rank=position),
                terms=tuple(index.contributions(terms, candidate.position)),
                coverage=candidate.coverage,
                bm25=candidate.bm25,
                score=candidate.score,
                features=tuple(parts),
                related_words=tuple(
                    related_matches(
                        [t for t in dict.fromkeys(terms) if t not in candidate.matched],
                        paragraphs.sentence_terms(candidate.position),
                    )
                ),
            )
        )
    return out


def question_terms(question: str, index: SentenceIndex) -> list[str]:
    """What retrieval searches for: ``analyze(question)`` with each term the corpus
    never uses spelling-corrected against ``index`` (:func:`retrieval.spell.spelled`);
    empty when the question has no terms."""
    return spelled(question, index)[1]
