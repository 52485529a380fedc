"""Mentions and DMs end to end: the real AskBot in a simulated Discord (simcord)."""

from __future__ import annotations

import logging
from unittest.mock import MagicMock

import discord
import pytest

from bot import discord_render as render
from bot.discord_app import AskBot
from .discord_fakes import answer_of
from retrieval import Answer, Engine

BELOUSOV_REPLY = (
    "> Accompanying Putin on this trip are several key officials, including **Defence Minister "
    "Andrei Belousov, Foreign Minister Sergei Lavrov, and Deputy Prime Minister Alexander "
    "Novak**, who oversees energy matters. [1]\n"
    "**Sources:**\n"
    "[1] Putin arrives in North Korea for first visit in 24 years — paragraph 4, sentence 5"
)
NO_PINGS_PAYLOAD = {"parse": [], "replied_user": False}


async def test_mention_is_answered_as_a_reply(discord_world, engine):
    world = await discord_world(engine=engine)
    question = await world.mention("Who accompanied Putin?")
    [payload] = world.replies()
    assert payload["content"] == BELOUSOV_REPLY
    assert payload["message_reference"]["message_id"] == question.id
    assert payload["allowed_mentions"] == NO_PINGS_PAYLOAD
    assert world.channel.last_message.reference.message_id == question.id


async def test_nickname_mention_form_also_works(discord_world, engine):
    world = await discord_world(engine=engine)
    await world.say(f"Who accompanied Putin? <@!{world.bot.user.id}>")
    assert world.sent() == [BELOUSOV_REPLY]


async def test_direct_message_is_answered(discord_world, engine):
    world = await discord_world(engine=engine)
    question = await world.dm("Who accompanied Putin?")
    [payload] = world.replies()
    assert payload["content"] == BELOUSOV_REPLY
    assert payload["message_reference"]["message_id"] == question.id


async def test_mention_and_dm_over_the_question_limit_get_one_line(discord_world, engine):
    # A Nitro user may send up to 4000 characters; simcord models the 2000-character limit,
    # so the reply to such a message is produced by the bot's own answer method.
    world = await discord_world(engine=engine)
    question = "Who accompanied Putin? " * 100
    too_long = "That question is too long (2,299 characters; the limit is 2,000). Please ask it more briefly."
    assert await world.bot.answer_message(question.strip(), echo_question=False) == too_long


async def test_guild_message_without_mention_is_ignored(discord_world, engine):
    world = await discord_world(engine=engine)
    await world.say("Who accompanied Putin?")
    await world.say("@everyone Who accompanied Putin?")
    await world.say("@here Who accompanied Putin?")
    assert world.posts() == []


async def test_mention_with_nothing_else_gets_a_hint(discord_world, engine):
    world = await discord_world(engine=engine)
    await world.say(f"{world.bot.user.mention}   ")
    assert world.sent() == [render.EMPTY_MENTION_HINT]


async def test_session_commands_in_a_mention_or_dm_are_not_asked_as_questions(discord_world, engine):
    world = await discord_world(engine=engine)
    await world.mention(":help")
    await world.dm(":SOURCES")
    await world.mention(":explain who met Kim?")
    await world.dm("quit")
    await world.mention(":bogus")
    assert world.sent() == [
        render.HELP.replace("{name}", world.bot.user.name),
        render.render_sources(engine.sources()),
        render.COMMAND_HINT,
        render.COMMAND_HINT,
        render.COMMAND_HINT,
    ]
    assert render.COMMAND_HINT == (
        "That is a command of the terminal's `ask`; here, ask me a question, or use `/ask`, `/sources` or `/help`."
    )


async def test_empty_content_gets_no_reply(discord_world, engine):
    world = await discord_world(engine=engine)
    # an attachment only (simcord, like Discord, refuses a message with no content at all)
    await world.alice.send(world.channel, "", attachments=[("notes.txt", b"an attachment only")])
    assert world.posts() == []


async def test_own_messages_are_ignored(discord_world, engine):
    world = await discord_world(engine=engine)
    await world.bot.get_channel(world.channel.id).send(f"{world.bot.user.mention} Who accompanied Putin?")
    await world.env.settle()
    assert world.sent() == [f"{world.bot.user.mention} Who accompanied Putin?"]  # its own post only


