"""Where a persisted index may be written, and the temporaries of interrupted saves.

:func:`check_target` refuses (``IndexDirError``) an existing file, a non-empty
directory that is not one of our indexes, the corpus directory or any directory
overlapping it (except the default ``<corpus>/.index``), the current directory and the
root. :func:`cache_index_dir` is the per-user fallback for a corpus directory that
cannot be written (platformdirs: ``$XDG_CACHE_HOME/newsqa`` on Linux).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
from pathlib import Path

from .errors import IndexDirError
from .store_manifest import OUR_NAMES, is_our_index

log = logging.getLogger("retrieval.store")


def reason(exc: OSError) -> str:
    """An OSError as the user should read it: the reason, without our internal paths."""
    return exc.strerror or str(exc)


def default_index_dir(corpus_dir: str | Path) -> Path:
    """``<corpus_dir>/.index`` (hidden, so never read as an article; gitignored)."""
    return Path(corpus_dir) / ".index"



def cache_root() -> Path:
    """The user cache directory of newsqa, as platformdirs finds it
    (``$XDG_CACHE_HOME/newsqa`` or ``~/.cache/newsqa`` on Linux)."""
    from platformdirs import user_cache_path

    return user_cache_path("newsqa", appauthor=False)


def _path_digest(path: str | Path) -> str:
    return hashlib.sha256(os.fsencode(Path(path).resolve())).hexdigest()[:16]


def cache_index_dir(corpus_dir: str | Path) -> Path:
    """The index directory of ``corpus_dir`` in the user's cache directory, used when
    the corpus directory cannot be written (a read-only mount, another user's files):
    ``<cache_root>/indexes/<name>-<digest>``, one per corpus, told apart by the
    SHA-256 of the corpus's resolved path."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(corpus_dir).resolve().name).strip("._") or "corpus"
    return cache_root() / "indexes" / f"{name}-{_path_digest(corpus_dir)}"


def lock_path(directory: str | Path) -> Path:
    """The build lock file of the index directory ``directory``: in the user cache
    directory (``<cache_root>/locks/<digest>.lock``), never in the corpus, which may be
    read-only and must not collect files."""
    return cache_root() / "locks" / f"{_path_digest(directory)}.lock"


# ----------------------------------------------------------------- where to write
def _foreign(directory: Path) -> str | None:
    """Why the existing directory is not one we may replace (None: it is ours or empty)."""
    try:
        entries = os.listdir(directory)
    except OSError as exc:
        return f"cannot list it ({reason(exc)})"
    if not entries:
        return None
    if is_our_index(directory):
        return None
    return "it is a directory that is not empty and is not a newsqa index (no manifest.json or .newsqa-index of ours)"


def check_target(directory: str | Path, corpus_dir: str | Path | None = None) -> Path:
    """The resolved index directory, when writing there cannot destroy anything else.

    Parameters
    ----------
    directory : str or Path
        The index directory as the user gave it.
    corpus_dir : str or Path, optional
        The corpus it indexes; the index may not be it, contain it or lie inside it,
        except at the default ``<corpus>/.index``.

    Raises
    ------
    IndexDirError
        The path is empty, the root, the current directory or one of its parents, an
        existing non-directory (a file, a device), a non-empty directory that is not
        one of our indexes, or overlaps the corpus. The message names the path and why.
    """
    if str(directory).strip() == "":
        raise IndexDirError("the index directory is empty: give a directory path")

    def refuse(why: str) -> IndexDirError:
        return IndexDirError(f"refusing to use {directory} as the index directory: {why}; nothing was changed")

    try:
        target = Path(directory).resolve()
    except (OSError, RuntimeError) as exc:  # a symlink loop
        raise refuse(f"it cannot be resolved ({exc})") from None
    if target.parent == target:
        raise refuse("it is the root directory")
    try:
        cwd = Path.cwd().resolve()
    except OSError:
        cwd = None
    if cwd is not None and (target == cwd or target in cwd.parents):
        raise refuse("it is the current directory or contains it")
    if corpus_dir is not None:
        corpus = Path(corpus_dir).resolve()
        if target != (Path(corpus_dir) / ".index").resolve():
            if target == corpus:
                raise refuse("it is the corpus directory")
            if target in corpus.parents:
                raise refuse("it contains the corpus directory")
            if corpus in target.parents:
                raise refuse("it is inside the corpus directory (only the default CORPUS/.index may be)")
    if os.path.lexists(target):
        if not target.is_dir():
            raise refuse("it exists and is not a directory")
        why = _foreign(target)
        if why:
            raise refuse(why)
    return target


_TEMP = re.compile(r"\A\.(?P<name>.+)\.(?:tmp|old)-(?P<pid>\d+)-\d+\Z")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: it exists, owned by someone else
        return True
    return True


def remove_stale_temporaries(parent: Path, name: str) -> list[Path]:
    """Delete ``.NAME.tmp-PID-N`` / ``.NAME.old-PID-N`` directories in ``parent`` left by
    a process that no longer runs (killed during a save), when they hold nothing but
    index files. Returns the paths removed."""
    removed = []
    try:
        entries = list(parent.iterdir())
    except OSError:
        return removed
    for path in entries:
        match = _TEMP.match(path.name)
        if not match or match["name"] != name or _alive(int(match["pid"])):
            continue
        try:
            if path.is_symlink() or not path.is_dir() or not set(os.listdir(path)) <= OUR_NAMES:
                continue
            shutil.rmtree(path)
            removed.append(path)
        except OSError as exc:
            log.debug("could not remove %s: %s", path, exc)
    return removed

