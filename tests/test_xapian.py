"""The xapian engine (optional extra): same scores as rank-bm25, the sharded build, real
``xapian-tcpsrv`` shard servers on 127.0.0.1, shard faults and recovery.

Skipped, with the reason, where the ``xapian`` extra or ``xapian-tcpsrv`` is missing;
``tests/test_xapian_ci.py`` makes CI fail in that case instead.
"""

from __future__ import annotations

import json
import math
import shutil

import pytest

xapian = pytest.importorskip(
    "xapian", reason="the optional xapian extra is not installed: pip install -e '.[xapian]'", exc_type=ImportError
)

from hypothesis import HealthCheck, given, settings as hsettings, strategies as st  # noqa: E402

from bot.config import ConfigError, retrieval_settings  # noqa: E402
from retrieval import Engine, IndexFileError, Settings  # noqa: E402
from retrieval.analyze import analyze  # noqa: E402
from retrieval.build import main as build_main  # noqa: E402
from retrieval.corpus import load_articles, split_corpus  # noqa: E402
from retrieval.index import SentenceIndex  # noqa: E402
from retrieval.types import Citation, Sentence  # noqa: E402
from retrieval.xapian_build import ShardWriter, write_sentences  # noqa: E402
from retrieval.xapian_index import ShardError, XapianSentenceIndex, open_index  # noqa: E402
from retrieval.xapian_servers import ShardServers  # noqa: E402
from retrieval.xapian_shards import STUB_NAME, Shard  # noqa: E402

from .support import CORPUS, write_corpus  # noqa: E402
from .test_qa_regression import CASES  # noqa: E402

needs_servers = pytest.mark.skipif(
    shutil.which("xapian-tcpsrv") is None, reason="xapian-tcpsrv is not installed: apt-get install xapian-tools"
)

WORDS = ["zorb", "quix", "plam", "vandel", "mirt", "ocker", "tusk", "brine", "glade", "hovel"]


def local(directory, **changes) -> XapianSentenceIndex:
    return open_index(Settings(engine="xapian", xapian=str(directory), **changes))


def same_ranking(ours, reference) -> None:
    assert [s.position for s in ours] == [s.position for s in reference]
    for a, b in zip(ours, reference):
        assert a.score == pytest.approx(b.score, rel=1e-9, abs=1e-6)


# ----------------------------------------------------------------- scores
corpora = st.lists(  # articles -> paragraphs -> sentences -> words
    st.lists(st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=8), min_size=1, max_size=3),
             min_size=1, max_size=3),
    min_size=1, max_size=5,
)


def sentences_of(corpus) -> list[Sentence]:
    out = []
    for a, article in enumerate(corpus):
        number = 0
        for p, paragraph in enumerate(article, start=1):
            for words in paragraph:
                number += 1
                text = " ".join(words) + "."
                out.append(Sentence(f"doc{a}:{number}", text, Citation(f"doc{a}", f"Article {a}", None, p, number, 0, len(text))))
    return out


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(corpus=corpora, query=st.lists(st.sampled_from(WORDS + ["absent"]), min_size=1, max_size=5),
       shards=st.integers(1, 3), k=st.one_of(st.none(), st.integers(1, 6)))
def test_top_k_ids_and_scores_equal_rank_bm25(tmp_path_factory, corpus, query, shards, k):
    sentences = sentences_of(corpus)
    directory = tmp_path_factory.mktemp("shards") / "build"
    write_sentences(sentences, directory, shards)
    reference = SentenceIndex.build(sentences)
    index = local(directory)
    terms = analyze(" ".join(query))
    same_ranking(index.score_terms(terms, k), reference.score_terms(terms, k))
    assert index.size == reference.size and index.average_length == pytest.approx(reference.average_length)
    for term in terms:
        assert index.idf(term) == pytest.approx(reference.idf(term), rel=1e-12, abs=1e-12)


