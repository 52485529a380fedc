"""Second stage of the answer path: the sentences worth scoring for a :class:`~retrieval.query.Query`.

Candidates are the sentences sharing a term with the question, best BM25Okapi first
(at most ``Features.candidates``), then the other sentences of the best
``Features.paragraph_neighbours`` candidates' paragraphs, so that an answer sharing no
word with the question ("He died in 1259.") can still be found. :class:`Paragraphs`
caches the candidates' paragraphs for the later stages; the work per question is
proportional to the candidates and their paragraphs, never to the corpus size.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Sequence

from .analyze import analyze
from .base import ScoredPosition
from .index import SentenceIndex
from .policy import DEFAULT_FEATURES, Features


@dataclass(frozen=True)
class Candidate:
    """One candidate sentence as the ranking and the decision see it.

    Attributes
    ----------
    position : int
        Its position in the index.
    bm25 : float
        Its BM25Okapi score (0.0 for a paragraph neighbour, added unscored).
    coverage : float
        Fraction of the question's term weight the sentence contains.
    matched : frozenset of str
        The question terms it contains.
    score : float
        The scorer's score (:mod:`retrieval.scoring`; 0 until scored).
    related : float
        Fraction held only as a WordNet-related word, one or two steps away.
    stood_in : frozenset of str
        The absent question terms a related word stands in for.
    """

    position: int
    bm25: float
    coverage: float
    matched: frozenset[str]
    score: float = 0.0
    related: float = 0.0
    stood_in: frozenset[str] = frozenset()


class Paragraphs:
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
        span = index.paragraph_span(position)  # stored by the xapian engine: no walk
        if span is not None:
            first, last = span
        else:
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
        (memoised by text, :func:`_text_terms`), unless the engine keeps the text's
        order (``index.terms_in_text_order``).
        """
        terms = self._sentence_terms.get(position)
        if terms is None:
            terms = self.index.sentence_terms(position)
            if not self.index.terms_in_text_order and len(set(terms)) < len(terms):
                terms = list(_text_terms(self.index.sentence(position).text))
            self._sentence_terms[position] = terms
        return terms

    def before(self, position: int) -> set[str]:
        """Terms of the sentence just before ``position`` in the same article."""
        stored = self.index.terms_before(position)  # the xapian engine stores them
        if stored is not None:
            return set(stored)
        if position == 0:
            return set()
        doc_id, _, number = self.index.locate(position)
        other_doc, _, other_number = self.index.locate(position - 1)
        if other_doc == doc_id and other_number == number - 1:
            return set(self.sentence_terms(position - 1))
        return set()



@lru_cache(maxsize=1 << 12)
def _text_terms(text: str) -> tuple[str, ...]:
    """``analyze(text)`` in text order; memoised, since the same sentences are candidates again and again."""
    return tuple(analyze(text))



def candidate_positions(
    index: SentenceIndex,
    terms: Sequence[str],
    features: Features = DEFAULT_FEATURES,
    paragraphs: Paragraphs | None = None,
) -> list[ScoredPosition]:
    """The sentences the reranker scores for a question's ``terms``.

    The ``features.candidates`` best sentences by BM25 (``index.score_terms``), then,
    in corpus order, the other sentences of the paragraphs of the
    ``features.paragraph_neighbours`` best of them (those at most
    ``features.neighbour_window`` places away), each with BM25 0.0 (added for their
    paragraph, not scored). The gain is measured by ``benchmarks/train_ranker.py
    --ablate`` (``docs/quality.md``).

    Returns
    -------
    list of ScoredPosition
        No position twice; empty when no sentence matches a term.
    """
    scored = list(index.score_terms(terms, features.candidates))
    if not scored or features.paragraph_neighbours <= 0:
        return scored
    paragraphs = paragraphs or Paragraphs(index)
    seen = {s.position for s in scored}
    window = features.neighbour_window
    for best in scored[: features.paragraph_neighbours]:
        first, last = paragraphs.span[paragraphs.key(best.position)]
        for position in range(max(first, best.position - window), min(last, best.position + window) + 1):
            if position not in seen:
                seen.add(position)
                scored.append(ScoredPosition(position, 0.0))
    return scored



def nearby_terms(paragraphs: Paragraphs, ranked: Iterable[Candidate]) -> set[str]:
    """The terms of the candidates' paragraphs."""
    out: set[str] = set()
    for key in {paragraphs.key(c.position) for c in ranked}:
        out.update(paragraphs.terms[key])
    return out
