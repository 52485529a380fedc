"""Spelling correction of question terms (retrieval/spell.py): undo one typing slip."""

from __future__ import annotations

import pytest

from retrieval import Engine
from retrieval.index import SentenceIndex
from retrieval.sparse import SparseSentenceIndex
from retrieval.spell import correct_terms, is_english_word, spelled, typo_variants
from retrieval.types import Citation, Sentence

from .support import SEED_DOC


def _index(texts, engine=SentenceIndex):
    sentences = [
        Sentence(f"d:{i}", text, Citation("d", "T", None, 1, i, 0, len(text))) for i, text in enumerate(texts, 1)
    ]
    return engine.build(sentences)


def test_typo_variants_of_a_short_term():
    # 4 letters: no swaps; each letter doubled; the doubled "t" typed once
    assert typo_variants("putt") == {"pputt", "puutt", "puttt", "put"}


def test_typo_variants_swap_adjacent_letters_from_five_letters_on():
    assert {"abcde"[:i] + "abcde"[i + 1] + "abcde"[i] + "abcde"[i + 2 :] for i in range(4)} <= typo_variants("abcde")
    assert "bacd" not in typo_variants("abcd")  # "sing" / "sign": too short to swap
    assert len(typo_variants("abcde")) == 4 + 5  # 4 swaps, 5 doublings, nothing typed twice


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("braodcast", "broadcast"), ("acompani", "accompani"), ("ariv", "arriv"), ("puttin", "putin")],
)
def test_each_kind_of_slip_is_undone(typed, meant):
    assert meant in typo_variants(typed)


def test_unseen_term_becomes_the_most_frequent_variant():
    # "blorrp" is one slip from "blorp" (an "r" typed twice) and "blorpr" (last two swapped)
    index = _index(["A blorpr rose.", "The blorpr fell.", "One blorp."])
    assert (index.document_frequency("blorpr"), index.document_frequency("blorp")) == (2, 1)
    assert correct_terms(["blorrp"], index) == ["blorpr"]


def test_ties_go_to_the_alphabetically_first_variant():
    index = _index(["A blorpr rose.", "One blorp."])
    assert correct_terms(["blorrp"], index) == ["blorp"]


def test_english_words_are_never_corrected():
    # "impossible" stems to "imposs", one letter typed twice from "impos" ("imposed")
    index = _index(["Western-imposed sanctions were called illegal.", "An arrest was made."])
    assert index.document_frequency("impos") == 1
    assert correct_terms(["peac", "imposs"], index, "Why is peace impossible?") == ["peac", "imposs"]
    assert correct_terms(["imposs"], index) == ["impos"]  # no question: the term itself is looked up
    assert correct_terms(["rarest"], index, "the rarest thing") == ["rarest"]  # a swap from "arrest"
    assert is_english_word("Impossible") and not is_english_word("acompanied")


def test_short_terms_and_terms_no_slip_explains_are_left_alone():
    index = _index(["Tolls rise.", "The carter came."])
    assert correct_terms(["tol"], index) == ["tol"]  # shorter than MIN_LENGTH
    assert correct_terms(["tolol"], index) == ["tolol"]  # no single slip leads to a term
    assert correct_terms(["cartre"], index) == ["carter"]  # two adjacent letters swapped


def test_known_odd_and_other_edits_are_left_alone():
    index = _index(["The harbour froze over in winter.", "Costs rose. The colt ran."])
    assert correct_terms(["harbour", "froze"], index) == ["harbour", "froze"]  # known terms
    assert correct_terms(["harb0ur"], index) == ["harb0ur"]  # not alphabetic
    assert correct_terms(["cost"], index) == ["cost"]  # known ("costs" stems to "cost")
    assert correct_terms(["coat"], index) == ["coat"]  # "colt"/"cost" are substitutions: not slips


def test_both_engines_correct_alike():
    texts = ["The harbour froze.", "Ships left the harbour.", "A broadcast began."]
    for engine in (SentenceIndex, SparseSentenceIndex):
        assert correct_terms(["harbouur", "braodcast", "shipp"], _index(texts, engine)) == ["harbour", "broadcast", "ship"]


def test_misspelt_questions_are_answered_like_the_right_spelling(engine: Engine):
    right = engine.answer("When did Putin arrive?")
    wrong = engine.answer("When did Putin arive?")
    assert [q.hit.id for q in wrong.quotes] == [q.hit.id for q in right.quotes] == [f"{SEED_DOC}:1"]
    assert [q.hit.id for q in engine.answer("Who acompanied Putin?").quotes] == [f"{SEED_DOC}:5"]
    assert [q.hit.id for q in engine.answer("Who accompanied Puttin?").quotes] == [f"{SEED_DOC}:5"]


def test_spelled_respells_the_word_the_corpus_way():
    index = _index(["Putin arrived in Pyongyang.", "Putin left."])
    assert spelled("Who is Puttin?", index) == ("Who is Putin?", ["putin"])
    assert spelled("who is puttin", index) == ("who is Putin", ["putin"])  # the corpus's spelling
    assert spelled("When did he arive?", index) == ("When did he arrived?", ["arriv"])  # a corpus word
    assert spelled("Who is Putin?", index) == ("Who is Putin?", ["putin"])  # nothing to correct


def test_misspelt_name_is_answered_like_the_right_spelling(engine: Engine):
    assert engine.answer("Who is Puttin?").quotes == engine.answer("Who is Putin?").quotes
    assert [q.hit.id for q in engine.answer("Who is Puttin?").quotes] == [f"{SEED_DOC}:6"]  # not an abstention
    assert engine.answer("Who is Puttin?").question == "Who is Puttin?"  # echoed as typed
