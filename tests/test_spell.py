"""Spelling correction of question terms against the corpus vocabulary (retrieval/spell.py)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from retrieval import Engine
from retrieval.index import SentenceIndex
from retrieval.sparse import SparseSentenceIndex
from retrieval.spell import correct_terms, edit_distance
from retrieval.types import Citation, Sentence

from .support import SEED_DOC


def _index(texts, engine=SentenceIndex):
    sentences = [
        Sentence(f"d:{i}", text, Citation("d", "T", None, 1, i, 0, len(text))) for i, text in enumerate(texts, 1)
    ]
    return engine.build(sentences)


def test_edit_distance_counts_one_transposition_as_one_edit():
    assert edit_distance("recieve", "receive", 2) == 1
    assert edit_distance("kitten", "sitting", 5) == 3
    assert edit_distance("kitten", "sitting", 1) == 2  # capped at limit + 1
    assert edit_distance("", "abc", 5) == 3


@given(st.text("abc", max_size=6), st.text("abc", max_size=6))
def test_edit_distance_is_symmetric_and_zero_only_for_equal_words(a, b):
    d = edit_distance(a, b, 12)
    assert d == edit_distance(b, a, 12)
    assert (d == 0) == (a == b)


def test_unseen_term_becomes_the_most_frequent_neighbour():
    # "harbour" is in 2 sentences, "harbous" in none of the question's spellings
    index = _index(["The harbour froze.", "Ships left the harbour.", "A harbor master came."])
    assert index.document_frequency("harbour") == 2 and index.document_frequency("harbor") == 1
    assert correct_terms(["harbout"], index) == ["harbour"]  # one substitution from "harbour" only
    assert correct_terms(["harbo"], index) == ["harbor"]  # one edit from "harbor" (df 1), two from "harbour"


def test_ties_go_to_the_alphabetically_first_term():
    index = _index(["The cart moved.", "The card fell."])
    assert correct_terms(["carx"], index) == ["card"]


def test_known_short_odd_and_distant_terms_are_left_alone():
    index = _index(["The harbour froze over in winter.", "Cats ate."])
    assert correct_terms(["harbour", "froze"], index) == ["harbour", "froze"]  # known
    assert correct_terms(["cat", "cax"], index) == ["cat", "cax"]  # shorter than MIN_LENGTH
    assert correct_terms(["harb0ur"], index) == ["harb0ur"]  # not alphabetic
    assert correct_terms(["xarbour"], index) == ["xarbour"]  # other first letter
    assert correct_terms(["harbxxr"], index) == ["harbxxr"]  # two edits away


def test_both_engines_correct_alike():
    texts = ["The harbour froze.", "Ships left the harbour.", "A harbor master came."]
    for engine in (SentenceIndex, SparseSentenceIndex):
        assert correct_terms(["harbout", "shipz", "mastr"], _index(texts, engine)) == ["harbour", "ship", "master"]


def test_misspelt_question_is_answered_like_the_right_spelling(engine: Engine):
    right = engine.answer("When did Putin arrive?")
    wrong = engine.answer("When did Putin arive?")
    assert [q.hit.id for q in wrong.quotes] == [q.hit.id for q in right.quotes] == [f"{SEED_DOC}:1"]
    assert [q.hit.id for q in engine.answer("Who acompanied Putin?").quotes] == [f"{SEED_DOC}:5"]
