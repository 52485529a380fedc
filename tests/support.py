"""Paths and helpers shared by the tests."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SEED_DOC = "putin-north-korea-visit"


def write_corpus(directory: Path, files: dict[str, str]) -> Path:
    """Write ``{file name: text}`` into ``directory`` (created) and return it."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


class UnwritableStdout:
    """A standard output whose every write fails with ``error`` (``BrokenPipeError``
    for a reader that has left, ``OSError(ENOSPC)`` for a full disk)."""

    def __init__(self, error: OSError):
        self.error = error

    def write(self, text: str) -> int:
        raise self.error

    def flush(self) -> None:
        pass


class FullStdout:
    """A standard output like ``> /dev/full``: writes are buffered, every flush fails."""

    def __init__(self):
        self.buffered = ""

    def write(self, text: str) -> int:
        self.buffered += text
        return len(text)

    def flush(self) -> None:
        import errno

        raise OSError(errno.ENOSPC, "No space left on device")
