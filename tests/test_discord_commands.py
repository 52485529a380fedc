"""Slash commands end to end: the real AskBot in a simulated Discord (simcord), plus the
bot's own pieces (cooldown, concurrency) through their public methods."""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import discord
import pytest
import simcord

from bot import discord_render as render
from bot.discord_app import AskBot, UserCooldown, command_names
from .discord_fakes import BELOUSOV_MESSAGE, FakeClock, answer_of
from retrieval import Answer, Source

BELOUSOV = BELOUSOV_MESSAGE
NO_PINGS_JSON = {"parse": []}


def followup(text: str) -> tuple[str, dict]:
    """The follow-up call ``/ask`` makes after deferring: the text, pinging nobody."""
    return ("followup", {"content": text, "tts": False, "allowed_mentions": NO_PINGS_JSON})


def respond(text: str, *, ephemeral: bool = False) -> tuple[str, dict]:
    """An immediate interaction response with ``text`` (flag 64: only the user sees it)."""
    data = {"tts": False, "content": text, "allowed_mentions": NO_PINGS_JSON}
    if ephemeral:
        data["flags"] = 64
    return ("respond", data)


def strip_respond(calls):
    """Interaction calls with the response data cut to the keys :func:`respond` sets
    (discord.py adds empty ``embeds``/``components`` lists to some)."""
    out = []
    for kind, data in calls:
        if kind == "respond":
            data = {k: v for k, v in data.items() if k in ("tts", "content", "allowed_mentions", "flags")}
        out.append((kind, data))
    return out


async def test_ask_defers_then_sends_exactly_one_followup(discord_world, engine):
    world = await discord_world(engine=engine)
    result = await world.ask("Who accompanied Putin?")
    assert world.interaction_calls() == [("defer", None), followup(BELOUSOV)]
    assert result.response.content == BELOUSOV and not result.ephemeral


async def test_ask_abstains_plainly(discord_world, engine):
    world = await discord_world(engine=engine)
    await world.ask("zebra giraffe")
    assert world.sent() == ["**Q:** zebra giraffe\n" + render.NOT_FOUND]


async def test_ask_abstains_naming_the_articles_when_several_are_loaded(discord_world):
    abstain = Answer("zebra giraffe", answered=False, reason="not_found")
    two = [Source("a", "A", None, 1), Source("b", "B", None, 1)]
    world = await discord_world(answer=lambda q: abstain, sources=two)
    await world.ask("zebra giraffe")
    await world.mention("zebra giraffe")
    assert world.sent() == [
        "**Q:** zebra giraffe\nI couldn't find that in the articles.",
        "I couldn't find that in the articles.",
    ]


async def test_wordless_question_names_the_articles_when_several_are_loaded(discord_world):
    wordless = Answer("?", answered=False, reason="no_terms")
    two = [Source("a", "A", None, 1), Source("b", "B", None, 1)]
    world = await discord_world(answer=lambda q: wordless, sources=two)
    await world.ask("?")
    assert world.sent() == ["**Q:** ?\n" + render.NO_TERMS_MANY]
    assert render.NO_TERMS_MANY == (
        "Please ask a question about the articles in words: who, what, when, where, how many …?"
    )


@pytest.mark.parametrize(
    "length, message",
    [
        (0, "^Option 'question' of 'ask' must be at least 1 characters, got 0$"),
        (501, "^Option 'question' of 'ask' must be at most 500 characters, got 501$"),
    ],
)
async def test_ask_option_length_is_checked_by_discord(discord_world, engine, length, message):
    # The option is declared 1..500 characters: Discord refuses other lengths before the bot sees them.
    world = await discord_world(engine=engine)
    with pytest.raises(simcord.OptionError, match=message):
        await world.ask("w" * length)
    assert world.posts() == []


