"""Mentions and DMs end to end through discord.py's own gateway dispatch (dpytest)."""

from __future__ import annotations

from unittest.mock import MagicMock

import discord
import discord.ext.test as dpytest
import discord.ext.test.backend as dpy_backend
import pytest

from bot import discord_render as render
from bot.discord_app import AskBot
from .discord_fakes import FakeClock, answer_of
from retrieval import Answer, Engine

BELOUSOV_REPLY = (
    "> Accompanying Putin on this trip are several key officials, including **Defence Minister "
    "Andrei Belousov**, Foreign Minister Sergei Lavrov, and Deputy Prime Minister Alexander "
    "Novak, who oversees energy matters. [1]\n"
    "**Sources:**\n"
    "[1] Putin arrives in North Korea for first visit in 24 years — paragraph 4, sentence 5"
)
NO_PINGS_PAYLOAD = {"parse": [], "replied_user": False}


class Harness:
    """A configured dpytest world around one AskBot; ``sent`` holds every outgoing payload."""

    def __init__(self, bot: AskBot):
        self.bot = bot
        self.sent: list[dict] = []

    async def start(self) -> "Harness":
        # dpytest 0.7 with discord.py 2.7: the client's own async setup must run first.
        await self.bot._async_setup_hook()
        dpytest.configure(self.bot, members=2)
        self.config = dpytest.get_config()
        real_send = self.bot.http.send_message
        bot = self.bot

        async def spy(channel_id, *, params):
            self.sent.append(params.payload)
            channel = bot.get_channel(channel_id)  # noqa: F841 - dpytest reads the caller's `channel`
            return await real_send(channel_id, params=params)

        self.bot.http.send_message = spy
        return self

    @property
    def user(self) -> discord.Member:
        return self.config.members[0]

    @property
    def channel(self) -> discord.TextChannel:
        return self.config.channels[0]

    async def say(self, content: str, *, channel=None, member=None) -> discord.Message:
        return await dpytest.message(content, channel=channel or self.channel, member=member or self.user)

    def contents(self) -> list[str]:
        return [p.get("content") for p in self.sent]


def dpytest_intents() -> discord.Intents:
    # dpytest builds guild members through the member cache, which needs the members intent;
    # message_content stays off as in production.
    intents = discord.Intents.default()
    intents.members = True
    return intents


@pytest.fixture
async def harness_for():
    harnesses = []

    async def make(answer=None, sources=(), engine: Engine | None = None, **options) -> Harness:
        options.setdefault("cooldown_seconds", 0)
        if engine is not None:
            answer, sources = engine.answer, engine.sources()
        bot = AskBot(answer=answer, sources=sources, sync_commands=False, intents=dpytest_intents(), **options)
        harness = await Harness(bot).start()
        harnesses.append(harness)
        return harness

    yield make
    await dpytest.empty_queue()


async def test_mention_is_answered_as_a_reply(harness_for, engine):
    h = await harness_for(engine=engine)
    question = await h.say(f"<@{h.bot.user.id}> Who accompanied Putin?")
    [payload] = h.sent
    assert payload["content"] == BELOUSOV_REPLY
    assert payload["message_reference"]["message_id"] == question.id
    assert payload["allowed_mentions"] == NO_PINGS_PAYLOAD


async def test_nickname_mention_form_also_works(harness_for, engine):
    h = await harness_for(engine=engine)
    await h.say(f"Who accompanied Putin? <@!{h.bot.user.id}>")
    assert h.contents() == [BELOUSOV_REPLY]


async def test_direct_message_is_answered(harness_for, engine):
    h = await harness_for(engine=engine)
    dm = await h.user.create_dm()
    question = await h.say("Who accompanied Putin?", channel=dm)
    [payload] = h.sent
    assert payload["content"] == BELOUSOV_REPLY
    assert payload["message_reference"]["message_id"] == question.id


