"""The engine as the front ends see it: load a corpus once, then answer questions."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from .answer import Explanation, answer, explain
from .corpus import load_articles, split_corpus
from .index import BaseIndex, build_index, open_xapian, select_engine
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
    index : SentenceIndex or SparseSentenceIndex
    settings : Settings
    corpus_dir : str or Path, optional
        Where ``articles`` are read from, on first access, when ``articles`` is None.
    documents : DocumentTable, optional
        Article metadata for :meth:`sources` when ``articles`` is None.
    """

    def __init__(
        self,
        articles: list[Article] | None,
        index: BaseIndex,
        settings: Settings,
        corpus_dir: str | Path | None = None,
        documents=None,
        semantic=None,
    ):
        self._articles = articles
        self.semantic = semantic  # a retrieval.semantic_scorer.SemanticScorer, or None
        self.index = index
        self.settings = settings
        self.corpus_dir = corpus_dir
        self._documents = documents

    @property
    def articles(self) -> list[Article]:
        """The corpus articles (read from ``corpus_dir`` on first access after a load
        from a persisted index)."""
        if self._articles is None:
            self._articles = load_articles(self.corpus_dir)
        return self._articles

    @classmethod
    def load(
        cls,
        corpus_dir: str | Path,
        settings: Settings | None = None,
        index_dir: str | Path | bool | None = None,
        *,
        progress: bool | None = None,
    ) -> "Engine":
        """Read, segment and index every article in ``corpus_dir``.

        The engine (rank-bm25 or sparse) is chosen by
        :func:`retrieval.index.choose_engine` from the sentence count and
        ``settings.engine``.

        Parameters
        ----------
        corpus_dir : str or Path
            Directory of ``.txt``/``.md`` articles.
        settings : Settings, optional
        index_dir : str, Path, bool or None
            The persisted index: None or True -> ``<corpus_dir>/.index``; a path ->
            there; False -> no persisted index (everything built in memory, as
            before persistence existed). A persisted index is loaded when its
            fingerprint matches the corpus, code and settings; otherwise the corpus
            is indexed again and the directory rewritten (see
            :func:`retrieval.persist.load_or_build`: a damaged index is reported as a
            WARNING on the ``retrieval.store`` logger; a read-only corpus directory
            gets its index in the user cache directory).
        progress : bool or None
            Show the index build's progress bar on stderr (None: only when stderr is a
            terminal; False for a rebuild in the background, which must not draw over
            a prompt).

        Raises
        ------
        CorpusError
            The directory is missing, not a directory, cannot be listed or entered
            (checked before the persisted index inside it is looked at), or is
            empty, or a file cannot be read, has no text or no citable sentence
            (every such file named, whether or not an index is persisted).
        EmptyCorpusError
            No sentence has a searchable word.
        RankerWeightsError
            The reranker's shipped weights (``retrieval/data/ranker.json``) are
            missing or damaged (checked first, so that a broken install fails at
            start-up, not at the first question).
        RetrievalError
            The shipped WordNet table (``retrieval/data/wordnet_terms.json.xz``) is
            missing or damaged (also checked first).
        SemanticModelError
            ``settings.semantic`` names a model that cannot be loaded (checked before
            the corpus is read; see :func:`retrieval.semantic.load_model`).
        """
        from .related import load_table
        from .rerank import shipped_weights
        from .semantic_scorer import attach, prepare

        shipped_weights()
        load_table()
        settings = settings or Settings()
        model = prepare(settings)  # None when semantic is off; fails fast, before the corpus
        if settings.engine == "xapian":  # the shards hold everything: corpus_dir is not read
            return cls(None, open_xapian(settings), settings, corpus_dir)
        if index_dir is False:
            articles = load_articles(corpus_dir)
            index = build_index(split_corpus(articles), settings)
            return cls(articles, index, settings, corpus_dir, semantic=attach(model, index, None))
        from .persist import load_or_build
        from .store import cache_index_dir, default_index_dir
        from .store_manifest import MANIFEST

        default = index_dir in (None, True)  # <corpus>/.index, or the user cache when read-only
        sparse = load_or_build(corpus_dir, settings, None if default else index_dir, progress=progress)
        directory = Path(index_dir) if not default else default_index_dir(corpus_dir)
        if default and not (directory / MANIFEST).exists():
            directory = cache_index_dir(corpus_dir)  # where load_or_build kept it
        semantic = attach(model, sparse, directory)
        index = select_engine(sparse, settings)
        return cls(None, index, settings, corpus_dir, documents=sparse.documents, semantic=semantic)

    @property
    def sentences(self) -> list[Sentence]:
        """Every indexed (citable) sentence, in corpus order."""
        return self.index.sentences

    def answer(self, question: str, follow_up=None) -> Answer:
        """See :func:`retrieval.answer.answer` (``follow_up``: a
        :class:`retrieval.conversation.FollowUp`, or None for a question on its own);
        ``warning`` set when the index answered from part of its shards (xapian engine
        with ``xapian_partial``)."""
        result = answer(question, self.index, self.settings, follow_up=follow_up, semantic=self.semantic)
        warning = getattr(self.index, "warning", None)
        return replace(result, warning=warning) if warning else result

    def explain(self, question: str, k: int | None = None, follow_up=None) -> list[Explanation]:
        """See :func:`retrieval.answer.explain`; ``k`` defaults to ``settings.top_k``."""
        return explain(
            question, self.index, self.settings.top_k if k is None else k, follow_up=follow_up, semantic=self.semantic
        )

    def sources(self) -> list[Source]:
        """The loaded articles with their citable sentence counts, in corpus order."""
        if hasattr(self.index, "source_rows"):  # the xapian engine: from the shards' metadata
            return [Source(*row) for row in self.index.source_rows()]
        counts: dict[str, int] = {}
        doc_column = getattr(self.index, "arrays", {}).get("doc")
        if doc_column is not None:
            import numpy as np

            ids = self.index.documents.ids
            counts = dict(zip(ids, np.bincount(doc_column, minlength=len(ids)).tolist()))
        else:
            for sentence in self.index.sentences:
                counts[sentence.citation.doc_id] = counts.get(sentence.citation.doc_id, 0) + 1
        if self._articles is None and self._documents is not None:
            d = self._documents
            return [Source(i, t, date, counts.get(i, 0)) for i, t, date in zip(d.ids, d.titles, d.dates)]
        return [Source(a.doc_id, a.title, a.date, counts.get(a.doc_id, 0)) for a in self.articles]
