"""From a question to an :class:`~retrieval.types.Answer`: the answer path, stage by stage.

::

    question --parse_query--> Query                       retrieval/query.py
             --candidate_positions--> BM25 top-k + paragraph neighbours
                                                          retrieval/candidates.py
             --candidate_features--> feature rows         retrieval/features.py
             --scorer.score, order--> ranking             retrieval/scoring.py
             --decide--> answer or abstain, quotes, context
                                                          retrieval/decide.py

Policy
------
0. A question longer than ``MAX_QUESTION_CHARS`` (2000) characters is not analyzed at
   all: not answered, reason ``"too_long"``.
1. The question is read once into a :class:`~retrieval.query.Query`, analyzed with the
   same analyzer as the sentences. No terms left (``"?"``, ``"the"``, an emoji) -> not
   answered, reason ``"no_terms"``. A term the corpus never uses is replaced by the
   most frequent corpus term it becomes by undoing one common typing slip, unless the
   word is English as typed, and the word is respelt in the question the way the
   corpus writes it (:func:`retrieval.spell.spelled`: "Who is Puttin?" is ranked as
   "Who is Putin?").
2. Candidates are the sentences sharing a term with the question, best BM25Okapi
   first (at most ``Features.candidates``), then the other sentences of the best
   ``Features.paragraph_neighbours`` (3) candidates' paragraphs
   (:func:`~retrieval.candidates.candidate_positions`).
3. Each candidate is described by the features of
   :func:`~retrieval.features.candidate_features` and scored by a linear model over
   them (:class:`~retrieval.scoring.LinearScorer`, :mod:`retrieval.rerank`): weights
   fitted listwise on SQuAD v1.1 dev half A by ``benchmarks/train_ranker.py`` and
   shipped in ``retrieval/data/ranker.json``. Candidates are ordered by that score,
   then BM25, then corpus order, except that the candidates containing every question
   term that any candidate contains come first (:func:`~retrieval.scoring.order`).
   Work per question is proportional to the candidates and their paragraphs, never to
   the corpus size.
4. Abstain or answer, and choose further quotes and context
   (:func:`~retrieval.decide.decide`, whose docstring states the rules).

Every feature's gain on SQuAD is measured by ``benchmarks/train_ranker.py --ablate``;
the figures are in ``docs/quality.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .answer_types import expected_answer_type, has_answer_type, offers_answer_type, ranking_answer_type
from .candidates import Candidate, Paragraphs, candidate_positions
from .conversation import FollowUp, carry
from .decide import decide, follow_up_order, unknown_names
from .features import Candidates, candidate_features, proximity
from .highlight import answer_type as highlight_type
from .highlight import highlight
from .index import SentenceIndex
from .policy import CANDIDATES, DEFAULT_FEATURES, MIN_COVERAGE, PREFIX, Features
from .query import MAX_QUESTION_CHARS, Query, parse_query, query_of, too_long
from .related import related_matches
from .rerank import FEATURE_NAMES
from .scoring import LinearScorer, dominance_order, order
from .settings import Settings
from .types import Answer, Hit, TermContribution

__all__ = [
    "CANDIDATES",
    "DEFAULT_FEATURES",
    "MAX_QUESTION_CHARS",
    "MIN_COVERAGE",
    "PREFIX",
    "Candidate",
    "Candidates",
    "Explanation",
    "Features",
    "Query",
    "answer",
    "candidate_features",
    "candidate_positions",
    "dominance_order",
    "expected_answer_type",
    "explain",
    "has_answer_type",
    "offers_answer_type",
    "parse_query",
    "proximity",
    "query_of",
    "question_terms",
    "rank",
    "ranked",
    "ranking_answer_type",
    "too_long",
    "unknown_names",
]


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




def ranked(
    query: Query,
    index: SentenceIndex,
    features: Features = DEFAULT_FEATURES,
    paragraphs: Paragraphs | None = None,
    semantic=None,
) -> tuple[list[Candidate], Candidates]:
    """Stages 2 to 4 for a query with terms: the candidates in answer order, and the
    candidates with their feature rows (in BM25 order; empty when nothing matches).
    ``semantic`` (a :class:`~retrieval.semantic_scorer.SemanticScorer`, optional) adds
    its weighted score to the linear one (:meth:`~retrieval.semantic_scorer.SemanticScorer.combine`)."""
    paragraphs = paragraphs or Paragraphs(index)
    scored = candidate_positions(index, query.terms, features, paragraphs)
    if not scored:
        return [], Candidates(np.zeros((0, len(FEATURE_NAMES))), [])
    found = candidate_features(index, query, scored, features, paragraphs)
    scores = LinearScorer.of(features).score(query, found)
    if semantic is not None:
        return follow_up_order(query, semantic.combine(query, found, scores, features), index), found
    return follow_up_order(query, order(found, scores, features), index), found


def rank(
    question: str,
    index: SentenceIndex,
    k: int | None = None,
    features: Features = DEFAULT_FEATURES,
    semantic=None,
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
    semantic : SemanticScorer, optional
        The optional semantic scorer (:mod:`retrieval.semantic_scorer`).

    Returns
    -------
    list of Hit
        Best first (``rank`` 1-based), each ``score`` its BM25Okapi score; empty when
        the question has no terms or no sentence shares one. This is the order
        :func:`answer` quotes from (before its abstention rule).
    """
    query = parse_query(question, index)
    if not query.terms:
        return []
    best = ranked(query, index, features, semantic=semantic)[0]
    if k is not None:
        best = best[:k]
    return [Hit(sentence=index.sentence(c.position), score=c.bm25, rank=r) for r, c in enumerate(best, start=1)]


