"""bot.watch: articles added, changed or removed while the front ends run."""

from __future__ import annotations

import shutil
import threading

import pytest
from watchfiles import Change

from bot.watch import (
    ArticleFilter,
    Library,
    LiveEngine,
    article_from_title,
    file_name_for_title,
    live_engine,
    watching,
)
from retrieval import CorpusError, Engine, Settings
from retrieval.corpus import load_articles

from .support import CORPUS

BRIDGE = (
    "---\ntitle: A bridge for Lowmoor\n---\n"
    "The new bridge over the river Lowe was opened by mayor Greta Hollis on Saturday.\n"
    "It cost 14 million pounds and took three years to build.\n"
)
BRIDGE_QUESTION = "Who opened the bridge over the river Lowe?"
BRIDGE_SENTENCE = "The new bridge over the river Lowe was opened by mayor Greta Hollis on Saturday."


@pytest.fixture
def corpus(tmp_path):
    directory = tmp_path / "corpus"
    shutil.copytree(CORPUS, directory)
    return directory


class Reports(list):
    """The report lines, with an event set at each one (to wait for the watcher)."""

    def __init__(self):
        super().__init__()
        self.arrived = threading.Condition()

    def __call__(self, line: str) -> None:
        with self.arrived:
            self.append(line)
            self.arrived.notify_all()

    def wait_for(self, count: int, timeout: float = 30.0) -> bool:
        with self.arrived:
            return self.arrived.wait_for(lambda: len(self) >= count, timeout)


def live(corpus, reports) -> LiveEngine:
    return live_engine(Engine.load(corpus, index_dir=False), corpus, Settings(), False, reports)


def first_quote(engine, question: str) -> str | None:
    result = engine.answer(question)
    return result.quotes[0].hit.text if result.answered else None


def test_refresh_serves_a_new_article_and_only_rebuilds_on_change(corpus):
    reports = Reports()
    engine = live(corpus, reports)
    before = engine.engine
    assert first_quote(engine, BRIDGE_QUESTION) is None
    assert engine.refresh() is False and engine.engine is before and reports == []
    (corpus / "bridge.md").write_text(BRIDGE, encoding="utf-8")
    assert engine.refresh() is True
    assert first_quote(engine, BRIDGE_QUESTION) == BRIDGE_SENTENCE
    assert reports == ["corpus reloaded: 2 articles, 25 sentences"]
    assert engine.refresh() is False  # nothing changed since


def test_a_broken_file_keeps_the_previous_engine_and_is_reported_as_at_start_up(corpus):
    reports = Reports()
    engine = live(corpus, reports)
    before = engine.engine
    (corpus / "broken.md").write_bytes(b"caf\xe9 au lait.\n")
    with pytest.raises(CorpusError) as start_up:
        load_articles(corpus)
    assert engine.refresh() is False
    assert engine.engine is before
    assert reports == [f"corpus change not served: {start_up.value}; still serving the previous 1 article"]
    assert engine.refresh() is False and len(reports) == 1  # the same broken state: not retried
    (corpus / "broken.md").write_text("Café au lait is served at the Lowmoor station.\n", encoding="utf-8")
    assert engine.refresh() is True
    assert first_quote(engine, "Where is café au lait served?") == "Café au lait is served at the Lowmoor station."


def test_article_filter_keeps_article_files_of_the_directory_only(corpus):
    keep = ArticleFilter(corpus)
    root = str(corpus.resolve())
    assert keep(Change.added, f"{root}/new.md")
    assert keep(Change.deleted, f"{root}/old.TXT")
    assert not keep(Change.added, f"{root}/.new.md.part")
    assert not keep(Change.added, f"{root}/notes.pdf")
    assert not keep(Change.modified, f"{root}/.index/manifest.json")
    assert not keep(Change.added, f"{root}/sub/new.md")


def test_watching_serves_an_article_dropped_into_the_directory(corpus):
    reports = Reports()
    engine = live(corpus, reports)
    with watching(engine, step_ms=20):
        assert first_quote(engine, BRIDGE_QUESTION) is None
        (corpus / ".bridge.tmp").write_text(BRIDGE, encoding="utf-8")  # hidden: ignored
        (corpus / ".bridge.tmp").rename(corpus / "bridge.md")  # lands whole
        assert reports.wait_for(1)
        assert first_quote(engine, BRIDGE_QUESTION) == BRIDGE_SENTENCE
        (corpus / "bridge.md").unlink()
        assert reports.wait_for(2)
        assert first_quote(engine, BRIDGE_QUESTION) is None
    assert reports == ["corpus reloaded: 2 articles, 25 sentences", "corpus reloaded: 1 article, 23 sentences"]


