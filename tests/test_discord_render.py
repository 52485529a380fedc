"""bot.discord_render: layout, escaping, mentions defused, one message of at most 2000 characters."""

from __future__ import annotations

import dataclasses
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import discord_render as render

from .discord_fakes import BELOUSOV_MESSAGE, answer_of
from retrieval import Answer, Source

SOURCE_1 = "[1] T — paragraph 1, sentence 1"


def test_answered_layout_from_the_engine(engine):
    assert render.render_answer(engine.answer("Who accompanied Putin?")) == BELOUSOV_MESSAGE


def test_context_sentence_shown_before_the_quote(engine):
    message = render.render_answer(engine.answer("what did he mention about trade?"), echo_question=False)
    assert message == (
        "> *(context) In an editorial published in North Korean state media before his arrival, "
        "Putin expressed Russia’s intent to continue opposing Western efforts to impede the "
        "establishment of a multipolar world order based on mutual respect and justice.*\n"
        "> He also mentioned plans to develop independent trade and payment systems with North "
        "Korea and to resist Western-imposed sanctions, describing them as “unilateral and "
        "illegal”. [1]\n"
        "**Sources:**\n"
        "[1] Putin arrives in North Korea for first visit in 24 years — section “Putin and Kim "
        "Jong Un’s discussion topics”, paragraph 7, sentences 9–10"
    )


def test_two_quotes_numbered_in_order():
    message = render.render_answer(answer_of("First one.", "Second one."), echo_question=False)
    assert message == (
        "> First one. [1]\n> Second one. [2]\n**Sources:**\n"
        "[1] T — paragraph 1, sentence 1\n[2] T — paragraph 2, sentence 2"
    )


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("not_found", "**Q:** zebra?\n" + render.NOT_FOUND),
        ("no_terms", "**Q:** zebra?\n" + render.NO_TERMS),
        (
            "too_long",
            "**Q:** zebra?\nThat question is too long (6 characters; the limit is 2,000). Please ask it more briefly.",
        ),
    ],
)
def test_abstention_says_so_plainly(reason, expected):
    assert render.render_answer(Answer("zebra?", answered=False, reason=reason)) == expected


@pytest.mark.parametrize(
    ("articles", "expected"),
    [
        (0, "**Q:** zebra?\nI couldn't find that in the article."),
        (1, "**Q:** zebra?\nI couldn't find that in the article."),
        (2, "**Q:** zebra?\nI couldn't find that in the articles."),
        (40, "**Q:** zebra?\nI couldn't find that in the articles."),
    ],
)
def test_abstention_names_the_articles_when_several_are_loaded(articles, expected):
    answer = Answer("zebra?", answered=False, reason="not_found")
    assert render.render_answer(answer, articles=articles) == expected


@pytest.mark.parametrize(
    ("articles", "expected"),
    [
        (0, "Please ask a question about the article in words: who, what, when, where, how many …?"),
        (1, "Please ask a question about the article in words: who, what, when, where, how many …?"),
        (2, "Please ask a question about the articles in words: who, what, when, where, how many …?"),
        (40, "Please ask a question about the articles in words: who, what, when, where, how many …?"),
    ],
)
def test_wordless_question_names_the_articles_when_several_are_loaded(articles, expected):
    wordless = Answer("?", answered=False, reason="no_terms")
    assert render.render_answer(wordless, echo_question=False, articles=articles) == expected
    assert render.render_answer(wordless, articles=articles) == "**Q:** ?\n" + expected


def test_question_over_the_limit_from_the_engine(engine):
    message = render.render_answer(engine.answer("x" * 2700))
    assert message == (
        "**Q:** " + "x" * 299 + "…\n"
        "That question is too long (2,700 characters; the limit is 2,000). Please ask it more briefly."
    )


def test_engine_abstention(engine):
    assert render.render_answer(engine.answer("zebra giraffe"), echo_question=False) == render.NOT_FOUND


def test_markdown_is_escaped_and_shown_literally():
    msg = render.render_answer(answer_of("A *bold* _claim_ with `code` and ~~x~~ || y ||."), echo_question=False)
    assert msg.splitlines()[0] == r"> A \*bold\* \_claim\_ with \`code\` and \~\~x\~\~ \|\| y \|\|. [1]"


def test_sentence_starting_like_a_list_or_quote_stays_literal():
    assert render.literal("1. first") == r"1\. first"
    assert render.literal("> not a quote") == r"\> not a quote"
    assert render.literal("# not a heading") == r"\# not a heading"