async def test_other_bots_are_ignored(discord_world, engine):
    world = await discord_world(engine=engine)
    other = world.member("OtherBot", bot=True)
    await world.mention("Who accompanied Putin?", member=other)
    await world.dm("Who accompanied Putin?", member=other)
    assert world.posts() == []


async def test_mention_cooldown_is_polite(discord_world, engine):
    world = await discord_world(engine=engine, cooldown_seconds=5)
    await world.mention("Who accompanied Putin?")
    await world.advance(0.5)
    await world.mention("Who accompanied Putin?")
    await world.advance(4.5)
    await world.mention("Who accompanied Putin?")
    assert world.sent() == [
        BELOUSOV_REPLY,
        "You're asking a bit fast. Please try again in 5 s.",
        BELOUSOV_REPLY,
    ]


async def test_one_cooldown_shared_by_ask_mentions_and_dms(discord_world, engine):
    world = await discord_world(engine=engine, cooldown_seconds=5)
    await world.ask("Who accompanied Putin?")
    await world.advance(1)
    await world.mention("Who accompanied Putin?")
    await world.advance(1)
    await world.dm("Who accompanied Putin?")
    assert world.sent()[1:] == [
        "You're asking a bit fast. Please try again in 4 s.",
        "You're asking a bit fast. Please try again in 3 s.",
    ]


async def test_article_with_everyone_pings_nobody(discord_world, tmp_path):
    (tmp_path / "invite.md").write_text(
        "---\ntitle: Party @here\n---\n"
        "The organisers wrote @everyone and <@&123456789012345678> in the invitation to the gala.\n"
        "The weather was mild.\n",
        encoding="utf-8",
    )
    engine = Engine.load(tmp_path)
    world = await discord_world(engine=engine)
    await world.mention("What did the organisers write in the invitation?")
    [payload] = world.replies()
    assert payload["content"] == (  # answered plainly (the answerability trees of round 11 are sure)
        "> The organisers wrote @\u200beveryone and <@\u200b&123456789012345678> in the invitation "
        "to the gala. [1]\n**Sources:**\n[1] Party @\u200bhere — paragraph 1, sentence 1"
    )
    assert payload["allowed_mentions"] == NO_PINGS_PAYLOAD
    assert world.channel.last_message.mentions == [] and not world.channel.last_message.mention_everyone


async def test_long_answer_is_one_reply(discord_world):
    long = answer_of("a" * 1500, "b" * 1500)
    world = await discord_world(answer=lambda q: long)
    question = await world.mention("long?")
    [payload] = world.replies()
    # both quotes cut to 955 characters ("…" included): 90 + 2 * 955 = 2000
    assert payload["content"] == (
        "> " + "a" * 954 + "… [1]\n> " + "b" * 954 + "… [2]\n**Sources:**\n"
        "[1] T — paragraph 1, sentence 1\n[2] T — paragraph 2, sentence 2"
    )
    assert len(payload["content"]) == 2000
    assert payload["message_reference"]["message_id"] == question.id
    assert payload["allowed_mentions"] == NO_PINGS_PAYLOAD


async def test_3000_character_sentence_in_a_dm_is_one_reply_with_its_citation(discord_world):
    long = answer_of("y" * 3000)
    world = await discord_world(answer=lambda q: long)
    question = await world.dm("long?")
    [payload] = world.replies()
    # 2 + 4 + 14 + 31 = 51 characters around the sentence: it is cut to 1949 ("…" included)
    assert payload["content"] == "> " + "y" * 1948 + "… [1]\n**Sources:**\n[1] T — paragraph 1, sentence 1"
    assert len(payload["content"]) == 2000
    assert payload["message_reference"]["message_id"] == question.id