async def test_mention_and_dm_over_the_question_limit_get_one_line(harness_for, engine):
    h = await harness_for(engine=engine)
    question = "Who accompanied Putin? " * 100  # a Nitro user may send up to 4000 characters
    await h.say(f"<@{h.bot.user.id}> {question}")
    dm = await h.user.create_dm()
    await h.say(question, channel=dm)
    too_long = "That question is too long (2,299 characters; the limit is 2,000). Please ask it more briefly."
    assert h.contents() == [too_long, too_long]  # the text after the mention, stripped


async def test_guild_message_without_mention_is_ignored(harness_for, engine):
    h = await harness_for(engine=engine)
    await h.say("Who accompanied Putin?")
    await h.say("@everyone Who accompanied Putin?")
    await h.say("@here Who accompanied Putin?")
    assert h.sent == []


async def test_mention_with_nothing_else_gets_a_hint(harness_for, engine):
    h = await harness_for(engine=engine)
    await h.say(f"<@{h.bot.user.id}>   ")
    assert h.contents() == [render.EMPTY_MENTION_HINT]


async def test_empty_content_gets_no_reply(harness_for, engine):
    h = await harness_for(engine=engine)
    dm = await h.user.create_dm()
    await h.say("", channel=dm)  # e.g. an attachment only, or content withheld by Discord
    await h.say("   ", channel=dm)
    assert h.sent == []


async def test_own_messages_are_ignored(harness_for, engine):
    h = await harness_for(engine=engine)
    me = h.channel.guild.me
    await h.say(f"<@{h.bot.user.id}> Who accompanied Putin?", member=me)
    assert h.sent == []


async def test_other_bots_are_ignored(harness_for, engine):
    h = await harness_for(engine=engine)
    other = dpy_backend.make_user("OtherBot", "0042")
    other.bot = True
    member = dpy_backend.make_member(other, h.channel.guild)
    assert member.bot
    await h.say(f"<@{h.bot.user.id}> Who accompanied Putin?", member=member)
    dm = await member.create_dm()
    await h.say("Who accompanied Putin?", channel=dm, member=member)
    assert h.sent == []


async def test_mention_cooldown_is_polite(harness_for, engine):
    clock = FakeClock()
    h = await harness_for(engine=engine, cooldown_seconds=5, clock=clock)
    await h.say(f"<@{h.bot.user.id}> Who accompanied Putin?")
    clock.now += 0.5
    await h.say(f"<@{h.bot.user.id}> Who accompanied Putin?")
    clock.now += 4.5
    await h.say(f"<@{h.bot.user.id}> Who accompanied Putin?")
    assert h.contents() == [
        BELOUSOV_REPLY,
        "You're asking a bit fast. Please try again in 5 s.",
        BELOUSOV_REPLY,
    ]


async def test_article_with_everyone_pings_nobody(harness_for, tmp_path):
    (tmp_path / "invite.md").write_text(
        "---\ntitle: Party @here\n---\n"
        "The organisers wrote @everyone and <@&123456789012345678> in the invitation to the gala.\n"
        "The weather was mild.\n",
        encoding="utf-8",
    )
    engine = Engine.load(tmp_path)
    h = await harness_for(engine=engine)
    await h.say(f"<@{h.bot.user.id}> What did the organisers write in the invitation?")
    [payload] = h.sent
    assert payload["content"] == (
        "> The organisers wrote @\u200beveryone and <@\u200b&123456789012345678> in the invitation "
        "to the gala. [1]\n**Sources:**\n[1] Party @\u200bhere — paragraph 1, sentence 1"
    )
    assert payload["allowed_mentions"] == NO_PINGS_PAYLOAD


async def test_long_answer_is_one_reply(harness_for):
    long = answer_of("a" * 1500, "b" * 1500)
    h = await harness_for(answer=lambda q: long)
    question = await h.say(f"<@{h.bot.user.id}> long?")
    [payload] = h.sent
    # both quotes cut to 955 characters ("…" included): 90 + 2 * 955 = 2000
    assert payload["content"] == (
        "> " + "a" * 954 + "… [1]\n> " + "b" * 954 + "… [2]\n**Sources:**\n"
        "[1] T — paragraph 1, sentence 1\n[2] T — paragraph 2, sentence 2"
    )
    assert len(payload["content"]) == 2000
    assert payload["message_reference"]["message_id"] == question.id
    assert payload["allowed_mentions"] == NO_PINGS_PAYLOAD


