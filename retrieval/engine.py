"""The engine as the front ends see it: load a corpus once, then answer questions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .answer import Explanation, answer, explain
from .corpus import load_articles, split_corpus
from .index import SentenceIndex
from .settings import Settings
from .types import Answer, Article, Sentence


@dataclass(frozen=True)
class Source:
    """One loaded article as listed by ``:sources`` and ``/sources``."""

    doc_id: str
    title: str
    date: str | None
    sentences: int


class Engine:
    """A loaded corpus with its index.

    Parameters
    ----------
    articles : list of Article
    index : SentenceIndex
    settings : Settings
    """

    def __init__(self, articles: list[Article], index: SentenceIndex, settings: Settings):
        self.articles = articles
        self.index = index
        self.settings = settings

    @classmethod
    def load(cls, corpus_dir: str | Path, settings: Settings | None = None) -> "Engine":
        """Read, segment and index every article in ``corpus_dir``.

        Raises
        ------
        CorpusError
            The directory is missing or empty, or a file cannot be read (named).
        EmptyCorpusError
            No sentence has a searchable word.
        """
        settings = settings or Settings()
        articles = load_articles(corpus_dir)
        index = SentenceIndex.build(split_corpus(articles), settings)
        return cls(articles, index, settings)

    @property
    def sentences(self) -> list[Sentence]:
        """Every indexed (citable) sentence, in corpus order."""
        return self.index.sentences

    def answer(self, question: str) -> Answer:
        """See :func:`retrieval.answer.answer`."""
        return answer(question, self.index, self.settings)

    def explain(self, question: str, k: int | None = None) -> list[Explanation]:
        """See :func:`retrieval.answer.explain`; ``k`` defaults to ``settings.top_k``."""
        return explain(question, self.index, self.settings.top_k if k is None else k)

    def sources(self) -> list[Source]:
        """The loaded articles with their citable sentence counts, in corpus order."""
        counts: dict[str, int] = {}
        for sentence in self.index.sentences:
            counts[sentence.citation.doc_id] = counts.get(sentence.citation.doc_id, 0) + 1
        return [Source(a.doc_id, a.title, a.date, counts.get(a.doc_id, 0)) for a in self.articles]
