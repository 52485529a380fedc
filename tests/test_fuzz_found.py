"""Failures the fuzzing found in the engine (retrieval/), kept as reproducers.

Each is a strict xfail: it fails today, and the day the engine is fixed it passes,
which fails the suite -- then drop its mark, and its entry in
``tests.fuzz_properties.KNOWN_BUGS`` so that the fuzz suite tries such inputs again.
The fixes are issue 14's (branch ``robust``); the front ends already turn each into one
``ask: internal error: ...`` line, exit 1, which the properties count as a failure.
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


@pytest.mark.xfail(
    strict=True,
    reason="issue 14 item 2: a file name that is not valid UTF-8 -> UnicodeEncodeError writing manifest.json (exit 1)",
)
def test_a_file_name_that_is_not_utf8_with_a_persisted_index(fx):
    corpus = _corpus({"caf\udce9.txt": b"Kim met Putin in Pyongyang on Friday.", "good.md": b"Kim met Putin."})
    fp.prop_corpus(fx, corpus, "Where did Kim meet Putin?", True)


@pytest.mark.xfail(
    strict=True,
    reason="issue 14 item 1: a word 65,536+ times in a sentence -> ValueError in the sparse index build (exit 1)",
)
def test_a_word_repeated_65536_times_with_a_persisted_index(fx):
    corpus = _corpus({"a.txt": fp.REPEATED_65536.encode(), "b.md": b"Kim met Putin in Pyongyang."})
    fp.prop_corpus(fx, corpus, "Who accompanied Putin?", True)