async def test_3000_character_sentence_in_a_dm_is_one_reply_with_its_citation(harness_for):
    long = answer_of("y" * 3000)
    h = await harness_for(answer=lambda q: long)
    dm = await h.user.create_dm()
    question = await h.say("long?", channel=dm)
    [payload] = h.sent
    # 2 + 4 + 14 + 31 = 51 characters around the sentence: it is cut to 1949 ("…" included)
    assert payload["content"] == "> " + "y" * 1948 + "… [1]\n**Sources:**\n[1] T — paragraph 1, sentence 1"
    assert len(payload["content"]) == 2000
    assert payload["message_reference"]["message_id"] == question.id


async def test_failing_answer_path_then_next_question_answered(harness_for, engine, caplog):
    calls = []

    def flaky(question: str) -> Answer:
        calls.append(question)
        if len(calls) == 1:
            raise ValueError("corrupt index")
        return engine.answer(question)

    h = await harness_for(answer=flaky, sources=engine.sources())
    await h.say(f"<@{h.bot.user.id}> Who accompanied Putin?")
    await h.say(f"<@{h.bot.user.id}> Who accompanied Putin?")
    assert h.contents() == [render.ERROR, BELOUSOV_REPLY]
    assert "corrupt index" in caplog.text and "Traceback" in caplog.text
    assert "corrupt index" not in h.contents()[0]


async def test_failing_send_is_logged_and_bot_keeps_going(harness_for, engine, caplog):
    h = await harness_for(engine=engine)
    real = h.bot.http.send_message
    failures = []

    async def fail_once(channel_id, *, params):
        if not failures:
            failures.append(params.payload)
            raise RuntimeError("network down")
        channel = h.bot.get_channel(channel_id)  # noqa: F841 - dpytest reads the caller's `channel`
        return await real(channel_id, params=params)

    h.bot.http.send_message = fail_once
    await h.say(f"<@{h.bot.user.id}> Who accompanied Putin?")
    assert "network down" in caplog.text
    assert [p["content"] for p in h.sent] == [render.ERROR]  # the short message got through
    await h.say(f"<@{h.bot.user.id}> Who accompanied Putin?")
    assert h.contents()[-1] == BELOUSOV_REPLY


def test_bots_managed_role_mention_counts_as_a_mention(engine):
    # Typing "@Bot" in a server sometimes inserts the bot's managed role (<@&id>), not the user.
    bot = AskBot.from_engine(engine, sync_commands=False)
    bot._connection.user = MagicMock(spec=discord.ClientUser, id=42)
    own_role = MagicMock(spec=discord.Role, id=99)
    own_role.tags = MagicMock(bot_id=42)
    other_role = MagicMock(spec=discord.Role, id=98)
    other_role.tags = None
    message = MagicMock(spec=discord.Message)
    message.author = MagicMock(bot=False, id=1)
    message.guild.me.roles = [other_role, own_role]
    message.mentions = []
    message.role_mentions = [own_role]
    message.content = "<@&99> Who accompanied Putin?"
    assert bot.question_from_message(message) == "Who accompanied Putin?"
    message.role_mentions = [other_role]
    message.content = "<@&98> Who accompanied Putin?"
    assert bot.question_from_message(message) is None


async def test_no_permission_to_reply_is_a_warning_not_a_traceback(harness_for, engine, caplog):
    h = await harness_for(engine=engine)
    response = MagicMock(status=403, reason="Forbidden")

    async def forbidden(channel_id, *, params):
        raise discord.Forbidden(response, "Missing Permissions")

    h.bot.http.send_message = forbidden
    await h.say(f"<@{h.bot.user.id}> Who accompanied Putin?")
    [record] = [r for r in caplog.records if r.name == "bot.discord_app"]
    assert record.levelname == "WARNING" and record.exc_info is None
    assert "lacks Send Messages" in record.getMessage()
