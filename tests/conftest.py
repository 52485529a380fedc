"""Shared fixtures: the bundled corpus, loaded once per test session."""

from __future__ import annotations

import os
import signal

import pytest
from hypothesis import settings

# CI runs every property test on the same derandomized examples (a red run must be
# repeatable); a developer's run draws new examples each time and finds new bugs.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

from retrieval import Engine

from .support import CORPUS


@pytest.fixture(autouse=True)
def _no_index_in_the_repo(monkeypatch):
    """Front ends under test build in memory: nothing is written under corpus/."""
    monkeypatch.setenv("ASK_INDEX_DIR", "off")


@pytest.fixture(autouse=True, scope="session")
def _user_cache_in_tmp(tmp_path_factory):
    """The user cache directory (build locks, the index of a read-only corpus) is a
    temporary one (platformdirs reads XDG_CACHE_HOME): tests never write to ~/.cache.
    Session-scoped, so that it is set before the session's ``engine`` is loaded."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
        yield


@pytest.fixture(autouse=True)
def _sigint_handler_restored():
    """A front end that has answered ignores SIGINT for the rest of the process
    (:func:`bot.cli.ignore_interrupts`): each test gets the handler back as it was."""
    previous = signal.getsignal(signal.SIGINT)
    yield
    signal.signal(signal.SIGINT, previous)


@pytest.fixture(scope="session")
def engine(tmp_path_factory) -> Engine:
    """The bundled article through the default path: persisted index, engine by size."""
    return Engine.load(CORPUS, index_dir=tmp_path_factory.mktemp("index"))


@pytest.fixture
async def discord_world():
    """Start a simulated Discord around the real bot: ``world = await discord_world(...)``
    (keywords of :func:`tests.simcord_support.start_world`); shut down after the test,
    raising any error the bot's handlers raised that the test did not inspect."""
    from .simcord_support import start_world

    worlds = []

    async def make(**options):
        world = await start_world(**options)
        worlds.append(world)
        return world

    yield make
    for world in worlds:
        await world.close()
