"""Failures the fuzzing found in the engine (retrieval/), kept as reproducers.

A failure found first goes here as a strict xfail (and into
``tests.fuzz_properties.KNOWN_BUGS``, so the strategies leave it out); once the engine is
fixed, the mark and the entry go, and the reproducer stays as an ordinary test. Both below
were issue 14's items 1 and 2, fixed in the sparse build and the manifest writer.
"""

from __future__ import annotations

import pytest

from . import fuzz_properties as fp


@pytest.fixture
def fx():
    fixtures = fp.Fixtures()
    yield fixtures
    fixtures.close()


def _corpus(files: dict[str, bytes]) -> dict:
    return {"files": files, "links": {}, "fifos": [], "dirs": []}


def test_a_file_name_that_is_not_utf8_with_a_persisted_index(fx):
    corpus = _corpus({"caf\udce9.txt": b"Kim met Putin in Pyongyang on Friday.", "good.md": b"Kim met Putin."})
    fp.prop_corpus(fx, corpus, "Where did Kim meet Putin?", True)


def test_a_word_repeated_65536_times_with_a_persisted_index(fx):
    corpus = _corpus({"a.txt": fp.REPEATED_65536.encode(), "b.md": b"Kim met Putin in Pyongyang."})
    fp.prop_corpus(fx, corpus, "Who accompanied Putin?", True)
