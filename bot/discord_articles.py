"""``/article add`` and ``/article remove``: changing the corpus from Discord, admins only.

Admin means the Manage Server permission. It is declared as the group's default
permission (Discord then shows the commands to such members only, unless a server
changes that under Integrations) *and* checked in code on every call
(:func:`is_admin`), so a server that loosens the default still cannot let anyone else
change the corpus: everyone else gets :data:`REFUSAL`, politely and privately.

The work is :class:`bot.watch.Library`'s (validation exactly as at start-up, an atomic
write, a rebuild before replying); this module only reads the options and words the
replies. Every reply is ephemeral and mentions no one.
"""

from __future__ import annotations

import asyncio
import logging

import discord
from discord import app_commands

from retrieval import CorpusError

from .discord_render import literal
from .watch import MAX_ARTICLE_BYTES, article_from_title, file_name_for_title

logger = logging.getLogger(__name__)

NO_PINGS = discord.AllowedMentions.none()
REFUSAL = "Sorry, only members with the Manage Server permission can add or remove articles."
ADD_USAGE = "Please attach one .txt or .md file, or give both a title and a text (not both ways at once)."
TITLE_MAX, TEXT_MAX = 200, 4000  # characters of the /article add options


def is_admin(interaction: discord.Interaction) -> bool:
    """Whether the member calling holds Manage Server in this server (Administrator
    implies it); False in direct messages."""
    if interaction.guild is None:
        return False
    permissions = getattr(interaction.user, "guild_permissions", None)
    return bool(permissions is not None and permissions.manage_guild)


async def _say(interaction: discord.Interaction, text: str) -> None:
    """One private reply: the response, or the follow-up once it is deferred."""
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)
    else:
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)


def article_group(bot) -> app_commands.Group:
    """The ``/article`` group (``add``, ``remove``) served by ``bot.library``."""
    group = app_commands.Group(
        name="article",
        description="Add or remove an article (Manage Server permission)",
        default_permissions=discord.Permissions(manage_guild=True),
        guild_only=True,
    )

    @group.command(name="add")
    @app_commands.describe(
        file="A .txt or .md article (UTF-8; optional front matter with title and date)",
        title="The article's title (with text, instead of a file)",
        text="The article's text (with title, instead of a file)",
    )
    async def add(
        interaction: discord.Interaction,
        file: discord.Attachment | None = None,
        title: app_commands.Range[str, 1, TITLE_MAX] | None = None,
        text: app_commands.Range[str, 1, TEXT_MAX] | None = None,
    ) -> None:
        """Add an article to the corpus: attach a file, or give a title and a text."""
        await handle_add(bot, interaction, file, title, text)

    @group.command(name="remove")
    @app_commands.describe(article="The article's id, as /sources lists it in brackets")
    async def remove(interaction: discord.Interaction, article: app_commands.Range[str, 1, 200]) -> None:
        """Remove an article from the corpus."""
        await handle_remove(bot, interaction, article)

    return group


async def handle_add(bot, interaction, file, title, text) -> None:
    """``/article add``: refuse non-admins, check the options, then validate, write and
    rebuild off the event loop, and reply with what is served now."""
    if not is_admin(interaction):
        await _say(interaction, REFUSAL)
        return
    by_text = title is not None or text is not None
    if (file is None) == (not by_text) or (by_text and not (title and title.strip() and text and text.strip())):
        await _say(interaction, ADD_USAGE)
        return
    await interaction.response.defer(ephemeral=True, thinking=True)
    try:
        if file is not None:
            if file.size > MAX_ARTICLE_BYTES:
                raise CorpusError(f"{file.filename} is too large ({file.size:,} bytes; the limit is {MAX_ARTICLE_BYTES:,})")
            name, data = file.filename, await file.read()
        else:
            name, data = file_name_for_title(title), article_from_title(title, text)
        article, served = await asyncio.to_thread(bot.library.add, name, data)
    except CorpusError as exc:
        await _say(interaction, f"Not added: {literal(str(exc))}")
        return
    except discord.HTTPException:
        await _say(interaction, "Not added: the attachment could not be downloaded. Please try again.")
        return
    if not served:
        await _say(
            interaction,
            f"Saved {literal(name)}, but the corpus cannot be reloaded now (see the bot's log); "
            "the articles served before are still served.",
        )
        return
    sentences = next((s.sentences for s in bot.sources() if s.doc_id == article.doc_id), 0)
    noun = "sentence" if sentences == 1 else "sentences"
    await _say(
        interaction,
        f"Added “{literal(article.title)}” ({literal(name)}, {sentences} {noun}): it can be asked about now.",
    )


async def handle_remove(bot, interaction, doc_id: str) -> None:
    """``/article remove``: refuse non-admins, then remove and rebuild off the event loop."""
    if not is_admin(interaction):
        await _say(interaction, REFUSAL)
        return
    await interaction.response.defer(ephemeral=True, thinking=True)
    try:
        path = await asyncio.to_thread(bot.library.remove, doc_id.strip())
    except CorpusError as exc:
        await _say(interaction, f"Not removed: {literal(str(exc))}")
        return
    await _say(interaction, f"Removed {literal(path.name)}: it is no longer quoted.")
