"""What a fresh user gets for a link to a folder among the articles, an index directory
given as the corpus, many files unusable for one reason, and lines with no words."""

from __future__ import annotations

import os

import pytest

from retrieval import CorpusError, Engine
from retrieval.build import build_corpus_index
from retrieval.corpus import check_corpus_dir, load_articles, sentence_rows, unusable_files
from retrieval.types import Article

from . import fuzz_properties as fp
from .support import write_corpus

NO_CITABLE = (
    "no citable sentence (every line is empty, has no words, or is a heading or boilerplate: "
    "no sentence-ending punctuation)"
)
GOOD = {"good.md": "Kim met Putin in Pyongyang on Friday.\n"}


# ------------------------------------------------------------- 1: links to no regular file
def _all_paths_raise(corpus, index_dir, expected):
    """The message of load_articles, of both builds' worker counts and of the persisted
    path (the fingerprint stats every file) is ``expected``."""
    with pytest.raises(CorpusError) as info:
        load_articles(corpus)
    assert str(info.value) == expected
    for workers in (1, 2):
        with pytest.raises(CorpusError) as info:
            build_corpus_index(corpus, workers=workers)
        assert str(info.value) == expected
    with pytest.raises(CorpusError) as info:
        Engine.load(corpus, index_dir=index_dir)
    assert str(info.value) == expected


def test_a_link_to_a_directory_is_named_not_skipped(tmp_path):
    corpus = write_corpus(tmp_path / "c", GOOD)
    Engine.load(corpus, index_dir=tmp_path / "idx")  # a persisted index from before the link
    (tmp_path / "folder").mkdir()
    (corpus / "broken.md").symlink_to(tmp_path / "folder")
    expected = f"{corpus / 'broken.md'} is a symbolic link to a directory, not to an article file"
    _all_paths_raise(corpus, tmp_path / "idx", expected)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_links_to_a_fifo_and_a_device_are_named_and_never_opened(tmp_path):
    corpus = write_corpus(tmp_path / "c", GOOD)
    os.mkfifo(tmp_path / "pipe")
    (corpus / "p.txt").symlink_to(tmp_path / "pipe")  # opening it would block: the watchdog would fire
    (corpus / "z.md").symlink_to("/dev/null")
    expected = (
        f"2 corpus files cannot be used: {corpus / 'p.txt'} is a symbolic link to a FIFO (named pipe), "
        f"not to an article file; {corpus / 'z.md'} is a symbolic link to a device, not to an article file"
    )
    with fp._watchdog(fp.HANG_SECONDS):
        _all_paths_raise(corpus, tmp_path / "idx", expected)


def test_a_dangling_link_and_a_link_to_an_article_are_as_before(tmp_path):
    corpus = write_corpus(tmp_path / "c", GOOD)
    (corpus / "same.md").symlink_to(corpus / "good.md")  # a good link: read as the article it leads to
    engine = Engine.load(corpus, index_dir=False)
    assert [a.doc_id for a in engine.articles] == ["good", "same"]
    (corpus / "z.md").symlink_to(tmp_path / "no-such-thing")
    _all_paths_raise(corpus, tmp_path / "idx", f"{corpus / 'z.md'} is a broken or looping symbolic link")


# ------------------------------------------------------------- 2: an index given as the corpus
def test_the_default_index_directory_given_as_the_corpus_names_the_corpus(tmp_path):
    corpus = write_corpus(tmp_path / "c", GOOD)
    Engine.load(corpus)  # writes c/.index
    with pytest.raises(CorpusError) as info:
        check_corpus_dir(corpus / ".index")
    assert str(info.value) == (
        f"{corpus / '.index'} is a persisted index directory, not a corpus directory: "
        f"use the corpus directory {corpus} instead"
    )
    outcome = fp.run_entry(fp.ask_main, ["Who met Kim?"], cwd=tmp_path, env={"ASK_CORPUS": "c/.index"})
    assert outcome == fp.Outcome(
        2,
        "",
        "ask: error: c/.index is a persisted index directory, not a corpus directory: "
        "use the corpus directory c instead\n",
    )


