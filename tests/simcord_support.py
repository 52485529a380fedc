"""A simulated Discord around the real :class:`bot.discord_app.AskBot`, for end-to-end tests.

Built on simcord (https://github.com/SilentHacks/simcord, MIT): the bot runs unmodified
against an in-memory Discord -- it logs in, syncs its slash commands (``strict_sync``: an
unsynced command fails the test, as in production), receives gateway events and makes REST
calls that simcord answers and records. Tests act as users through simcord's public actors
(``member.slash``, ``member.send``, ``member.send_dm``) and assert on what the bot sent;
nothing here touches a discord.py private attribute.

Usage (the ``discord_world`` fixture is registered in ``tests/conftest.py``)::

    async def test_ask(discord_world, engine):
        world = await discord_world(engine=engine)
        result = await world.ask("Who accompanied Putin?")
        assert result.response.content.startswith("**Q:** Who accompanied Putin?")

One world per test (simcord allows one live environment per event loop). The bot's
cooldown clock is simcord's virtual clock: ``await world.advance(5)`` moves it (and
fires any timer the bot scheduled) without waiting.

Recipes (simcord's public API): an admin is ``world.member("ann",
permissions=discord.Permissions(manage_guild=True))``; a file option is passed as
``(filename, bytes)``, e.g. ``world.slash("article", member=admin, file=("a.md", b"..."))``
(the bot reads it with ``await attachment.read()`` from simcord's in-memory CDN);
a command with ``@app_commands.default_permissions(manage_guild=True)`` is invisible to
other members (``world.slash`` raises ``simcord.SetupError`` naming
``default-member-permissions``, as Discord hides it); to reach the bot's in-code check,
grant the command to a member with ``world.guild.set_command_permissions(command_id,
{member: True})`` (ids from ``await world.bot.tree.fetch_commands()``);
``world.thread()`` makes a thread to talk in; ``world.dm(...)`` a direct message;
``world.env.inject_error(method, path_pattern)`` fails a REST call; ``world.errors()``
returns (and accepts) what the bot's handlers raised. A bot with options this module does
not know: ``discord_world(bot=lambda clock: MyBot(..., clock=clock))``.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import discord
import simcord

from bot.discord_app import AskBot
from retrieval import Answer, Engine, Source

SETTLE_TIMEOUT = 120.0  # seconds
GUILD_ID = 4242 << 22  # a fixed snowflake, so a bot configured with guild_id can sync to it

# REST routes by which the bot puts text in front of a user, as fnmatch patterns.
_POSTS = ("/channels/*/messages", "/webhooks/*", "/interactions/*/callback")


class World:
    """One running simcord environment with the bot, a server and two members.

    Attributes
    ----------
    env : simcord.Env
        The environment (``env.http_requests``, ``env.inject_error``, ``env.errors`` ...).
    bot : AskBot
        The bot under test, logged in (``bot.user`` is set).
    guild : simcord.GuildHandle
        The server (id :data:`GUILD_ID`), the bot a member of it.
    channel : simcord.ChannelHandle
        Its text channel ``#general``.
    alice, bob : simcord.MemberActor
        Two ordinary members (no special permission).
    """

    def __init__(self, env: simcord.Env, bot: AskBot):
        self.env = env
        self.bot = bot
        self.guild = env.create_guild(id=GUILD_ID)
        self.channel: Any = None
        self.alice: Any = None
        self.bob: Any = None
        self._errors_seen = 0

    async def _start(self) -> "World":
        await self.env.start()
        self.channel = self.guild.create_text_channel("general")
        self.alice = self.guild.add_member(self.env.create_user("alice"))
        self.bob = self.guild.add_member(self.env.create_user("bob"))
        return self

    async def close(self) -> None:
        """Shut the environment down; errors the bot swallowed and no test inspected
        (``env.errors``) are raised here, as simcord's own fixture does."""
        await self.env.shutdown()
        if self.env.check_errors:
            unseen = self.env.errors_since(self._errors_seen)
            if unseen:
                raise ExceptionGroup(f"bot raised {len(unseen)} error(s) during the test", list(unseen))

    def errors(self) -> list[BaseException]:
        """The exceptions the bot's handlers raised so far (simcord captures them); the
        ones returned here count as expected and are not raised again at :meth:`close`."""
        errors = list(self.env.errors_since(0))
        self._errors_seen = len(errors)
        return errors

    # ------------------------------------------------------------------ acting

    async def ask(self, question: str, *, member=None, channel=None) -> simcord.InteractionResult:
        """``/ask question:<question>`` by ``member`` (alice) in ``channel`` (#general)."""
        return await (member or self.alice).slash(channel or self.channel, "ask", question=question)

    async def slash(self, name: str, *, member=None, channel=None, **options) -> simcord.InteractionResult:
        """Any slash command by ``member`` (alice) in ``channel`` (#general)."""
        return await (member or self.alice).slash(channel or self.channel, name, **options)

    async def mention(self, text: str, *, member=None, channel=None) -> discord.Message:
        """``member`` (alice) writes ``@Bot <text>`` in ``channel`` (#general); returns
        her message (the bot's reply, if any, has been sent when this returns)."""
        return await self.say(f"{self.bot.user.mention} {text}", member=member, channel=channel)

    async def say(self, content: str, *, member=None, channel=None) -> discord.Message:
        """``member`` (alice) writes ``content`` verbatim in ``channel`` (#general)."""
        return await (member or self.alice).send(channel or self.channel, content)

    async def dm(self, content: str, *, member=None) -> discord.Message:
        """``member`` (alice) writes ``content`` to the bot in a direct message."""
        return await (member or self.alice).send_dm(content)

    async def thread(self, name: str = "thread", *, channel=None) -> Any:
        """A public thread in ``channel`` (#general), as a simcord channel handle
        (created through the bot's REST client: simcord's builders make no threads)."""
        parent = self.bot.get_channel((channel or self.channel).id)
        created = await parent.create_thread(name=name, type=discord.ChannelType.public_thread)
        await self.env.settle()
        [handle] = [t for t in (channel or self.channel).threads if t.id == created.id]
        return handle

    def member(self, name: str, *, permissions: discord.Permissions | None = None, bot: bool = False):
        """A further member ``name``; with ``permissions`` it gets a role granting them
        (e.g. ``discord.Permissions(manage_guild=True)`` for an admin)."""
        roles = [self.guild.create_role(f"{name}-role", permissions=permissions)] if permissions else []
        return self.guild.add_member(self.env.create_user(name, bot=bot), roles=roles)

    async def advance(self, seconds: float) -> None:
        """Move the virtual clock (the bot's cooldown clock) by ``seconds``."""
        await self.env.advance_time(seconds)

    def clock(self) -> float:
        """Virtual monotonic seconds, for the bot's ``clock=`` option."""
        return self.env.now().timestamp()

    # ------------------------------------------------------------------ asserting

    def posts(self) -> list[simcord.HttpLogEntry]:
        """The bot's REST calls that answer users (channel messages, interaction
        callbacks and follow-ups), in order."""
        from fnmatch import fnmatch

        return [
            r
            for r in self.env.http_requests
            if r.method == "POST" and any(fnmatch(r.path, p) for p in _POSTS)
        ]

    def sent(self) -> list[str]:
        """The text of every message the bot sent (replies, responses, follow-ups), in order."""
        out = []
        for r in self.posts():
            body = (r.json or {}).get("data", r.json) if r.path.startswith("/interactions/") else r.json
            if body and body.get("content") is not None:
                out.append(body["content"])
        return out

    def replies(self) -> list[dict]:
        """The JSON bodies of the bot's channel messages (mention and DM replies), in order."""
        from fnmatch import fnmatch

        return [r.json for r in self.posts() if fnmatch(r.path, "/channels/*/messages")]

    def interaction_calls(self) -> list[tuple[str, Any]]:
        """The bot's interaction REST calls in order, as ``("defer", None)``,
        ``("respond", json)`` (an immediate response) or ``("followup", json)``."""
        out = []
        for r in self.posts():
            if r.path.startswith("/interactions/"):
                kind = r.json.get("type")
                out.append(("defer", None) if kind == 5 else ("respond", r.json.get("data")))
            elif r.path.startswith("/webhooks/"):
                out.append(("followup", r.json))
        return out