# ---------------------------------------------------------------- Library


def test_library_add_is_answerable_when_it_returns(corpus):
    engine = live(corpus, Reports())
    article, served = Library(engine).add("bridge.md", BRIDGE.encode())
    assert (article.doc_id, article.title, served) == ("bridge", "A bridge for Lowmoor", True)
    assert (corpus / "bridge.md").read_text(encoding="utf-8") == BRIDGE
    assert first_quote(engine, BRIDGE_QUESTION) == BRIDGE_SENTENCE
    assert not list(corpus.glob(".*part"))  # the temporary file is gone


@pytest.mark.parametrize(
    "data",
    [b"", b"\n\n", b"caf\xe9.\n", b"---\ntitle: [a\n---\nText.\n", b"Just a heading\n", b"---\ntitle: x\n"],
)
def test_library_refuses_what_start_up_refuses_with_the_same_line(corpus, data):
    engine = live(corpus, Reports())
    (corpus / "new.md").write_bytes(data)
    with pytest.raises(CorpusError) as start_up:
        Engine.load(corpus, index_dir=False)
    (corpus / "new.md").unlink()
    with pytest.raises(CorpusError) as added:
        Library(engine).add("new.md", data)
    assert str(added.value) == str(start_up.value)
    assert not (corpus / "new.md").exists()


def test_library_refuses_names_and_ids_start_up_could_not_serve(corpus):
    library = Library(live(corpus, Reports()))
    for name in ("notes.pdf", ".hidden.md", "../escape.md", "a/b.md", ""):
        with pytest.raises(CorpusError, match="is not an article file name"):
            library.add(name, BRIDGE.encode())
    with pytest.raises(CorpusError, match="already exists"):
        library.add("putin-north-korea-visit.md", BRIDGE.encode())
    with pytest.raises(CorpusError, match="two articles share the id 'putin-north-korea-visit'"):
        library.add("putin-north-korea-visit.txt", BRIDGE.encode())


def test_library_remove(corpus):
    engine = live(corpus, Reports())
    library = Library(engine)
    library.add("bridge.md", BRIDGE.encode())
    assert library.remove("bridge") == corpus / "bridge.md"
    assert first_quote(engine, BRIDGE_QUESTION) is None
    with pytest.raises(CorpusError, match="no article 'bridge'"):
        library.remove("bridge")
    with pytest.raises(CorpusError, match="is the last article"):
        library.remove("putin-north-korea-visit")


def test_an_article_from_a_title_and_a_text():
    assert file_name_for_title("Flood: Lowmoor's river rises!") == "flood-lowmoor-s-river-rises.md"
    assert file_name_for_title("???") == "article.md"
    assert article_from_title("A: title", "Body.") == b"---\ntitle: 'A: title'\n---\nBody.\n"


def test_ask_json_lines_serves_an_article_added_while_it_runs(corpus, tmp_path):
    import json
    import select
    import subprocess
    import sys
    from pathlib import Path

    env = {"PATH": "/usr/bin:/bin", "ASK_INDEX_DIR": "off", "HOME": str(tmp_path)}
    ask = subprocess.Popen(
        [sys.executable, "-m", "bot.repl", "--corpus", str(corpus), "--json"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        cwd=Path(__file__).parent.parent,
    )

    def line_of(stream) -> str:
        ready, _, _ = select.select([stream], [], [], 120)  # a hang guard, not a speed check
        assert ready, "no output"
        return stream.readline()

    try:
        ask.stdin.write(BRIDGE_QUESTION + "\n")
        ask.stdin.flush()
        assert json.loads(line_of(ask.stdout))["answered"] is False
        (corpus / ".bridge.tmp").write_text(BRIDGE, encoding="utf-8")
        (corpus / ".bridge.tmp").rename(corpus / "bridge.md")
        assert line_of(ask.stderr) == "ask: corpus reloaded: 2 articles, 25 sentences\n"
        ask.stdin.write(BRIDGE_QUESTION + "\n")
        ask.stdin.flush()
        assert json.loads(line_of(ask.stdout))["answers"][0]["text"] == BRIDGE_SENTENCE
        ask.stdin.close()
        assert ask.wait(120) == 0
    finally:
        ask.kill()
        ask.wait()
