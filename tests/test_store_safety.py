"""The index directory never harms other data; staleness by content; any damage is
rebuilt; Ctrl-C and killed saves leave nothing behind; bad corpus files in one error."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.repl import main as ask_main
from retrieval import Engine, Settings, store
from retrieval.build import build_corpus_index, main as build_main
from retrieval.corpus import load_articles
from retrieval.persist import load_or_build
from retrieval.store_fingerprint import RACY_NS
from retrieval.store_manifest import manifest_checksum
from retrieval.errors import CorpusError, IndexDirError, IndexFileError, StaleIndexError

from .support import ROOT, write_corpus

ARTICLES = {
    "one.md": "Minister Andrei Belousov met the envoy. The river flooded the old town.\n",
    "two.txt": "Engineers inspected the bridge on Monday. It held.\n",
}


@pytest.fixture()
def corpus(tmp_path):
    return write_corpus(tmp_path / "corpus", ARTICLES)


def tree(path: Path) -> dict:
    """Every file under ``path`` with its bytes (to prove nothing changed)."""
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def ask(capsys, monkeypatch, corpus, index_dir, question="Who inspected the bridge?"):
    monkeypatch.setenv("ASK_INDEX_DIR", str(index_dir))
    code = ask_main(["--corpus", str(corpus), question])
    out, err = capsys.readouterr()
    return code, out, err


# ------------------------------------------------------------------ 1, 4: refusals
def test_a_directory_of_user_data_is_refused_and_left_alone(corpus, tmp_path, capsys, monkeypatch):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.txt").write_text("years of work")
    before = tree(tmp_path)
    code, out, err = ask(capsys, monkeypatch, corpus, precious)
    assert (code, out) == (2, "")
    assert err == (
        f"ask: error: refusing to use {precious} as the index directory: it is a directory that is not "
        "empty and is not a newsqa index (no manifest.json or .newsqa-index of ours); nothing was changed\n"
    )
    assert tree(tmp_path) == before and sorted(os.listdir(tmp_path)) == ["corpus", "precious"]
    with pytest.raises(IndexDirError):  # save itself refuses too
        store.save(build_corpus_index(corpus), precious, store.fingerprint(corpus, Settings()))
    assert tree(tmp_path) == before and sorted(os.listdir(tmp_path)) == ["corpus", "precious"]


@pytest.mark.parametrize("kind", ["file", "devnull"])
def test_an_existing_file_is_refused_and_left_alone(corpus, tmp_path, capsys, monkeypatch, kind):
    if kind == "devnull":
        target = Path(os.devnull)
        if not target.exists():
            pytest.skip("no /dev/null")
    else:
        target = tmp_path / "notes.txt"
        target.write_text("keep me")
    code, _, err = ask(capsys, monkeypatch, corpus, target)
    assert code == 2
    assert err == f"ask: error: refusing to use {target} as the index directory: it exists and is not a directory; nothing was changed\n"
    if kind == "devnull":
        assert stat.S_ISCHR(os.stat(os.devnull).st_mode)
    else:
        assert target.read_text() == "keep me" and sorted(os.listdir(tmp_path)) == ["corpus", "notes.txt"]


@pytest.mark.parametrize(
    "where,why",
    [
        ("corpus", "it is the corpus directory"),
        (".", "it contains the corpus directory"),
        ("corpus/sub", "it is inside the corpus directory (only the default CORPUS/.index may be)"),
    ],
)
def test_an_index_overlapping_the_corpus_is_refused(corpus, tmp_path, where, why):
    before = tree(tmp_path)
    target = tmp_path / where
    with pytest.raises(IndexDirError) as info:
        Engine.load(corpus, index_dir=target)
    assert str(info.value) == f"refusing to use {target} as the index directory: {why}; nothing was changed"
    assert tree(tmp_path) == before
    assert sorted(os.listdir(corpus)) == ["one.md", "two.txt"]


def test_empty_directories_and_our_own_indexes_are_written(corpus, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    Engine.load(corpus, index_dir=empty)
    assert (empty / "manifest.json").is_file() and (empty / ".newsqa-index").is_file()
    (corpus / "two.txt").write_text("Volcanoes erupted near the airport.\n")
    assert Engine.load(corpus, index_dir=empty).answer("What erupted?").answered  # stale: replaced
    Engine.load(corpus)  # the default <corpus>/.index is allowed inside the corpus
    assert sorted(os.listdir(corpus)) == [".index", "one.md", "two.txt"]
    assert sorted(os.listdir(tmp_path)) == ["corpus", "empty"]  # no .old-/.tmp- left


def test_build_command_index_dir_checks(corpus, tmp_path, capsys, monkeypatch):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.txt").write_text("x")
    monkeypatch.chdir(tmp_path)
    cases = {
        "off": "build: error: --index-dir off: the build command writes an index, it cannot be off "
        "(for a directory of that name, write ./off)\n",
        "": "build: error: --index-dir needs a directory\n",
        ".": "build: error: refusing to use . as the index directory: it is the current directory or "
        "contains it; nothing was changed\n",
        str(precious): f"build: error: refusing to use {precious} as the index directory: it is a directory "
        "that is not empty and is not a newsqa index (no manifest.json or .newsqa-index of ours); nothing was changed\n",
        str(corpus): f"build: error: refusing to use {corpus} as the index directory: it is the corpus "
        "directory; nothing was changed\n",
    }
    for value, message in cases.items():
        assert build_main([str(corpus), "--index-dir", value]) == 2
        assert capsys.readouterr().err == message
    assert sorted(os.listdir(tmp_path)) == ["corpus", "precious"] and tree(precious) == {"thesis.txt": b"x"}
    assert build_main([str(corpus), "--index-dir", "./off"]) == 0
    assert (tmp_path / "off" / "manifest.json").is_file()


def test_unwritable_index_dir_names_only_the_users_path(corpus, caplog):
    if not Path("/proc/self").exists():
        pytest.skip("needs /proc")
    with caplog.at_level(logging.WARNING, logger="retrieval.store"):
        engine = Engine.load(corpus, index_dir="/proc/x")
    assert caplog.messages == [
        "could not write the index to /proc/x: No such file or directory; it is rebuilt on every start "
        "(choose a writable index directory)"
    ]
    assert engine.answer("Who inspected the bridge?").answered


# ------------------------------------------------------------------ 2: staleness by content
def test_same_size_edit_with_the_old_mtime_is_stale(corpus, tmp_path):
    index_dir = tmp_path / "idx"
    assert "Belousov" in Engine.load(corpus, index_dir=index_dir).answer("Who met the envoy?").quotes[0].hit.text
    path = corpus / "one.md"
    before = path.stat()
    path.write_text(path.read_text().replace("Belousov", "Belouzov"))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # touch -r
    assert path.stat().st_size == before.st_size and path.stat().st_mtime_ns == before.st_mtime_ns
    with pytest.raises(StaleIndexError, match=r"\(files changed\)"):
        store.load(index_dir, Settings(), store.fingerprint(corpus, Settings()))
    assert "Belouzov" in Engine.load(corpus, index_dir=index_dir).answer("Who met the envoy?").quotes[0].hit.text


def _stat_row(path: Path) -> list:
    st = path.stat()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return [path.name, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev, digest]


def _newest_change(corpus: Path) -> int:
    return max(max(p.stat().st_mtime_ns, p.stat().st_ctime_ns) for p in corpus.iterdir())


def test_digests_are_cached_by_full_stat_including_ctime(corpus):
    later = _newest_change(corpus) + RACY_NS + 1  # a clock past the racy window
    stats: list = []
    first = store.fingerprint(corpus, Settings(), stats=stats, clock=lambda: later)
    assert stats == [_stat_row(corpus / "one.md"), _stat_row(corpus / "two.txt")]
    # a cached digest is used as is: a wrong one shows that the file was not read again
    cached = [row[:6] + ["0" * 64] for row in stats]
    again = store.fingerprint(corpus, Settings(), cache=cached, clock=lambda: later)
    assert again["files"] == [["one.md", stats[0][1], "0" * 64], ["two.txt", stats[1][1], "0" * 64]]
    path = corpus / "one.md"
    before = path.stat()
    path.write_text(path.read_text().replace("Belousov", "Belouzov"))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # cannot restore the ctime
    assert path.stat().st_ctime_ns != before.st_ctime_ns
    edited = store.fingerprint(corpus, Settings(), cache=cached, clock=lambda: later)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert edited["files"] == [["one.md", before.st_size, digest], ["two.txt", stats[1][1], "0" * 64]]
    assert edited != first


def test_recently_changed_files_are_not_cached(corpus):
    oldest = min(max(p.stat().st_mtime_ns, p.stat().st_ctime_ns) for p in corpus.iterdir())
    stats: list = []
    store.fingerprint(corpus, Settings(), stats=stats, clock=lambda: oldest + RACY_NS)
    assert stats == []  # each changed within the racy window: "racily clean", not cached
    store.fingerprint(corpus, Settings(), stats=stats, clock=lambda: _newest_change(corpus) + RACY_NS + 1)
    assert [row[0] for row in stats] == ["one.md", "two.txt"]


def test_the_racy_window_is_measured_from_the_ctime_too(corpus):
    path = corpus / "one.md"
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns - 10 * RACY_NS))  # an old mtime, a new ctime
    ctime = path.stat().st_ctime_ns
    stats: list = []
    store.fingerprint(corpus, Settings(), stats=stats, clock=lambda: ctime + RACY_NS)
    assert "one.md" not in [row[0] for row in stats]


# ------------------------------------------------------------------ 3, 7: damage
def _edit_header(path: Path) -> None:
    data = path.read_bytes()
    old = data[: data.index(b"}") + 1]
    new = old.replace(old[old.index(b"(") : old.index(b")") + 1], b"(999999999999,)")
    path.write_bytes(new + data[len(old) :])


def _rewrite_manifest(index_dir: Path, change) -> None:
    manifest = json.loads((index_dir / "manifest.json").read_text("utf-8"))
    change(manifest)
    manifest["manifest_sha256"] = manifest_checksum(manifest)
    (index_dir / "manifest.json").write_text(json.dumps(manifest), "utf-8")


@pytest.mark.parametrize(
    "damage,message",
    [
        (lambda d: (d / "row_tf.npy").write_bytes(_flip(d / "row_tf.npy", 10)), "row_tf.npy: checksum mismatch (the file was altered)"),
        (lambda d: _edit_header(d / "row_tf.npy"), "row_tf.npy: truncated or extended"),
        (lambda d: _rewrite_manifest(d, lambda m: m.update(fingerprint="x")), "manifest.json: 'fingerprint' is not a fingerprint"),
        (lambda d: _rewrite_manifest(d, lambda m: m["documents"].update(ids=[])), "manifest.json: 'documents' lacks a column or has no document"),
        (lambda d: _rewrite_manifest(d, lambda m: m["arrays"]["row_tf"].update(shape=[999999999999])), "its shape does not fit in its size"),
        (lambda d: _rewrite_manifest(d, lambda m: m["arrays"]["doc"].update(file="../one.md")), "'doc' is missing or names another file"),
        (lambda d: (d / "manifest.json").unlink(), "manifest.json: missing (the other index files are there)"),
    ],
)
def test_any_damage_is_reported_and_rebuilt(corpus, tmp_path, caplog, damage, message):
    index_dir = tmp_path / "idx"
    Engine.load(corpus, index_dir=index_dir)
    damage(index_dir)
    with pytest.raises(IndexFileError) as info:
        store.load(index_dir, Settings(), store.fingerprint(corpus, Settings()))
    assert message in str(info.value)
    with caplog.at_level(logging.WARNING, logger="retrieval.store"):
        engine = Engine.load(corpus, index_dir=index_dir)
    assert len(caplog.messages) == 1
    assert caplog.messages[0].startswith("damaged index: ") and message in caplog.messages[0]
    assert caplog.messages[0].endswith("; rebuilding")
    assert engine.answer("Who inspected the bridge?").answered
    store.load(index_dir, Settings(), store.fingerprint(corpus, Settings()))  # whole again


def _flip(path: Path, at: int) -> bytes:
    data = bytearray(path.read_bytes())
    data[at] ^= 0xFF
    return bytes(data)


def test_a_flipped_header_byte_is_caught_before_parsing(corpus, tmp_path, monkeypatch):
    index_dir = tmp_path / "idx"
    Engine.load(corpus, index_dir=index_dir)
    (index_dir / "row_tf.npy").write_bytes(_flip(index_dir / "row_tf.npy", 10))

    real = np.lib.format.read_array_header_1_0

    def no_parsing(f, *args, **kwargs):
        assert not f.name.endswith("row_tf.npy"), "header parsed before the checksum was verified"
        return real(f, *args, **kwargs)

    monkeypatch.setattr(np.lib.format, "read_array_header_1_0", no_parsing)
    with pytest.raises(IndexFileError, match="checksum mismatch"):
        store.load(index_dir, Settings(), store.fingerprint(corpus, Settings()))


# ------------------------------------------------------------------ 6: killed saves
def test_temporaries_of_dead_processes_are_removed_on_save(corpus, tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)
    left = {
        f".idx.tmp-{pid}-1": ["row_tf.npy", "manifest.json"],  # killed mid-save: removed
        f".idx.old-{pid}-2": ["doc.npy"],  # killed between rename and delete: removed
        f".idx.tmp-{os.getpid()}-3": ["doc.npy"],  # a live process (us): kept
        f".idx.tmp-{pid}-4": ["thesis.txt"],  # not index files: kept
        f".other.tmp-{pid}-5": ["doc.npy"],  # another index's: kept
    }
    for name, files in left.items():
        (tmp_path / name).mkdir()
        for f in files:
            (tmp_path / name / f).write_bytes(b"x")
    Engine.load(corpus, index_dir=tmp_path / "idx")
    assert sorted(os.listdir(tmp_path)) == sorted(
        ["corpus", "idx", f".idx.tmp-{os.getpid()}-3", f".idx.tmp-{pid}-4", f".other.tmp-{pid}-5"]
    )


# ------------------------------------------------------------------ 5: Ctrl-C
INTERRUPT = """
import os, signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)
import retrieval.build as build
real = build.analyze_article
def interrupting(path):
    os.kill(os.getpid(), signal.SIGINT)   # a worker ignores Ctrl-C...
    os.kill(os.getppid(), signal.SIGINT)  # ...the parent stops the pool
    return real(path)
