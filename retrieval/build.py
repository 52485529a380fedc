"""Build (and persist) the sparse index of a corpus directory.

Command line::

    python -m retrieval.build CORPUS_DIR [--index-dir DIR] [--workers N]

writes the index to ``DIR`` (default ``CORPUS_DIR/.index``) with a tqdm progress bar
on stderr; errors are one line on stderr and exit status 2.

The build streams: each article is read, segmented (:func:`retrieval.segment.split_sentences`
via :func:`retrieval.corpus.sentence_rows`, which is :func:`~retrieval.corpus.split_article`
without the objects) and analyzed, in worker processes when the corpus is large and the
machine has more than one core, and the parent appends the results column-wise to a
:class:`~retrieval.sparse.SparseBuilder` (sentence text to a temporary file). No Python
object is kept per sentence; repeated sentences (same text after whitespace and case
folding, as :func:`retrieval.corpus.split_corpus` drops them) are recognised by a
64-bit BLAKE2b digest of that folded text.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from pathlib import Path

from .analyze import analyze
from .corpus import (
    _dedupe_key,
    article_paths,
    check_unique_ids,
    nothing_citable,
    read_article,
    sentence_rows,
)
from .errors import RetrievalError
from .settings import Settings
from .sparse import SparseBuilder, SparseSentenceIndex

PARALLEL_MIN_BYTES = 4 << 20  # smaller corpora are built in-process (a pool costs ~0.1 s)

EXIT_OK, EXIT_USAGE = 0, 2


def _digest(text: str) -> int:
    key = _dedupe_key(text).encode("utf-8")
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "little")


def analyze_article(path: str) -> tuple[tuple, list[tuple]]:
    """Read, segment and analyze one article file (runs in a worker process).

    Returns
    -------
    meta : tuple
        ``(doc_id, title, date, source, path)``.
    rows : list of tuple
        Per sentence in article order: ``(text, terms, section, paragraph, number,
        start, end, digest)``.
    """
    article = read_article(Path(path))
    rows = [
        (text, analyze(text), section, paragraph, number, start, end, _digest(text))
        for text, section, paragraph, number, start, end in sentence_rows(article)
    ]
    meta = (article.doc_id, article.title, article.date, article.source, article.path)
    return meta, rows


def build_corpus_index(
    corpus_dir: str | Path,
    settings: Settings | None = None,
    *,
    workers: int | None = None,
    progress: bool | None = False,
) -> SparseSentenceIndex:
    """Segment, analyze and index every article of ``corpus_dir``.

    Parameters
    ----------
    corpus_dir : str or Path
    settings : Settings, optional
    workers : int, optional
        Processes for segmentation and analysis; default ``os.cpu_count()`` for
        corpora of at least ``PARALLEL_MIN_BYTES``, else 1 (in-process).
    progress : bool or None
        Show a tqdm bar on stderr (None: only when stderr is a terminal).

    Returns
    -------
    SparseSentenceIndex
        The same sentences, in the same order, as
        ``split_corpus(load_articles(corpus_dir))`` minus those without terms.

    Raises
    ------
    CorpusError
        As :func:`retrieval.corpus.load_articles`.
    EmptyCorpusError
        No citable sentence (message names the files), or none with a searchable term.
    """
    paths = article_paths(corpus_dir)
    check_unique_ids(paths)
    sizes = [p.stat().st_size for p in paths]
    total = sum(sizes)
    if workers is None:
        workers = (os.cpu_count() or 1) if total >= PARALLEL_MIN_BYTES else 1
    seen: set[int] = set()
    from tqdm import tqdm

    bar = tqdm(
        total=total, unit="B", unit_scale=True, desc="indexing", disable=None if progress is None else not progress
    )
    pool = None
    try:
        if workers > 1 and len(paths) > 1:
            import multiprocessing

            pool = multiprocessing.get_context("fork").Pool(workers)
            results = pool.imap(analyze_article, [str(p) for p in paths], chunksize=1)
        else:
            results = (analyze_article(str(p)) for p in paths)
        # made after the fork, so that no worker inherits the spilled text's file buffer
        builder = SparseBuilder(settings, spill_text=True)
        for size, (meta, rows) in zip(sizes, results):
            doc = builder.add_document(*meta)
            for text, terms, section, paragraph, number, start, end, digest in rows:
                if digest in seen:
                    continue
                seen.add(digest)
                builder.add(text, terms, doc, section, paragraph, number, start, end)
            bar.update(size)
        if pool is not None:
            pool.close()
            pool.join()
            pool = None
    finally:
        bar.close()
        if pool is not None:
            pool.terminate()
    if not seen:
        raise nothing_citable([str(p) for p in paths])
    del seen
    return builder.finish()


def main(argv: list[str] | None = None) -> int:
    """``python -m retrieval.build``: build and persist a corpus index; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m retrieval.build",
        description="Segment, analyze and index a corpus directory; write the index to disk.",
    )
    parser.add_argument("corpus", metavar="CORPUS_DIR", help="directory of .txt/.md articles")
    parser.add_argument("--index-dir", metavar="DIR", help="where to write (default CORPUS_DIR/.index)")
    parser.add_argument("--workers", type=int, default=None, help="processes (default: all cores for large corpora)")
    args = parser.parse_args(argv)
    from . import store

    settings = Settings()
    try:
        started = time.perf_counter()
        index = build_corpus_index(args.corpus, settings, workers=args.workers, progress=True)
        built = time.perf_counter() - started
        directory = Path(args.index_dir) if args.index_dir else store.default_index_dir(args.corpus)
        store.save(index, directory, store.fingerprint(args.corpus, settings))
    except (RetrievalError, OSError) as exc:
        print(f"build: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(
        f"indexed {index.size} sentences ({len(index.documents.ids)} articles, "
        f"{len(index.vocabulary)} terms) in {built:.1f} s -> {directory}",
        file=sys.stderr,
    )
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