def test_epsilon_floor_for_terms_in_more_than_half_the_sentences(tmp_path):
    # "zorb" is in 4 of 5 sentences: negative IDF, floored to epsilon * mean IDF (> 0 here)
    texts = ["zorb quix", "zorb plam", "zorb vandel mirt", "zorb ocker tusk brine", "glade hovel"]
    sentences = sentences_of([[[t.split() for t in texts]]])  # one article, one paragraph
    write_sentences(sentences, tmp_path / "b", 2)
    reference = SentenceIndex.build(sentences)
    index = local(tmp_path / "b")
    vocabulary = {t: sum(t in analyze(x) for x in texts) for x in texts for t in analyze(x)}
    raw = {t: math.log(5 - n + 0.5) - math.log(n + 0.5) for t, n in vocabulary.items()}
    (zorb,) = analyze("zorb")
    assert raw[zorb] < 0
    assert index.idf(zorb) == pytest.approx(0.25 * sum(raw.values()) / len(raw), rel=1e-12)
    assert index.idf(zorb) == pytest.approx(reference.idf(zorb), rel=1e-12)
    terms = analyze("zorb quix")
    same_ranking(index.score_terms(terms, 3), reference.score_terms(terms, 3))


def test_negative_floor_is_scored_exactly(tmp_path):
    # two sentences sharing every word: all IDFs negative, so the floor is negative too
    sentences = sentences_of([[[["zorb", "quix"], ["zorb", "quix", "quix"]]]])
    write_sentences(sentences, tmp_path / "b")
    reference = SentenceIndex.build(sentences)
    terms = analyze("quix")
    ours, theirs = local(tmp_path / "b").score_terms(terms), reference.score_terms(terms)
    assert theirs[0].score < 0
    same_ranking(ours, theirs)


# ----------------------------------------------------------------- build
def multi_article_corpus(directory):
    files = {}
    for a in range(6):
        paragraphs = []
        for p in range(3):
            paragraphs.append(" ".join(
                f"The {WORDS[(a + p + s) % 10]} council of town {a} met {WORDS[(a * 3 + s) % 10]} delegates in round {p}."
                for s in range(3)
            ))
        files[f"article-{a}.md"] = f"# Report {a}\n\n" + "\n\n".join(paragraphs) + "\n"
    return write_corpus(directory, files)


def test_build_cli_writes_n_shards_keeping_paragraphs_together(tmp_path, capsys):
    corpus = multi_article_corpus(tmp_path / "corpus")
    assert build_main([str(corpus), "--engine", "xapian", "--shards", "3", "--out", str(tmp_path / "out")]) == 0
    assert "into 3 shards" in capsys.readouterr().err
    stub = (tmp_path / "out" / STUB_NAME).read_text()
    assert stub == "auto shard-0\nauto shard-1\nauto shard-2\n"
    index = local(tmp_path / "out")
    reference = SentenceIndex.build(split_corpus(load_articles(corpus)))
    assert index.size == reference.size == 54
    counts = index._meta["counts"]  # noqa: SLF001 - the build's own table
    assert counts == [18, 18, 18]  # 6 equal articles dealt 2 by 2
    assert list(index.sentences) == list(reference.sentences)
    for p in range(index.size):  # every paragraph on one shard (within one block of positions)
        r = index._record(p)  # noqa: SLF001
        shard_of = lambda q: sum(q >= s for s in index._meta["starts"][1:])  # noqa: E731
        assert shard_of(r.first) == shard_of(r.last) == shard_of(p)
        assert [index.locate(q)[:2] for q in range(r.first, r.last + 1)] == [index.locate(p)[:2]] * (r.last - r.first + 1)
    same_ranking(index.score_terms(analyze("zorb council delegates"), 10),
                 reference.score_terms(analyze("zorb council delegates"), 10))


