"""Build the Xapian engine's N shard databases (``python -m retrieval.build CORPUS
--engine xapian --shards N --out DIR``).

Articles are dealt to shards in corpus order, in contiguous runs of about equal size
(by file bytes; by sentence count for :func:`write_sentences`), whole articles only,
so shard i holds positions ``starts[i] .. starts[i] + counts[i] - 1`` and a
paragraph's sentences are on one shard. Segmentation and analysis are those of the
sparse build (:func:`retrieval.article_rows.analyze_article`, worker processes for large
corpora, the same de-duplication), so positions are the same sentences in the same
order as every other engine's.

Atomic: the shards are written into a temporary directory beside ``DIR`` and renamed
to ``DIR`` only when every shard is committed with its metadata; a killed build
leaves at most that temporary directory (``.DIR.building-*``), never a half shard
under ``DIR``. A previous build at ``DIR`` is replaced (servers already running keep
serving the files they opened until restarted).

Needs the optional ``xapian`` extra (``xapian-bindings-binary``; Xapian is GPL-2+).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
import threading
import uuid
from collections import Counter
from pathlib import Path
from typing import Iterable, Sequence

from .analyze import analyze
from .article_rows import analyze_article
from .errors import EmptyCorpusError, IndexDirError
from .types import Sentence
from .xapian_shards import (
    DOCUMENTS_KEY,
    FORMAT,
    DF_KEY,
    META_KEY,
    RECORD_SLOT,
    STUB_NAME,
    Record,
    article_term,
    position_term,
    xapian_term,
)


class ShardWriter:
    """Writes sentences, in corpus order, into ``shards`` new databases under ``directory``.

    Call :meth:`article` before each article's sentences (with the shard it goes to:
    never lower than the previous one), :meth:`add` per sentence, then :meth:`finish`.
    """

    def __init__(self, directory: Path, shards: int):
        import xapian

        self._xapian = xapian
        self.directory = Path(directory)
        self.shards = shards
        self._dbs = [None] * shards
        self.counts = [0] * shards
        self._shard = 0
        self._position = 0
        self._pending: list[tuple[int, list]] = []  # the current paragraph, not yet written
        self._df: Counter = Counter()  # document frequency, terms in order of first occurrence
        self._documents: list[list] = [[] for _ in range(shards)]
        self._article: tuple | None = None
        self._total_terms = 0
        self._previous: tuple | None = None  # (doc_id, number, terms) of the last sentence added

    def article(self, shard: int, doc_id: str, title: str, date: str | None) -> None:
        """Start an article on ``shard`` (0-based, non-decreasing)."""
        self._flush()
        shard = max(self._shard, min(shard, self.shards - 1))
        if shard != self._shard and self._dbs[self._shard] is not None:  # a shard is done:
            self._dbs[self._shard].commit()  # its buffered changes leave memory
            self._dbs[self._shard].close()
            self._dbs[self._shard] = None
        self._shard = shard
        self._article = (doc_id, title)
        self._documents[self._shard].append([doc_id, title, date, 0])

    def add(self, text: str, terms: Sequence[str], section: str | None, paragraph: int,
            number: int, start: int, end: int) -> bool:
        """Append one sentence of the current article; False when it has no terms."""
        if not terms:
            return False
        if self._pending and self._pending[-1][1][4] != paragraph:
            self._flush()
        doc_id, title = self._article
        self._df.update(list(dict.fromkeys(terms)))  # a list: counted, not added as a mapping
        self._total_terms += len(terms)
        p = self._previous  # the sentence just before, when it is this article's number - 1
        previous = p[2] if p is not None and p[0] == doc_id and p[1] == number - 1 else None
        self._previous = (doc_id, number, terms)
        self._pending.append((self._position, [text, doc_id, title, section, paragraph, number, start, end, terms, previous]))
        self._position += 1
        self._documents[self._shard][-1][3] += 1
        return True

    def _flush(self) -> None:
        """Write the buffered paragraph (its first and last positions are known now)."""
        if not self._pending:
            return
        xapian = self._xapian
        db = self._dbs[self._shard]
        if db is None:
            db = self._dbs[self._shard] = xapian.WritableDatabase(
                str(self.directory / f"shard-{self._shard}"), xapian.DB_CREATE | xapian.DB_NO_SYNC
            )
        first, last = self._pending[0][0], self._pending[-1][0]
        for position, (text, doc_id, title, section, paragraph, number, start, end, terms, previous) in self._pending:
            doc = xapian.Document()
            record = Record(text, doc_id, title, section, paragraph, number, start, end, first, last, tuple(terms),
                            None if previous is None else tuple(previous))
            doc.add_value(RECORD_SLOT, record.value(position))
            for term, tf in Counter(terms).items():  # <= 50 characters: <= 200 UTF-8 bytes
                doc.add_term(term if len(term) <= 50 else xapian_term(term), tf)
            doc.add_boolean_term(position_term(position))
            doc.add_boolean_term(article_term(doc_id))
            db.add_document(doc)
        self.counts[self._shard] += len(self._pending)
        self._pending = []

    def finish(self) -> dict:
        """Commit every shard with the build's metadata; returns that metadata.

        Raises
        ------
        EmptyCorpusError
            No sentence was added.
        """
        self._flush()
        n = self._position
        if n == 0:
            self.close()
            raise EmptyCorpusError("the corpus has no sentence with any searchable word")
        log = math.log
        idf_sum = 0.0
        for df in self._df.values():  # rank-bm25's order and operations (BM25Okapi._calc_idf)
            idf_sum += log(n - df + 0.5) - log(df + 0.5)
        starts = [sum(self.counts[:i]) for i in range(self.shards)]
        meta = {"format": FORMAT, "build": uuid.uuid4().hex, "shards": self.shards, "starts": starts,
                "counts": self.counts, "sentences": n, "terms": len(self._df), "idf_sum": idf_sum,
                "total_terms": self._total_terms}
        df_table = json.dumps(list(self._df.items()), ensure_ascii=False, separators=(",", ":"))
        for i in range(self.shards):
            db = self._dbs[i]
            if db is None:  # finished earlier, or empty (fewer articles than shards)
                db = self._dbs[i] = self._xapian.WritableDatabase(
                    str(self.directory / f"shard-{i}"), self._xapian.DB_CREATE_OR_OPEN | self._xapian.DB_NO_SYNC
                )
            db.set_metadata(META_KEY, json.dumps({**meta, "shard": i}))
            db.set_metadata(DOCUMENTS_KEY, json.dumps(self._documents[i], ensure_ascii=False))
            db.set_metadata(DF_KEY, df_table)
            db.commit()
        self.close()
        (self.directory / STUB_NAME).write_text(
            "".join(f"auto shard-{i}\n" for i in range(self.shards)), "utf-8"
        )
        return meta

    def close(self) -> None:
        for db in self._dbs:
            if db is not None:
                db.close()
        self._dbs = [None] * self.shards


def _check_out(out: Path) -> None:
    if out.exists() and not (out.is_dir() and (not any(out.iterdir()) or (out / STUB_NAME).is_file())):
        raise IndexDirError(f"{out} exists and is not a Xapian build: choose an empty or new directory")


def _sync(directory: Path) -> None:
    """fsync every file of ``directory`` and the directory itself: the shards are
    written without Xapian's own syncs (``DB_NO_SYNC``; a crash loses the temporary
    build anyway), so that what is renamed into place is on disk."""
    for path in [*directory.rglob("*"), directory]:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _replace(tmp: Path, out: Path) -> None:
    """Move the finished build ``tmp`` to ``out`` (renames; the old build removed after)."""
    _sync(tmp)
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{uuid.uuid4().hex[:8]}")
        os.replace(out, old)
    os.replace(tmp, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_shards(out: str | os.PathLike, shards: int, fill) -> dict:
    """Atomically create the build ``out``: ``fill(writer)`` adds the sentences to a
    :class:`ShardWriter` working in a temporary directory beside ``out``.

    Raises
    ------
    IndexDirError
        ``out`` exists and is neither empty nor a previous Xapian build.
    EmptyCorpusError
        No sentence has a searchable term.
    """
    if shards < 1:
        raise ValueError(f"shards must be >= 1, got {shards}")
    out = Path(out)
    _check_out(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.building-", dir=out.parent))
    writer = None
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)  # mkdtemp's 0700 would hide the build from a server user
        writer = ShardWriter(tmp, shards)
        fill(writer)
        meta = writer.finish()
        _replace(tmp, out)
        return meta
    finally:
        if writer is not None:
            writer.close()
        shutil.rmtree(tmp, ignore_errors=True)


def write_sentences(sentences: Iterable[Sentence], out: str | os.PathLike, shards: int = 1) -> dict:
    """Index ``sentences`` (corpus order; those without terms skipped, nothing
    de-duplicated, as :meth:`retrieval.index.SentenceIndex.build`) into ``shards``
    shards at ``out``, dealt by sentence count at article boundaries."""
    sentences = list(sentences)
    total = max(1, len(sentences))
    first: dict[str, int] = {}
    end: dict[str, int] = {}  # per article: its first sentence's index, and its last's + 1
    for i, sentence in enumerate(sentences):
        first.setdefault(sentence.citation.doc_id, i)
        end[sentence.citation.doc_id] = i + 1

    def fill(writer: ShardWriter) -> None:
        current = None
        for sentence in sentences:
            c = sentence.citation
            if c.doc_id != current:  # the shard holding the article's middle sentence
                current = c.doc_id
                writer.article((first[c.doc_id] + end[c.doc_id]) * shards // (2 * total), c.doc_id, c.title, None)
            writer.add(sentence.text, analyze(sentence.text), c.section, c.paragraph, c.sentence, c.start, c.end)

    return write_shards(out, shards, fill)


PARALLEL_MIN_BYTES = 4 << 20  # as the sparse build: smaller corpora are built in-process


def _ignore_sigint() -> None:
    """Pool worker initializer: Ctrl-C is the parent's to handle."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def build_corpus_shards(corpus_dir, out, shards: int, *, workers: int | None = None, progress: bool | None = False) -> dict:
    """Segment, analyze and write every article of ``corpus_dir`` into ``shards`` shards.

    Same reading, segmentation, analysis and de-duplication as
    :func:`retrieval.build.build_corpus_index` (worker processes for corpora of at
    least ``PARALLEL_MIN_BYTES``), with a tqdm bar (bytes) on stderr.

    Returns
    -------
    dict
        The build metadata (``sentences``, ``starts``, ``counts``, ``terms``, ...).

    Raises
    ------
    CorpusError
        Unusable files (every one named, up to ten), as the sparse build.
    IndexDirError, EmptyCorpusError
        As :func:`write_shards`.
    """
    from tqdm import tqdm

    from .corpus import article_paths, check_unique_ids, no_citable_sentence, unusable_files

    paths = article_paths(corpus_dir)
    check_unique_ids(paths)
    sizes = [p.stat().st_size if p.exists() else 0 for p in paths]  # a broken link: reported when read
    total = max(1, sum(sizes))
    if workers is None:
        workers = (os.cpu_count() or 1) if total >= PARALLEL_MIN_BYTES else 1

    def fill(writer: ShardWriter) -> None:
        bar = tqdm(total=total, unit="B", unit_scale=True, desc="indexing (xapian)",
                   disable=None if progress is None else not progress)
        pools: list = []
        problems: list[tuple[str, str]] = []
        seen: set[int] = set()
        done = 0
        slots = threading.Semaphore(4 * workers)  # articles analyzed ahead of the writer, at most
        stop = threading.Event()

        def feed():  # runs in the pool's task thread: waits while the writer is behind
            for p in paths:
                while not slots.acquire(timeout=0.1):
                    if stop.is_set():
                        return
                yield str(p)

        try:
            if workers > 1 and len(paths) > 1:
                import multiprocessing

                pools.append(multiprocessing.get_context("fork").Pool(workers, initializer=_ignore_sigint))
                results = pools[0].imap(analyze_article, feed(), chunksize=1)
            else:
                results = (analyze_article(str(p)) for p in paths)
            for path, size, (meta, rows) in zip(paths, sizes, results):
                slots.release()
                bar.update(size)
                if meta is None:
                    problems.append((str(path), rows))
                elif not rows:
                    problems.append((meta[4], no_citable_sentence(meta[4])))
                if not problems:  # the shard holding the article's middle byte
                    writer.article((2 * done + size) * shards // (2 * total), meta[0], meta[1], meta[2])
                    for text, terms, section, paragraph, number, start, end, digest in rows:
                        if digest not in seen:
                            seen.add(digest)
                            writer.add(text, terms, section, paragraph, number, start, end)
                done += size
        finally:
            stop.set()
            for pool in pools:
                pool.terminate()
            bar.close()
        if problems:
            raise unusable_files(problems)

    return write_shards(out, shards, fill)


def cli(args) -> int:
    """``python -m retrieval.build CORPUS --engine xapian --shards N --out DIR`` (parsed
    ``args`` from :func:`retrieval.build.main`); returns the exit code: errors are one
    line on stderr (exit 2), Ctrl-C exits 130 leaving no build behind."""
    import sys
    import time

    from .errors import RetrievalError

    def fail(text: str) -> int:
        print(f"build: error: {text}", file=sys.stderr)
        return 2

    if not args.out or not args.out.strip():
        return fail("--engine xapian needs --out DIR")
    if args.shards < 1:
        return fail(f"--shards must be >= 1, got {args.shards}")
    try:
        import xapian  # noqa: F401
    except ImportError:
        return fail("the xapian engine needs the optional xapian extra: pip install -e '.[xapian]' (Xapian is GPL-2+)")
    started = time.perf_counter()
    try:
        meta = build_corpus_shards(args.corpus, args.out, args.shards, workers=args.workers, progress=True)
    except RetrievalError as exc:
        return fail(str(exc))
    except OSError as exc:
        return fail(f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else ""))
    except KeyboardInterrupt:
        print("build: interrupted", file=sys.stderr)
        return 130
    print(
        f"indexed {meta['sentences']} sentences ({meta['terms']} terms) into {args.shards} shards "
        f"{meta['counts']} in {time.perf_counter() - started:.1f} s -> {args.out}",
        file=sys.stderr,
    )
    return 0
