"""Build (and persist) the sparse index of a corpus directory.

Command line::

    python -m retrieval.build CORPUS_DIR [--index-dir DIR] [--workers N]
    python -m retrieval.build CORPUS_DIR --engine xapian --shards N --out DIR

(the second: :mod:`retrieval.xapian_build`)
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
import os
import signal
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from . import store
from .article_rows import analyze_article
from .corpus import article_paths, check_unique_ids, no_citable_sentence, unusable_files
from .errors import RetrievalError, Terminated
from .settings import Settings
from .sparse import SparseBuilder, SparseSentenceIndex

PARALLEL_MIN_BYTES = 4 << 20  # smaller corpora are built in-process (a pool costs ~0.1 s)

EXIT_OK, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_TERMINATED = 0, 2, 130, Terminated.EXIT_CODE
# what ASK_INDEX_DIR takes for "no persisted index"; the build command always writes one
_OFF_WORDS = ("off", "none", "0", "false", "no")


def _ignore_sigint() -> None:
    """Pool worker initializer: Ctrl-C is the parent's to handle (it terminates the
    pool), so that the workers print no traceback of their own; SIGTERM gets its
    default action back (the parent's :func:`terminate_as_exit` handler is inherited by
    the fork), so that ``Pool.terminate`` ends a worker at once and silently."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):  # forked inside _signals_held: SIGTERM was blocked
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})


def _raise_terminated(signum, frame) -> None:
    # one is enough: a second SIGTERM (each worker may pass one on) must not cut the
    # unwinding short (the pool left running, the progress bar left open)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Terminated()


@contextmanager
def terminate_as_exit():
    """Turn SIGTERM into a :class:`~retrieval.errors.Terminated` exception for the block
    (in the main thread; elsewhere signals are not ours to handle), so that a ``kill``
    during a build unwinds like Ctrl-C: the worker pool is terminated, the temporary
    index directory removed, and the process exits 143 (no worker tracebacks from
    pipes the dead parent left). After the first SIGTERM further ones are ignored
    while the blocks unwind; the previous handler is restored at the outermost block.
    An ignored SIGTERM stays ignored."""
    try:
        previous = signal.getsignal(signal.SIGTERM)
        if previous is signal.SIG_IGN:
            yield
            return
        signal.signal(signal.SIGTERM, _raise_terminated)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        fired = signal.getsignal(signal.SIGTERM) is signal.SIG_IGN
        if not (fired and previous is _raise_terminated):  # an outer block is unwinding too: stay deaf
            signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)


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
        As :func:`retrieval.corpus.load_articles`, or a file has no citable sentence
        (:func:`retrieval.corpus.no_citable_sentence`): every unusable file is named
        in one error, up to ten.
    EmptyCorpusError
        No sentence has a searchable term.
    """
    paths = article_paths(corpus_dir)
    check_unique_ids(paths)
    sizes = [_size(p) for p in paths]
    total = sum(sizes)
    if workers is None:
        workers = (os.cpu_count() or 1) if total >= PARALLEL_MIN_BYTES else 1
    from tqdm import tqdm

    bar = tqdm(
        total=total, unit="B", unit_scale=True, desc="indexing", disable=None if progress is None else not progress
    )
    with terminate_as_exit():
        try:
            return _build(paths, sizes, workers, settings, bar)
        finally:
            bar.close()  # again, if an interrupt cut _build's own close short (idempotent)


def _size(path: Path) -> int:
    """The file's size for the progress bar (0 for a broken link: reported when read)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _build(paths, sizes, workers, settings, bar) -> SparseSentenceIndex:
    """The body of :func:`build_corpus_index` (split off so that SIGTERM handling wraps
    all of it): feed every article through the builder, in a pool when ``workers > 1``."""
    seen: set[int] = set()
    pools: list = []  # the worker pool, once started
    try:
        if workers > 1 and len(paths) > 1:
            import multiprocessing

            with _signals_held():  # the pool is in `pools` before any Ctrl-C can land
                pools.append(multiprocessing.get_context("fork").Pool(workers, initializer=_ignore_sigint))
            results = pools[0].imap(analyze_article, [str(p) for p in paths], chunksize=1)
        else:
            results = (analyze_article(str(p)) for p in paths)
        # made after the fork, so that no worker inherits the spilled text's file buffer
        builder = SparseBuilder(settings, spill_text=True)
        problems: list[tuple[str, str]] = []
        for path, size, (meta, rows) in zip(paths, sizes, results):
            bar.update(size)
            if meta is None:
                problems.append((str(path), rows))
            elif not rows:
                problems.append((meta[4], no_citable_sentence(meta[4])))
            if problems:  # after the first bad file, only look for more
                continue
            doc = builder.add_document(*meta)
            for text, terms, section, paragraph, number, start, end, digest in rows:
                if digest in seen:
                    continue
                seen.add(digest)
                builder.add(text, terms, doc, section, paragraph, number, start, end)
        for pool in pools:
            pool.close()
            pool.join()
        pools.clear()
    finally:
        with _signals_held():  # a second Ctrl-C (one per worker) must not cut this short
            for pool in pools:  # stopped early (an error, Ctrl-C): stop the workers
                pool.terminate()
            bar.close()
    if problems:
        raise unusable_files(problems)
    del seen
    return SparseSentenceIndex.from_parts(builder.finish())