def test_mentions_in_article_and_question_are_defused():
    text = "They wrote @everyone, @here, <@123456789012345678> and <@&223456789012345678>."
    msg = render.render_answer(answer_of(text, question="ping @everyone <@1>?"))
    assert "@everyone" not in msg and "@here" not in msg
    assert "<@1" not in msg and "<@&" not in msg
    assert msg.splitlines()[0] == "**Q:** ping @\u200beveryone <@\u200b1>?"
    assert msg.splitlines()[1] == (
        "> They wrote @\u200beveryone, @\u200bhere, <@\u200b123456789012345678> and "
        "<@\u200b&223456789012345678>. [1]"
    )


def test_long_question_echo_is_shortened_to_one_line():
    msg = render.render_answer(Answer("why\n" + "x" * 1000, answered=False, reason="not_found"))
    first = msg.splitlines()[0]
    assert first == "**Q:** why " + "x" * (render.QUESTION_ECHO_LIMIT - 5) + "…"


# --------------------------------------------------------------------------- one message


def one_quote_length(n: int) -> int:
    return len(render.render_answer(answer_of("x" * n), echo_question=False))


OVERHEAD_1 = one_quote_length(100) - 100  # "> " + " [1]" + "\n**Sources:**\n" + source line


def test_overhead_of_one_quote():
    assert OVERHEAD_1 == len("> ") + len(" [1]") + len("\n**Sources:**\n") + len(SOURCE_1) == 51


@pytest.mark.parametrize("total", [1999, 2000])
def test_single_quote_at_and_below_the_limit_is_untouched(total):
    n = total - OVERHEAD_1
    message = render.render_answer(answer_of("x" * n), echo_question=False)
    assert message == "> " + "x" * n + " [1]\n**Sources:**\n" + SOURCE_1
    assert len(message) == total


def test_single_quote_one_over_the_limit_is_cut_and_keeps_its_citation():
    n = 2001 - OVERHEAD_1
    message = render.render_answer(answer_of("x" * n), echo_question=False)
    assert message == "> " + "x" * (n - 2) + "… [1]\n**Sources:**\n" + SOURCE_1
    assert len(message) == 2000


def test_3000_character_sentence_is_one_message_with_its_citation():
    message = render.render_answer(answer_of("y" * 3000, question="long?"))
    # 12 (header) + 1 + 2 + 1936 (1935 y and "…") + 4 + 14 + 31 (source line) = 2000
    assert message == "**Q:** long?\n> " + "y" * 1935 + "… [1]\n**Sources:**\n" + SOURCE_1
    assert len(message) == 2000


def two_quote_length(n1: int, n2: int) -> int:
    return len(render.render_answer(answer_of("a" * n1, "b" * n2), echo_question=False))


OVERHEAD_2 = two_quote_length(100, 100) - 200
SOURCES_2 = "**Sources:**\n" + SOURCE_1 + "\n[2] T — paragraph 2, sentence 2"


@pytest.mark.parametrize("total", [1999, 2000])
def test_two_quotes_fitting_are_untouched(total):
    n2 = total - OVERHEAD_2 - 1000
    message = render.render_answer(answer_of("a" * 1000, "b" * n2), echo_question=False)
    assert message == "> " + "a" * 1000 + " [1]\n> " + "b" * n2 + " [2]\n" + SOURCES_2
    assert len(message) == total


def test_two_quotes_one_over_cut_the_longer_one():
    n2 = 2001 - OVERHEAD_2 - 1000  # the 1000 a's are cut by one character
    message = render.render_answer(answer_of("a" * 1000, "b" * n2), echo_question=False)
    assert message == "> " + "a" * 998 + "… [1]\n> " + "b" * n2 + " [2]\n" + SOURCES_2
    assert (OVERHEAD_2, n2, len(message)) == (90, 911, 2000)


def test_two_long_quotes_are_cut_to_the_same_length_in_one_message():
    message = render.render_answer(answer_of("a" * 1500, "b" * 1500, question="both?"))
    # 13 + 2 * (2 + cut + 4 + 1) + 13 + 31 + 1 + 31 = 103 + 2 * cut <= 2000: cut = 948
    assert message == (
        "**Q:** both?\n> " + "a" * 947 + "… [1]\n> " + "b" * 947 + "… [2]\n" + SOURCES_2
    )
    assert len(message) == 1999


def test_oversized_quote_with_context_cuts_the_longest_text_first():
    message = render.render_answer(answer_of("He " + "z" * 2500, context="c" * 600), echo_question=False)
    # the 600-character context stays whole; the sentence gets the remaining 1297 characters
    assert message == (
        "> *(context) " + "c" * 600 + "*\n"
        "> He " + "z" * 1293 + "… [1]\n"
        "**Sources:**\n"
        "[1] T — paragraph 1, sentence 1 (context: paragraph 99, sentence 99)"
    )
    assert len(message) == 2000


