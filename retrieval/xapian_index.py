"""The Xapian engine: BM25Okapi over N Xapian shards, local or served by ``xapian-tcpsrv``.

Selected with ``Settings(engine="xapian")`` (``ASK_ENGINE=xapian``) and one of
``Settings.xapian`` (a build directory, database or stub file) or
``Settings.xapian_remote`` (``host:port`` of each shard, in shard order); built by
``python -m retrieval.build CORPUS --engine xapian --shards N --out DIR``
(:mod:`retrieval.xapian_build`; layout in :mod:`retrieval.xapian_shards`). Imported
only when selected: it needs the optional ``xapian`` extra (Xapian is GPL-2+).

Scores are rank-bm25's BM25Okapi (k1, b, epsilon): the shards are opened together as
one ``xapian.Database``, which gives collection-wide N, average length and document
frequencies to the shards' weighting (the client reads the same document frequencies
from the build's table in the shards' metadata, without a round trip per term), and
ranked with ``BM25Weight(k1, 0, 1, b, 0)`` (no k2 term, query-term
factor 1, no minimum normalised length), whose per-term part is
``xidf(t) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))``. Xapian's own IDF
``xidf`` is ``log((N - n + .5) / (n + .5))`` with ratios below 2 mapped to
``ratio / 2 + 1`` (kept positive), so each query term is wrapped in
``OP_SCALE_WEIGHT`` by ``w / xidf``, where ``w`` is rank-bm25's weight: the term's
count in the query times its IDF ``log(N - n + .5) - log(n + .5)``, negatives floored
to ``epsilon`` times the mean IDF of the whole vocabulary (the sum is computed at
build time in rank-bm25's order and stored in the shards' metadata). Scores agree
with rank-bm25 to rounding (about 1e-15 relative). Xapian cannot weight a term
negatively (a floored IDF is negative only when the mean IDF is, i.e. in corpora of a
few sentences): such a query is scored exactly but in two full passes, positive and
negative terms apart. Top-k ties are broken by position (corpus order), as rank-bm25.

Faults, partial answers and rebuilds: :mod:`retrieval.xapian_connections` (the
connections to the shards; :class:`ShardError` is one line naming the shard).

Sentence records are cached (bounded, oldest out first); after a search the hits'
records are fetched in one round trip (``ValueCountMatchSpy`` on the record slot), and
the rest of their paragraphs in a second when a paragraph has several sentences, since
the answer layer reads them next (a record carries its paragraph's span and the terms
of the sentence before it).
"""

from __future__ import annotations

import json
import math
from collections import Counter, OrderedDict
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Sequence

from .base import BaseIndex, ScoredPosition
from .errors import RetrievalError
from .settings import Settings
from .types import Citation, Sentence
from .xapian_connections import ShardError, ShardSet, Unavailable as _Unavailable
from .xapian_shards import (
    DOCUMENTS_KEY,
    RECORD_SLOT,
    Record,
    SentenceBlocks,
    Shard,
    article_term,
    position_term,
    shards_of,
    xapian_term,
)

__all__ = ["ShardError", "XapianSentenceIndex", "open_index"]

CACHE_SENTENCES = 50_000  # records kept (about 1 KB each)
PREFETCH_POSITIONS = 4_000  # at most this many paragraph sentences fetched after a search


