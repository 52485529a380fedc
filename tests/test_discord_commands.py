"""Slash commands through their real callbacks, with fake Interactions."""

from __future__ import annotations

import asyncio
import logging
import threading
from unittest.mock import AsyncMock, MagicMock, patch

import discord
import pytest

from bot import discord_render as render
from bot.discord_app import NO_PINGS, AskBot, UserCooldown, command_names
from .discord_fakes import BELOUSOV_MESSAGE, FakeClock, answer_of, fake_interaction
from retrieval import Answer, Source

BELOUSOV = BELOUSOV_MESSAGE


def make_bot(engine, **options) -> AskBot:
    options.setdefault("cooldown_seconds", 0)
    return AskBot.from_engine(engine, sync_commands=False, **options)


async def ask(bot: AskBot, interaction, question: str) -> None:
    await bot.tree.get_command("ask").callback(interaction, question)


async def test_ask_defers_then_sends_exactly_one_followup(engine):
    bot = make_bot(engine)
    interaction, events = fake_interaction()
    await ask(bot, interaction, "Who accompanied Putin?")
    assert events == [
        ("defer", (), {"thinking": True}),
        ("followup", (BELOUSOV,), {"allowed_mentions": NO_PINGS}),
    ]
    interaction.followup.send.assert_awaited_once()
    assert "Andrei Belousov" in events[1][1][0] and "[1]" in events[1][1][0]


async def test_ask_abstains_plainly(engine):
    bot = make_bot(engine)
    interaction, events = fake_interaction()
    await ask(bot, interaction, "zebra giraffe")
    assert events[1] == ("followup", ("**Q:** zebra giraffe\n" + render.NOT_FOUND,), {"allowed_mentions": NO_PINGS})


async def test_ask_abstains_naming_the_articles_when_several_are_loaded():
    abstain = Answer("zebra giraffe", answered=False, reason="not_found")
    two = [Source("a", "A", None, 1), Source("b", "B", None, 1)]
    bot = AskBot(answer=lambda q: abstain, sources=two, cooldown_seconds=0, sync_commands=False)
    interaction, events = fake_interaction()
    await ask(bot, interaction, "zebra giraffe")
    expected = "**Q:** zebra giraffe\nI couldn't find that in the articles."
    assert events[1] == ("followup", (expected,), {"allowed_mentions": NO_PINGS})
    assert await bot.answer_message("zebra giraffe", echo_question=False) == (
        "I couldn't find that in the articles."
    )


async def test_wordless_question_names_the_articles_when_several_are_loaded():
    wordless = Answer("?", answered=False, reason="no_terms")
    two = [Source("a", "A", None, 1), Source("b", "B", None, 1)]
    bot = AskBot(answer=lambda q: wordless, sources=two, cooldown_seconds=0, sync_commands=False)
    interaction, events = fake_interaction()
    await ask(bot, interaction, "?")
    expected = "**Q:** ?\n" + render.NO_TERMS_MANY
    assert events[1] == ("followup", (expected,), {"allowed_mentions": NO_PINGS})
    assert render.NO_TERMS_MANY == (
        "Please ask a question about the articles in words: who, what, when, where, how many …?"
    )


async def test_ask_over_the_question_limit_is_one_line(engine):
    bot = make_bot(engine)
    interaction, events = fake_interaction()
    await ask(bot, interaction, "why? " * 401)  # more than /ask accepts, should Discord let it through
    text = events[1][1][0]
    assert text.startswith("**Q:** why? why? ")
    assert text.endswith(
        "…\nThat question is too long (2,005 characters; the limit is 2,000). Please ask it more briefly."
    )


async def test_ask_question_echo_pings_nobody(engine):
    bot = make_bot(engine)
    interaction, events = fake_interaction()
    await ask(bot, interaction, "@everyone <@&123456789012345678> who accompanied Putin?")
    text = events[1][1][0]
    assert text.startswith("**Q:** @\u200beveryone <@\u200b&123456789012345678> who accompanied Putin?\n")
    assert events[1][2]["allowed_mentions"].to_dict() == {"parse": []}