build.analyze_article = interrupting
build.PARALLEL_MIN_BYTES = 1
if sys.argv[1] == "build":
    sys.exit(build.main([sys.argv[2], "--workers", "2"]))
from bot.repl import main
sys.exit(main(["--corpus", sys.argv[2], "question"]))
"""


@pytest.mark.parametrize("command", ["build", "ask"])
def test_ctrl_c_during_a_parallel_build(corpus, tmp_path, command):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("ASK_INDEX_DIR", None)
    done = subprocess.run(
        [sys.executable, "-c", INTERRUPT, command, str(corpus)], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 130, done.stderr
    assert "Traceback" not in done.stderr and "ForkPoolWorker" not in done.stderr
    assert done.stdout == ""
    assert sorted(os.listdir(corpus)) == ["one.md", "two.txt"]  # no index, no temporary directory


# ------------------------------------------------------------------ 9: every bad file at once
def test_every_unusable_corpus_file_is_named_in_one_error(tmp_path):
    corpus = write_corpus(tmp_path / "c", {"good.txt": "A fine sentence."})
    for i in range(12):
        (corpus / f"bad{i:02}.txt").write_bytes(b"ok \xff\xfe")
    named = ", ".join(str(corpus / f"bad{i:02}.txt") for i in range(3))
    expected = (  # one reason: said once, three files named
        f"12 corpus files cannot be used: {named} and 9 more: "
        "each is not UTF-8 text (bad byte at offset 3); save it as UTF-8"
    )
    with pytest.raises(CorpusError) as info:
        load_articles(corpus)
    assert str(info.value) == expected
    for workers in (1, 2):
        with pytest.raises(CorpusError) as info:
            build_corpus_index(corpus, workers=workers)
        assert str(info.value) == expected


def test_two_unusable_files(tmp_path):
    corpus = write_corpus(tmp_path / "c", {"good.txt": "A fine sentence.", "open.md": "---\ntitle: x\n"})
    (corpus / "bin.txt").write_bytes(b"a\x00b")
    expected = (
        f"2 corpus files cannot be used: {corpus / 'bin.txt'} looks like a binary file (it contains NUL bytes); "
        f"{corpus / 'open.md'}: front matter opened with '---' is never closed by a '---' line"
    )
    with pytest.raises(CorpusError) as info:
        Engine.load(corpus, index_dir=False)
    assert str(info.value) == expected
    with pytest.raises(CorpusError) as info:
        Engine.load(corpus, index_dir=tmp_path / "idx")
    assert str(info.value) == expected


# ------------------------------------------------------------------ the corpus path is checked first
@pytest.fixture()
def default_index_dir(monkeypatch):
    """The product's default: the persisted index at ``<corpus>/.index``."""
    monkeypatch.delenv("ASK_INDEX_DIR", raising=False)