def test_context_and_sentence_are_both_cut_when_both_are_long():
    message = render.render_answer(answer_of("He " + "z" * 2500, context="c" * 2500), echo_question=False)
    # 13 + 1 + 1 + 2 + 4 + 14 + 68 = 103 characters around two texts cut to 948 each
    assert message == (
        "> *(context) " + "c" * 947 + "…*\n"
        "> He " + "z" * 944 + "… [1]\n"
        "**Sources:**\n"
        "[1] T — paragraph 1, sentence 1 (context: paragraph 99, sentence 99)"
    )
    assert len(message) == 1999


def test_context_sentence_goes_before_any_quote():
    answer = answer_of("a" * 1000, "b" * 1000, "d" * 1000, context="c" * 1000)
    message = render.render_answer(answer, echo_question=False, limit=500)
    # with the context, three quotes of 100 characters take 581 > 500; without it 429,
    # and the 71 characters left lengthen each quote by 23
    assert message == (
        "> " + "a" * 122 + "… [1]\n"
        "> " + "b" * 122 + "… [2]\n"
        "> " + "d" * 122 + "… [3]\n"
        "**Sources:**\n" + SOURCE_1 + "\n[2] T — paragraph 2, sentence 2\n[3] T — paragraph 3, sentence 3"
    )
    assert len(message) == 498


def test_later_quotes_are_left_out_and_counted():
    answer = answer_of("a" * 300, "b" * 300, "d" * 300, "e" * 300)
    message = render.render_answer(answer, echo_question=False, limit=500)
    # four quotes of 100 characters take 568 > 500; three and the note take 473
    assert message == (
        "> " + "a" * 108 + "… [1]\n"
        "> " + "b" * 108 + "… [2]\n"
        "> " + "d" * 108 + "… [3]\n"
        "*1 more quote left out to fit one message.*\n"
        "**Sources:**\n" + SOURCE_1 + "\n[2] T — paragraph 2, sentence 2\n[3] T — paragraph 3, sentence 3"
    )
    assert len(message) == 500


def test_left_out_line():
    assert render.left_out_line(1) == "*1 more quote left out to fit one message.*"
    assert render.left_out_line(3) == "*3 more quotes left out to fit one message.*"


def test_many_quotes_at_the_discord_limit():
    message = render.render_answer(answer_of(*("q" * 400 for _ in range(20)), question="many?"))
    assert len(message) <= 2000
    shown = re.findall(r"^> q+… \[(\d+)\]$", message, flags=re.M)
    assert shown == [str(n) for n in range(1, len(shown) + 1)]
    assert f"*{20 - len(shown)} more quotes left out to fit one message.*" in message.split("\n")
    assert message.endswith("\n".join(f"[{n}] T — paragraph {n}, sentence {n}" for n in range(1, len(shown) + 1)))
    # 13 quotes of 100 characters, the note and their sources take 1893; a 14th adds 143
    assert len(shown) == 13 and len(message) == 1997


def test_limit_below_the_minimum_is_refused():
    with pytest.raises(ValueError, match="limit must be >= 500, got 499"):
        render.render_answer(answer_of("x"), limit=499)
    with pytest.raises(ValueError, match="limit must be >= 500, got 200"):
        render.render_sources([], limit=200)


def test_cutting_never_splits_an_escape_in_half():
    # every character escapes to two: a cut must not leave a lone backslash before "…"
    message = render.render_answer(answer_of("*" * 2500), echo_question=False)
    quote = message.split("\n")[0]
    assert re.fullmatch(r"> (\\\*)+… \[1\]", quote)
    # 974 stars escape to 1948 characters, plus 52 around them
    assert quote == "> " + "\\*" * 974 + "… [1]" and len(message) == 2000


def test_long_title_and_section_are_cut_but_the_citation_numbers_stay():
    from retrieval import Hit, Quote

    from .discord_fakes import sentence

    quote = Quote(hit=Hit(sentence("Text.", 3, section="s" * 500, title="t" * 1000), 1.0, 1))
    line = render.source_line(1, quote)
    # 4 + 12 + 26 = 42 characters around a title and a section cut to 129 ("…" included)
    assert line == "[1] " + "t" * 128 + "… — section “" + "s" * 128 + "…”, paragraph 3, sentence 3"
    assert len(line) == render.SOURCE_LINE_LIMIT == 300


def test_question_echo_fits_a_quarter_of_the_message():
    line = render.question_line("*" * 400, max_chars=125)
    assert line == "**Q:** " + "\\*" * 58 + "…"
    assert len(line) == 124  # one more star would make 126


texts = st.text(
    alphabet=st.sampled_from(list("ab *_~`|>#-@<&!:\n\\1.") + ["é", "😀"]), min_size=1, max_size=3000
)