def answer(
    question: str,
    index: SentenceIndex,
    settings: Settings | None = None,
    features: Features = DEFAULT_FEATURES,
    follow_up: FollowUp | None = None,
    semantic=None,
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
    follow_up : FollowUp, optional
        What the question carries over from the exchange before it in a conversation
        (:mod:`retrieval.conversation`); None (a question on its own) changes nothing.
    semantic : SemanticScorer, optional
        The optional semantic scorer (:mod:`retrieval.semantic_scorer`).

    Returns
    -------
    Answer
        ``answered`` False with no quotes when abstaining (see the module docstring
        for the policy); otherwise 1 to ``max_quotes`` quotes, best first, each hit's
        ``score`` its BM25Okapi score and ``rank`` its position in the answer.
    """
    if too_long(question):
        return Answer(question=question, answered=False, reason="too_long")
    query = parse_query(question, index)
    if follow_up is not None:
        query = carry(query, follow_up)
    if not query.terms:
        return Answer(question=question, answered=False, reason="no_terms")
    if follow_up is not None and follow_up.again is not None and follow_up.again[0]:
        asked_again = _asked_again(follow_up, index, settings, features, semantic)
        if not asked_again.answered:
            return replace(asked_again, question=question)
        if not _offers_another(asked_again):
            return Answer(question=question, answered=False, reason="not_found", confidence=asked_again.confidence)
    return _decided(query, index, settings, features, semantic)


def _decided(query: Query, index: SentenceIndex, settings: Settings | None, features: Features, semantic=None) -> Answer:
    """Stages 2 to 5 for a query with terms: rank, then answer or abstain."""
    paragraphs = Paragraphs(index)  # shared by the ranking and the unknown-name test
    best, found = ranked(query, index, features, paragraphs, semantic)
    if not best:
        return Answer(question=query.asked, answered=False, reason="not_found")
    return decide(query, best, index, settings or index.settings, features, paragraphs, found, semantic)


def _offers_another(asked_again: Answer) -> bool:
    """Whether the earlier question, asked again, has a quote holding another answer:
    for a question whose answer is a phrase (who, when, where, how many), one of its
    quotes must hold such a phrase (:func:`retrieval.highlight.highlight`: a person
    tied to the question's words, not merely a sentence naming its subject again);
    any quote will do for the others."""
    if highlight_type(asked_again.question) is None:
        return True
    return any(highlight(asked_again.question, q.hit.text) is not None for q in asked_again.quotes)


def _asked_again(follow_up: FollowUp, index: SentenceIndex, settings, features: Features, semantic=None) -> Answer:
    """The ordinary answer to the question an "else" follow-up asks again
    (:attr:`FollowUp.again`), with what it carried, from the same articles and without
    the sentences already quoted: when it abstains, "Who else?" has no answer either
    (the same answer/abstain decision, no threshold of its own)."""
    question, carried = follow_up.again
    again = FollowUp("ellipsis", carried, follow_up.prefer, follow_up.exclude)
    if carried:
        return answer(question, index, settings, features, follow_up=again, semantic=semantic)
    query = parse_query(question, index)  # nothing carried: its own terms, the same exclusions
    if not query.terms:
        return Answer(question=question, answered=False, reason="no_terms")
    return _decided(replace(query, prefer=follow_up.prefer, exclude=follow_up.exclude), index, settings, features, semantic)


def explain(
    question: str, index: SentenceIndex, k: int = 3, follow_up: FollowUp | None = None, semantic=None
) -> list[Explanation]:
    """Per-term BM25 and per-feature reranker contributions for the top ``k``
    candidates, in the order :func:`answer` ranks them (before abstaining), from the
    same feature rows the ranking used.

    Returns
    -------
    list of Explanation
        At most ``k``; empty when the question is too long (:func:`too_long`: not
        analyzed), has no terms or nothing matches.
    """
    if too_long(question):
        return []
    query = parse_query(question, index)
    if follow_up is not None:  # as answer() reads a follow-up
        query = carry(query, follow_up)
    if not query.terms:
        return []
    paragraphs = Paragraphs(index)
    best, found = ranked(query, index, DEFAULT_FEATURES, paragraphs, semantic)
    rows = {c.position: row for c, row in zip(found.items, found.rows)}
    extra = semantic.contributions(query, found) if semantic is not None else {}
    weights = LinearScorer.of(DEFAULT_FEATURES).weights.array()
    if semantic is not None and semantic.lexical_weights() is not None:  # semantic on: the fitted ranker's
        weights = semantic.lexical_weights()
    out = []
    for position, candidate in enumerate(best[:k], start=1):
        sentence = index.sentence(candidate.position)
        parts = [(name, float(v)) for name, v in zip(FEATURE_NAMES, rows[candidate.position] * weights) if v]
        parts += extra.get(candidate.position, [])
        parts.sort(key=lambda item: -abs(item[1]))
        out.append(
            Explanation(
                hit=Hit(sentence=sentence, score=candidate.bm25, rank=position),
                terms=tuple(index.contributions(list(query.terms), candidate.position)),
                coverage=candidate.coverage,
                bm25=candidate.bm25,
                score=candidate.score,
                features=tuple(parts),
                related_words=tuple(
                    related_matches(
                        [t for t in query.distinct if t not in candidate.matched],
                        paragraphs.sentence_terms(candidate.position),
                        query.names,
                    )
                ),
            )
        )
    return out


def question_terms(question: str, index: SentenceIndex) -> list[str]:
    """What retrieval searches for: ``analyze(question)`` with each term the corpus
    never uses spelling-corrected against ``index`` (:func:`retrieval.spell.spelled`);
    empty when the question has no terms."""
    return list(parse_query(question, index).terms)