@pytest.mark.usefixtures("default_index_dir")
@pytest.mark.parametrize("kind", ["file", "missing"])
def test_a_corpus_path_that_is_no_directory_is_one_line(tmp_path, capsys, caplog, kind):
    path = tmp_path / "c"
    if kind == "file":
        path.write_text("not a directory\n")
        message = f"corpus path {path} is not a directory"
    else:
        message = f"corpus directory {path} does not exist (give the articles' directory with --corpus DIR or ASK_CORPUS)"
    with caplog.at_level(logging.INFO, logger="retrieval.store"):
        code = ask_main(["--corpus", str(path), "Who inspected the bridge?"])
    assert (code, *capsys.readouterr()) == (2, "", f"ask: error: {message}\n")
    assert caplog.records == []  # no "damaged index ...; rebuilding" before the error
    assert sorted(os.listdir(tmp_path)) == (["c"] if kind == "file" else [])


ASK = "import sys; from bot.repl import main; sys.exit(main(sys.argv[1:]))"
# root reads a mode-000 directory anyway: without these two capabilities it cannot
NO_OVERRIDE = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]


@pytest.mark.parametrize("mode", [0o000, 0o444], ids=["000", "444"])  # not listed nor entered; not entered
def test_an_unreadable_corpus_directory_is_one_line(corpus, mode):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("ASK_INDEX_DIR", None)  # the default: <corpus>/.index, inside the unreadable directory
    prefix = NO_OVERRIDE if os.geteuid() == 0 else []
    if prefix and shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: mode 000 does not apply")
    corpus.chmod(mode)
    try:
        done = subprocess.run(
            [*prefix, sys.executable, "-c", ASK, "--corpus", str(corpus), "Who inspected the bridge?"],
            capture_output=True, text=True, env=env, timeout=120,
        )
    finally:
        corpus.chmod(0o755)
    if "Operation not permitted" in done.stderr and done.returncode != 2:
        pytest.skip(f"cannot drop the capabilities here: {done.stderr.strip()}")
    assert (done.returncode, done.stdout, done.stderr) == (
        2, "", f"ask: error: cannot read corpus directory {corpus}: Permission denied\n"
    )
    assert sorted(os.listdir(corpus)) == ["one.md", "two.txt"]  # no index written