async def start_world(
    *,
    answer: Callable[[str], Answer] | None = None,
    sources: Sequence[Source] | Callable[[], Sequence[Source]] = (),
    engine: Engine | None = None,
    bot: AskBot | Callable[[Callable[[], float]], AskBot] | None = None,
    env_options: dict | None = None,
    before_start: Callable[[simcord.Env], None] | None = None,
    **bot_options,
) -> World:
    """Start a :class:`World`.

    The bot is ``bot`` if given (an :class:`AskBot`, or a callable taking the virtual
    clock and returning one -- for bots with options this helper does not know),
    otherwise ``AskBot(answer=..., sources=..., **bot_options)`` (``engine`` supplies
    both), with ``cooldown_seconds=0`` and the virtual clock unless given.
    ``env_options`` go to :class:`simcord.Env` (``strict_sync``, ``check_errors`` ...);
    ``before_start(env)`` runs before the bot logs in (e.g. ``env.inject_error`` for
    the command sync).
    """
    clock_of: dict[str, World] = {}

    def clock() -> float:
        return clock_of["world"].clock()

    if bot is None:
        if engine is not None:
            answer, sources = engine.answer, engine.sources()
        if answer is None:
            raise TypeError("start_world needs answer=, engine= or bot=")
        bot_options.setdefault("cooldown_seconds", 0)
        bot_options.setdefault("clock", clock)
        bot = AskBot(answer=answer, sources=sources, **bot_options)
    elif not isinstance(bot, discord.Client):
        bot = bot(clock)
    # simcord waits up to settle_timeout (default 5 s) of wall time for the bot's work after
    # each action: only a hang guard here, made generous so a loaded CI machine cannot fail it.
    env = simcord.Env(bot, **{"settle_timeout": SETTLE_TIMEOUT, **(env_options or {})})
    world = World(env, bot)
    clock_of["world"] = world
    if before_start is not None:
        before_start(env)
    return await world._start()
