"""Every way a persisted index can be unusable gets its exact message (issue 17, item 4):
an older format (the upgrade path), each manifest structure check, array files that
cannot be read or whose header is wrong, the vocabulary file, the build command's write
and corpus errors, signals during a build, and the fallbacks of load_or_build."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import numpy as np
import pytest

from retrieval import Engine, Settings, store
from retrieval import build as build_module
from retrieval.build import build_corpus_index, main as build_main, terminate_as_exit
from retrieval.errors import IndexDirError, IndexFileError, MissingIndexError, StaleIndexError, Terminated
from retrieval.persist import load_or_build
from retrieval.store_manifest import INDEX_FORMAT, manifest_checksum

from .support import ROOT, write_corpus

ARTICLES = {
    "one.md": "Minister Andrei Belousov met the envoy. The river flooded the old town.\n",
    "two.txt": "Engineers inspected the bridge on Monday. It held.\n",
}


@pytest.fixture()
def corpus(tmp_path):
    return write_corpus(tmp_path / "corpus", ARTICLES)


@pytest.fixture()
def index_dir(corpus, tmp_path):
    directory = tmp_path / "idx"
    store.save(build_corpus_index(corpus), directory, store.fingerprint(corpus, Settings()))
    return directory


def manifest_of(index_dir: Path) -> dict:
    return json.loads((index_dir / "manifest.json").read_text("utf-8"))


def write_manifest(index_dir: Path, manifest: dict, *, checksum: bool = True) -> None:
    if checksum:
        manifest["manifest_sha256"] = manifest_checksum(manifest)
    (index_dir / "manifest.json").write_text(json.dumps(manifest), "utf-8")


def rewrite(index_dir: Path, change) -> None:
    manifest = manifest_of(index_dir)
    change(manifest)
    write_manifest(index_dir, manifest)


def replace_file(index_dir: Path, name: str, data: bytes) -> None:
    """Put ``data`` in the index file ``name`` and record its true size and checksum in
    the manifest, so that only what comes after those checks can object."""
    (index_dir / name).write_bytes(data)
    manifest = manifest_of(index_dir)
    info = manifest["vocabulary"] if name == "vocabulary.txt" else manifest["arrays"][name[: -len(".npy")]]
    info.update(bytes=len(data), sha256=hashlib.sha256(data).hexdigest())
    write_manifest(index_dir, manifest)


# ------------------------------------------------------------------ the upgrade path
def test_an_index_of_an_older_format_is_stale_and_rebuilt(corpus, tmp_path, caplog):
    index_dir = tmp_path / "idx"
    Engine.load(corpus, index_dir=index_dir)
    rewrite(index_dir, lambda m: m.update(format="newsqa-sparse-index-1"))
    with pytest.raises(StaleIndexError) as info:
        store.read_manifest(index_dir)
    assert str(info.value) == f"index in {index_dir} has the older format newsqa-sparse-index-1"
    with caplog.at_level(logging.INFO, logger="retrieval.store"):
        engine = Engine.load(corpus, index_dir=index_dir)
    assert caplog.messages == [f"index in {index_dir} has the older format newsqa-sparse-index-1; rebuilding"]
    assert manifest_of(index_dir)["format"] == INDEX_FORMAT
    assert engine.answer("Who inspected the bridge?").answered


# ------------------------------------------------------------------ the manifest
def _first_doc(m: dict, column: str, value) -> None:
    m["documents"][column][0] = value


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda m: m.update(file_stats="x"), "'file_stats' is not a list"),
        (lambda m: m.update(size=0), "'size' is not a positive whole number"),
        (lambda m: m.update(size=True), "'size' is not a positive whole number"),
        (lambda m: m.update(terms=-1), "'terms' is not a whole number"),
        (lambda m: m.update(average_length=0), "'average_length' is not a positive number"),
        (lambda m: m.update(average_length="5"), "'average_length' is not a positive number"),
        (lambda m: m.update(documents=[]), "'documents' is not a table"),
        (lambda m: m["documents"]["titles"].append("x"), "'documents' columns differ in length"),
        (lambda m: _first_doc(m, "titles", 7), "'documents' ids and titles must be strings"),
        (lambda m: _first_doc(m, "dates", 2024), "'documents' dates, sources and paths must be strings or null"),
        (lambda m: _first_doc(m, "ids", m["documents"]["ids"][1]), "'documents' ids repeat"),
        (lambda m: m.update(sections=[1]), "'sections' is not a list of strings"),
        (lambda m: m.update(arrays=[]), "'arrays' is not a table"),
        (lambda m: m["arrays"]["doc"].update(dtype="<f2"), "'arrays' entry 'doc' has an invalid dtype or shape"),
        (lambda m: m["arrays"]["doc"].update(shape=[1, 2]), "'arrays' entry 'doc' has an invalid dtype or shape"),
        (lambda m: m["arrays"]["doc"].update(sha256="x"), "'arrays' entry 'doc' has an invalid size or checksum"),
        (lambda m: m["arrays"]["idf"].update(shape=[1]), "'arrays' entry 'idf' has 1 values, expected {terms}"),
        (lambda m: m["vocabulary"].update(file="../one.md"), "'vocabulary' entry is invalid"),
    ],
)
def test_each_manifest_structure_check_names_its_problem(index_dir, change, problem):
    terms = manifest_of(index_dir)["terms"]
    rewrite(index_dir, change)
    with pytest.raises(IndexFileError) as info:
        store.read_manifest(index_dir)
    assert str(info.value) == f"{index_dir / 'manifest.json'}: {problem.format(terms=terms)}"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"[1, 2]", "not a newsqa-sparse-index-2 manifest"),
        (b'{"format": "something-else-1"}', "not a newsqa-sparse-index-2 manifest"),
        (b'{"format": 2}', "not a newsqa-sparse-index-2 manifest"),
        (b"{", "not valid JSON (Expecting property name enclosed in double quotes: line 1 column 2 (char 1))"),
        (b'{"format": "\xff"}', "unreadable ('utf-8' codec can't decode byte 0xff in position 12: invalid start byte)"),
    ],
)
def test_a_manifest_that_is_not_ours_is_damage(index_dir, content, problem):
    (index_dir / "manifest.json").write_bytes(content)
    with pytest.raises(IndexFileError) as info:
        store.read_manifest(index_dir)
    assert type(info.value) is IndexFileError
    assert str(info.value) == f"{index_dir / 'manifest.json'}: {problem}"


def test_an_empty_directory_holds_no_index(tmp_path):
    with pytest.raises(MissingIndexError) as info:
        store.read_manifest(tmp_path)
    assert str(info.value) == f"no index in {tmp_path} (no manifest.json)"


# ------------------------------------------------------------------ the arrays
def _npy(array: np.ndarray, version=(1, 0)) -> bytes:
    import io

    out = io.BytesIO()
    np.lib.format.write_array(out, array, version=version)
    return out.getvalue()


def test_an_array_file_with_a_garbage_header_is_unreadable(index_dir):
    size = (index_dir / "doc.npy").stat().st_size
    replace_file(index_dir, "doc.npy", b"\x00" * size)
    with pytest.raises(IndexFileError) as info:
        store.load(index_dir)
    assert str(info.value) == f"{index_dir / 'doc.npy'}: unreadable header (ValueError)"


def test_an_array_file_of_another_npy_version_is_unreadable(index_dir):
    doc = np.load(index_dir / "doc.npy")
    replace_file(index_dir, "doc.npy", _npy(doc, version=(2, 0)))
    with pytest.raises(IndexFileError) as info:
        store.load(index_dir)
    assert str(info.value) == f"{index_dir / 'doc.npy'}: unreadable header (ValueError)"


def test_an_array_header_that_differs_from_the_manifest_is_caught(index_dir):
    doc = np.load(index_dir / "doc.npy")
    assert doc.dtype == np.uint8
    replace_file(index_dir, "doc.npy", _npy(doc.astype(np.int8)))  # same size, another dtype
    with pytest.raises(IndexFileError) as info:
        store.load(index_dir)
    assert str(info.value) == f"{index_dir / 'doc.npy'}: header altered (dtype/shape differ from the manifest)"


def test_a_missing_array_file_is_named(index_dir):
    (index_dir / "idf.npy").unlink()
    with pytest.raises(IndexFileError) as info:
        store.load(index_dir)
    assert str(info.value) == f"{index_dir / 'idf.npy'}: missing"


def test_an_array_file_that_cannot_be_read_is_named(index_dir):
    (index_dir / "idf.npy").unlink()
    (index_dir / "idf.npy").symlink_to("idf.npy")  # a loop: stat fails with ELOOP
    with pytest.raises(IndexFileError) as info:
        store.load(index_dir)
    assert str(info.value) == f"{index_dir / 'idf.npy'}: unreadable (Too many levels of symbolic links)"


# ------------------------------------------------------------------ the vocabulary
def test_vocabulary_problems_are_named(index_dir):
    path = index_dir / "vocabulary.txt"
    good = path.read_bytes()

    def load_error() -> str:
        with pytest.raises(IndexFileError) as info:
            store.load(index_dir)
        return str(info.value)

    path.write_bytes(good[:-1])
    assert load_error() == f"{path}: truncated or extended"
    path.write_bytes(good[:-1] + b"#")
    assert load_error() == f"{path}: truncated or altered"
    path.unlink()
    assert load_error() == f"{path}: missing"
    path.symlink_to("vocabulary.txt")
    assert load_error() == f"{path}: unreadable (Too many levels of symbolic links)"
    path.unlink()
    replace_file(index_dir, "vocabulary.txt", good + b"\xff")
    assert load_error().startswith(f"{path}: not UTF-8 ('utf-8' codec can't decode byte 0xff in position ")
    replace_file(index_dir, "vocabulary.txt", good + b"\nextra")
    assert load_error() == f"{path}: term count differs from the manifest"


def test_an_index_built_with_other_bm25_settings_is_stale(index_dir):
    with pytest.raises(StaleIndexError) as info:
        store.load(index_dir, Settings(k1=1.2))
    assert str(info.value) == f"index in {index_dir} was built with other BM25 settings"


# ------------------------------------------------------------------ where to write
def test_refusals_name_the_reason(corpus, tmp_path, monkeypatch):
    with pytest.raises(IndexDirError) as info:
        store.check_target("  ")
    assert str(info.value) == "the index directory is empty: give a directory path"
    with pytest.raises(IndexDirError) as info:
        store.check_target("/")
    assert str(info.value) == "refusing to use / as the index directory: it is the root directory; nothing was changed"
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    with pytest.raises(IndexDirError) as info:
        store.check_target(loop / "idx")
    assert str(info.value).startswith(f"refusing to use {loop / 'idx'} as the index directory: it cannot be resolved (")
    monkeypatch.chdir(tmp_path)
    assert store.check_target(tmp_path / "new") == tmp_path / "new"


def test_an_unlistable_directory_is_refused(tmp_path, monkeypatch):
    target = tmp_path / "idx"
    target.mkdir()
    real = os.listdir

    def deny(path):
        if Path(path) == target:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "listdir", deny)
    with pytest.raises(IndexDirError) as info:
        store.check_target(target)
    assert str(info.value) == (
        f"refusing to use {target} as the index directory: cannot list it (Permission denied); nothing was changed"
    )


def test_a_directory_with_only_our_marker_is_ours(tmp_path):
    target = tmp_path / "idx"
    target.mkdir()
    (target / ".newsqa-index").write_text(INDEX_FORMAT + "\n")
    (target / "manifest.json").write_text("{")  # a lost or broken manifest
    assert store.check_target(target) == target


def test_a_save_that_fails_leaves_no_temporary_directory(corpus, tmp_path, monkeypatch):
    index = build_corpus_index(corpus)
    real = store._write_npy

    def fail_on_idf(path, *args):
        if path.name == "idf.npy":
            raise OSError(28, "No space left on device")
        return real(path, *args)

    monkeypatch.setattr(store, "_write_npy", fail_on_idf)
    with pytest.raises(OSError, match="No space left on device"):
        store.save(index, tmp_path / "idx", store.fingerprint(corpus, Settings()))
    assert sorted(os.listdir(tmp_path)) == ["corpus"]


# ------------------------------------------------------------------ the build command
def test_the_build_command_names_a_place_it_cannot_write(corpus, tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    target = tmp_path / "file" / "idx"
    assert build_main([str(corpus), "--index-dir", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.splitlines()[-1] == f"build: error: could not write the index to {target}: File exists"


def test_the_build_command_names_corpus_errors(tmp_path, capsys):
    corpus = write_corpus(tmp_path / "c", {"a.txt": "", "b.txt": "Fine."})
    assert build_main([str(corpus), "--index-dir", str(tmp_path / "idx")]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"build: error: {corpus / 'a.txt'}: no text to index (the file is empty)"
    )
    assert build_main([str(tmp_path / "gone")]) == 2
    assert capsys.readouterr().err == f"build: error: corpus directory {tmp_path / 'gone'} does not exist\n"


def test_the_build_command_names_an_os_error_with_its_file(corpus, tmp_path, capsys, monkeypatch):
    missing = tmp_path / "no-tmp"
    monkeypatch.setattr(tempfile, "tempdir", str(missing))  # $TMPDIR gone: the text cannot spill
    assert build_main([str(corpus), "--index-dir", str(tmp_path / "idx")]) == 2
    last = capsys.readouterr().err.splitlines()[-1]
    assert last.startswith(f"build: error: No such file or directory: {missing}/newsqa-index-text-")


@pytest.mark.parametrize(("signum", "code", "line"), [(signal.SIGTERM, 143, "terminated"), (signal.SIGINT, 130, "interrupted")])
def test_the_build_command_stops_cleanly_on_a_signal(corpus, tmp_path, capsys, monkeypatch, signum, code, line):
    monkeypatch.setattr(sys, "unraisablehook", sys.unraisablehook)  # main() silences it: restored after
    real = build_module.analyze_article

    def signalled(path):
        signal.raise_signal(signum)
        return real(path)

    monkeypatch.setattr(build_module, "analyze_article", signalled)
    assert build_main([str(corpus), "--index-dir", str(tmp_path / "idx"), "--workers", "1"]) == code
    assert capsys.readouterr().err.splitlines()[-1] == f"build: {line}"
    assert sorted(os.listdir(tmp_path)) == ["corpus"]
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_terminate_as_exit_raises_and_restores():
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(Terminated) as info:
        with terminate_as_exit():
            signal.raise_signal(signal.SIGTERM)
    assert info.value.code == 143
    assert signal.getsignal(signal.SIGTERM) is before


def test_terminate_as_exit_leaves_an_ignored_sigterm_and_other_threads_alone():
    previous = signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        with terminate_as_exit():
            assert signal.getsignal(signal.SIGTERM) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGTERM, previous)
    seen = []

    def in_a_thread():
        with terminate_as_exit():
            seen.append(signal.getsignal(signal.SIGTERM))

    thread = threading.Thread(target=in_a_thread)
    thread.start()
    thread.join()
    assert seen == [previous]


# ------------------------------------------------------------------ load_or_build's fallbacks
def test_unwritable_everywhere_still_answers_and_says_why(corpus, tmp_path, monkeypatch, caplog):
    (corpus / ".index").symlink_to("/proc/nowhere/idx")  # the default place cannot be made
    monkeypatch.setenv("XDG_CACHE_HOME", "/proc/nowhere/cache")  # nor the user cache (nor a lock)
    kept = store.cache_index_dir(corpus)
    with caplog.at_level(logging.WARNING, logger="retrieval.store"):
        index = load_or_build(corpus)
    assert caplog.messages == [
        f"could not write the index to {corpus / '.index'} (No such file or directory) nor to {kept} "
        "(No such file or directory): it is rebuilt on every start"
    ]
    assert index.size == 4


def test_an_unwritable_default_falls_back_to_the_cache_once(corpus, tmp_path, caplog):
    (corpus / ".index").symlink_to("/proc/nowhere/idx")
    kept = store.cache_index_dir(corpus)
    with caplog.at_level(logging.WARNING, logger="retrieval.store"):
        load_or_build(corpus)
        load_or_build(corpus)
    assert caplog.messages == [
        f"cannot write the index to {corpus / '.index'} (No such file or directory); keeping it in {kept} instead"
    ]
    assert (kept / "manifest.json").is_file()


def test_a_build_waits_for_another_process_then_loads_its_index(corpus, tmp_path):
    directory = tmp_path / "idx"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from filelock import FileLock; lock = FileLock(sys.argv[1]); "
         "lock.acquire(); print('held', flush=True); sys.stdin.read()", str(store.lock_path(directory))],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert holder.stdout.readline() == "held\n"
    waiting = threading.Event()

    class Notice(logging.Handler):
        def emit(self, record):
            self.message = record.getMessage()
            waiting.set()

    notice = Notice(logging.WARNING)
    logger = logging.getLogger("retrieval.store")
    logger.addHandler(notice)
    result = {}
    thread = threading.Thread(target=lambda: result.update(index=load_or_build(corpus, index_dir=directory)))
    try:
        thread.start()
        assert waiting.wait(60)
        store.save(build_corpus_index(corpus), directory, store.fingerprint(corpus, Settings()))
        inode = (directory / "manifest.json").stat().st_ino
        holder.communicate("", timeout=60)  # the other process is done: releases the lock
        thread.join(60)
    finally:
        logger.removeHandler(notice)
        holder.kill()
    assert notice.message == f"another process is building the index of {corpus}; waiting for it"
    assert result["index"].size == 4
    assert (directory / "manifest.json").stat().st_ino == inode  # loaded, not built again


# ------------------------------------------------------------------ the corpus vanishing
def test_a_corpus_directory_that_vanishes_while_loading_is_one_error(corpus, tmp_path, monkeypatch):
    import shutil

    from retrieval import persist
    from retrieval.errors import CorpusError

    real = persist.build_corpus_index

    def vanish_then_build(corpus_dir, *args, **kwargs):
        shutil.rmtree(corpus_dir)  # after the checks and the fingerprint, before the build
        return real(corpus_dir, *args, **kwargs)

    monkeypatch.setattr(persist, "build_corpus_index", vanish_then_build)
    with pytest.raises(CorpusError) as info:
        Engine.load(corpus, index_dir=tmp_path / "idx")
    assert str(info.value) == f"corpus directory {corpus} does not exist"
    assert sorted(os.listdir(tmp_path)) == []  # nothing written


def test_a_corpus_directory_that_vanishes_after_loading_is_one_error(corpus, tmp_path):
    import shutil

    from retrieval.errors import CorpusError

    engine = Engine.load(corpus, index_dir=tmp_path / "idx")
    shutil.rmtree(corpus)
    assert [s.doc_id for s in engine.sources()] == ["one", "two"]  # from the index's document table
    assert engine.answer("Who inspected the bridge?").answered
    with pytest.raises(CorpusError) as info:
        engine.articles  # read from the corpus on first use
    assert str(info.value) == f"corpus directory {corpus} does not exist"


def test_a_vanished_current_directory_does_not_block_a_save(corpus, tmp_path, monkeypatch):
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()  # the shell's current directory was deleted meanwhile
    assert store.check_target(tmp_path / "idx", corpus) == tmp_path / "idx"


def test_no_temporaries_are_removed_from_a_directory_that_cannot_be_listed(tmp_path):
    assert store.remove_stale_temporaries(tmp_path / "missing", "idx") == []