@pytest.mark.parametrize("index_dir", [None, "elsewhere"])
def test_load_or_build_checks_the_corpus_before_the_index(tmp_path, caplog, index_dir):
    corpus = tmp_path / "README.md"
    corpus.write_text("# not a corpus\n")
    with caplog.at_level(logging.INFO, logger="retrieval.store"):
        with pytest.raises(CorpusError) as info:
            load_or_build(corpus, index_dir=None if index_dir is None else tmp_path / index_dir)
    assert str(info.value) == f"corpus path {corpus} is not a directory"
    assert caplog.records == []
    assert sorted(os.listdir(tmp_path)) == ["README.md"]  # no index directory made


# ------------------------------------------------------------------ issue 14, items 2, 4, 7, 8
def test_a_file_name_that_is_not_utf8_is_indexed_and_reloaded(corpus, tmp_path, caplog):
    name = os.fsdecode(b"caf\xe9.txt")  # a Latin-1 name from a Windows zip: a surrogate
    (corpus / name).write_text("The cafe opened in Lisbon on Monday.\n")
    index_dir = tmp_path / "idx"
    first = Engine.load(corpus, index_dir=index_dir)
    assert first.answer("Where did the cafe open?").quotes[0].hit.citation.doc_id == "caf\udce9"
    manifest = (index_dir / "manifest.json").read_bytes()
    assert manifest.isascii() and b'"caf\\udce9.txt"' in manifest
    with caplog.at_level(logging.INFO, logger="retrieval.store"):
        again = Engine.load(corpus, index_dir=index_dir)
    assert caplog.records == []  # loaded, not rebuilt
    assert [s.doc_id for s in again.sources()] == ["caf\udce9", "one", "two"]