async def test_ask_long_answer_is_one_followup():
    long = answer_of("a" * 1500, "b" * 1500, question="q")
    bot = AskBot(answer=lambda q: long, sources=[], cooldown_seconds=0, sync_commands=False)
    interaction, events = fake_interaction()
    await ask(bot, interaction, "q")
    # both quotes cut to 950 characters ("…" included): 99 + 2 * 950 = 1999
    text = (
        "**Q:** q\n> " + "a" * 949 + "… [1]\n> " + "b" * 949 + "… [2]\n**Sources:**\n"
        "[1] T — paragraph 1, sentence 1\n[2] T — paragraph 2, sentence 2"
    )
    assert events == [("defer", (), {"thinking": True}), ("followup", (text,), {"allowed_mentions": NO_PINGS})]
    assert len(text) == 1999


async def test_ask_3000_character_sentence_is_one_followup_with_its_citation():
    long = answer_of("y" * 3000, question="long?")
    bot = AskBot(answer=lambda q: long, sources=[], cooldown_seconds=0, sync_commands=False)
    interaction, events = fake_interaction()
    await ask(bot, interaction, "long?")
    text = "**Q:** long?\n> " + "y" * 1935 + "… [1]\n**Sources:**\n[1] T — paragraph 1, sentence 1"
    assert events == [("defer", (), {"thinking": True}), ("followup", (text,), {"allowed_mentions": NO_PINGS})]
    assert len(text) == 2000


async def test_sources_command(engine):
    bot = make_bot(engine)
    interaction, events = fake_interaction()
    await bot.tree.get_command("sources").callback(interaction)
    assert events == [
        (
            "send_message",
            (
                "**1 article(s), 23 sentences**\n"
                "• Putin arrives in North Korea for first visit in 24 years (2024-06-18): 23 sentences",
            ),
            {"allowed_mentions": NO_PINGS},
        )
    ]


async def test_sources_command_with_many_articles_is_one_message():
    many = [Source(f"d{i}", f"Title number {i} " + "w" * 80, None, 1) for i in range(60)]
    bot = AskBot(answer=lambda q: None, sources=many, cooldown_seconds=0, sync_commands=False)
    interaction, events = fake_interaction()
    await bot.tree.get_command("sources").callback(interaction)
    [(kind, (text,), kwargs)] = events
    assert (kind, kwargs, len(text)) == ("send_message", {"allowed_mentions": NO_PINGS}, 1922)
    assert text.startswith("**60 article(s), 60 sentences**\n• Title number 0 ")
    assert text.endswith(": 1 sentence\n… and 43 more")


async def test_help_command_is_ephemeral(engine):
    bot = make_bot(engine)
    interaction, events = fake_interaction()
    await bot.tree.get_command("help").callback(interaction)
    [(kind, args, kwargs)] = events
    assert kind == "send_message" and kwargs == {"ephemeral": True, "allowed_mentions": NO_PINGS}
    assert args[0].startswith("**How to ask**\n• `/ask question: Who accompanied Putin?`\n")
    assert "`@Bot Who accompanied Putin?`" in args[0]  # not logged in: generic name


def test_commands_and_descriptions_come_from_docstrings(engine):
    bot = make_bot(engine)
    commands = {c.name: c for c in bot.tree.get_commands()}
    assert sorted(commands) == ["ask", "help", "sources"]
    assert commands["ask"].description == "Ask a question; the answer quotes the articles with citations."
    [param] = commands["ask"].parameters
    assert (param.name, param.required, param.min_value, param.max_value) == ("question", True, 1, 500)
    assert command_names(bot) == ["/ask question:<text>", "/sources", "/help"]


def test_client_never_pings_and_needs_no_privileged_intent(engine):
    bot = make_bot(engine)
    assert bot.allowed_mentions.to_dict() == {"parse": []}
    assert bot.intents.message_content is False
    assert bot.intents.guild_messages and bot.intents.dm_messages
    assert make_bot(engine, message_content=True).intents.message_content is True