@settings(max_examples=60, deadline=None)
@given(st.lists(texts, min_size=1, max_size=6), st.integers(min_value=500, max_value=2000), texts, st.booleans())
def test_one_message_that_fits_and_keeps_every_shown_quote_with_its_citation(quotes, limit, question, context):
    answer = answer_of(*quotes, question=question, context="c" * 900 if context else None)
    message = render.render_answer(answer, limit=limit)
    assert isinstance(message, str) and len(message) <= limit
    assert "@everyone" not in message and "@here" not in message
    numbers = [int(n) for n in re.findall(r"^> .* \[(\d+)\]$", message, flags=re.M)]
    sources = [int(n) for n in re.findall(r"^\[(\d+)\] T — paragraph \d+, sentence", message, flags=re.M)]
    assert numbers == sources == list(range(1, len(numbers) + 1))
    left_out = len(quotes) - len(numbers)
    if left_out:
        assert render.left_out_line(left_out) in message.split("\n")
    else:
        assert "left out" not in message


# --------------------------------------------------------------------------- partial answers

PARTIAL = "answered from 3 of 4 shards: shard 1 (10.0.0.12:7000) is not answering: Couldn't connect (Connection refused)"


def test_a_warning_is_the_last_line_as_in_the_terminal():
    warned = dataclasses.replace(answer_of("First one."), warning=PARTIAL)
    assert render.render_answer(warned, echo_question=False) == (
        "> First one. [1]\n**Sources:**\n[1] T — paragraph 1, sentence 1\n"
        "*warning: answered from 3 of 4 shards: shard 1 (10.0.0.12:7000) is not answering: "
        "Couldn't connect (Connection refused)*"
    )


def test_an_abstention_carries_its_warning_too():
    warned = Answer("zebra?", answered=False, reason="not_found", warning="answered from 1 of 2 shards: shard_0 down")
    assert render.render_answer(warned) == (
        "**Q:** zebra?\n" + render.NOT_FOUND + "\n*warning: answered from 1 of 2 shards: shard\\_0 down*"
    )


def test_a_long_warning_is_cut_to_a_quarter_and_the_answer_fits_beside_it():
    warned = dataclasses.replace(answer_of("x" * 3000), warning="shard down; " * 200)
    message = render.render_answer(warned, limit=1000)
    *body, last = message.split("\n")
    assert len(message) <= 1000 and len(last) <= 250
    assert last.startswith("*warning: shard down; shard down;") and last.endswith("…*")
    assert body[-1] == SOURCE_1 and body[1].startswith("> xxx") and body[1].endswith("… [1]")


@settings(max_examples=40, deadline=None)
@given(texts, texts, st.integers(min_value=500, max_value=2000))
def test_a_warned_answer_is_one_message_within_the_limit(quote, warning, limit):
    message = render.render_answer(dataclasses.replace(answer_of(quote), warning=warning), limit=limit)
    assert len(message) <= limit and "@everyone" not in message
    assert message.split("\n")[-1].startswith("*warning")
    assert re.search(r"^> .* \[1\]$", message, flags=re.M) and SOURCE_1 in message.split("\n")


# --------------------------------------------------------------------------- sources / misc


def test_sources_listing(engine):
    assert render.render_sources(engine.sources()) == (
        "**1 article(s), 23 sentences**\n"
        "• Putin arrives in North Korea for first visit in 24 years (2024-06-18): 23 sentences"
    )


def source_lines(count: int) -> list[str]:
    return [f"• Title number {i} " + "w" * 80 + ": 1 sentence" for i in range(count)]


def test_sources_listing_is_one_message_with_as_many_as_fit():
    sources = [Source(f"d{i}", f"Title number {i} " + "w" * 80, None, 1) for i in range(60)]
    message = render.render_sources(sources)
    # 31 + 10 * (1 + 109) + 7 * (1 + 110) + 14 = 1922; an 18th line (111) would make 2033
    assert message == "\n".join(["**60 article(s), 60 sentences**", *source_lines(17), "… and 43 more"])
    assert len(message) == 1922


def test_sources_listing_that_fits_exactly_is_whole():
    sources = [Source(f"d{i}", f"Title number {i} " + "w" * 80, None, 1) for i in range(17)]
    message = render.render_sources(sources, limit=1908)
    assert message == "\n".join(["**17 article(s), 17 sentences**", *source_lines(17)])
    assert len(message) == 1908
    assert render.render_sources(sources, limit=1907) == "\n".join(
        ["**17 article(s), 17 sentences**", *source_lines(16), "… and 1 more"]
    )


def test_no_sources():
    assert render.render_sources([]) == "No articles are loaded."


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