def test_an_index_elsewhere_given_as_the_corpus_asks_for_the_articles(tmp_path):
    corpus = write_corpus(tmp_path / "c", GOOD)
    Engine.load(corpus, index_dir=tmp_path / "idx")  # tmp_path holds no article file
    with pytest.raises(CorpusError) as info:
        Engine.load(tmp_path / "idx")
    assert str(info.value) == (
        f"{tmp_path / 'idx'} is a persisted index directory, not a corpus directory: "
        "give the directory that holds the article files"
    )


def test_a_damaged_index_with_its_marker_is_still_recognised(tmp_path):
    corpus = write_corpus(tmp_path / "c", GOOD)
    Engine.load(corpus)
    (corpus / ".index" / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"is a persisted index directory, not a corpus directory: use"):
        check_corpus_dir(corpus / ".index")


def test_a_corpus_holding_another_programs_manifest_is_a_corpus(tmp_path):
    corpus = write_corpus(tmp_path / "c", {**GOOD, "manifest.json": '{"format": "something-else"}'})
    assert check_corpus_dir(corpus) == corpus


# ------------------------------------------------------------- 3: one reason, said once
def _all_loads_raise(corpus, expected):
    with pytest.raises(CorpusError) as info:
        Engine.load(corpus, index_dir=False)
    assert str(info.value) == expected
    for workers in (1, 2):
        with pytest.raises(CorpusError) as info:
            build_corpus_index(corpus, workers=workers)
        assert str(info.value) == expected


def test_many_files_with_one_reason_are_named_once_with_the_reason(tmp_path):
    corpus = write_corpus(tmp_path / "c", {**GOOD, **{f"n{i}.txt": "A heading\n" for i in range(9)}})
    named = ", ".join(str(corpus / f"n{i}.txt") for i in range(3))
    expected = f"9 corpus files cannot be used: {named} and 6 more: {NO_CITABLE}"
    _all_loads_raise(corpus, expected)


def test_groups_keep_corpus_order_and_a_lone_reason_stays_whole(tmp_path):
    corpus = write_corpus(tmp_path / "c", {**GOOD, "m.md": ""})
    for name in ("a.txt", "x.txt"):
        (corpus / name).write_bytes("Caf\xe9 au lait.".encode("latin-1"))
    expected = (
        f"3 corpus files cannot be used: {corpus / 'a.txt'}, {corpus / 'x.txt'}: each is not UTF-8 text "
        f"(bad byte at offset 3); save it as UTF-8; {corpus / 'm.md'}: no text to index (the file is empty)"
    )
    _all_loads_raise(corpus, expected)


def test_one_unusable_file_keeps_its_own_message(tmp_path):
    assert str(unusable_files([("d/a.txt", f"d/a.txt: {NO_CITABLE}")])) == f"d/a.txt: {NO_CITABLE}"


def test_a_path_inside_the_message_and_groups_past_the_limit():
    problems = [(f"d/{n}.txt", f"cannot read d/{n}.txt: Permission denied") for n in "ab"]
    problems += [(f"d/x{i:02}.txt", f"d/x{i:02}.txt is not UTF-8 text (bad byte at offset {i})") for i in range(11)]
    named = "; ".join(f"d/x{i:02}.txt is not UTF-8 text (bad byte at offset {i})" for i in range(9))
    assert str(unusable_files(problems)) == (
        f"13 corpus files cannot be used: cannot read d/a.txt, d/b.txt: Permission denied; {named}; and 2 more"
    )


# ------------------------------------------------------------- 4: lines with no words
def test_lines_with_no_words_are_not_paragraphs_or_sections():
    text = ".\n..\n...\n—\nPutin met Zorg.\n…\nZorg left.\n"
    rows = sentence_rows(Article(doc_id="a", title="A", text=text))
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [("Putin met Zorg.", None, 1, 1), ("Zorg left.", None, 2, 2)]
    assert [text[r[4] : r[5]] for r in rows] == ["Putin met Zorg.", "Zorg left."]

