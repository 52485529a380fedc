"""retrieval.conversation: which questions are follow-ups, and the bounded, expiring state."""

from __future__ import annotations

import pytest

from retrieval import Answer, Citation, Hit, Quote, Sentence
from retrieval.conversation import Conversations, FollowUp, content_words, follow_up_kind

MILLER = (
    "On June 17, US State Department spokesperson Matthew Miller reiterated these allegations, "
    "claiming North Korea provided Russia with dozens of ballistic missiles."
)


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def answered(question: str, text: str = MILLER, sid: str = "doc:17") -> Answer:
    citation = Citation("doc", "Title", None, 1, 17, 0, len(text))
    hit = Hit(sentence=Sentence(id=sid, text=text, citation=citation), score=1.0, rank=1)
    return Answer(question=question, answered=True, quotes=(Quote(hit=hit),))


@pytest.mark.parametrize(
    "question, kind",
    [
        ("What did he claim?", "pronoun"),
        ("When did she leave the party?", "pronoun"),
        ("Which of them oversees energy?", "pronoun"),
        ("Do they deny it?", "pronoun"),
        ("And when?", "ellipsis"),
        ("and the deputy prime minister?", "ellipsis"),
        ("What about Japan?", "ellipsis"),
        ("Why?", "ellipsis"),
        ("How many?", "ellipsis"),
        ("Who else?", "else"),
        ("What else did the mayor say?", "else"),
        ("Who is the US State Department spokesperson?", None),
        ("Did Putin say he would return?", None),  # "he" is Putin, named before it
        ("Which countries have expressed alarm over these developments?", None),
        ("When did the ICC issue its warrant?", None),  # "its" after a name
        ("How many containers were sent?", None),
    ],
)
def test_follow_up_kind(question, kind):
    assert follow_up_kind(question) == kind


def test_content_words_drop_function_question_and_pronoun_words():
    assert content_words("What did he claim about the missiles and the missiles?") == ("claim", "missiles")


def test_a_pronoun_carries_the_question_and_the_phrase_that_answered_it():
    talks = Conversations(clock=Clock())
    question = "Who is the US State Department spokesperson?"
    talks.record("c", answered(question))
    assert talks.resolve("c", "What did he claim?") == FollowUp(
        kind="pronoun",
        carried=("US", "State", "Department", "spokesperson", "Matthew", "Miller"),
        prefer=("doc",),
        exclude=frozenset(),
    )


def test_stand_alone_questions_and_first_questions_carry_nothing():
    talks = Conversations(clock=Clock())
    assert talks.resolve("c", "What did he claim?") is None  # nothing before it
    talks.record("c", answered("Who is the US State Department spokesperson?"))
    assert talks.resolve("c", "How many missiles were sent?") is None
    assert talks.resolve("other", "What did he claim?") is None  # another conversation


def test_else_excludes_every_sentence_quoted_along_the_chain():
    talks = Conversations(clock=Clock())
    talks.record("c", answered("Who met the mayor?", "Anna Berg met the mayor.", "doc:1"))
    first = talks.resolve("c", "Who else?")
    assert (first.kind, first.exclude) == ("else", frozenset({"doc:1"}))
    talks.record("c", answered("Who else?", "Piet Vos also met the mayor.", "doc:2"), first)
    assert talks.resolve("c", "Who else?").exclude == frozenset({"doc:1", "doc:2"})
    assert talks.resolve("c", "When did he meet her?").exclude == frozenset()


def test_a_conversation_expires_ttl_seconds_after_its_last_question():
    clock = Clock()
    talks = Conversations(ttl=600, clock=clock)
    talks.record("c", answered("Who is the US State Department spokesperson?"))
    clock.now += 599
    assert talks.resolve("c", "What did he claim?") is not None
    talks.record("c", answered("What did he claim?"))
    clock.now += 599  # 1198 s after the first, 599 after the last question
    assert talks.last("c") is not None
    clock.now += 1
    assert talks.last("c") is None and len(talks) == 0
    assert talks.resolve("c", "What did he claim?") is None


def test_exchanges_and_conversations_are_bounded():
    clock = Clock()
    talks = Conversations(max_exchanges=2, max_conversations=3, clock=clock)
    for i in range(5):
        clock.now += 1
        talks.record("c", answered(f"Who is spokesperson number {i}?"))
    assert len(talks.exchanges("c")) == 2
    for key in ("a", "b", "d"):
        clock.now += 1
        talks.record(key, answered("Who is the spokesperson?"))
    assert len(talks) == 3 and talks.last("c") is None  # the least recently active went first
    with pytest.raises(ValueError):
        Conversations(ttl=0)


def test_else_is_a_marker_never_carried_and_asks_again_the_question_before_it():
    talks = Conversations(clock=Clock())
    talks.record("c", answered("Who met the mayor?", "Anna Berg met the mayor.", "doc:1"))
    first = talks.resolve("c", "Who else?")
    assert first.carried == ("met", "mayor", "Anna", "Berg")
    assert first.again == ("Who met the mayor?", ())
    talks.record("c", answered("Who else?", "Piet Vos also met the mayor.", "doc:2"), first)
    second = talks.resolve("c", "Who else?")
    assert second.again == ("Who met the mayor?", ())  # the chain's question, not "Who else?"
    why = talks.resolve("c", "Why?")
    assert why.carried == ("met", "mayor", "Anna", "Berg", "Piet", "Vos") and why.again is None
    assert content_words("Who else met the mayor?") == ("met", "mayor")
    assert talks.resolve("c", "Who else met her?").again is None  # words of its own: its own question
