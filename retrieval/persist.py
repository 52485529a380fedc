"""The corpus index as the front ends get it: the persisted one when it is current,
else built, saved and returned (:func:`load_or_build`).

Three things make a first run safe and a later one fast:

* **staleness and damage**: an index built from other files, code or settings is
  rebuilt silently (logged at INFO); a damaged one (any failure to read or validate
  it, :mod:`retrieval.store`) with a WARNING ``damaged index: ...; rebuilding``;
* **one builder at a time**: the build takes a cross-process lock (the ``filelock``
  library; the lock file is in the user cache directory), so that of several
  processes started together on a new corpus one builds, and the others wait with
  one notice (``another process is building the index ...; waiting for it``) and
  then load what it wrote;
* **a read-only corpus directory**: when the default ``<corpus>/.index`` cannot be
  written, the index goes to the user cache directory
  (:func:`~retrieval.store_target.cache_index_dir`), said once, when it is written
  there; later runs load it from there without a word.

Notices are WARNING records on the ``retrieval.store`` logger (a front end decides
how to show them; with logging unconfigured Python prints the message on stderr).
"""

from __future__ import annotations

import logging
import os
from contextlib import contextmanager
from pathlib import Path

from . import store
from .build import build_corpus_index, terminate_as_exit
from .corpus import check_corpus_dir
from .errors import IndexFileError, MissingIndexError, StaleIndexError
from .settings import Settings
from .sparse import SparseSentenceIndex

log = logging.getLogger("retrieval.store")


def load_or_build(
    corpus_dir: str | Path,
    settings: Settings | None = None,
    index_dir: str | Path | None = None,
    *,
    progress: bool | None = None,
) -> SparseSentenceIndex:
    """The corpus index from ``index_dir`` when it is current, else built and saved.

    Parameters
    ----------
    corpus_dir : str or Path
    settings : Settings, optional
    index_dir : str or Path, optional
        Where the index is kept; None: ``<corpus_dir>/.index``, or the user cache
        directory when that cannot be written (see the module docstring).
    progress : bool or None
        Show the build's progress bar (None: only when stderr is a terminal).

    Raises
    ------
    CorpusError
        ``corpus_dir`` is missing, not a directory or cannot be read (checked first,
        before the index directory inside it is looked at; see
        :func:`retrieval.corpus.check_corpus_dir`); or as below.
    IndexDirError
        ``index_dir`` is not a place we may write (checked before anything is read
        or built; see :func:`~retrieval.store_target.check_target`).
    CorpusError, EmptyCorpusError
        As :func:`retrieval.build.build_corpus_index`.
    Terminated
        SIGTERM arrived during the build or the save (nothing is left behind).
    """
    check_corpus_dir(corpus_dir)
    settings = settings or Settings()
    directory = Path(index_dir) if index_dir is not None else store.default_index_dir(corpus_dir)
    store.check_target(directory, corpus_dir)
    index, current, stats = _current(directory, corpus_dir, settings)
    if index is not None:
        return index
    fallback = store.cache_index_dir(corpus_dir) if index_dir is None else None
    if fallback is not None and os.path.isdir(fallback):  # an earlier run kept it there
        index, kept_current, kept_stats = _current(fallback, corpus_dir, settings)
        if index is not None:
            return index
        if current is None:
            current, stats = kept_current, kept_stats
    with _build_lock(directory, corpus_dir) as waited:
        if waited:  # another process built it meanwhile: use it
            for place in (directory, fallback):
                if place is not None:
                    index, now_current, now_stats = _current(place, corpus_dir, settings, quiet=True)
                    if index is not None:
                        return index
                    current, stats = (now_current, now_stats) if now_current is not None else (current, stats)
        if current is None:  # no index anywhere: the fingerprint is taken before the build
            stats = []
            current = store.fingerprint(corpus_dir, settings, stats=stats)
        with terminate_as_exit():
            index = build_corpus_index(corpus_dir, settings, progress=progress)
            _save(index, directory, fallback, corpus_dir, current, stats)
    return index


def _current(directory: Path, corpus_dir, settings: Settings, *, quiet: bool = False):
    """``(index, fingerprint, stats)``: the index in ``directory`` if it is current
    (else None, the reason logged unless ``quiet``), the corpus's current fingerprint
    and the stat cache to save with a new index (both None when ``directory`` holds no
    index: the corpus is not hashed for nothing)."""
    manifest = None
    report = (lambda *args: None) if quiet else None
    try:
        manifest = store.read_manifest(directory)
    except MissingIndexError:
        return None, None, None
    except Exception as exc:  # noqa: BLE001 - stale, damaged, or whatever a damaged manifest causes
        _log_unusable(directory, exc, report)
    stats: list = []
    cache = manifest.get("file_stats") if manifest else None
    current = store.fingerprint(corpus_dir, settings, cache=cache, stats=stats)
    if manifest is not None:
        try:
            return store.load(directory, settings, current, manifest=manifest), current, stats
        except Exception as exc:  # noqa: BLE001 - stale, damaged, or whatever a damaged index causes
            _log_unusable(directory, exc, report)
    return None, current, stats


def _log_unusable(directory: Path, exc: Exception, report=None) -> None:
    """Say why the index in ``directory`` is rebuilt: stale at INFO, damaged as a WARNING."""
    if report is not None:
        report(exc)
    elif isinstance(exc, StaleIndexError):
        log.info("%s; rebuilding", exc)
    elif isinstance(exc, IndexFileError):
        log.warning("damaged index: %s; rebuilding", exc)
    else:
        log.warning("damaged index: %s (%s: %s); rebuilding", directory, type(exc).__name__, exc)


def _save(index, directory: Path, fallback: Path | None, corpus_dir, current: dict, stats: list) -> None:
    """Save ``index`` to ``directory``, else to ``fallback`` (saying so once); when
    neither can be written, a WARNING, and the built index is used anyway."""
    try:
        store.save(index, directory, current, stats=stats, corpus_dir=corpus_dir)
        return
    except OSError as exc:
        why = store.reason(exc)
        if fallback is None:
            log.warning(
                "could not write the index to %s: %s; it is rebuilt on every start "
                "(choose a writable index directory)", directory, why,
            )
            return
    try:
        store.save(index, fallback, current, stats=stats)
    except OSError as exc:
        log.warning(
            "could not write the index to %s (%s) nor to %s (%s): it is rebuilt on every start",
            directory, why, fallback, store.reason(exc),
        )
        return
    log.warning("cannot write the index to %s (%s); keeping it in %s instead", directory, why, fallback)


@contextmanager
def _build_lock(directory: Path, corpus_dir):
    """Hold the cross-process build lock of ``directory`` (filelock's ``FileLock``, at
    :func:`~retrieval.store_target.lock_path`) for the block; yields whether another
    process held it first (and so may have built the index meanwhile). When the lock
    file cannot be made (no writable cache directory), the block runs unlocked:
    nothing worse than a second build (saves are atomic)."""
    from filelock import FileLock, Timeout

    path = store.lock_path(directory)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(path)
        try:
            lock.acquire(timeout=0)
            waited = False
        except Timeout:
            log.warning("another process is building the index of %s; waiting for it", corpus_dir)
            lock.acquire()
            waited = True
    except OSError as exc:
        log.debug("no build lock at %s: %s", path, exc)
        yield False
        return
    try:
        yield waited
    finally:
        lock.release()