class XapianSentenceIndex(BaseIndex):
    """BM25Okapi over Xapian shards; the interface of :class:`~retrieval.base.BaseIndex`.

    Parameters
    ----------
    shards : list of Shard
        In shard order (0 first): each shard's metadata must say it is that shard of
        the same build.
    settings : Settings

    Raises
    ------
    ShardError
        A shard cannot be reached (all of them, with ``xapian_partial``).
    IndexFileError
        A shard is not one of ours, from another build, or listed out of order.
    """

    engine_name = "xapian"

    def __init__(self, shards: list[Shard], settings: Settings):
        import xapian

        self._x = xapian
        self.shards = shards
        self.settings = settings
        self._records: OrderedDict[int, Record] = OrderedDict()
        self._by_citation: dict[tuple[str, int], int] = {}
        self._sentences: dict[int, Sentence] = {}  # built from cached records, evicted with them
        self._pool: ThreadPoolExecutor | None = None  # record fetches, one thread a shard
        self._set = ShardSet(shards, settings, self._forget)
        self._lock = self._set.lock

    # ------------------------------------------------------------ connections
    @property
    def warning(self) -> str | None:
        """Set while answering from part of the shards (``xapian_partial``): which are missing."""
        return self._set.warning

    @property
    def _meta(self) -> dict:
        return self._set.meta

    def _run(self, op, positions: bool = True):
        return self._set.run(op, positions)

    def _forget(self) -> None:
        """Drop every cached sentence (the shards were rebuilt)."""
        with self._lock:
            self._records.clear()
            self._by_citation.clear()
            self._sentences.clear()

    def close(self) -> None:
        """Close every shard connection (the next call reconnects)."""
        with self._lock:
            self._set.reset(Exception())

    # ------------------------------------------------------------ positions and records
    def _docid(self, position: int) -> int:
        return self._set.docid(position)

    def _position_of(self, docid: int) -> int:
        return self._set.position_of(docid)

    def _remember(self, position: int, record: Record) -> None:
        with self._lock:
            records = self._records
            records[position] = record
            self._by_citation[(record.doc_id, record.number)] = position
            if len(records) > CACHE_SENTENCES:
                gone, old = records.popitem(last=False)
                self._by_citation.pop((old.doc_id, old.number), None)
                self._sentences.pop(gone, None)

    def _record(self, position: int) -> Record:
        record = self._records.get(position)
        if record is not None:
            return record
        p = self._check(position)

        def fetch(db):
            return Record.from_value(db.get_document(self._docid(p)).get_value(RECORD_SLOT))[1]

        record = self._run(fetch)
        self._remember(p, record)
        return record

    def _check(self, position: int) -> int:
        p = int(position)
        if p < 0:
            p += self.size
        if not 0 <= p < self.size:
            raise IndexError(f"sentence position {position} out of range (size {self.size})")
        return p

    def _fetch(self, positions) -> None:
        """Fetch the records of ``positions`` not cached (nor on a missing shard): on each
        shard holding some, one boolean query of its positions' terms whose
        ``ValueCountMatchSpy`` on the record slot brings the records back in one round
        trip; the shards are asked in parallel (threads: the bindings release the GIL),
        each only for its own positions."""
        def run(db):
            wanted: dict[int, list[str]] = {}
            for p in dict.fromkeys(positions):
                if p not in self._records and 0 <= p < self.size:
                    shard = self._set.shard_of(p)
                    if shard in self._set.slot:  # else on a missing shard
                        wanted.setdefault(shard, []).append(position_term(p))
            jobs = [(self._set.conn[i], terms) for i, terms in wanted.items()]
            if len(jobs) == 1:
                return self._spy(*jobs[0])
            if self._pool is None:
                self._pool = ThreadPoolExecutor(len(self.shards), thread_name_prefix="xapian-shard")
            futures = [self._pool.submit(self._spy, conn, terms) for conn, terms in jobs]
            wait(futures)  # all done before a failure closes the connections
            return [value for future in futures for value in future.result()]

        for value in self._run(run):
            self._remember(*Record.from_value(value))

    def _spy(self, db, terms: list[str], count: int | None = None) -> list[bytes]:
        """The record values of the sentences having one of ``terms`` (at most ``count``,
        default one each)."""
        x = self._x
        enquire = x.Enquire(db)
        enquire.set_weighting_scheme(x.BoolWeight())
        spy = x.ValueCountMatchSpy(RECORD_SLOT)
        enquire.add_matchspy(spy)
        enquire.set_query(x.Query(x.Query.OP_OR, terms))
        enquire.get_mset(0, 0, len(terms) if count is None else count)  # check every match: the spy sees them all
        return [item.term for item in spy.values()]

    # ------------------------------------------------------------ statistics
    @property
    def size(self) -> int:
        """Number of indexed sentences (N of the whole build; positions run 0..N-1)."""
        return self._meta["sentences"]

    @property
    def average_length(self) -> float:
        """avgdl, total terms / N of the build (as rank-bm25: int / int)."""
        return self._meta["total_terms"] / self._meta["sentences"]

    @property
    def _n(self) -> int:
        return self._meta["sentences"]

    @property
    def sentences(self) -> Sequence[Sentence]:
        """All sentences, a lazy sequence (fetched when accessed; iterated in blocks of
        1,000, one round trip each)."""
        return SentenceBlocks(self)

    def sentence(self, position: int) -> Sentence:
        """The sentence at ``position`` (corpus order). Raises IndexError out of range."""
        sentence = self._sentences.get(position)
        if sentence is not None:
            return sentence
        r = self._record(position)
        citation = Citation(r.doc_id, r.title, r.section, r.paragraph, r.number, r.start, r.end)
        sentence = Sentence(id=f"{r.doc_id}:{r.number}", text=r.text, citation=citation)
        if position in self._records:  # a position in range, not negative
            self._sentences[position] = sentence
        return sentence

    def locate(self, position: int) -> tuple[str, int, int]:
        """See :meth:`BaseIndex.locate`; ``("", -1, -1)`` for a sentence of a missing shard
        (partial answers: the paragraph walk stops there)."""
        try:
            r = self._record(position)
        except _Unavailable:
            return "", -1, -1
        return r.doc_id, r.paragraph, r.number

    terms_in_text_order = True  # stored as analyze(text) gives them

    def sentence_terms(self, position: int) -> list[str]:
        """The sentence's analyzed terms in text order (stored at build time)."""
        return list(self._record(position).terms)

    def paragraph_span(self, position: int) -> tuple[int, int] | None:
        """``(first, last)`` positions of its paragraph, from its record (None on a
        missing shard)."""
        try:
            r = self._record(position)
        except _Unavailable:
            return None
        return r.first, r.last

    def terms_before(self, position: int) -> tuple[str, ...] | None:
        """The terms of the sentence just before it in its article, from its record
        (empty when there is none; None on a missing shard)."""
        try:
            r = self._record(position)
        except _Unavailable:
            return None
        return r.previous or ()

    def document_frequency(self, term: str) -> int:
        """Sentences containing ``term`` (0 when unseen), from the build's table: equal
        to the shards' collection statistics (same build), and no round trip."""
        return self._set.df.get(term, 0)

    def idf(self, term: str) -> float:
        """rank-bm25's BM25Okapi IDF of ``term`` (0 when unseen), epsilon floor included."""
        df = self.document_frequency(term)
        if not df:
            return 0.0
        n = self._n
        value = math.log(n - df + 0.5) - math.log(df + 0.5)
        if value < 0:
            meta = self._meta
            value = self.settings.epsilon * (meta["idf_sum"] / meta["terms"])
        return value

    def matching(self, terms: Sequence[str]) -> list[int]:
        """Positions of sentences containing at least one of ``terms``, ascending."""
        wanted = [xapian_term(t) for t in dict.fromkeys(terms)]
        if not wanted:
            return []

        def run(db):
            enquire = self._x.Enquire(db)
            enquire.set_weighting_scheme(self._x.BoolWeight())
            enquire.set_query(self._x.Query(self._x.Query.OP_OR, wanted))
            return sorted(self._position_of(item.docid) for item in enquire.get_mset(0, max(1, self._n)))

        return self._run(run, positions=False)

    def previous(self, sentence: Sentence) -> Sentence | None:
        """The indexed sentence just before ``sentence`` in the same article, if any."""
        c = sentence.citation
        position = self._by_citation.get((c.doc_id, c.sentence))
        if position is None:
            self._fetch_article(c.doc_id)
            position = self._by_citation.get((c.doc_id, c.sentence))
        if position is None or position == 0:
            return None
        try:
            before = self._record(position - 1)
        except _Unavailable:
            return None
        if before.doc_id == c.doc_id and before.number == c.sentence - 1:
            return self.sentence(position - 1)
        return None

    def _fetch_article(self, doc_id: str) -> None:
        for value in self._run(lambda db: self._spy(db, [article_term(doc_id)], self._n), positions=False):
            self._remember(*Record.from_value(value))

    def source_rows(self) -> list[tuple[str, str, str | None, int]]:
        """``(doc_id, title, date, sentences)`` of every article, in corpus order
        (articles of a missing shard left out)."""
        def run(db):
            rows = []
            for i in self._set.live:
                rows.extend(tuple(r) for r in json.loads(self._set.conn[i].get_metadata(DOCUMENTS_KEY) or b"[]"))
            return rows

        return self._run(run, positions=False)

    # ------------------------------------------------------------ scoring
    def _weights(self, terms: Sequence[str]) -> dict[str, float]:
        """rank-bm25's weight of each distinct known term: count in the query times IDF."""
        counts = Counter(terms)
        return {t: c * self.idf(t) for t, c in counts.items() if self.document_frequency(t)}

    def _xidf(self, term: str) -> float:
        """Xapian's BM25 IDF of ``term`` (``BM25Weight::init`` in Xapian 1.4)."""
        df = self.document_frequency(term)
        ratio = (self._n - df + 0.5) / (df + 0.5)
        if ratio < 2:
            ratio = ratio * 0.5 + 1
        return math.log(ratio)

    def _query(self, weights: dict[str, float], sign: int):
        """OR of the terms, each scaled to ``max(0, sign * w)`` / xidf."""
        x = self._x
        parts = []
        for term, w in weights.items():
            w = sign * w
            factor = w / self._xidf(term) if w > 0 else 0.0
            parts.append(x.Query(x.Query.OP_SCALE_WEIGHT, x.Query(xapian_term(term)), factor))
        return x.Query(x.Query.OP_OR, parts)

    def _mset(self, db, query, count: int):
        s = self.settings
        enquire = self._x.Enquire(db)
        enquire.set_weighting_scheme(self._x.BM25Weight(s.k1, 0, 1, s.b, 0.0))
        enquire.set_query(query)
        return enquire.get_mset(0, count)

    def score_terms(self, terms: Sequence[str], k: int | None = None) -> list[ScoredPosition]:
        """See :meth:`~retrieval.base.BaseIndex.score_terms`: BM25Okapi scores from the
        shards (module docstring); ties by position. After a top-``k`` search the hits'
        records are fetched (:meth:`_prefetch`). Scored again when the shards turn out
        to have been rebuilt meanwhile (the weights come from the build's statistics)."""
        for _ in range(2):
            generation = self._set.generation
            scored = self._score(terms, k)
            if self._set.generation == generation:
                break
        if k is not None:
            self._prefetch(scored)
        return scored

    def _score(self, terms: Sequence[str], k: int | None) -> list[ScoredPosition]:
        weights = self._weights(terms)
        if not weights:
            return []
        if any(w < 0 for w in weights.values()):
            return self._score_exhaustive(weights, k)

        def run(db):
            query = self._query(weights, 1)
            # half as many again as asked: a tie with the k-th score usually ends there
            # (then one match, at about the cost of k + 1)
            want = self._n if k is None else k + k // 2 + 1
            while True:  # widen until a score below the k-th is in (every tie of it is)
                mset = self._mset(db, query, max(1, want))
                items = [(item.weight, item.docid) for item in mset]
                if k is None or len(items) < want or items[-1][0] < items[k - 1][0] * (1 - 2 * TIE):
                    break
                want *= 2
            scored = _ranked([(w, self._position_of(d)) for w, d in items])
            return scored if k is None else scored[:k]

        return self._run(run, positions=False)

    def _prefetch(self, scored: list[ScoredPosition]) -> None:
        """Fetch the hits' records, then the rest of their paragraphs: what the answer
        layer reads next (a record holds its paragraph's span and the terms of the
        sentence before it, so nothing else). One round trip, two when a hit's
        paragraph has other sentences; :data:`PREFETCH_POSITIONS` sentences at most."""
        self._fetch([s.position for s in scored][:PREFETCH_POSITIONS])
        wanted: list[int] = []
        for s in scored:
            r = self._records.get(s.position)
            if r is not None and r.first < r.last:
                wanted.extend(q for q in range(r.first, r.last + 1) if q not in self._records)
        if wanted:
            self._fetch(wanted[:PREFETCH_POSITIONS])

    def _score_exhaustive(self, weights: dict[str, float], k: int | None) -> list[ScoredPosition]:
        """Exact scores when some weight is negative: positive part minus negative part,
        over every matching sentence (only happens in corpora of a few sentences)."""
        def run(db):
            positive = {item.docid: item.weight for item in self._mset(db, self._query(weights, 1), max(1, self._n))}
            negative = {item.docid: item.weight for item in self._mset(db, self._query(weights, -1), max(1, self._n))}
            return _ranked([(w - negative.get(d, 0.0), self._position_of(d)) for d, w in positive.items()])

        scored = self._run(run, positions=False)
        return scored if k is None else scored[:k]