async def test_ask_over_the_question_limit_is_one_line(discord_world, engine):
    # Should a longer question reach the handler, it still gets one line, not a traceback.
    world = await discord_world(engine=engine)
    text = await world.bot.answer_message("why? " * 401, echo_question=True)
    assert text.startswith("**Q:** why? why? ")
    assert text.endswith(
        "…\nThat question is too long (2,005 characters; the limit is 2,000). Please ask it more briefly."
    )


async def test_ask_question_echo_pings_nobody(discord_world, engine):
    world = await discord_world(engine=engine)
    await world.ask("@everyone <@&123456789012345678> who accompanied Putin?")
    [(kind, payload)] = world.interaction_calls()[1:]
    assert payload["content"].startswith(
        "**Q:** @\u200beveryone <@\u200b&123456789012345678> who accompanied Putin?\n"
    )
    assert payload["allowed_mentions"] == {"parse": []}


async def test_ask_long_answer_is_one_followup(discord_world):
    long = answer_of("a" * 1500, "b" * 1500, question="q")
    world = await discord_world(answer=lambda q: long)
    await world.ask("q")
    # both quotes cut to 950 characters ("…" included): 99 + 2 * 950 = 1999
    text = (
        "**Q:** q\n> " + "a" * 949 + "… [1]\n> " + "b" * 949 + "… [2]\n**Sources:**\n"
        "[1] T — paragraph 1, sentence 1\n[2] T — paragraph 2, sentence 2"
    )
    assert world.interaction_calls() == [("defer", None), followup(text)]
    assert len(text) == 1999


async def test_ask_3000_character_sentence_is_one_followup_with_its_citation(discord_world):
    long = answer_of("y" * 3000, question="long?")
    world = await discord_world(answer=lambda q: long)
    await world.ask("long?")
    text = "**Q:** long?\n> " + "y" * 1935 + "… [1]\n**Sources:**\n[1] T — paragraph 1, sentence 1"
    assert world.interaction_calls() == [("defer", None), followup(text)]
    assert len(text) == 2000


async def test_sources_command(discord_world, engine):
    world = await discord_world(engine=engine)
    result = await world.slash("sources")
    text = (
        "**1 article(s), 23 sentences**\n"
        "• Putin arrives in North Korea for first visit in 24 years (2024-06-18): 23 sentences"
    )
    assert strip_respond(world.interaction_calls()) == [respond(text)]
    assert result.response.content == text and not result.ephemeral


async def test_sources_command_with_many_articles_is_one_message(discord_world):
    many = [Source(f"d{i}", f"Title number {i} " + "w" * 80, None, 1) for i in range(60)]
    world = await discord_world(answer=lambda q: None, sources=many)
    await world.slash("sources")
    [text] = world.sent()
    shown = [f"• Title number {i} " + "w" * 80 + ": 1 sentence" for i in range(17)]
    assert text == "\n".join(["**60 article(s), 60 sentences**", *shown, "… and 43 more"])
    assert len(text) == 1922  # 17 of 60 fit in 2000 characters


async def test_help_command_is_ephemeral_and_names_the_bot(discord_world, engine):
    world = await discord_world(engine=engine)
    result = await world.slash("help")
    assert result.ephemeral
    [(kind, data)] = strip_respond(world.interaction_calls())
    assert (kind, data["flags"], data["allowed_mentions"]) == ("respond", 64, NO_PINGS_JSON)
    assert data["content"] == render.HELP.replace("{name}", "TestBot")  # simcord's bot account
    assert data["content"].startswith("**How to ask**\n• `/ask question: Who accompanied Putin?`\n")
    assert "`@TestBot Who accompanied Putin?`" in data["content"]


async def test_help_names_the_renamed_bot_inside_code(discord_world, engine):
    world = await discord_world(engine=engine)
    await world.bot.user.edit(username="Ask_Bot`")
    result = await world.slash("help")
    assert "`@Ask_Bot' Who accompanied Putin?`" in result.response.content


def test_help_before_login_uses_a_generic_name(engine):
    bot = AskBot.from_engine(engine, sync_commands=False)
    assert "`@Bot Who accompanied Putin?`" in bot.help_text()