@contextmanager
def _signals_held():
    """Hold Ctrl-C and SIGTERM back (blocked in this thread) for the block; one that
    arrived meanwhile is delivered when the block ends. Used where an interrupt would
    leave worker processes that nobody stops ("Exception ignored in Pool.__del__")."""
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - not on Linux
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _parser() -> argparse.ArgumentParser:
    """The command line of ``python -m retrieval.build``."""
    parser = argparse.ArgumentParser(
        prog="python -m retrieval.build",
        description="Segment, analyze and index a corpus directory; write the index to disk.",
    )
    parser.add_argument("corpus", metavar="CORPUS_DIR", help="directory of .txt/.md articles")
    parser.add_argument(
        "--index-dir",
        metavar="DIR",
        help="where to write (default CORPUS_DIR/.index); an existing DIR must be empty or an index",
    )
    parser.add_argument("--workers", type=int, default=None, help="processes (default: all cores for large corpora)")
    parser.add_argument("--engine", choices=("sparse", "xapian"), default="sparse",
                        help="xapian: write --shards Xapian shard databases to --out (optional extra)")
    parser.add_argument("--shards", type=int, default=1, metavar="N", help="xapian shards (default 1)")
    parser.add_argument("--out", metavar="DIR", help="xapian: the build directory (replaced atomically)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """``python -m retrieval.build``: build and persist a corpus index; returns the exit code.

    Errors are one line on stderr, exit 2; Ctrl-C stops the workers and exits 130,
    SIGTERM exits 143 (``build: terminated``), each with no traceback and no temporary
    directory left behind.
    """
    parser = _parser()
    args = parser.parse_args(argv)
    if args.engine == "xapian":
        from .xapian_build import cli

        return cli(args)
    if args.out is not None or args.shards != 1:
        print("build: error: --shards and --out are for --engine xapian (the sparse index: --index-dir)", file=sys.stderr)
        return EXIT_USAGE
    if args.index_dir is not None:
        problem = None
        if not args.index_dir.strip():
            problem = "--index-dir needs a directory"
        elif args.index_dir.strip().lower() in _OFF_WORDS:
            problem = (
                f"--index-dir {args.index_dir}: the build command writes an index, it cannot be off "
                f"(for a directory of that name, write ./{args.index_dir})"
            )
        if problem:
            print(f"build: error: {problem}", file=sys.stderr)
            return EXIT_USAGE
    directory = Path(args.index_dir) if args.index_dir is not None else store.default_index_dir(args.corpus)
    settings = Settings()
    try:
        with terminate_as_exit():
            store.check_target(directory, args.corpus)  # before the work, not after it
            stats: list = []
            fingerprint = store.fingerprint(args.corpus, settings, stats=stats)  # before: an edit meanwhile is stale
            started = time.perf_counter()
            index = build_corpus_index(args.corpus, settings, workers=args.workers, progress=True)
            built = time.perf_counter() - started
            try:
                store.save(index, directory, fingerprint, stats=stats, corpus_dir=args.corpus)
            except OSError as exc:
                print(f"build: error: could not write the index to {directory}: {store.reason(exc)}", file=sys.stderr)
                return EXIT_USAGE
    except Terminated:
        sys.unraisablehook = lambda unraisable: None  # as for Ctrl-C below
        print("build: terminated", file=sys.stderr)
        return EXIT_TERMINATED
    except RetrievalError as exc:
        print(f"build: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(f"build: error: {store.reason(exc)}" + (f": {exc.filename}" if exc.filename else ""), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        # the workers are stopped; the garbage collector may still find a pool whose
        # pipes the interrupt left half-closed and print "Exception ignored in
        # Pool.__del__": nothing the user can act on, so not shown
        sys.unraisablehook = lambda unraisable: None
        print("build: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    print(
        f"indexed {index.size} sentences ({len(index.documents.ids)} articles, "
        f"{len(index.vocabulary)} terms) in {built:.1f} s -> {directory}",
        file=sys.stderr,
    )
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
