"""Last stage of the answer path: answer, hedge or abstain, which further sentences to
quote, and which quotes need the sentence before them as context.

By default the learned answerability model (:mod:`retrieval.answerability`) decides:
P(the first quote answers) below its ``abstain`` threshold refuses, below its ``hedge``
threshold answers with a hedge (reason ``"uncertain"``), above answers; the rules below
stay as guarantees (the coverage and answer-type test refuses on its own; an unknown
name refuses a doubtful answer) and as the model's evidence. With
``Features(answerability=False)`` the rules alone decide:

Abstain (reason ``"not_found"``) when no candidate covers ``MIN_COVERAGE`` of the
question's term weight (a term counts as covered when the sentence holds it or a
WordNet-related word one or two steps away, :func:`retrieval.related.related_terms`:
"Who bought the chain?" is answered by "... agreed to purchase the chain"), when the
question asks for an age, a number or a date and no candidate that covers enough holds
one, or when it names something the corpus never mentions (:func:`unknown_names`).

Otherwise quote the ranking's best sentence, then each further candidate that passes
the same test, adds evidence (a question term the quotes so far lack, or a related word
for one) and scores within ``Features.quote_gap`` of the first quote (a log-odds
difference: a quote at least e^-4, about 2%, as likely as the first to hold the
answer). A quote that opens by referring back ("He also mentioned ...") is shown with
the sentence before it.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Iterable

from rapidfuzz.distance import OSA

import numpy as np

from .answer_types import has_answer_type
from .answerability import evidence, shipped_model
from .candidates import Candidate, Paragraphs, nearby_terms
from .features import Candidates
from .index import SentenceIndex
from .policy import MIN_COVERAGE, Features
from .query import Query
from .settings import Settings
from .types import Answer, Hit, Quote, Sentence

NAME_PREFIX = 4

_REFERS_BACK = re.compile(
    r"^(?:he|she|it|they|this|these|that|those|his|her|its|their|them|such|there)\b",
    re.I,
)


def decide(
    query: Query,
    ranked: list[Candidate],
    index: SentenceIndex,
    settings: Settings,
    features: Features,
    paragraphs: Paragraphs,
    found: Candidates | None = None,
    semantic=None,
) -> Answer:
    """The :class:`~retrieval.types.Answer` to ``query`` from its ranked candidates.

    With ``features.answerability`` (the default) and the feature rows ``found``, the
    learned model (:mod:`retrieval.answerability`) gives P(the first quote answers):
    when no candidate passes :func:`answerable` (kept as a guarantee: "How old is
    ...?" of an article without an age), when the question names something the corpus
    never mentions (:func:`unknown_names`) and the probability is below the model's
    ``hedge`` threshold, or when it is below its ``abstain`` threshold, the answer is a
    refusal (``"not_found"``); below its
    ``hedge`` threshold a hedged answer (``"uncertain"``, still answered), else
    ``"answered"``; ``confidence`` carries the probability. Otherwise the hand rules
    decide (the module docstring) and ``confidence`` is None.

    Parameters
    ----------
    ranked : list of Candidate
        In answer order (:func:`retrieval.scoring.order`), non-empty.
    paragraphs : Paragraphs
        The question's paragraph cache (the unknown-name test reads the terms of the
        candidates' paragraphs).
    found : Candidates, optional
        The candidates with their feature rows (the model's evidence reads them).
    semantic : SemanticScorer, optional
        With a fitted semantic answerability model, its evidence and model decide
        (:mod:`retrieval.semantic_answerability`; same rules and outcomes).
    """
    passing = [c for c in ranked if answerable(query, c, index)]
    if features.answerability and found is not None:
        model = shipped_model()
        unknown = features.unknown_names and bool(unknown_names(query, index, nearby_terms(paragraphs, ranked)))
        row = evidence(query, index, ranked, _rows(found), paragraphs.sentence_terms, bool(passing), unknown)
        if semantic is not None and semantic.answerability is not None:  # semantic on: its evidence and model
            model, row = semantic.answerability, np.concatenate([row, semantic.evidence(query, ranked)])
        confidence = float(model.probability(row)[0])
        doubtful_unknown = unknown and confidence < model.unknown_below  # names the corpus never mentions
        if not passing or doubtful_unknown or confidence < model.abstain:
            return Answer(question=query.asked, answered=False, reason="not_found", confidence=confidence)
        candidates = [ranked[0]] + [c for c in passing if c is not ranked[0]] if features.quote_ranked else passing
        quotes = choose_quotes(candidates, index, settings.max_quotes, features.quote_gap)
        reason = "uncertain" if confidence < model.hedge else "answered"
        return Answer(query.asked, True, tuple(quotes), reason, confidence)
    candidates = passing
    if candidates and features.unknown_names and unknown_names(query, index, nearby_terms(paragraphs, ranked)):
        candidates = []
    if not candidates:
        return Answer(question=query.asked, answered=False, reason="not_found")
    if features.quote_ranked and ranked[0] is not candidates[0]:
        candidates = [ranked[0]] + candidates
    quotes = choose_quotes(candidates, index, settings.max_quotes, features.quote_gap)
    return Answer(question=query.asked, answered=True, quotes=tuple(quotes), reason="answered")


PREFER_GAP = 2.0  # a follow-up's same-article candidate goes first within this log-odds gap


def follow_up_order(query: Query, ranked: list[Candidate], index: SentenceIndex) -> list[Candidate]:
    """``ranked`` as a follow-up question reads it (unchanged for a question that
    stands on its own): without the sentences it must not quote again
    (``query.exclude``, "Who else?"), and with the candidates from the earlier
    answer's articles (``query.prefer``) that score within :data:`PREFER_GAP` of the
    best moved first, in their order -- the conversation stays with its article unless
    another is clearly better."""
    if query.exclude:
        ranked = [c for c in ranked if index.sentence(c.position).id not in query.exclude]
    if query.prefer and ranked:
        prefer, top = set(query.prefer), ranked[0].score
        near = [c for c in ranked if top - c.score <= PREFER_GAP and index.locate(c.position)[0] in prefer]
        if near:
            chosen = set(map(id, near))
            ranked = near + [c for c in ranked if id(c) not in chosen]
    return ranked


def question_evidence(
    query: Query,
    ranked: list[Candidate],
    found: Candidates,
    index: SentenceIndex,
    features: Features,
    paragraphs: Paragraphs,
    semantic=None,
) -> np.ndarray:
    """The answerability evidence of ``query`` (:func:`retrieval.answerability.evidence`),
    as :func:`decide` computes it, followed by the semantic evidence when ``semantic``
    (a SemanticScorer) is given; for ``benchmarks/train_answerability.py``."""
    passing = any(answerable(query, c, index) for c in ranked)
    unknown = features.unknown_names and bool(unknown_names(query, index, nearby_terms(paragraphs, ranked)))
    row = evidence(query, index, ranked, _rows(found), paragraphs.sentence_terms, passing, unknown)
    if semantic is not None:
        row = np.concatenate([row, semantic.evidence(query, ranked)])
    return row


def _rows(found: Candidates) -> dict[int, np.ndarray]:
    return {c.position: row for c, row in zip(found.items, found.rows)}


def answerable(query: Query, candidate: Candidate, index: SentenceIndex) -> bool:
    """The abstention test for one candidate: it covers ``MIN_COVERAGE`` of the
    question's term weight (related words included) and holds the expected answer type."""
    return candidate.coverage + candidate.related >= MIN_COVERAGE and has_answer_type(
        index.sentence(candidate.position).text, query.expected_type
    )


def choose_quotes(candidates: list[Candidate], index: SentenceIndex, max_quotes: int, gap: float) -> list[Quote]:
    """The first candidate, then each later one that adds evidence and scores within
    ``gap`` of the first; at most ``max_quotes``, each with its context (if any)."""
    quotes: list[Quote] = []
    shown: set[str] = set()  # sentence ids already on screen, as quote or context
    covered: set[str] = set()
    for candidate in candidates:
        if len(quotes) >= max_quotes:
            break
        sentence = index.sentence(candidate.position)
        evidence = candidate.matched | candidate.stood_in  # its terms, or related words for them
        if quotes and (sentence.id in shown or not evidence - covered):
            continue
        if quotes and candidates[0].score - candidate.score > gap:
            continue  # far less likely than the first quote: noise, not a second answer
        context = context_of(index, sentence)
        if context is not None and context.id in shown:
            context = None
        hit = Hit(sentence=sentence, score=candidate.bm25, rank=len(quotes) + 1)
        quotes.append(Quote(hit=hit, context=context))
        shown.add(sentence.id)
        if context is not None:
            shown.add(context.id)
        covered |= evidence
    return quotes


def context_of(index: SentenceIndex, sentence: Sentence) -> Sentence | None:
    """The sentence before ``sentence`` when it opens by referring back, else None."""
    if not _REFERS_BACK.match(sentence.text):
        return None
    return index.previous(sentence)


def unknown_names(query: Query, index: SentenceIndex, nearby: Iterable[str] = ()) -> list[str]:
    """Capitalised words of the question (not its first word) that no sentence of the
    corpus contains: "Who is the president of France?" asked of an article that never
    mentions France is about something else, however well "president" matches.

    A word whose term shares its first ``NAME_PREFIX`` letters (or all of the shorter
    one's) with a term of ``nearby`` (the candidates' paragraphs), accents ignored,
    is a variant of a name the corpus uses ("Feb", "Jewish", "Bismark", "Celeron"),
    not an unknown one. A shouted question (all capitals) names nothing.
    """
    near = {_fold(t) for t in nearby}
    out = []
    for token, term in query.name_tokens:
        if index.document_frequency(term) > 0:
            continue
        folded = _fold(term)
        if not any(_variant(folded, u) for u in near):
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


def _fold(term: str) -> str:
    if term.isascii():
        return term
    return "".join(c for c in unicodedata.normalize("NFKD", term) if not unicodedata.combining(c))

