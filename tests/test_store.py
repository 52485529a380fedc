"""Persisted index: round trip, staleness, damage detection, no pickle, the build command."""

from __future__ import annotations

import json
import logging
import os
import shutil

import numpy as np
import pytest

from retrieval import Engine, Settings, store
from retrieval.build import build_corpus_index, main as build_main
from retrieval.corpus import load_articles, split_corpus
from retrieval.errors import IndexFileError, MissingIndexError, StaleIndexError
from retrieval.index import SentenceIndex
from retrieval.sparse import ARRAY_NAMES, FileBytes, SparseBuilder, SparseSentenceIndex

from .support import CORPUS, write_corpus

ARTICLES = {
    "one.md": "---\ntitle: One\ndate: 2024-01-02\n---\nThe river flooded the old town. Rescue boats arrived at dawn.\n"
    "Aftermath\nThe mayor thanked the volunteers. The river flooded the old town.\n",
    "two.txt": "The river flooded the old town.\nEngineers inspected the bridge on Monday. It held.\n",
}


@pytest.fixture()
def corpus(tmp_path):
    return write_corpus(tmp_path / "corpus", ARTICLES)


def same_index(a, b):
    assert a.size == b.size and a.vocabulary == b.vocabulary
    assert a.average_length == b.average_length
    for name in ARRAY_NAMES:
        assert np.array_equal(a.arrays[name], b.arrays[name]), name
    assert list(a.sentences) == list(b.sentences)


def test_corpus_build_equals_split_corpus(corpus):
    index = build_corpus_index(corpus)
    reference = SentenceIndex.build(split_corpus(load_articles(corpus)))
    assert list(index.sentences) == reference.sentences  # same order, dedupe, citations
    assert index.size == 5  # "The river flooded the old town." three times, kept once
    parallel = build_corpus_index(corpus, workers=2)
    same_index(index, parallel)


def test_round_trip(corpus, tmp_path):
    index = build_corpus_index(corpus)
    fp = store.fingerprint(corpus, Settings())
    store.save(index, tmp_path / "idx", fp)
    loaded = store.load(tmp_path / "idx", Settings(), fp)
    same_index(index, loaded)
    assert loaded.score_terms(["river", "town"]) == index.score_terms(["river", "town"])
    assert loaded.documents == index.documents
    for name in ARRAY_NAMES:  # plain numpy files, no pickle needed
        np.load(tmp_path / "idx" / f"{name}.npy", allow_pickle=False)


def test_spilled_text_saves_the_same_files_as_text_in_memory(corpus, tmp_path):
    spilled = build_corpus_index(corpus)  # the build writes the sentence text to a temporary file
    assert isinstance(spilled.arrays["text"], FileBytes)
    builder = SparseBuilder()
    for sentence in split_corpus(load_articles(corpus)):
        builder.add_sentence(sentence)
    in_memory = SparseSentenceIndex.from_parts(builder.finish())
    assert isinstance(in_memory.arrays["text"], np.ndarray)
    same_index(spilled, in_memory)
    fp = store.fingerprint(corpus, Settings())
    store.save(spilled, tmp_path / "a", fp)
    store.save(in_memory, tmp_path / "b", fp)
    for name in [f"{n}.npy" for n in ARRAY_NAMES] + ["vocabulary.txt"]:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    # the document table differs only in paths (add_sentence does not know them)
    assert store.load(tmp_path / "a", Settings(), fp).arrays["text"][:].tobytes() == in_memory.arrays["text"].tobytes()


