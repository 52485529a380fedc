"""Shared fixtures: the bundled corpus, loaded once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval import Engine

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SEED_DOC = "putin-north-korea-visit"


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine.load(CORPUS)


def write_corpus(directory: Path, files: dict[str, str]) -> Path:
    """Write ``{file name: text}`` into ``directory`` and return it."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory
