"""Value types shared by the engine and the front ends.

All are frozen dataclasses: an index hands them out and nobody mutates them.
Data flows files -> :class:`Article` -> :class:`Sentence` (with a :class:`Citation`)
-> :class:`Hit` (a scored sentence) -> :class:`Answer` (what a front end renders).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Article:
    """One article of the corpus.

    Attributes
    ----------
    doc_id : str
        Stable id: the file name without its extension (``seed-article``).
    title : str
        From the front matter, else derived from the file name.
    text : str
        The article body: the file decoded with ``"utf-8-sig"`` (a leading byte-order
        mark dropped, line endings kept as they are), after the front matter. Citation
        offsets index into this string.
    path : str
        The file the article was read from.
    date : str or None
        ISO date from the front matter, if any.
    source : str or None
        Publisher or URL from the front matter, if any.
    """

    doc_id: str
    title: str
    text: str
    path: str = ""
    date: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class Citation:
    """Where a quoted sentence stands in its article.

    ``article.text[start:end]`` is exactly the quoted sentence.

    Attributes
    ----------
    doc_id, title : str
        The article's id and title.
    section : str or None
        The heading line the sentence stands under, if any.
    paragraph : int
        1-based paragraph number within the article (headings and boilerplate lines
        are not counted as paragraphs).
    sentence : int
        1-based number of the sentence within the article (citable sentences only).
    start, end : int
        Character offsets (code points) into ``Article.text``, the body decoded with
        ``"utf-8-sig"`` (see :func:`retrieval.corpus.read_article`); ``end`` is
        exclusive.
    """

    doc_id: str
    title: str
    section: str | None
    paragraph: int
    sentence: int
    start: int
    end: int

    @property
    def label(self) -> str:
        """Short human form, e.g. ``seed-article ¶4 s7``."""
        return f"{self.doc_id} ¶{self.paragraph} s{self.sentence}"


@dataclass(frozen=True)
class Sentence:
    """A citable sentence.

    Attributes
    ----------
    id : str
        Stable id ``"{doc_id}:{sentence}"``; unchanged as long as the article text is.
    text : str
        The sentence verbatim.
    citation : Citation
        Where it stands.
    """

    id: str
    text: str
    citation: Citation


@dataclass(frozen=True)
class TermContribution:
    """One query term's share of a hit's BM25 score (for ``explain``)."""

    term: str
    score: float


@dataclass(frozen=True)
class Hit:
    """A sentence retrieved for a question.

    Attributes
    ----------
    sentence : Sentence
        The sentence quoted.
    score : float
        Ranking score (higher is better); BM25Okapi unless the settings add features.
    rank : int
        1-based position in the result list.
    """

    sentence: Sentence
    score: float
    rank: int

    @property
    def id(self) -> str:
        return self.sentence.id

    @property
    def text(self) -> str:
        return self.sentence.text

    @property
    def citation(self) -> Citation:
        return self.sentence.citation


@dataclass(frozen=True)
class Quote:
    """One quoted sentence of an answer, with optional preceding context.

    ``context`` is the sentence before the hit, shown when the hit opens with a
    pronoun that refers back ("He also mentioned ...").
    """

    hit: Hit
    context: Sentence | None = None


@dataclass(frozen=True)
class Answer:
    """The answer to one question.

    Attributes
    ----------
    question : str
        The question as asked.
    answered : bool
        False when the engine abstains; then ``quotes`` is empty.
    quotes : tuple of Quote
        Best first.
    reason : str
        ``"answered"``, ``"not_found"`` (no strong enough evidence), ``"no_terms"``
        (the question has no usable words) or ``"too_long"`` (the question has more
        than :data:`retrieval.answer.MAX_QUESTION_CHARS` characters and was not
        analyzed), or ``"uncertain"``: answered, but the answerability model's
        probability is middling, so the front ends hedge.
    confidence : float or None
        P(the first quote answers the question) from the answerability model
        (:mod:`retrieval.answerability`), also for a refusal; None when no model
        decided (no terms, too long, nothing matched, or the model switched off).
    warning : str or None
        Set when the answer may be incomplete: the xapian engine answered from some of
        its shards only (``Settings.xapian_partial``); the text names the missing ones.
    """

    question: str
    answered: bool
    quotes: tuple[Quote, ...] = field(default_factory=tuple)
    reason: str = "answered"
    confidence: float | None = None
    warning: str | None = None

    @property
    def hits(self) -> tuple[Hit, ...]:
        return tuple(q.hit for q in self.quotes)