TERMINATE = """
import os, signal, sys
import retrieval.build as build
real = build.analyze_article
def terminating(path):
    os.kill(os.getppid(), signal.SIGTERM)  # `kill PID` of the parent, during the build
    return real(path)
build.analyze_article = terminating
build.PARALLEL_MIN_BYTES = 1
if sys.argv[1] == "build":
    sys.exit(build.main([sys.argv[2], "--workers", "2"]))
from bot.repl import main
sys.exit(main(["--corpus", sys.argv[2], "question"]))
"""


@pytest.mark.parametrize("command", ["build", "ask"])
def test_sigterm_during_a_parallel_build_is_clean(corpus, command):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("ASK_INDEX_DIR", None)
    done = subprocess.run(
        [sys.executable, "-c", TERMINATE, command, str(corpus)], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 143, done.stderr
    assert "Traceback" not in done.stderr and "ForkPoolWorker" not in done.stderr
    if command == "build":  # the progress bar, then one line (it may follow a bar cut short)
        assert done.stderr.endswith("build: terminated\n") and done.stderr.count("build:") == 1
        assert re.sub(r"indexing:[^\r\n]*?(?=[\r\n]|build:)", "", done.stderr).split() == ["build:", "terminated"]
    else:  # no progress bar off a terminal
        assert done.stderr == "ask: terminated\n"
    assert done.stdout == ""
    assert sorted(os.listdir(corpus)) == ["one.md", "two.txt"]  # no index, no temporary directory


def test_sigterm_is_restored_after_a_build(corpus):
    before = signal.getsignal(signal.SIGTERM)
    build_corpus_index(corpus)
    assert signal.getsignal(signal.SIGTERM) is before


def test_a_read_only_corpus_keeps_its_index_in_the_user_cache(corpus, tmp_path):
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: a read-only directory does not apply")
    prefix = NO_OVERRIDE if os.geteuid() == 0 else []
    cache = tmp_path / "cache"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_CACHE_HOME": str(cache)}
    env.pop("ASK_INDEX_DIR", None)
    corpus.chmod(0o555)
    try:
        runs = [
            subprocess.run(
                [*prefix, sys.executable, "-c", ASK, "--corpus", str(corpus), "Who inspected the bridge?"],
                capture_output=True, text=True, env=env, timeout=120,
            )
            for _ in range(2)
        ]
    finally:
        corpus.chmod(0o755)
    if "Operation not permitted" in runs[0].stderr and runs[0].returncode != 0:
        pytest.skip(f"cannot drop the capabilities here: {runs[0].stderr.strip()}")
    (kept,) = (cache / "newsqa" / "indexes").iterdir()
    assert kept.name.startswith("corpus-")
    assert runs[0].returncode == runs[1].returncode == 0
    assert "Engineers inspected the bridge on Monday." in runs[0].stdout
    assert runs[0].stdout == runs[1].stdout
    assert runs[0].stderr == (
        f"ask: cannot write the index to {corpus}/.index (Permission denied); keeping it in {kept} instead\n"
    )
    assert runs[1].stderr == ""  # said once; the second run loads it from the cache
    assert sorted(os.listdir(corpus)) == ["one.md", "two.txt"]


def test_the_cache_index_is_used_and_the_default_still_wins(corpus, tmp_path, caplog):
    kept = store.cache_index_dir(corpus)
    assert kept.parent == Path(os.environ["XDG_CACHE_HOME"]) / "newsqa" / "indexes"
    store.save(build_corpus_index(corpus), kept, store.fingerprint(corpus, Settings()))
    with caplog.at_level(logging.INFO, logger="retrieval.store"):
        load_or_build(corpus)
    assert caplog.records == [] and not (corpus / ".index").exists()  # served from the cache
    (corpus / "two.txt").write_text("Engineers repaired the bridge on Monday.\n")
    with caplog.at_level(logging.INFO, logger="retrieval.store"):
        index = load_or_build(corpus)  # stale everywhere: rebuilt where it belongs
    assert (corpus / ".index" / "manifest.json").is_file()
    assert caplog.messages == [f"index in {kept} is stale (files changed); rebuilding"]
    assert index.sentence(index.size - 1).text == "Engineers repaired the bridge on Monday."


def test_a_second_process_waits_for_the_first_ones_build(corpus, tmp_path):
    from filelock import FileLock

    index_dir = corpus / ".index"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("ASK_INDEX_DIR", None)
    with FileLock(store.lock_path(index_dir)):  # "another process" is building
        waiting = subprocess.Popen(
            [sys.executable, "-c", ASK, "--corpus", str(corpus), "Who inspected the bridge?"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )
        notice = waiting.stderr.readline()  # blocks until the waiter says it waits
        store.save(build_corpus_index(corpus), index_dir, store.fingerprint(corpus, Settings()))
        inode = (index_dir / "manifest.json").stat().st_ino
    out, err = waiting.communicate(timeout=120)
    assert notice == f"ask: another process is building the index of {corpus}; waiting for it\n"
    assert (waiting.returncode, err) == (0, "")
    assert "Engineers inspected the bridge on Monday." in out
    assert (index_dir / "manifest.json").stat().st_ino == inode  # loaded, not built again
