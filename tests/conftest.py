"""Shared fixtures: the engine over the bundled corpus, loaded once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval import Engine

ROOT = Path(__file__).resolve().parent.parent
BUNDLED_CORPUS = ROOT / "corpus"


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine.load(BUNDLED_CORPUS)
