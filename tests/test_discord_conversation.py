"""Follow-up questions in Discord, end to end: the real AskBot in simcord's Discord.

A conversation is one user in one channel, thread or DM: a follow-up leans on that
user's previous question there, and on nobody else's."""

from __future__ import annotations

from bot import discord_render as render
from bot.discord_app import AskBot
from retrieval.conversation import Conversations

SPOKESPERSON = "Who is the US State Department spokesperson?"
CLAIM = "What did he claim?"
CLAIM_SENTENCE = "dozens of ballistic missiles and over 11,000 containers of munitions"
INVITED = "Who extended the invitation to Putin?"
WHEN = "And when?"


async def world_of(discord_world, engine, ttl: float = 600.0):
    def make(clock):
        talks = Conversations(ttl=ttl, clock=clock)
        return AskBot.from_engine(engine, conversations=talks, cooldown_seconds=0, clock=clock)

    return await discord_world(bot=make)


async def test_a_follow_up_with_ask_in_a_channel(discord_world, engine):
    world = await world_of(discord_world, engine)
    await world.ask(SPOKESPERSON)
    claimed = await world.ask(CLAIM)
    assert claimed.response.content.startswith(f"**Q:** {CLAIM}\n> ")
    assert CLAIM_SENTENCE in claimed.response.content


async def test_a_follow_up_by_mention_in_a_thread(discord_world, engine):
    world = await world_of(discord_world, engine)
    thread = await world.thread("invitation")
    await world.mention(INVITED, channel=thread)
    await world.mention(WHEN, channel=thread)
    first, second = world.sent()
    assert "invitation from North Korean leader **Kim Jong Un**" in first
    assert "extended in **September last year**" in second  # the answer, picked out


async def test_two_users_in_one_channel_do_not_mix(discord_world, engine):
    world = await world_of(discord_world, engine)
    await world.ask(SPOKESPERSON, member=world.alice)
    await world.ask(INVITED, member=world.bob)
    alice = await world.ask(CLAIM, member=world.alice)  # alice's "he" is the spokesperson
    bob = await world.ask(WHEN, member=world.bob)  # bob's "when" is the invitation's
    assert CLAIM_SENTENCE in alice.response.content
    assert "September last year" in bob.response.content


async def test_a_channel_and_a_thread_are_two_conversations(discord_world, engine):
    world = await world_of(discord_world, engine)
    thread = await world.thread()
    await world.ask(INVITED)
    in_thread = await world.ask(WHEN, channel=thread)  # nothing asked in the thread before
    assert in_thread.response.content == f"**Q:** {WHEN}\n{render.NO_TERMS}"  # alone, it has no words


async def test_a_conversation_is_forgotten_after_its_ttl(discord_world, engine):
    world = await world_of(discord_world, engine, ttl=600)
    await world.ask(INVITED)
    await world.advance(601)
    late = await world.ask(WHEN)
    assert late.response.content == f"**Q:** {WHEN}\n{render.NO_TERMS}"
