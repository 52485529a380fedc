"""/article add and /article remove (bot.discord_articles) on fake interactions."""

from __future__ import annotations

import shutil
from unittest.mock import AsyncMock, MagicMock

import discord
import pytest

from bot.discord_app import AskBot
from bot.discord_render import literal
from bot.discord_articles import ADD_USAGE, REFUSAL, handle_add, handle_remove
from bot.watch import Library, live_engine
from retrieval import Engine, Settings

from .discord_fakes import fake_interaction
from .support import CORPUS
from .test_watch import BRIDGE, BRIDGE_QUESTION, BRIDGE_SENTENCE


@pytest.fixture
def bot(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    live = live_engine(Engine.load(corpus, index_dir=False), corpus, Settings(), False, lambda line: None)
    return AskBot.from_engine(live, library=Library(live), sync_commands=False, cooldown_seconds=0)


def interaction_of(*, manage_guild: bool, in_guild: bool = True):
    interaction, events = fake_interaction()
    interaction.guild = MagicMock(spec=discord.Guild) if in_guild else None
    interaction.user = MagicMock(spec=discord.Member)
    interaction.user.guild_permissions = discord.Permissions(manage_guild=manage_guild)
    interaction.response.is_done = MagicMock(side_effect=lambda: any(e[0] == "defer" for e in events))
    return interaction, events


def replies(events) -> list[str]:
    return [e[1][0] for e in events if e[0] in ("send_message", "followup")]


def attachment(name: str, data: bytes):
    file = MagicMock(spec=discord.Attachment)
    file.filename, file.size = name, len(data)
    file.read = AsyncMock(return_value=data)
    return file


async def test_the_group_declares_manage_server_as_default_permission(bot):
    group = bot.tree.get_command("article")
    assert group.default_permissions == discord.Permissions(manage_guild=True)
    assert group.guild_only is True
    assert sorted(c.name for c in group.commands) == ["add", "remove"]


@pytest.mark.parametrize("in_guild", [True, False])
async def test_without_manage_server_a_polite_refusal_and_nothing_changes(bot, in_guild):
    interaction, events = interaction_of(manage_guild=False, in_guild=in_guild)
    await handle_add(bot, interaction, attachment("bridge.md", BRIDGE.encode()), None, None)
    await handle_remove(bot, interaction, "putin-north-korea-visit")
    assert replies(events) == [REFUSAL, REFUSAL]
    assert all(e[2]["ephemeral"] for e in events)
    assert [s.doc_id for s in bot.sources()] == ["putin-north-korea-visit"]


async def test_an_admin_adds_a_file_and_it_is_answerable_at_once(bot):
    interaction, events = interaction_of(manage_guild=True)
    await handle_add(bot, interaction, attachment("bridge.md", BRIDGE.encode()), None, None)
    assert replies(events) == ["Added “A bridge for Lowmoor” (bridge.md, 2 sentences): it can be asked about now."]
    assert bot._answer(BRIDGE_QUESTION).quotes[0].hit.text == BRIDGE_SENTENCE


async def test_an_admin_adds_a_title_and_text_then_removes_it(bot):
    interaction, events = interaction_of(manage_guild=True)
    text = "The Lowmoor ferry was retired by the harbour board in 1987."
    await handle_add(bot, interaction, None, "Lowmoor ferry", text)
    assert bot._answer("When was the Lowmoor ferry retired?").quotes[0].hit.text == text
    await handle_remove(bot, interaction, "lowmoor-ferry")
    assert replies(events) == [
        "Added “Lowmoor ferry” (lowmoor-ferry.md, 1 sentence): it can be asked about now.",
        "Removed lowmoor-ferry.md: it is no longer quoted.",
    ]
    assert not bot._answer("When was the Lowmoor ferry retired?").answered


async def test_a_bad_article_gets_start_up_s_one_line_error(bot):
    interaction, events = interaction_of(manage_guild=True)
    await handle_add(bot, interaction, attachment("empty.md", b""), None, None)
    line = f"{bot.library.corpus_dir / 'empty.md'}: no text to index (the file is empty)"
    assert replies(events) == [f"Not added: {literal(line)}"]  # shown literally (Markdown escaped)


@pytest.mark.parametrize(
    "options",
    [(None, None, None), (None, "Title only", None), (None, None, "Text only"), ("file", "T", "Text."), (None, " ", "x.")],
)
async def test_add_needs_a_file_or_a_title_and_a_text(bot, options):
    file, title, text = options
    interaction, events = interaction_of(manage_guild=True)
    await handle_add(bot, interaction, attachment("x.md", b"X.") if file else None, title, text)
    assert replies(events) == [ADD_USAGE]