async def test_cooldown_reply_then_allowed_again(engine):
    clock = FakeClock()
    bot = make_bot(engine, cooldown_seconds=5, clock=clock)
    first, first_events = fake_interaction(user_id=7)
    await ask(bot, first, "Who accompanied Putin?")
    assert [e[0] for e in first_events] == ["defer", "followup"]

    clock.now += 1.5
    second, second_events = fake_interaction(user_id=7)
    await ask(bot, second, "Who accompanied Putin?")
    assert second_events == [
        (
            "send_message",
            ("You're asking a bit fast. Please try again in 4 s.",),
            {"ephemeral": True, "allowed_mentions": NO_PINGS},
        )
    ]
    other, other_events = fake_interaction(user_id=8)  # another user is not slowed down
    await ask(bot, other, "Who accompanied Putin?")
    assert [e[0] for e in other_events] == ["defer", "followup"]

    clock.now += 3.5
    third, third_events = fake_interaction(user_id=7)
    await ask(bot, third, "Who accompanied Putin?")
    assert third_events[1] == ("followup", (BELOUSOV,), {"allowed_mentions": NO_PINGS})


def test_user_cooldown_unit():
    clock = FakeClock()
    cooldown = UserCooldown(5, clock)
    assert cooldown.retry_after(1) == 0.0
    clock.now += 2
    assert cooldown.retry_after(1) == 3.0
    clock.now += 3
    assert cooldown.retry_after(1) == 0.0
    assert UserCooldown(0, clock).retry_after(1) == 0.0
    with pytest.raises(ValueError):
        UserCooldown(-1)


async def test_failing_answer_path_gives_short_message_and_bot_keeps_answering(engine, caplog):
    calls = []

    def flaky(question: str) -> Answer:
        calls.append(question)
        if len(calls) == 1:
            raise RuntimeError("index exploded")
        return engine.answer(question)

    bot = AskBot(answer=flaky, sources=engine.sources(), cooldown_seconds=0, sync_commands=False)
    interaction, events = fake_interaction()
    with caplog.at_level(logging.ERROR, logger="bot.discord_app"):
        await ask(bot, interaction, "Who accompanied Putin?")
    assert events == [
        ("defer", (), {"thinking": True}),
        ("followup", (render.ERROR,), {"allowed_mentions": NO_PINGS}),
    ]
    [record] = caplog.records
    assert record.exc_info[0] is RuntimeError and "index exploded" in caplog.text
    assert "Traceback" in caplog.text

    again, again_events = fake_interaction()
    await ask(bot, again, "Who accompanied Putin?")
    assert again_events[1] == ("followup", (BELOUSOV,), {"allowed_mentions": NO_PINGS})


async def test_tree_error_handler_answers_briefly(engine, caplog):
    bot = make_bot(engine)
    interaction, events = fake_interaction()
    error = app_error()
    with caplog.at_level(logging.ERROR, logger="bot.discord_app"):
        await bot.tree.on_error(interaction, error)
    assert events == [("send_message", (render.ERROR,), {"ephemeral": True, "allowed_mentions": NO_PINGS})]
    assert caplog.records[0].exc_info[1] is error

    done, done_events = fake_interaction()
    done.response.is_done.return_value = True
    await bot.tree.on_error(done, error)
    assert done_events == [("followup", (render.ERROR,), {"ephemeral": True, "allowed_mentions": NO_PINGS})]


async def test_tree_error_handler_survives_a_failing_error_message(engine, caplog):
    bot = make_bot(engine)
    interaction, _ = fake_interaction()
    interaction.response.send_message.side_effect = RuntimeError("gone")
    await bot.tree.on_error(interaction, app_error())  # does not raise
    assert "Could not send the error message either" in caplog.text


def app_error() -> discord.app_commands.AppCommandError:
    try:
        raise discord.app_commands.CommandInvokeError(MagicMock(), RuntimeError("boom"))
    except discord.app_commands.AppCommandError as exc:
        return exc


