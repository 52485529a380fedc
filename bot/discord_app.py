"""The Discord front end: a :class:`discord.Client` with an app-command tree.

Serves ``/ask question:<text>``, ``/sources``, ``/help``, messages that mention the bot
and direct messages, and -- given a :class:`bot.watch.Library` -- the admin-only
``/article add`` and ``/article remove``. It contains no retrieval logic: it calls an ``answer(question) ->
Answer`` callable (normally :meth:`retrieval.Engine.answer`) off the event loop and
renders the result with :mod:`bot.discord_render`.

Rules kept here:

* never pings: the client is created with ``allowed_mentions=AllowedMentions.none()``
  and the rendered text defuses every ``@``;
* never answers a bot (itself included);
* never blocks: answers run in worker threads (``asyncio.to_thread``), at most
  ``max_concurrency`` at a time;
* never dies: any exception while answering becomes a short message to the user and a
  traceback in the log (``logger.exception``);
* one per-user cooldown shared by ``/ask``, mentions and DMs;
* one question, one reply: ``/ask``, a mention or a DM is answered with exactly one
  message (:func:`bot.discord_render.render_answer` fits the answer into 2000 characters);
* admin commands check the Manage Server permission in code (:func:`is_admin`) as
  well as declaring it as their default permission, which a server can loosen.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from typing import Callable, Sequence

import discord
from discord import app_commands

from retrieval import Answer, Engine, Source

from . import discord_render as render
from .commands import parse_command

logger = logging.getLogger(__name__)

NO_PINGS = discord.AllowedMentions.none()

QUESTION_MAX_LENGTH = 500  # characters accepted by the /ask option

INTENT_HINT = (
    "Message content intent is off: /ask, mentions and DMs still work. To enable it, turn on "
    "'Message Content Intent' (Developer Portal -> your application -> Bot -> Privileged "
    "Gateway Intents) and set DISCORD_MESSAGE_CONTENT=1."
)


def default_intents(message_content: bool = False) -> discord.Intents:
    """``Intents.default()`` (guilds, guild and DM messages), plus the privileged
    message-content intent only when asked for. Mentions and DMs carry their content
    without it."""
    intents = discord.Intents.default()
    intents.message_content = message_content
    return intents


class UserCooldown:
    """At most one question per user every ``per`` seconds.

    Parameters
    ----------
    per : float
        Seconds between two questions of the same user; 0 disables the cooldown.
    clock : callable, optional
        Monotonic seconds (``time.monotonic``); tests pass a fake.
    """

    def __init__(self, per: float, clock: Callable[[], float] = time.monotonic):
        if per < 0:
            raise ValueError(f"per must be >= 0, got {per}")
        self.per = per
        self._clock = clock
        self._last: dict[int, float] = {}

    def retry_after(self, user_id: int) -> float:
        """0.0 and the question counts, or the seconds the user must still wait
        (then nothing is recorded)."""
        if self.per == 0:
            return 0.0
        now = self._clock()
        last = self._last.get(user_id)
        if last is not None and now - last < self.per:
            return self.per - (now - last)
        self._last[user_id] = now
        if len(self._last) > 10_000:  # forget users whose cooldown has long expired
            self._last = {u: t for u, t in self._last.items() if now - t < self.per}
        return 0.0


class AskBot(discord.Client):
    """The question-answering bot.

    Parameters (keyword only)
    -------------------------
    answer : callable ``(str) -> Answer``
        The answer path; called in a worker thread. May raise anything: the user then
        gets :data:`bot.discord_render.ERROR`, the log gets the traceback.
    sources : sequence of Source or callable returning one
        What ``/sources`` lists.
    guild_id : int or None
        Sync the commands to that server at start (instant); None syncs globally.
    cooldown_seconds : float
        Per-user cooldown for questions (``/ask``, mentions, DMs); 0 disables it.
    max_concurrency : int
        Answers computed at the same time at most (>= 1); more questions wait.
    message_content : bool
        Request the privileged message-content intent.
    sync_commands : bool
        Sync the command tree in :meth:`setup_hook` (tests pass False).
    clock : callable
        Monotonic clock for the cooldown (tests pass a fake).
    intents : discord.Intents, optional
        Override :func:`default_intents`.
    library : bot.watch.Library, optional
        Serves ``/article add|remove`` (not registered without it).
    conversations : retrieval.conversation.Conversations, optional
        Follow-up questions: a conversation per channel or thread *and* user
        (:func:`conversation_key`), so two people in one channel do not mix. A
        follow-up is answered with ``answer(question, follow_up=...)``; a question
        that stands on its own with ``answer(question)``, as without it.
    **client_options
        Passed to :class:`discord.Client` (``allowed_mentions`` is always ``none()``).
    """

    def __init__(
        self,
        *,
        answer: Callable[[str], Answer],
        sources: Sequence[Source] | Callable[[], Sequence[Source]],
        guild_id: int | None = None,
        cooldown_seconds: float = 5.0,
        max_concurrency: int = 4,
        message_content: bool = False,
        sync_commands: bool = True,
        clock: Callable[[], float] = time.monotonic,
        intents: discord.Intents | None = None,
        library=None,
        conversations=None,
        **client_options,
    ):
        if max_concurrency < 1:
            raise ValueError(f"max_concurrency must be >= 1, got {max_concurrency}")
        super().__init__(
            intents=intents if intents is not None else default_intents(message_content),
            allowed_mentions=NO_PINGS,
            **client_options,
        )
        self._answer = answer
        self._sources = sources
        self.library = library
        self.conversations = conversations
        self.guild_id = guild_id
        self.message_content = message_content
        self.sync_commands = sync_commands
        self.cooldown = UserCooldown(cooldown_seconds, clock)
        self.max_concurrency = max_concurrency
        self._slots: asyncio.Semaphore | None = None  # created on the running loop
        self.tree = app_commands.CommandTree(self)
        self.tree.on_error = self._on_tree_error
        self._register_commands()

    @classmethod
    def from_engine(cls, engine: Engine, **options) -> "AskBot":
        """A bot answering from ``engine`` (``answer=engine.answer``, its sources, read
        at each use: a :class:`bot.watch.LiveEngine` changes them)."""
        return cls(answer=engine.answer, sources=engine.sources, **options)

    # ----------------------------------------------------------------- start-up

    async def setup_hook(self) -> None:
        """Sync the slash commands (to ``guild_id`` if set, else globally) and log the
        intent hint. A failed sync is logged, not fatal: mentions and DMs still work."""
        if not self.message_content:
            logger.info(INTENT_HINT)
        if not self.sync_commands:
            return
        try:
            if self.guild_id is not None:
                guild = discord.Object(id=self.guild_id)
                self.tree.copy_global_to(guild=guild)
                synced = await self.tree.sync(guild=guild)
                logger.info("Synced %d command(s) to guild %s", len(synced), self.guild_id)
            else:
                synced = await self.tree.sync()
                logger.info(
                    "Synced %d command(s) globally (may take up to an hour to appear; "
                    "set DISCORD_GUILD_ID for instant sync to one server)",
                    len(synced),
                )
        except discord.HTTPException:
            logger.exception(
                "Could not sync slash commands (was the bot invited with the "
                "applications.commands scope, and is DISCORD_GUILD_ID a server it is in?)"
            )

    async def on_ready(self) -> None:
        logger.info("Logged in as %s (id %s)", self.user, getattr(self.user, "id", "?"))

    # ----------------------------------------------------------------- commands

    def _register_commands(self) -> None:
        # Closures, not methods: discord.py reads the parameters (and the docstring
        # as description) from the callback's signature.
        bot = self

        @self.tree.command(name="ask")
        @app_commands.describe(question="Your question about the news articles")
        async def ask(
            interaction: discord.Interaction,
            question: app_commands.Range[str, 1, QUESTION_MAX_LENGTH],
        ) -> None:
            """Ask a question; the answer quotes the articles with citations."""
            await bot.handle_ask(interaction, question)

        @self.tree.command(name="sources")
        async def sources(interaction: discord.Interaction) -> None:
            """List the loaded articles (title, date, sentence count)."""
            await bot.handle_sources(interaction)

        @self.tree.command(name="help")
        async def help_(interaction: discord.Interaction) -> None:
            """How to ask the bot a question."""
            await bot.handle_help(interaction)

        if self.library is not None:
            from .discord_articles import article_group

            self.tree.add_command(article_group(bot))

    def sources(self) -> list[Source]:
        """The articles ``/sources`` lists."""
        value = self._sources() if callable(self._sources) else self._sources
        return list(value)

    def help_text(self) -> str:
        """The ``/help`` text, naming this bot."""
        name = self.user.name if self.user is not None else "Bot"
        # the name stands inside an inline code span: no Markdown escaping there, just no backticks
        return render.HELP.replace("{name}", name.replace("`", "'"))

    def command_reply(self, name: str) -> str:
        """The reply to a mention or DM that is one of the terminal session's commands
        (:func:`bot.commands.parse_command`): ``:help`` gets the ``/help`` text,
        ``:sources`` the ``/sources`` list, any other (``:quit``, ``:explain``, an
        unknown ``:word``, ``quit`` alone) :data:`render.COMMAND_HINT`, never an
        answer to a question nobody asked."""
        if name == "help":
            return self.help_text()
        if name == "sources":
            return render.render_sources(self.sources())
        return render.COMMAND_HINT

    async def handle_ask(self, interaction: discord.Interaction, question: str) -> None:
        """``/ask``: cooldown check, ``defer(thinking=True)``, answer off the loop, then
        exactly one ``followup.send`` (the answer fitted into one message by
        :func:`bot.discord_render.render_answer`). Errors while answering become
        :data:`render.ERROR`."""
        wait = self.cooldown.retry_after(interaction.user.id)
        if wait > 0:
            await interaction.response.send_message(
                render.cooldown_message(wait), ephemeral=True, allowed_mentions=NO_PINGS
            )
            return
        await interaction.response.defer(thinking=True)
        key = conversation_key(interaction.channel_id, interaction.user.id)
        text = await self.answer_message(question, echo_question=True, conversation=key)
        await interaction.followup.send(text, allowed_mentions=NO_PINGS)

    async def handle_sources(self, interaction: discord.Interaction) -> None:
        """``/sources``: the article list in one message (as many articles as fit in
        2000 characters, then ``… and N more``)."""
        await interaction.response.send_message(
            render.render_sources(self.sources()), allowed_mentions=NO_PINGS
        )

    async def handle_help(self, interaction: discord.Interaction) -> None:
        """``/help``: how to ask (ephemeral)."""
        await interaction.response.send_message(
            self.help_text(), ephemeral=True, allowed_mentions=NO_PINGS
        )

    async def _on_tree_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """Last resort for slash commands: log the traceback, tell the user briefly."""
        logger.exception("Slash command failed", exc_info=error)
        try:
            if interaction.response.is_done():
                await interaction.followup.send(
                    render.ERROR, ephemeral=True, allowed_mentions=NO_PINGS
                )
            else:
                await interaction.response.send_message(
                    render.ERROR, ephemeral=True, allowed_mentions=NO_PINGS
                )
        except Exception:
            logger.exception("Could not send the error message either")

    # ----------------------------------------------------------------- answering

    async def answer_message(self, question: str, *, echo_question: bool, conversation=None) -> str:
        """The answer to ``question`` as one message, computed and rendered in a worker
        thread (fitting a long answer into one message takes a few milliseconds) with at
        most ``max_concurrency`` answers at once, as part of the ``conversation`` (a
        :func:`conversation_key`; None: no conversation). Never raises (except
        cancellation): a failure is logged with its traceback and returns
        :data:`render.ERROR`."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.max_concurrency)

        def work() -> str:
            talks = self.conversations if conversation is not None else None
            follow_up = talks.resolve(conversation, question) if talks is not None else None
            if follow_up is None:
                result = self._answer(question)
            else:
                result = self._answer(question, follow_up=follow_up)
            if talks is not None:
                talks.record(conversation, result, follow_up)
            return render.render_answer(result, echo_question=echo_question, articles=len(self.sources()))

        try:
            async with self._slots:
                return await asyncio.to_thread(work)
        except Exception:
            logger.exception("Answering failed for a question of %d characters", len(question))
            return render.ERROR

    # ----------------------------------------------------------------- messages

    def _own_role_ids(self, message: discord.Message) -> set[int]:
        """Ids of the bot's managed role in the message's server (typing ``@Bot`` in the
        client sometimes inserts that role mention instead of the user mention)."""
        guild = message.guild
        me = guild.me if guild is not None else None
        if me is None or self.user is None:
            return set()
        ids = set()
        for role in getattr(me, "roles", ()):
            tags = role.tags
            if tags is not None and tags.bot_id == self.user.id:
                ids.add(role.id)
        return ids

    def question_from_message(self, message: discord.Message) -> str | None:
        """The question in ``message``, or None when the bot should not react.

        None for messages from any bot (itself included), guild messages that do not
        mention the bot (``@everyone``/``@here`` do not count), and messages with no
        text at all. Otherwise the text with the bot's mentions removed, stripped
        (possibly ``""``: the user mentioned the bot and asked nothing).
        """
        if message.author.bot or (self.user is not None and message.author.id == self.user.id):
            return None
        if self.user is None:
            return None
        content = message.content or ""
        if not content.strip():
            return None
        is_dm = message.guild is None
        role_ids = self._own_role_ids(message)
        mentioned = any(u.id == self.user.id for u in message.mentions) or any(
            r.id in role_ids for r in getattr(message, "role_mentions", ())
        )
        if not is_dm and not mentioned:
            return None
        pattern = rf"<@!?{self.user.id}>"
        if role_ids:
            pattern += rf"|<@&(?:{'|'.join(str(i) for i in sorted(role_ids))})>"
        return re.sub(pattern, " ", content).strip()

    async def on_message(self, message: discord.Message) -> None:
        """Answer a mention or a DM with exactly one reply; ignore bots and everything else."""
        try:
            question = self.question_from_message(message)
            if question is None:
                return
            if not question:
                await _reply(message, render.EMPTY_MENTION_HINT)
                return
            command = parse_command(question)
            if command is not None:  # ":help", "quit" ...: what the terminal's session would read
                await _reply(message, self.command_reply(command.name))
                return
            wait = self.cooldown.retry_after(message.author.id)
            if wait > 0:
                await _reply(message, render.cooldown_message(wait))
                return
            key = conversation_key(message.channel.id, message.author.id)
            await _reply(message, await self.answer_message(question, echo_question=False, conversation=key))
        except discord.Forbidden:
            # No permission to speak here: nothing to tell the user, no traceback to log.
            logger.warning(
                "Cannot reply in channel %s: the bot lacks Send Messages / Read Message History there",
                getattr(message.channel, "id", "?"),
            )
        except Exception:
            logger.exception("Handling a message failed")
            try:
                await _reply(message, render.ERROR)
            except Exception:
                logger.exception("Could not send the error message either")


def conversation_key(channel_id: int | None, user_id: int) -> tuple[int | None, int]:
    """A conversation is one user in one channel, thread or DM (a thread has its own
    channel id), so two people talking in one channel do not mix."""
    return (channel_id, user_id)


async def _reply(message: discord.Message, text: str) -> None:
    """Reply to ``message`` without pinging anyone, its author included."""
    await message.reply(text, mention_author=False, allowed_mentions=NO_PINGS)


def build_bot(engine: Engine, config, **options) -> AskBot:
    """An :class:`AskBot` over ``engine`` configured from a :class:`bot.config.BotConfig`."""
    return AskBot.from_engine(
        engine,
        guild_id=config.guild_id,
        cooldown_seconds=config.cooldown_seconds,
        message_content=config.message_content,
        **options,
    )


def command_names(bot: AskBot) -> list[str]:
    """The slash commands the bot serves, as ``/name`` strings (for ``--check``)."""
    out = []
    for command in bot.tree.get_commands():
        if isinstance(command, app_commands.Group):
            out.extend(f"/{command.name} {sub.name}" for sub in command.commands)
            continue
        params = getattr(command, "parameters", [])
        out.append(" ".join([f"/{command.name}", *(f"{p.name}:<text>" for p in params)]))
    return out
