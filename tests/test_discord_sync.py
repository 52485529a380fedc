"""Start-up of the real AskBot in a simulated Discord (simcord): the slash-command sync
(to one server or globally, and its failure), the intent hint, the login line."""

from __future__ import annotations

import logging

import discord
import pytest
import simcord

from .simcord_support import GUILD_ID

GLOBAL = (
    "Synced 3 command(s) globally (may take up to an hour to appear; "
    "set DISCORD_GUILD_ID for instant sync to one server)"
)
SYNC_FAILED = (
    "Could not sync slash commands (was the bot invited with the "
    "applications.commands scope, and is DISCORD_GUILD_ID a server it is in?)"
)
INTENT_HINT = (
    "Message content intent is off: /ask, mentions and DMs still work. To enable it, turn on "
    "'Message Content Intent' (Developer Portal -> your application -> Bot -> Privileged "
    "Gateway Intents) and set DISCORD_MESSAGE_CONTENT=1."
)


def logged(caplog) -> list[tuple[str, str]]:
    return [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "bot.discord_app"]


def command_puts(world) -> list[str]:
    return [r.path.split("/", 3)[3] for r in world.env.http_requests if r.method == "PUT"]


async def test_global_sync_is_logged_with_the_delay_hint(discord_world, engine, caplog):
    with caplog.at_level(logging.INFO, logger="bot.discord_app"):
        world = await discord_world(engine=engine)
    assert command_puts(world) == ["commands"]  # PUT /applications/<id>/commands
    assert logged(caplog) == [
        ("INFO", INTENT_HINT),
        ("INFO", GLOBAL),
        ("INFO", f"Logged in as TestBot (id {world.bot.user.id})"),
    ]
    result = await world.ask("Who accompanied Putin?")
    assert result.response.content.startswith("**Q:** Who accompanied Putin?\n> Accompanying Putin")


async def test_guild_sync_goes_to_that_server_only(discord_world, engine, caplog):
    with caplog.at_level(logging.INFO, logger="bot.discord_app"):
        world = await discord_world(engine=engine, guild_id=GUILD_ID, message_content=True)
    assert command_puts(world) == [f"guilds/{GUILD_ID}/commands"]
    assert logged(caplog) == [
        ("INFO", f"Synced 3 command(s) to guild {GUILD_ID}"),  # no intent hint: it is on
        ("INFO", f"Logged in as TestBot (id {world.bot.user.id})"),
    ]
    assert sorted(world.alice.available_commands(world.channel)) == ["ask", "help", "sources"]
    assert (await world.slash("sources")).response.content.startswith("**1 article(s), 23 sentences**")
    # a direct message is outside that server: no command there
    assert world.alice.user.available_commands() == ()


async def test_failed_sync_logs_the_hint_and_the_bot_still_answers_mentions(discord_world, engine, caplog):
    def refuse_sync(env):
        env.inject_error("PUT", "/applications/*", status=403, code=50001, message="Missing Access")

    with caplog.at_level(logging.INFO, logger="bot.discord_app"):
        world = await discord_world(engine=engine, guild_id=GUILD_ID, before_start=refuse_sync)
    [failure] = [r for r in caplog.records if r.name == "bot.discord_app" and r.levelname == "ERROR"]
    assert failure.getMessage() == SYNC_FAILED
    assert failure.exc_info[0] is discord.Forbidden
    assert str(failure.exc_info[1]) == "403 Forbidden (error code: 50001): Missing Access"
    assert logged(caplog)[-1] == ("INFO", f"Logged in as TestBot (id {world.bot.user.id})")
    with pytest.raises(simcord.SetupError, match="was never synced"):  # as in Discord: no /ask
        await world.ask("Who accompanied Putin?")
    await world.mention("Who accompanied Putin?")  # mentions and DMs still work
    assert world.sent()[0].startswith("> Accompanying Putin on this trip")


async def test_no_sync_when_turned_off(discord_world, engine):
    world = await discord_world(engine=engine, sync_commands=False, env_options={"strict_sync": False})
    assert command_puts(world) == []