def test_commands_and_descriptions_come_from_docstrings(engine):
    bot = AskBot.from_engine(engine, sync_commands=False)
    commands = {c.name: c for c in bot.tree.get_commands()}
    assert sorted(commands) == ["ask", "help", "sources"]
    assert commands["ask"].description == "Ask a question; the answer quotes the articles with citations."
    [param] = commands["ask"].parameters
    assert (param.name, param.required, param.min_value, param.max_value) == ("question", True, 1, 500)
    assert command_names(bot) == ["/ask question:<text>", "/sources", "/help"]


def test_client_never_pings_and_needs_no_privileged_intent(engine):
    bot = AskBot.from_engine(engine, sync_commands=False)
    assert bot.allowed_mentions.to_dict() == {"parse": []}
    assert bot.intents.message_content is False
    assert bot.intents.guild_messages and bot.intents.dm_messages
    assert AskBot.from_engine(engine, message_content=True).intents.message_content is True


def test_max_concurrency_below_one_is_refused():
    with pytest.raises(ValueError, match="^max_concurrency must be >= 1, got 0$"):
        AskBot(answer=lambda q: None, sources=[], max_concurrency=0)


async def test_cooldown_reply_then_allowed_again(discord_world, engine):
    world = await discord_world(engine=engine, cooldown_seconds=5)
    await world.ask("Who accompanied Putin?")
    await world.advance(1.5)
    refused = await world.ask("Who accompanied Putin?")
    assert refused.ephemeral
    assert strip_respond(world.interaction_calls()[2:]) == [
        respond("You're asking a bit fast. Please try again in 4 s.", ephemeral=True)
    ]
    await world.ask("Who accompanied Putin?", member=world.bob)  # another user is not slowed down
    await world.advance(3.5)
    await world.ask("Who accompanied Putin?")
    assert world.interaction_calls()[3:] == [
        ("defer", None),
        followup(BELOUSOV),
        ("defer", None),
        followup(BELOUSOV),
    ]


def test_user_cooldown_unit():
    clock = FakeClock()
    cooldown = UserCooldown(5, clock)
    assert cooldown.retry_after(1) == 0.0
    clock.now += 2
    assert cooldown.retry_after(1) == 3.0
    clock.now += 3
    assert cooldown.retry_after(1) == 0.0
    assert UserCooldown(0, clock).retry_after(1) == 0.0
    with pytest.raises(ValueError, match="^per must be >= 0, got -1$"):
        UserCooldown(-1)


def test_user_cooldown_forgets_expired_users_past_10000():
    clock = FakeClock()
    cooldown = UserCooldown(5, clock)
    for user in range(10_000):
        cooldown.retry_after(user)
    clock.now += 6  # all 10,000 expired
    assert cooldown.retry_after(10_000) == 0.0  # the 10,001st user: the expired ones are dropped
    clock.now += 1
    assert cooldown.retry_after(10_000) == 4.0  # the new one is remembered
    assert [cooldown.retry_after(u) for u in (0, 9_999)] == [0.0, 0.0]


async def test_failing_answer_path_gives_short_message_and_bot_keeps_answering(discord_world, engine, caplog):
    calls = []

    def flaky(question: str) -> Answer:
        calls.append(question)
        if len(calls) == 1:
            raise RuntimeError("index exploded")
        return engine.answer(question)

    world = await discord_world(answer=flaky, sources=engine.sources())
    with caplog.at_level(logging.ERROR, logger="bot.discord_app"):
        await world.ask("Who accompanied Putin?")
    assert world.interaction_calls() == [("defer", None), followup(render.ERROR)]
    [record] = [r for r in caplog.records if r.name == "bot.discord_app"]
    assert record.getMessage() == "Answering failed for a question of 22 characters"
    assert record.exc_info[0] is RuntimeError and "index exploded" in caplog.text
    assert "Traceback" in caplog.text

    await world.ask("Who accompanied Putin?")
    assert world.interaction_calls()[2:] == [("defer", None), followup(BELOUSOV)]


