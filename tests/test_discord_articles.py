"""/article add and /article remove end to end: the real AskBot in simcord's Discord."""

from __future__ import annotations

import shutil

import discord
import pytest
import simcord

from bot.discord_app import AskBot
from bot.discord_articles import ADD_USAGE, REFUSAL
from bot.discord_render import literal
from bot.watch import Library, live_engine
from retrieval import Engine, Settings

from .support import CORPUS
from .test_watch import BRIDGE, BRIDGE_QUESTION, BRIDGE_SENTENCE

ADMIN = discord.Permissions(manage_guild=True)


@pytest.fixture
def corpus(tmp_path):
    directory = tmp_path / "corpus"
    shutil.copytree(CORPUS, directory)
    return directory


async def world_with_library(discord_world, corpus):
    live = live_engine(Engine.load(corpus, index_dir=False), corpus, Settings(), False, lambda line: None)

    def make(clock):
        return AskBot.from_engine(live, library=Library(live), cooldown_seconds=0, clock=clock)

    return await discord_world(bot=make), live


def content(result: simcord.InteractionResult) -> str:
    return result.response.content


async def test_an_admin_adds_a_file_and_it_is_answerable_when_the_reply_comes(discord_world, corpus):
    world, live = await world_with_library(discord_world, corpus)
    admin = world.member("ann", permissions=ADMIN)
    result = await world.slash("article add", member=admin, file=("bridge.md", BRIDGE.encode()))
    assert content(result) == "Added “A bridge for Lowmoor” (bridge.md, 2 sentences): it can be asked about now."
    assert result.ephemeral
    asked = await world.ask(BRIDGE_QUESTION)
    assert BRIDGE_SENTENCE.replace("Greta Hollis", "**Greta Hollis**") in content(asked)
    assert (corpus / "bridge.md").read_text("utf-8") == BRIDGE


async def test_an_admin_adds_a_title_and_a_text_then_removes_it(discord_world, corpus):
    world, live = await world_with_library(discord_world, corpus)
    admin = world.member("ann", permissions=ADMIN)
    text = "The Lowmoor ferry was retired by the harbour board in 1987."
    added = await world.slash("article add", member=admin, title="Lowmoor ferry", text=text)
    assert content(added) == "Added “Lowmoor ferry” (lowmoor-ferry.md, 1 sentence): it can be asked about now."
    assert live.answer("When was the Lowmoor ferry retired?").quotes[0].hit.text == text
    removed = await world.slash("article remove", member=admin, article="lowmoor-ferry")
    assert content(removed) == "Removed lowmoor-ferry.md: it is no longer quoted."
    assert not live.answer("When was the Lowmoor ferry retired?").answered


async def test_a_bad_article_gets_start_up_s_one_line_error(discord_world, corpus):
    world, live = await world_with_library(discord_world, corpus)
    admin = world.member("ann", permissions=ADMIN)
    result = await world.slash("article add", member=admin, file=("empty.md", b""))
    line = f"{corpus / 'empty.md'}: no text to index (the file is empty)"
    assert content(result) == f"Not added: {literal(line)}"
    assert not (corpus / "empty.md").exists()


@pytest.mark.parametrize(
    "options",
    [{}, {"title": "Only a title"}, {"text": "Only a text."}, {"file": ("x.md", b"X."), "title": "T", "text": "Y."}],
)
async def test_add_needs_a_file_or_a_title_and_a_text(discord_world, corpus, options):
    world, _ = await world_with_library(discord_world, corpus)
    result = await world.slash("article add", member=world.member("ann", permissions=ADMIN), **options)
    assert (content(result), result.ephemeral) == (ADD_USAGE, True)


async def test_the_commands_are_hidden_from_members_without_manage_server(discord_world, corpus):
    world, _ = await world_with_library(discord_world, corpus)
    with pytest.raises(simcord.SetupError, match="default-member-permissions"):
        await world.slash("article add", member=world.alice, title="T", text="Some text.")


async def test_granted_the_command_without_manage_server_a_polite_refusal(discord_world, corpus):
    world, live = await world_with_library(discord_world, corpus)
    [group] = [c for c in await world.bot.tree.fetch_commands() if c.name == "article"]
    world.guild.set_command_permissions(group.id, {world.alice: True})  # a server loosened it
    added = await world.slash("article add", member=world.alice, file=("bridge.md", BRIDGE.encode()))
    removed = await world.slash("article remove", member=world.alice, article="putin-north-korea-visit")
    assert [content(added), content(removed)] == [REFUSAL, REFUSAL]
    assert added.ephemeral and removed.ephemeral
    assert [s.doc_id for s in live.sources()] == ["putin-north-korea-visit"]
    assert not (corpus / "bridge.md").exists()