async def test_answers_run_off_the_loop_with_bounded_concurrency():
    running = 0
    peak = 0
    lock = threading.Lock()
    release = threading.Event()
    threads = set()

    def slow(question: str) -> Answer:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
            threads.add(threading.current_thread() is threading.main_thread())
        release.wait(5)
        with lock:
            running -= 1
        return Answer(question, answered=False, reason="not_found")

    bot = AskBot(answer=slow, sources=[], cooldown_seconds=0, max_concurrency=2, sync_commands=False)
    fakes = [fake_interaction(user_id=i) for i in range(6)]
    tasks = [asyncio.create_task(ask(bot, interaction, f"q{i}")) for i, (interaction, _) in enumerate(fakes)]
    for _ in range(50):  # the loop stays responsive while answers are blocked in threads
        await asyncio.sleep(0.01)
        if peak == 2:
            break
    assert peak == 2 and all(events[0][0] == "defer" for _, events in fakes)
    release.set()
    await asyncio.gather(*tasks)
    assert peak == 2 and threads == {False}
    assert all(len(events) == 2 for _, events in fakes)


async def test_help_names_the_logged_in_bot_inside_code(engine):
    bot = make_bot(engine)
    bot._connection.user = MagicMock(spec=discord.ClientUser, id=5)
    bot._connection.user.name = "Ask_Bot`"
    interaction, events = fake_interaction()
    await bot.tree.get_command("help").callback(interaction)
    assert "`@Ask_Bot' Who accompanied Putin?`" in events[0][1][0]


# ------------------------------------------------ through discord.py's own tree dispatch


def interaction_payload(question: str) -> dict:
    """A gateway INTERACTION_CREATE payload for ``/ask question:<question>`` in a DM."""
    return {
        "id": "1111",
        "application_id": "2222",
        "type": 2,
        "token": "interaction-token",
        "version": 1,
        "data": {
            "id": "3333",
            "name": "ask",
            "type": 1,
            "options": [{"name": "question", "type": 3, "value": question}],
        },
        "channel_id": "4444",
        "user": {"id": "5555", "username": "u", "discriminator": "0", "avatar": None, "global_name": None},
        "locale": "en-US",
        "attachment_size_limit": 8388608,
        "app_permissions": "0",
        "entitlements": [],
        "authorizing_integration_owners": {},
    }


async def dispatch(bot: AskBot, question: str, events: list, send_side_effect=None) -> None:
    """Run a real discord.Interaction through ``CommandTree._call``; HTTP calls are faked."""

    def record_send(*args, **kwargs):
        if send_side_effect is not None:
            send_side_effect(args, kwargs)
        events.append(("followup", args, kwargs))

    interaction = discord.Interaction(data=interaction_payload(question), state=bot._connection)
    defer = AsyncMock(side_effect=lambda *a, **kw: events.append(("defer", a, kw)))
    send = AsyncMock(side_effect=record_send)
    with patch.object(discord.InteractionResponse, "defer", defer), patch.object(discord.Webhook, "send", send):
        await bot.tree._call(interaction)


async def test_ask_through_the_tree(engine):
    bot = make_bot(engine)
    await bot._async_setup_hook()
    events: list = []
    await dispatch(bot, "Who accompanied Putin?", events)
    assert events == [
        ("defer", (), {"thinking": True}),
        ("followup", (BELOUSOV,), {"allowed_mentions": NO_PINGS}),
    ]


async def test_failing_followup_reaches_the_tree_error_handler_and_bot_keeps_going(engine, caplog):
    bot = make_bot(engine)
    await bot._async_setup_hook()
    events: list = []
    failed = []

    def fail_first(args, kwargs):
        if not failed:
            failed.append(args)
            raise discord.HTTPException(MagicMock(status=500, reason="Server Error"), "boom")

    with patch.object(discord.InteractionResponse, "is_done", lambda self: True):
        await dispatch(bot, "Who accompanied Putin?", events, send_side_effect=fail_first)
    assert failed == [(BELOUSOV,)]
    assert events == [
        ("defer", (), {"thinking": True}),
        ("followup", (render.ERROR,), {"ephemeral": True, "allowed_mentions": NO_PINGS}),
    ]
    assert "Slash command failed" in caplog.text and "Traceback" in caplog.text

    events.clear()
    await dispatch(bot, "Who accompanied Putin?", events)
    assert events[-1] == ("followup", (BELOUSOV,), {"allowed_mentions": NO_PINGS})