def test_a_killed_build_leaves_nothing_and_keeps_the_previous_build(tmp_path, monkeypatch, capsys):
    corpus = multi_article_corpus(tmp_path / "corpus")
    out = tmp_path / "out"
    assert build_main([str(corpus), "--engine", "xapian", "--shards", "2", "--out", str(out)]) == 0
    before = local(out)._meta["build"]  # noqa: SLF001

    def killed(self):
        raise KeyboardInterrupt

    monkeypatch.setattr(ShardWriter, "finish", killed)
    assert build_main([str(corpus), "--engine", "xapian", "--shards", "2", "--out", str(out)]) == 130
    assert capsys.readouterr().err.endswith("build: interrupted\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus", "out"]  # no temporary build left
    assert local(out)._meta["build"] == before  # noqa: SLF001


def test_build_refuses_a_directory_that_is_not_a_build(tmp_path, capsys):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("mine")
    assert build_main([str(CORPUS), "--engine", "xapian", "--shards", "2", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err == f"build: error: {tmp_path / 'out'} exists and is not a Xapian build: choose an empty or new directory\n"
    assert build_main([str(CORPUS), "--engine", "xapian", "--shards", "0", "--out", str(tmp_path / "x")]) == 2
    assert capsys.readouterr().err == "build: error: --shards must be >= 1, got 0\n"


# ----------------------------------------------------------------- settings
def test_settings_from_the_environment():
    s = retrieval_settings({"ASK_ENGINE": "xapian", "ASK_XAPIAN_REMOTE": "127.0.0.1:7001, 127.0.0.1:7002",
                            "ASK_XAPIAN_PARTIAL": "1", "ASK_XAPIAN_TIMEOUT": "0.5"})
    assert (s.engine, s.xapian_remote, s.xapian_partial, s.xapian_timeout) == (
        "xapian", ("127.0.0.1:7001", "127.0.0.1:7002"), True, 0.5)
    with pytest.raises(ConfigError, match=r"^ASK_ENGINE=xapian needs one of ASK_XAPIAN=DIR or ASK_XAPIAN_REMOTE"):
        retrieval_settings({"ASK_ENGINE": "xapian"})
    with pytest.raises(ConfigError, match=r"^ASK_XAPIAN_REMOTE must be host:port,host:port,\.\.\., got '127.0.0.1'$"):
        retrieval_settings({"ASK_ENGINE": "xapian", "ASK_XAPIAN_REMOTE": "127.0.0.1"})
    with pytest.raises(ConfigError, match=r"^ASK_XAPIAN_TIMEOUT: xapian_timeout must be a number of seconds > 0"):
        retrieval_settings({"ASK_XAPIAN_TIMEOUT": "0"})


def test_shards_listed_out_of_order_are_refused(tmp_path):
    write_sentences(sentences_of([[[["zorb"]]], [[["quix"]]]]), tmp_path / "b", 2)
    (tmp_path / "b" / STUB_NAME).write_text("auto shard-1\nauto shard-0\n")
    with pytest.raises(IndexFileError, match=r"holds shard 1 but is listed as shard 0: list the shards in order$"):
        local(tmp_path / "b")


# ----------------------------------------------------------------- real servers
@pytest.fixture(scope="module")
def bundled_servers(tmp_path_factory):
    if shutil.which("xapian-tcpsrv") is None:
        pytest.skip("xapian-tcpsrv is not installed: apt-get install xapian-tools")
    out = tmp_path_factory.mktemp("bundled") / "build"
    assert build_main([str(CORPUS), "--engine", "xapian", "--shards", "2", "--out", str(out)]) == 0
    with ShardServers(out) as servers:
        yield servers


@pytest.fixture(scope="module")
def remote_engine(bundled_servers):
    return Engine.load(CORPUS, Settings(engine="xapian", xapian_remote=tuple(bundled_servers.addresses)))


@pytest.mark.parametrize("case", CASES, ids=[c["question"] for c in CASES])
def test_regression_suite_on_shard_servers(remote_engine, case):
    result = remote_engine.answer(case["question"])
    if case.get("unanswerable"):
        assert (result.answered, result.quotes) == (False, ())
        return
    assert result.answered is True and result.warning is None
    texts = [q.hit.text for q in result.quotes[: case.get("max_rank", 1)]]
    assert any(case["expect"] in t for t in texts), texts


def test_same_answers_as_the_default_engine(remote_engine, engine):
    for case in CASES:
        ours, theirs = remote_engine.answer(case["question"]), engine.answer(case["question"])
        assert [(q.hit.sentence, q.context) for q in ours.quotes] == [(q.hit.sentence, q.context) for q in theirs.quotes]
        assert [q.hit.score for q in ours.quotes] == pytest.approx([q.hit.score for q in theirs.quotes], rel=1e-9)
        assert (ours.answered, ours.reason) == (theirs.answered, theirs.reason)
    assert remote_engine.sources() == engine.sources()


@pytest.fixture
def servers(tmp_path):
    if shutil.which("xapian-tcpsrv") is None:
        pytest.skip("xapian-tcpsrv is not installed: apt-get install xapian-tools")
    corpus = multi_article_corpus(tmp_path / "corpus")
    assert build_main([str(corpus), "--engine", "xapian", "--shards", "3", "--out", str(tmp_path / "out")]) == 0
    with ShardServers(tmp_path / "out") as running:
        yield running


def remote(servers, **changes) -> XapianSentenceIndex:
    return open_index(Settings(engine="xapian", xapian_remote=tuple(servers.addresses), xapian_timeout=0.5,
                               xapian_connect_timeout=0.5, **changes))


QUESTION = analyze("Where did the zorb council meet delegates?")


@needs_servers
def test_a_shard_down_is_one_line_naming_it_and_the_engine_recovers(servers):
    index = remote(servers)
    full = index.score_terms(QUESTION, 10)
    servers.kill(1)
    with pytest.raises(ShardError) as caught:
        index.score_terms(QUESTION, 10)
    message = str(caught.value)
    assert message.startswith(f"shard 1 ({servers.addresses[1]}) is not answering: ") and "\n" not in message
    with pytest.raises(ShardError, match=r"Connection refused"):  # still down: reconnecting fails at once
        index.score_terms(QUESTION, 10)
    servers.start(1)
    assert index.score_terms(QUESTION, 10) == full


@needs_servers
def test_a_shard_down_at_start_is_named(servers):
    servers.kill(2)
    with pytest.raises(ShardError, match=rf"^shard 2 \({servers.addresses[2]}\) is not answering: Couldn't connect"):
        remote(servers)


@needs_servers
def test_partial_answers_from_the_other_shards_with_a_warning(servers, monkeypatch):
    index = remote(servers, xapian_partial=True)
    engine = Engine(None, index, index.settings)
    first_of_shard_1 = index._meta["starts"][1]  # noqa: SLF001 - the build's own table
    servers.kill(0)
    result = engine.answer("Where did the zorb council of town 4 meet?")
    head = f"answered from 2 of 3 shards: shard 0 ({servers.addresses[0]}) is not answering: "
    assert result.warning.startswith(head) and "\n" not in result.warning  # then why: refused, broken pipe...
    assert result.answered and all(q.hit.citation.doc_id not in ("article-0", "article-1") for q in result.quotes)
    hits = index.score_terms(QUESTION, 30)
    assert hits and all(h.position >= first_of_shard_1 for h in hits)
    assert index.locate(first_of_shard_1 - 1) == ("", -1, -1)  # on the missing shard
    with pytest.raises(ShardError, match=rf"^sentence {first_of_shard_1 - 1} is on shard 0 \({servers.addresses[0]}\)"):
        index.sentence(first_of_shard_1 - 1)
    servers.start(0)
    monkeypatch.setattr("retrieval.xapian_connections.RETRY_SECONDS", 0.0)  # no waiting before the retry
    assert engine.answer("Where did the zorb council of town 4 meet?").warning is None
    assert index.sentence(first_of_shard_1 - 1).citation.doc_id == "article-1"


@needs_servers
async def test_discord_shows_the_partial_answer_warning(servers, discord_world):
    index = remote(servers, xapian_partial=True)
    engine = Engine(None, index, index.settings)
    servers.kill(0)
    world = await discord_world(engine=engine)
    result = await world.ask("Where did the zorb council of town 4 meet?")
    [content] = world.sent()
    last = content.split("\n")[-1]
    assert result is not None and last.startswith(
        f"*warning: answered from 2 of 3 shards: shard 0 ({servers.addresses[0]}) is not answering: "
    ) and last.endswith("*")
    assert "> " in content and "**Sources:**" in content  # answered from the other shards


@needs_servers
def test_a_rebuild_behind_restarted_servers_is_reopened_and_said_in_one_line(tmp_path, caplog):
    corpus = multi_article_corpus(tmp_path / "corpus")
    out = tmp_path / "out"
    assert build_main([str(corpus), "--engine", "xapian", "--shards", "2", "--out", str(out)]) == 0
    question = "Where did the plam council of town 9 meet?"
    with ShardServers(out) as servers:
        index = remote(servers)
        engine = Engine(None, index, index.settings)
        assert all(q.hit.citation.doc_id != "article-9" for q in engine.answer(question).quotes)
        old_size, idle = index.size, remote(servers)  # idle: connected, nothing read yet
        write_corpus(corpus, {"article-9.md": "# Report 9\n\nThe plam council of town 9 met mirt delegates in round 7.\n"})
        assert build_main([str(corpus), "--engine", "xapian", "--shards", "2", "--out", str(out)]) == 0
        for i in range(2):  # restarted on the same ports, serving the new build
            servers.kill(i)
            servers.start(i)
        with caplog.at_level("WARNING", logger="retrieval.xapian"):
            with pytest.raises(ShardError, match=r"^the Xapian shards were rebuilt while answering: please ask again$"):
                idle.sentence(0)  # a position known before the rebuild, read after it
            result = engine.answer(question)
            engine.answer(question)
        build = local(out)._meta["build"]  # noqa: SLF001 - the build's own id
        said = f"the Xapian shards were rebuilt (build {build[:8]}, {old_size + 1} sentences); reopened them"
        assert [r.getMessage() for r in caplog.records] == [said, said]  # once per client (idle, index)
        assert idle.sentence(0) == index.sentence(0)  # asked again: the new build
        assert index.size == old_size + 1
        assert result.answered and result.quotes[0].hit.citation.doc_id == "article-9"
        assert result.quotes[0].hit.text == "The plam council of town 9 met mirt delegates in round 7."


@needs_servers
def test_a_slow_shard_times_out_with_its_name(servers):
    index = remote(servers)
    servers.pause(2)
    try:
        with pytest.raises(ShardError, match=rf"^shard 2 \({servers.addresses[2]}\) is not answering: Timeout expired"):
            index.score_terms(QUESTION, 10)
    finally:
        servers.resume(2)
    assert index.score_terms(QUESTION, 10)  # back


@needs_servers
def test_the_cli_answers_from_shard_servers(servers, monkeypatch, capsys):
    from bot.repl import main as ask_main

    monkeypatch.setenv("ASK_ENGINE", "xapian")
    monkeypatch.setenv("ASK_XAPIAN_REMOTE", ",".join(servers.addresses))
    assert ask_main(["--json", "Where did the zorb council of town 4 meet?"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["answered"] is True and "warning" not in out
    servers.kill(1)
    assert ask_main(["Where did the zorb council of town 4 meet?"]) == 2  # down at start
    err = capsys.readouterr().err
    assert err.startswith(f"ask: error: shard 1 ({servers.addresses[1]}) is not answering: ") and err.count("\n") == 1
    servers.start(1)
    real_answer = Engine.answer

    def answer_then_lose_shard_2(self, question):
        servers.kill(2)  # goes down between loading and answering
        return real_answer(self, question)

    monkeypatch.setattr(Engine, "answer", answer_then_lose_shard_2)
    assert ask_main(["Where did the zorb council of town 4 meet?"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"ask: error: shard 2 ({servers.addresses[2]}) is not answering: ") and err.count("\n") == 1


def test_shard_names_in_stub_files(tmp_path):
    (tmp_path / "stub").write_text("# two shards\nremote :127.0.0.1:7001\nauto local-db\n")
    from retrieval.xapian_shards import read_stub

    assert read_stub(tmp_path / "stub") == [
        Shard(name="127.0.0.1:7001", host="127.0.0.1", port=7001),
        Shard(name=str(tmp_path / "local-db"), path=str(tmp_path / "local-db")),
    ]
    (tmp_path / "bad").write_text("tcp 127.0.0.1 7001\n")
    with pytest.raises(IndexFileError, match=r"bad, line 1: expected 'auto PATH' or 'remote :HOST:PORT', got 'tcp 127.0.0.1 7001'$"):
        read_stub(tmp_path / "bad")


def test_build_drops_repeated_sentences_and_names_unusable_files(tmp_path, capsys):
    corpus = write_corpus(tmp_path / "c", {
        "a.md": "# A\n\nThe cat sat. The dog ran.\n\nThe cat sat. Birds fly high.\n",
        "b.md": "# B\n\nThe  CAT sat. Fish swim.\n",
        "e.md": "# E\n\n...\n",
    })
    assert build_main([str(corpus), "--engine", "xapian", "--shards", "2", "--out", str(tmp_path / "o")]) == 2
    assert capsys.readouterr().err.endswith(f"{corpus / 'e.md'}: no citable sentence (every line is empty, has no "
                                            "words, or is a heading or boilerplate: no sentence-ending punctuation)\n")
    assert not (tmp_path / "o").exists()
    (corpus / "e.md").unlink()
    assert build_main([str(corpus), "--engine", "xapian", "--shards", "2", "--out", str(tmp_path / "o")]) == 0
    texts = [s.text for s in local(tmp_path / "o").sentences]
    assert texts == ["The cat sat.", "The dog ran.", "Birds fly high.", "Fish swim."]
    assert texts == [s.text for s in split_corpus(load_articles(corpus))]


@needs_servers
@pytest.mark.parametrize("stop", ["SIGINT", "SIGTERM"])
def test_the_servers_command_serves_every_shard_and_stops_them(tmp_path, stop):
    import signal
    import socket
    import subprocess
    import sys

    from .support import ROOT

    write_sentences(sentences_of([[[["zorb"]]], [[["quix"]]]]), tmp_path / "b", 2)
    process = subprocess.Popen([sys.executable, "-m", "retrieval.xapian_servers", str(tmp_path / "b")],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        line = process.stdout.readline()
        assert line.startswith("ASK_ENGINE=xapian ASK_XAPIAN_REMOTE=127.0.0.1:")
        addresses = line.split("=")[-1].strip().split(",")
        index = open_index(Settings(engine="xapian", xapian_remote=tuple(addresses)))
        assert [s.text for s in index.sentences] == ["zorb.", "quix."]
        index.close()  # our connections closed before the servers go
    finally:
        process.send_signal(getattr(signal, stop))
        assert process.wait(timeout=30) == 0
    assert process.stderr.read() == ""
    for address in addresses:
        host, port = address.split(":")
        with pytest.raises(OSError):
            socket.create_connection((host, int(port)), timeout=1).close()


def test_a_term_longer_than_xapians_limit_is_still_found(tmp_path):
    long_word = "q" * 300  # Xapian refuses terms over 245 bytes: stored as a digest
    sentences = sentences_of([[[["zorb", long_word], ["zorb", "quix"], [long_word, long_word]]]])
    write_sentences(sentences, tmp_path / "b")
    terms = analyze(f"{long_word} zorb")
    assert long_word in terms
    same_ranking(local(tmp_path / "b").score_terms(terms, 3), SentenceIndex.build(sentences).score_terms(terms, 3))
    assert local(tmp_path / "b").sentence_terms(2) == [long_word, long_word]