def test_engine_uses_index_and_rebuilds_when_stale(corpus, tmp_path, caplog):
    index_dir = tmp_path / "idx"
    first = Engine.load(corpus, index_dir=index_dir)
    assert (index_dir / "manifest.json").exists()
    mtime = (index_dir / "manifest.json").stat().st_mtime_ns
    again = Engine.load(corpus, index_dir=index_dir)  # served from disk, not rewritten
    assert (index_dir / "manifest.json").stat().st_mtime_ns == mtime
    assert again.answer("What flooded?") == first.answer("What flooded?")
    assert [s.date for s in again.sources()] == ["2024-01-02", None]
    assert again.sources() == Engine.load(corpus, index_dir=False).sources()
    # a changed article: the stale index is never served
    (corpus / "two.txt").write_text("Volcanoes erupted near the airport.\n", "utf-8")
    with pytest.raises(StaleIndexError):
        store.load(index_dir, Settings(), store.fingerprint(corpus, Settings()))
    with caplog.at_level(logging.INFO, logger="retrieval.store"):
        fresh = Engine.load(corpus, index_dir=index_dir)
    assert "stale" in caplog.text
    assert fresh.answer("What erupted?").quotes[0].hit.text == "Volcanoes erupted near the airport."
    store.load(index_dir, Settings(), store.fingerprint(corpus, Settings()))  # rewritten
    # other BM25 settings: stale too
    with pytest.raises(StaleIndexError):
        store.load(index_dir, Settings(k1=1.2), store.fingerprint(corpus, Settings(k1=1.2)))


def _damage(path, how):
    data = bytearray(path.read_bytes())
    if how == "truncate":
        path.write_bytes(bytes(data[: len(data) // 2]))
    elif how == "flip":
        data[-3] ^= 0x40
        path.write_bytes(bytes(data))
    elif how == "flip-header":
        data[20] ^= 0x01
        path.write_bytes(bytes(data))
    else:
        path.unlink()


@pytest.mark.parametrize(
    "file,how",
    [
        ("col_weights.npy", "flip"),
        ("col_weights.npy", "truncate"),
        ("text.npy", "flip"),
        ("text.npy", "truncate"),
        ("row_tf.npy", "flip-header"),
        ("doc.npy", "delete"),
        ("vocabulary.txt", "flip"),
        ("vocabulary.txt", "truncate"),
        ("manifest.json", "flip"),
        ("manifest.json", "truncate"),
    ],
)
def test_damaged_index_is_detected_reported_and_rebuilt(corpus, tmp_path, caplog, file, how):
    index_dir = tmp_path / "idx"
    good = Engine.load(corpus, index_dir=index_dir)
    _damage(index_dir / file, how)
    fp = store.fingerprint(corpus, Settings())
    with pytest.raises(IndexFileError) as info:
        store.load(index_dir, Settings(), fp)
    assert not isinstance(info.value, (MissingIndexError, StaleIndexError))
    with caplog.at_level(logging.WARNING, logger="retrieval.store"):
        rebuilt = Engine.load(corpus, index_dir=index_dir)
    assert "damaged index" in caplog.text
    assert rebuilt.answer("Who inspected the bridge?") == good.answer("Who inspected the bridge?")
    store.load(index_dir, Settings(), fp)  # whole again


def test_manifest_edit_that_stays_valid_json_is_detected(corpus, tmp_path):
    index_dir = tmp_path / "idx"
    store.save(build_corpus_index(corpus), index_dir, store.fingerprint(corpus, Settings()))
    manifest = json.loads((index_dir / "manifest.json").read_text("utf-8"))
    manifest["documents"]["titles"][0] = "Tampered"
    (index_dir / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    with pytest.raises(IndexFileError, match="checksum"):
        store.read_manifest(index_dir)


def test_missing_index(tmp_path):
    with pytest.raises(MissingIndexError):
        store.load(tmp_path)


def test_unwritable_index_dir_still_answers(corpus, tmp_path, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with caplog.at_level(logging.WARNING, logger="retrieval.store"):
        engine = Engine.load(corpus, index_dir=blocker / "idx")
    assert "could not write" in caplog.text
    assert engine.answer("Who inspected the bridge?").answered


def test_build_command(corpus, tmp_path, capsys):
    assert build_main([str(corpus), "--index-dir", str(tmp_path / "idx")]) == 0
    assert "indexed 5 sentences" in capsys.readouterr().err
    store.load(tmp_path / "idx", Settings(), store.fingerprint(corpus, Settings()))
    assert build_main([str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("build: error: corpus directory") and err.count("\n") == 1


def test_default_location_is_inside_the_corpus(corpus):
    Engine.load(corpus)
    assert (corpus / ".index" / "manifest.json").exists()
    assert [a.doc_id for a in load_articles(corpus)] == ["one", "two"]  # .index is not an article
