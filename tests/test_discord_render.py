"""bot.discord_render: layout, escaping, mentions defused, splitting at the 2000 limit."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import discord_render as render

from .discord_fakes import BELOUSOV_MESSAGE, answer_of
from retrieval import Answer, Source

SOURCE_1 = "[1] T — paragraph 1, sentence 1"


def test_answered_layout_from_the_engine(engine):
    messages = render.render_answer(engine.answer("Who accompanied Putin?"))
    assert messages == [BELOUSOV_MESSAGE]


def test_context_sentence_shown_before_the_quote(engine):
    messages = render.render_answer(engine.answer("what did he mention about trade?"), echo_question=False)
    assert messages == [
        "> *(context) In an editorial published in North Korean state media before his arrival, "
        "Putin expressed Russia’s intent to continue opposing Western efforts to impede the "
        "establishment of a multipolar world order based on mutual respect and justice.*\n"
        "> He also mentioned plans to develop independent trade and payment systems with North "
        "Korea and to resist Western-imposed sanctions, describing them as “unilateral and "
        "illegal”. [1]\n"
        "**Sources:**\n"
        "[1] Putin arrives in North Korea for first visit in 24 years — section “Putin and Kim "
        "Jong Un’s discussion topics”, paragraph 7, sentences 9–10"
    ]


def test_two_quotes_numbered_in_order():
    messages = render.render_answer(answer_of("First one.", "Second one."), echo_question=False)
    assert messages == [
        "> First one. [1]\n> Second one. [2]\n**Sources:**\n"
        "[1] T — paragraph 1, sentence 1\n[2] T — paragraph 2, sentence 2"
    ]


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("not_found", "**Q:** zebra?\n" + render.NOT_FOUND),
        ("no_terms", "**Q:** zebra?\n" + render.NO_TERMS),
    ],
)
def test_abstention_says_so_plainly(reason, expected):
    assert render.render_answer(Answer("zebra?", answered=False, reason=reason)) == [expected]


def test_engine_abstention(engine):
    assert render.render_answer(engine.answer("zebra giraffe"), echo_question=False) == [render.NOT_FOUND]


def test_markdown_is_escaped_and_shown_literally():
    msg = render.render_answer(answer_of("A *bold* _claim_ with `code` and ~~x~~ || y ||."), echo_question=False)[0]
    assert msg.splitlines()[0] == r"> A \*bold\* \_claim\_ with \`code\` and \~\~x\~\~ \|\| y \|\|. [1]"


def test_sentence_starting_like_a_list_or_quote_stays_literal():
    assert render.literal("1. first") == r"1\. first"
    assert render.literal("> not a quote") == r"\> not a quote"
    assert render.literal("# not a heading") == r"\# not a heading"


def test_mentions_in_article_and_question_are_defused():
    text = "They wrote @everyone, @here, <@123456789012345678> and <@&223456789012345678>."
    msg = render.render_answer(answer_of(text, question="ping @everyone <@1>?"))[0]
    assert "@everyone" not in msg and "@here" not in msg
    assert "<@1" not in msg and "<@&" not in msg
    assert msg.splitlines()[0] == "**Q:** ping @\u200beveryone <@\u200b1>?"
    assert msg.splitlines()[1] == (
        "> They wrote @\u200beveryone, @\u200bhere, <@\u200b123456789012345678> and "
        "<@\u200b&223456789012345678>. [1]"
    )


def test_long_question_echo_is_shortened_to_one_line():
    msg = render.render_answer(Answer("why\n" + "x" * 1000, answered=False, reason="not_found"))[0]
    first = msg.splitlines()[0]
    assert first == "**Q:** why " + "x" * (render.QUESTION_ECHO_LIMIT - 5) + "…"


# --------------------------------------------------------------------------- splitting


def one_quote_length(n: int) -> int:
    return len(render.render_answer(answer_of("x" * n), echo_question=False)[0])


OVERHEAD_1 = one_quote_length(100) - 100  # "> " + " [1]" + "\n**Sources:**\n" + source line


@pytest.mark.parametrize("total", [1999, 2000])
def test_single_quote_at_and_below_the_limit_is_untouched(total):
    n = total - OVERHEAD_1
    messages = render.render_answer(answer_of("x" * n), echo_question=False)
    assert messages == ["> " + "x" * n + " [1]\n**Sources:**\n" + SOURCE_1]
    assert len(messages[0]) == total


def test_single_quote_one_over_the_limit_is_truncated_and_keeps_its_citation():
    n = 2001 - OVERHEAD_1
    messages = render.render_answer(answer_of("x" * n), echo_question=False)
    assert len(messages) == 1
    assert len(messages[0]) == 2000
    assert messages[0] == "> " + "x" * (n - 2) + "… [1]\n**Sources:**\n" + SOURCE_1


def test_oversized_2500_character_sentence():
    messages = render.render_answer(answer_of("y" * 2500, question="long?"))
    assert len(messages) == 1
    msg = messages[0]
    assert len(msg) <= 2000
    lines = msg.split("\n")
    assert lines[0] == "**Q:** long?"
    assert lines[1].startswith("> yyy") and lines[1].endswith("y… [1]")
    assert lines[2:] == ["**Sources:**", SOURCE_1]


def two_quote_length(n1: int, n2: int) -> int:
    return len(render.render_answer(answer_of("a" * n1, "b" * n2), echo_question=False)[0])


OVERHEAD_2 = two_quote_length(100, 100) - 200


@pytest.mark.parametrize("total", [1999, 2000])
def test_two_quotes_fitting_stay_in_one_message(total):
    n1 = 1000
    n2 = total - OVERHEAD_2 - n1
    messages = render.render_answer(answer_of("a" * n1, "b" * n2), echo_question=False)
    assert len(messages) == 1 and len(messages[0]) == total


def test_two_quotes_one_over_split_between_quotes_with_their_citations():
    n1 = 1000
    n2 = 2001 - OVERHEAD_2 - n1
    messages = render.render_answer(answer_of("a" * n1, "b" * n2), echo_question=False)
    assert messages == [
        "> " + "a" * n1 + " [1]\n**Sources:**\n" + SOURCE_1,
        "> " + "b" * n2 + " [2]\n**Sources:**\n[2] T — paragraph 2, sentence 2",
    ]


def test_header_only_in_first_message():
    messages = render.render_answer(answer_of("a" * 1500, "b" * 1500, question="both?"))
    assert [m.startswith("**Q:** both?\n") for m in messages] == [True, False]
    assert all(len(m) <= 2000 for m in messages)


def test_oversized_quote_with_context_keeps_marker_and_citation():
    messages = render.render_answer(answer_of("He " + "z" * 2500, context="c" * 600), echo_question=False)
    assert len(messages) == 1 and len(messages[0]) <= 2000
    lines = messages[0].split("\n")
    assert lines[0].startswith("> *(context) ccc") and lines[0].endswith("…*")
    assert lines[1].endswith("… [1]")
    assert lines[-1] == "[1] T — paragraph 1, sentence 1 (context: paragraph 99, sentence 99)"


def test_truncation_never_cuts_an_escape_in_half():
    # every character escapes to two: a cut must not leave a lone backslash before "…"
    messages = render.render_answer(answer_of("*" * 2500), echo_question=False)
    quote = messages[0].split("\n")[0]
    assert re.fullmatch(r"> (\\\*)+… \[1\]", quote)
    assert len(messages[0]) <= 2000


texts = st.text(
    alphabet=st.sampled_from(list("ab *_~`|>#-@<&!:\n\\1.") + ["é", "😀"]), min_size=1, max_size=3000
)


@settings(max_examples=60, deadline=None)
@given(st.lists(texts, min_size=1, max_size=3), st.integers(min_value=200, max_value=2000), texts)
def test_every_message_fits_and_keeps_quotes_with_citations(quotes, limit, question):
    messages = render.render_answer(answer_of(*quotes, question=question), limit=limit)
    assert all(len(m) <= limit for m in messages)
    seen = []
    for message in messages:
        assert "@everyone" not in message and "@here" not in message
        numbers = [int(n) for n in re.findall(r"^> .* \[(\d+)\]$", message, flags=re.M)]
        sources = [int(n) for n in re.findall(r"^\[(\d+)\] T — ", message, flags=re.M)]
        assert numbers == sources and numbers
        seen += numbers
    assert seen == list(range(1, len(quotes) + 1))


# --------------------------------------------------------------------------- sources / misc


def test_sources_listing(engine):
    assert render.render_sources(engine.sources()) == [
        "**1 article(s), 23 sentences**\n"
        "• Putin arrives in North Korea for first visit in 24 years (2024-06-18): 23 sentences"
    ]


def test_sources_listing_splits_between_lines():
    sources = [Source(f"d{i}", f"Title number {i} " + "w" * 80, None, 1) for i in range(60)]
    messages = render.render_sources(sources)
    assert len(messages) > 1 and all(len(m) <= 2000 for m in messages)
    assert "\n".join(messages).count("• Title number") == 60


def test_no_sources():
    assert render.render_sources([]) == ["No articles are loaded."]


@pytest.mark.parametrize(("retry", "text"), [(4.2, "5 s"), (0.01, "1 s"), (5.0, "5 s")])
def test_cooldown_message(retry, text):
    assert render.cooldown_message(retry) == f"You're asking a bit fast. Please try again in {text}."


def test_source_line_reuses_terminal_form_with_title_escaped():
    from retrieval import Hit, Quote

    from .discord_fakes import sentence

    quote = Quote(hit=Hit(sentence("Text.", 3, section="*Live* @here", title="A_b [x](y)"), 1.0, 1))
    assert render.source_line(2, quote) == (
        r"[2] A\_b \[x](y) — section “\*Live\* @" + "\u200b" + "here”, paragraph 3, sentence 3"
    )
