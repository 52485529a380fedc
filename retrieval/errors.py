"""The engine's exceptions. Front ends turn them into user text and exit codes."""

from __future__ import annotations


class RetrievalError(Exception):
    """Base class of every error the engine raises on purpose."""


class CorpusError(RetrievalError):
    """The corpus cannot be loaded: missing/empty directory, unreadable or undecodable
    file, a file with no text to index or no citable sentence.

    The message names the offending path.
    """


class EmptyCorpusError(CorpusError):
    """The corpus holds no citable sentence with any indexable term."""


class IndexFileError(RetrievalError):
    """A persisted index is missing, stale, corrupt or truncated (message names the file)."""


class SettingsError(RetrievalError, ValueError):
    """A setting has a value outside its range (message quotes the value)."""


class MissingIndexError(IndexFileError):
    """There is no persisted index in the directory (nothing to report: build one)."""


class StaleIndexError(IndexFileError):
    """The persisted index was built from other corpus files, code or BM25 settings."""


class IndexDirError(IndexFileError):
    """The index directory setting names a place that must not be written: an existing
    file, a directory that is not one of our indexes, the corpus directory or one that
    overlaps it (message names the path and says why). Nothing there is changed."""


class Terminated(SystemExit):
    """SIGTERM arrived while the index was being built or saved (see
    :func:`retrieval.build.terminate_as_exit`): the worker processes are stopped and
    the temporary files removed on the way out. A :class:`SystemExit` with code 143
    (128 + SIGTERM, the shell's code for a process ended by SIGTERM), so that a front
    end that does not catch it still exits 143 without a traceback."""

    EXIT_CODE = 143

    def __init__(self) -> None:
        super().__init__(self.EXIT_CODE)