TIE = 1e-12  # scores this close (relative) are ties: rank-bm25's equal scores, summed in another order


def _ranked(scored: list[tuple[float, int]]) -> list[ScoredPosition]:
    """``(score, position)`` pairs best first, ties by position.

    Sentences with equal rank-bm25 scores can come back from different shards a few
    ulps apart (each shard sums the terms in its own order), so scores within a
    relative :data:`TIE` of the first of a run are one tie, ordered by position.
    """
    scored.sort(key=lambda pair: -pair[0])
    keyed = []
    anchor = None
    for score, position in scored:
        if anchor is None or abs(score - anchor) > TIE * abs(anchor):
            anchor = score
        keyed.append((-anchor, position, score))
    keyed.sort()
    return [ScoredPosition(position, score) for _, position, score in keyed]


def open_index(settings: Settings) -> XapianSentenceIndex:
    """The Xapian engine over the shards ``settings`` name (:func:`~retrieval.xapian_shards.shards_of`).

    Raises
    ------
    RetrievalError
        The ``xapian`` extra is not installed (message says how to install it), or as
        :class:`XapianSentenceIndex` and :func:`~retrieval.xapian_shards.shards_of`.
    """
    try:
        import xapian  # noqa: F401
    except ImportError:
        raise RetrievalError(
            "the xapian engine needs the optional xapian extra: pip install -e '.[xapian]' (Xapian is GPL-2+)"
        ) from None
    return XapianSentenceIndex(shards_of(settings), settings)