async def test_failing_answer_path_then_next_question_answered(discord_world, engine, caplog):
    calls = []

    def flaky(question: str) -> Answer:
        calls.append(question)
        if len(calls) == 1:
            raise ValueError("corrupt index")
        return engine.answer(question)

    world = await discord_world(answer=flaky, sources=engine.sources())
    await world.mention("Who accompanied Putin?")
    await world.mention("Who accompanied Putin?")
    assert world.sent() == [render.ERROR, BELOUSOV_REPLY]
    assert "corrupt index" in caplog.text and "Traceback" in caplog.text


async def test_failing_send_is_logged_and_bot_keeps_going(discord_world, engine, caplog):
    world = await discord_world(engine=engine)
    world.env.inject_error("POST", "/channels/*/messages", status=500)  # the reply fails once
    await world.mention("Who accompanied Putin?")
    [record] = [r for r in caplog.records if r.name == "bot.discord_app"]
    assert record.getMessage() == "Handling a message failed" and record.exc_info[0] is discord.HTTPException
    assert world.sent() == [BELOUSOV_REPLY, render.ERROR]  # the failed reply, then the short message
    await world.mention("Who accompanied Putin?")
    assert world.sent()[-1] == BELOUSOV_REPLY


async def test_failing_error_message_is_logged_too(discord_world, engine, caplog):
    world = await discord_world(engine=engine)
    world.env.inject_error("POST", "/channels/*/messages", status=500, times=2)
    await world.mention("Who accompanied Putin?")
    messages = [r.getMessage() for r in caplog.records if r.name == "bot.discord_app"]
    assert messages == ["Handling a message failed", "Could not send the error message either"]


async def test_bots_managed_role_mention_counts_as_a_mention(discord_world, engine):
    # Typing "@Bot" in a server sometimes inserts the bot's managed role (<@&id>), not the
    # user. simcord models the managed role but not its tags, so the message is a mock.
    world = await discord_world(engine=engine)
    bot_id = world.bot.user.id
    own_role = MagicMock(spec=discord.Role, id=99)
    own_role.tags = MagicMock(bot_id=bot_id)
    other_role = MagicMock(spec=discord.Role, id=98)
    other_role.tags = None
    message = MagicMock(spec=discord.Message)
    message.author = MagicMock(bot=False, id=1)
    message.guild.me.roles = [other_role, own_role]
    message.mentions = []
    message.role_mentions = [own_role]
    message.content = "<@&99> Who accompanied Putin?"
    assert world.bot.question_from_message(message) == "Who accompanied Putin?"
    message.role_mentions = [other_role]
    message.content = "<@&98> Who accompanied Putin?"
    assert world.bot.question_from_message(message) is None


def test_no_reaction_before_login(engine):
    bot = AskBot.from_engine(engine, sync_commands=False)
    message = MagicMock(spec=discord.Message)
    message.author = MagicMock(bot=False, id=1)
    message.content = "Who accompanied Putin?"
    message.guild = None
    assert bot.question_from_message(message) is None


async def test_no_permission_to_reply_is_a_warning_not_a_traceback(discord_world, engine, caplog):
    world = await discord_world(engine=engine)
    muted = world.guild.create_text_channel(
        "read-only", overwrites={world.guild.me: discord.PermissionOverwrite(send_messages=False)}
    )
    with caplog.at_level(logging.WARNING, logger="bot.discord_app"):
        await world.mention("Who accompanied Putin?", channel=muted)
    [record] = [r for r in caplog.records if r.name == "bot.discord_app"]
    assert record.levelname == "WARNING" and record.exc_info is None
    assert record.getMessage() == (
        f"Cannot reply in channel {muted.id}: the bot lacks Send Messages / Read Message History there"
    )


async def test_mention_and_ask_in_a_thread_are_answered_there(discord_world, engine):
    world = await discord_world(engine=engine)
    thread = await world.thread("putin-visit")
    question = await world.mention("Who accompanied Putin?", channel=thread)
    result = await world.ask("Who accompanied Putin?", channel=thread, member=world.bob)
    assert thread.last_message.content.startswith("**Q:** Who accompanied Putin?\n> Accompanying Putin")
    [reply] = [m for m in thread.history() if m.reference is not None]
    assert (reply.content, reply.reference.message_id) == (BELOUSOV_REPLY, question.id)
    assert result.response.channel_id == thread.id
