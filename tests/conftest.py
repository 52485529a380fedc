"""Shared fixtures: the bundled corpus, loaded once per test session."""

from __future__ import annotations

import pytest

from retrieval import Engine

from .support import CORPUS


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine.load(CORPUS)
