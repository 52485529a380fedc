"""Extractive question answering over news articles: the engine.

Knows nothing of Discord, terminals or the environment. Typical use::

    from retrieval import Engine
    engine = Engine.load("corpus")
    result = engine.answer("Who accompanied Putin?")
    for quote in result.quotes:
        print(quote.hit.text, quote.hit.citation)
"""

from .answer import MAX_QUESTION_CHARS, Explanation, answer, explain
from .engine import Engine, Source
from .errors import CorpusError, EmptyCorpusError, IndexDirError, IndexFileError, RetrievalError, SettingsError
from .index import SentenceIndex, build_index
from .settings import Settings
from .sparse import SparseSentenceIndex
from .types import Answer, Article, Citation, Hit, Quote, Sentence, TermContribution

__all__ = [
    "MAX_QUESTION_CHARS",
    "Answer",
    "Article",
    "Citation",
    "CorpusError",
    "EmptyCorpusError",
    "Engine",
    "Explanation",
    "Hit",
    "IndexDirError",
    "IndexFileError",
    "Quote",
    "RetrievalError",
    "Sentence",
    "SentenceIndex",
    "Settings",
    "SettingsError",
    "SparseSentenceIndex",
    "Source",
    "TermContribution",
    "answer",
    "build_index",
    "explain",
]
