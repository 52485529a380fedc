"""Articles added while running: watch the corpus directory, rebuild, swap.

The REPL, ``ask --json`` conversations and the Discord bot serve a :class:`LiveEngine`:
the loaded :class:`retrieval.Engine` behind one attribute that a rebuild replaces in
one assignment (atomic under the GIL). A question reads that attribute once, so it is
answered wholly by the old engine or wholly by the new one, and questions keep being
answered from the old engine while the new one is built.

Noticing changes: :func:`watching` runs ``watchfiles.watch`` (the Rust ``notify``
crate: inotify, FSEvents, ReadDirectoryChangesW; polling where there is none) on the
corpus directory in a daemon thread, non-recursively, keeping only ``.txt``/``.md``
files that are not hidden (:class:`ArticleFilter`; the persisted index ``.index``
and temporary files never trigger a rebuild). Each batch of changes calls
:meth:`LiveEngine.refresh`, which rebuilds only when the article files' names, sizes or
modification times differ from those of the engine being served.

A broken file: the corpus is loaded exactly as at start-up (:meth:`Engine.load
<retrieval.Engine.load>`), so a file that start-up would refuse fails the rebuild
with start-up's one-line error. Then *the rest stays served* means: the engine served
before the change keeps being served whole (the articles it had, none of the new
ones), the error is reported in one line, and the next change (the file fixed or
removed) rebuilds again. Serving "everything but the bad file" would make what is
served depend on which files happen to be broken, and differ from what a restart
serves (a restart refuses the corpus); keeping the last good engine does not.

Changing the corpus from Discord: :class:`Library` validates an article exactly as
start-up would (:func:`retrieval.corpus.read_article`, a citable sentence, a unique
id; the same one-line errors, naming the file as it will be named in the corpus),
writes it atomically (a hidden temporary file renamed into place), and rebuilds at
once, so the article is answerable when the command replies.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
import threading
from pathlib import Path
from typing import Callable, Iterator

from retrieval import CorpusError, Engine, RetrievalError
from retrieval.corpus import ARTICLE_SUFFIXES, check_unique_ids, no_citable_sentence, read_article, split_article

logger = logging.getLogger(__name__)

Report = Callable[[str], None]

STOP_TIMEOUT = 5.0  # seconds to wait for the watching thread when stopping


def article_signature(corpus_dir: str | Path) -> tuple | None:
    """``(name, size, mtime_ns)`` of each article file (``.txt``/``.md``, not hidden),
    sorted by name; None when the directory cannot be listed. Two equal signatures
    mean that nothing the engine reads has changed (a rewrite within the same
    nanosecond at the same size excepted)."""
    try:
        with os.scandir(corpus_dir) as entries:
            return tuple(
                sorted(
                    (e.name, st.st_size, st.st_mtime_ns)
                    for e in entries
                    if _is_article_name(e.name) and (st := _stat(e)) is not None
                )
            )
    except OSError:
        return None


def _stat(entry: os.DirEntry):
    try:
        return entry.stat()
    except OSError:  # removed or a broken link: start-up reports it, the rebuild will too
        return None


def _is_article_name(name: str) -> bool:
    return not name.startswith(".") and os.path.splitext(name)[1].lower() in ARTICLE_SUFFIXES


class ArticleFilter:
    """``watchfiles`` filter: changes to article files directly in ``corpus_dir``
    (``.txt``/``.md``, not hidden); the persisted index, temporary and hidden files and
    everything in subdirectories are ignored."""

    def __init__(self, corpus_dir: str | Path):
        self.root = os.path.realpath(corpus_dir)

    def __call__(self, change, path: str) -> bool:
        return os.path.dirname(path) == self.root and _is_article_name(os.path.basename(path))


class LiveEngine:
    """The engine being served, replaced atomically when the corpus changes.

    Offers what the front ends use of :class:`retrieval.Engine` (``answer``,
    ``explain``, ``sources``, ``sentences``), each read from the engine served at
    the moment of the call.

    Parameters
    ----------
    engine : Engine
        The engine loaded at start-up.
    load : callable ``() -> Engine``
        Loads the corpus again, exactly as at start-up (raising
        :class:`retrieval.RetrievalError` with start-up's message for a bad corpus).
    corpus_dir : str or Path
        The directory ``load`` reads (for :func:`article_signature`).
    report : callable ``(str) -> None``
        Told one line per rebuild: what is served now, or why the change is not.
    """

    def __init__(self, engine: Engine, load: Callable[[], Engine], corpus_dir: str | Path, report: Report):
        self.engine = engine
        self.corpus_dir = Path(corpus_dir)
        self._load = load
        self.report = report
        self._lock = threading.Lock()  # one rebuild at a time
        self._signature = article_signature(corpus_dir)

    def answer(self, question: str, follow_up=None):
        if follow_up is None:  # a question on its own: the engine's plain call
            return self.engine.answer(question)
        return self.engine.answer(question, follow_up=follow_up)

    def explain(self, question: str, k: int | None = None, follow_up=None):
        if follow_up is None:
            return self.engine.explain(question, k)
        return self.engine.explain(question, k, follow_up=follow_up)

    def sources(self):
        return self.engine.sources()

    @property
    def sentences(self):
        return self.engine.sentences

    def refresh(self) -> bool:
        """Rebuild and swap in the new engine if the article files changed.

        Returns
        -------
        bool
            True when a new engine is served now; False when nothing changed or the
            corpus as it is now cannot be loaded (reported in one line; the engine
            served before stays served, and the same broken state is not retried
            until the files change again). Never raises for a bad corpus; an
            unexpected error is reported and logged with its traceback.
        """
        with self._lock:
            signature = article_signature(self.corpus_dir)
            if signature == self._signature:
                return False
            self._signature = signature
            try:
                engine = self._load()
            except (RetrievalError, OSError) as exc:
                self.report(f"corpus change not served: {_reason(exc)}; {self._serving()}")
                return False
            except Exception as exc:  # the watcher must outlive any rebuild
                logger.exception("Rebuilding the corpus failed")
                self.report(f"corpus change not served ({type(exc).__name__}: {exc}); {self._serving()}")
                return False
            self.engine = engine
            sources = engine.sources()
            self.report(
                f"corpus reloaded: {_count(len(sources), 'article')}, "
                f"{_count(sum(s.sentences for s in sources), 'sentence')}"
            )
            return True

    def _serving(self) -> str:
        return f"still serving the previous {_count(len(self.engine.sources()), 'article')}"


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and not isinstance(exc, RetrievalError):
        return exc.strerror or str(exc)
    return str(exc)


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


@contextlib.contextmanager
def watching(
    live: LiveEngine, *, debounce_ms: int = 1600, step_ms: int = 50, recheck_ms: int = 1000
) -> Iterator[LiveEngine]:
    """Watch ``live.corpus_dir`` in a daemon thread for as long as the ``with`` block
    runs, calling :meth:`LiveEngine.refresh` after each batch of changes.

    ``debounce_ms`` and ``step_ms`` are ``watchfiles.watch``'s: a batch is yielded
    once no further change came for ``step_ms`` (at most ``debounce_ms`` after its
    first change). After ``recheck_ms`` without a change, :meth:`LiveEngine.refresh`
    runs all the same (``yield_on_timeout``): it only lists the directory unless a
    file changed, and it catches a file that landed between the load and the start
    of the watch, or an event the platform dropped. The thread is stopped
    (``stop_event``) and joined on leaving. If
    the directory cannot be watched (removed, no inotify watches left), that is
    reported in one line and the engine is served without watching.
    """
    import watchfiles

    stop = threading.Event()
    root = os.path.realpath(live.corpus_dir)

    def run() -> None:
        try:
            for _changes in watchfiles.watch(
                root,
                watch_filter=ArticleFilter(root),
                stop_event=stop,
                debounce=debounce_ms,
                step=step_ms,
                rust_timeout=recheck_ms,
                yield_on_timeout=True,
                recursive=False,
                raise_interrupt=False,
            ):
                live.refresh()
        except Exception as exc:  # noqa: BLE001 - reported, the engine keeps serving
            logger.debug("watching %s failed", root, exc_info=True)
            live.report(f"no longer watching {root} for new articles ({type(exc).__name__}: {exc})")

    thread = threading.Thread(target=run, name="corpus-watch", daemon=True)
    thread.start()
    try:
        yield live
    finally:
        stop.set()
        thread.join(STOP_TIMEOUT)


# ------------------------------------------------------------------ /article add|remove

MAX_ARTICLE_BYTES = 2 * 1024 * 1024  # an article sent through Discord (larger: refused)
_SLUG = re.compile(r"[^a-z0-9]+")
_SAFE_NAME = re.compile(r"[^/\\\x00]+")


def file_name_for_title(title: str) -> str:
    """``some-title.md``: the title lowercased, runs of other characters turned into
    one hyphen, at most 60 characters (``article.md`` when nothing is left)."""
    slug = _SLUG.sub("-", title.lower()).strip("-")[:60].strip("-")
    return f"{slug or 'article'}.md"


def article_from_title(title: str, text: str) -> bytes:
    """A ``.md`` article: YAML front matter with ``title``, then ``text``."""
    import yaml

    front = yaml.safe_dump({"title": title.strip()}, allow_unicode=True, default_flow_style=False, width=1 << 16)
    return f"---\n{front}---\n{text.strip()}\n".encode("utf-8")


class Library:
    """Adds and removes corpus articles for ``/article add|remove``.

    Parameters
    ----------
    live : LiveEngine
        Rebuilt (:meth:`LiveEngine.refresh`) after each change, before the method
        returns, so the change is served when the command replies.
    """

    def __init__(self, live: LiveEngine):
        self.live = live

    @property
    def corpus_dir(self) -> Path:
        return self.live.corpus_dir

    def validate(self, name: str, data: bytes) -> tuple[Path, object]:
        """Check an article file named ``name`` holding ``data`` as start-up would.

        Returns
        -------
        (Path, Article)
            Where it will be written, and the article as read.

        Raises
        ------
        CorpusError
            One line: a name that is no article file name (``.txt``/``.md``, not
            hidden, no folder), too large, an id already used, or start-up's own
            error for the file (not UTF-8, bad front matter, no text, no citable
            sentence), naming the file as it will be named in the corpus.
        """
        if not _SAFE_NAME.fullmatch(name) or name in (".", "..") or not _is_article_name(name):
            raise CorpusError(f"{name!r} is not an article file name: use a .txt or .md name not starting with '.'")
        if len(data) > MAX_ARTICLE_BYTES:
            raise CorpusError(f"{name} is too large ({len(data):,} bytes; the limit is {MAX_ARTICLE_BYTES:,})")
        target = self.corpus_dir / name
        existing = [p for p in self._paths() if p.stem == target.stem]
        if any(p.name == target.name for p in existing):
            raise CorpusError(f"{target} already exists: remove it first (/article remove) or pick another name")
        check_unique_ids(existing + [target])
        with tempfile.TemporaryDirectory(prefix="ask-article-") as scratch:
            trial = Path(scratch) / name
            trial.write_bytes(data)
            try:
                article = read_article(trial)
                if not split_article(article):
                    raise CorpusError(no_citable_sentence(str(trial)))
            except CorpusError as exc:
                raise CorpusError(str(exc).replace(str(trial), str(target))) from None
        return target, article

    def add(self, name: str, data: bytes):
        """Validate (:meth:`validate`), write atomically, rebuild.

        Returns
        -------
        (Article, bool)
            The article added, and whether the rebuild serves it (False: the rest of
            the corpus cannot be loaded now; the file is written all the same and was
            reported by :meth:`LiveEngine.refresh`).

        Raises
        ------
        CorpusError
            As :meth:`validate`, or the file cannot be written.
        """
        target, article = self.validate(name, data)
        temporary = target.with_name(f".{target.name}.part")
        try:
            temporary.write_bytes(data)
            os.replace(temporary, target)
        except OSError as exc:
            with contextlib.suppress(OSError):
                temporary.unlink()
            raise CorpusError(f"cannot write {target}: {exc.strerror or exc}") from exc
        return article, self._refreshed(article.doc_id)

    def remove(self, doc_id: str) -> Path:
        """Remove the article ``doc_id`` (its file name without extension) and rebuild.

        Raises
        ------
        CorpusError
            No such article, it is the last one (start-up refuses an empty corpus),
            or it cannot be removed.
        """
        paths = self._paths()
        matches = [p for p in paths if p.stem == doc_id]
        if not matches:
            raise CorpusError(f"no article {doc_id!r} in {self.corpus_dir} (see /sources for the ids)")
        if len(paths) == len(matches):
            raise CorpusError(f"{matches[0]} is the last article: the corpus cannot be empty")
        for path in matches:
            try:
                path.unlink()
            except OSError as exc:
                raise CorpusError(f"cannot remove {path}: {exc.strerror or exc}") from exc
        self._refreshed(None)
        return matches[0]

    def _refreshed(self, doc_id: str | None) -> bool:
        self.live.refresh()
        ids = {s.doc_id for s in self.live.sources()}
        return doc_id in ids if doc_id is not None else True

    def _paths(self) -> list[Path]:
        try:
            return sorted(p for p in self.corpus_dir.iterdir() if _is_article_name(p.name) and p.is_file())
        except OSError as exc:
            raise CorpusError(f"cannot read corpus directory {self.corpus_dir}: {exc.strerror or exc}") from exc


def live_engine(engine: Engine, corpus_dir: str | Path, settings, index_dir, report: Report) -> LiveEngine:
    """A :class:`LiveEngine` over ``engine`` that reloads ``corpus_dir`` with the same
    ``settings`` and ``index_dir`` it was loaded with."""
    return LiveEngine(
        engine, lambda: Engine.load(corpus_dir, settings, index_dir=index_dir, progress=False), corpus_dir, report
    )