async def test_failing_followup_reaches_the_tree_error_handler_and_bot_keeps_going(discord_world, engine, caplog):
    world = await discord_world(engine=engine)
    world.env.inject_error("POST", "/webhooks/*", status=500)  # the first follow-up fails
    await world.ask("Who accompanied Putin?")
    [error] = world.errors()
    assert isinstance(error, discord.app_commands.CommandInvokeError)
    assert isinstance(error.original, discord.HTTPException) and error.original.status == 500
    # the failed follow-up, then the short error message through the error handler
    assert world.interaction_calls() == [
        ("defer", None),
        followup(BELOUSOV),
        ("followup", {"content": render.ERROR, "tts": False, "allowed_mentions": NO_PINGS_JSON, "flags": 64}),
    ]
    assert "Slash command failed" in caplog.text and "Traceback" in caplog.text

    await world.ask("Who accompanied Putin?")
    assert world.interaction_calls()[3:] == [("defer", None), followup(BELOUSOV)]


async def test_failing_immediate_response_is_answered_by_the_error_handler(discord_world, engine, caplog):
    world = await discord_world(engine=engine)
    world.env.inject_error("POST", "/interactions/*/callback", status=500)  # /sources cannot respond
    await world.slash("sources")
    [error] = world.errors()
    assert isinstance(error.original, discord.HTTPException)
    # not responded yet: the error handler responds (ephemeral) itself
    assert [kind for kind, _ in world.interaction_calls()] == ["respond", "respond"]
    assert strip_respond(world.interaction_calls())[1] == respond(render.ERROR, ephemeral=True)


async def test_error_handler_survives_a_failing_error_message(discord_world, engine, caplog):
    world = await discord_world(engine=engine)
    world.env.inject_error("POST", "/interactions/*/callback", status=500, times=2)
    await world.slash("sources")
    [error] = world.errors()
    assert isinstance(error.original, discord.HTTPException) and error.original.status == 500
    assert "Could not send the error message either" in caplog.text


async def test_answers_run_off_the_loop_with_bounded_concurrency():
    """At most ``max_concurrency`` answers are computed at once, in worker threads.

    Deterministic: the worker threads signal the loop (an event) instead of the test
    polling; a thread pool counting submissions shows how many answers were handed to
    threads at the moment two are blocked."""

    class CountingPool(ThreadPoolExecutor):
        submitted = 0

        def submit(self, fn, /, *args, **kwargs):
            CountingPool.submitted += 1
            return super().submit(fn, *args, **kwargs)

    loop = asyncio.get_running_loop()
    pool = CountingPool(max_workers=6)
    loop.set_default_executor(pool)
    two_running = asyncio.Event()
    release = threading.Event()
    lock = threading.Lock()
    running = 0
    peak = 0
    in_main_thread = set()

    def slow(question: str) -> Answer:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
            in_main_thread.add(threading.current_thread() is threading.main_thread())
            if running == 2:
                loop.call_soon_threadsafe(two_running.set)
        release.wait(60)  # bounded, so a broken test cannot hang the suite
        with lock:
            running -= 1
        return Answer(question, answered=False, reason="not_found")

    bot = AskBot(answer=slow, sources=[], cooldown_seconds=0, max_concurrency=2, sync_commands=False)
    tasks = [asyncio.create_task(bot.answer_message(f"q{i}", echo_question=False)) for i in range(6)]
    await asyncio.wait_for(two_running.wait(), 60)  # the loop is free while two answers block
    # every task has run up to its first wait by now: only two were handed to threads
    assert (CountingPool.submitted, peak) == (2, 2)
    release.set()
    assert await asyncio.gather(*tasks) == [render.NOT_FOUND] * 6
    assert (CountingPool.submitted, peak, in_main_thread) == (6, 2, {False})
    pool.shutdown(wait=True)
