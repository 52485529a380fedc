"""Settings from the environment and an optional ``.env`` file.

The only module that reads ``os.environ``. Values in the real environment win over
``.env`` (python-dotenv's default).
"""

from __future__ import annotations

import io
import logging
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

from retrieval import Settings, SettingsError

DEFAULT_CORPUS = "corpus"


class ConfigError(Exception):
    """A setting in the environment is missing or malformed (message names the key)."""


def load_dotenv_file(path: str | os.PathLike | None = None) -> None:
    """Load ``.env`` into the environment (values already set win).

    Parameters
    ----------
    path : path-like, optional
        An explicit env file, which must exist; by default ``./.env``, if present.
        ``os.devnull`` (``/dev/null``) reads as no env file at all, not even ``./.env``.

    Raises
    ------
    ConfigError
        The explicit file is missing, the file is not a readable UTF-8 file, holds a
        NUL character, or a statement in it cannot be parsed (the message names the
        file and the line).
    """
    from dotenv import dotenv_values
    from dotenv.parser import parse_stream

    target = Path(path) if path is not None else Path.cwd() / ".env"
    if path is None and not target.exists():
        return
    if path is not None and str(path) == os.devnull:  # the usual way to say "no env file"
        return
    if not target.is_file():
        what = "does not exist" if not target.exists() else "is not a file"
        raise ConfigError(f"env file {target} {what}")
    try:
        with open(target, encoding="utf-8") as stream:
            text = stream.read()
    except UnicodeDecodeError as exc:
        raise ConfigError(f"env file {target} is not UTF-8 text (bad byte at offset {exc.start})") from None
    except OSError as exc:
        raise ConfigError(f"cannot read env file {target}: {exc.strerror or exc}") from None
    if "\x00" in text:  # the environment cannot hold it (os.environ raises ValueError)
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ConfigError(f"env file {target}: line {line} holds a NUL character")
    # python-dotenv would only log "could not parse statement starting at line N",
    # without the file, and skip the statement: a setting silently lost.
    for binding in parse_stream(io.StringIO(text)):
        if binding.error:
            raise ConfigError(
                f"env file {target}: cannot parse line {binding.original.line} (expected KEY=VALUE)"
            )
    values = dotenv_values(stream=io.StringIO(text))
    for key, value in values.items():
        if value is not None and key not in os.environ:
            os.environ[key] = value


def _int(env: dict, key: str, default: int, minimum: int = 0) -> int:
    raw = env.get(key, "").strip()
    if not raw:
        return default
    try:
        if not raw.isascii():  # int() also reads other scripts' digits ("١٢")
            raise ValueError(raw)
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{key} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{key} must be >= {minimum}, got {value}")
    return value


def _float(env: dict, key: str, default: float) -> float:
    raw = env.get(key, "").strip()
    if not raw:
        return default
    try:
        if not raw.isascii():  # float() also reads other scripts' digits
            raise ValueError(raw)
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{key} must be a number, got {raw!r}") from None
    if not math.isfinite(value):
        raise ConfigError(f"{key} must be a finite number, got {raw!r}")
    return value


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def _bool(env: dict, key: str, default: bool) -> bool:
    raw = env.get(key, "").strip().lower()
    if not raw:
        return default
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ConfigError(f"{key} must be 1/0, true/false, yes/no or on/off, got {raw!r}")


def corpus_dir(env: dict | None = None) -> str:
    """``ASK_CORPUS`` if set (``~`` expanded, as .env files do not), else ``./corpus``."""
    env = os.environ if env is None else env
    return os.path.expanduser(env.get("ASK_CORPUS", "").strip()) or DEFAULT_CORPUS


def index_dir(env: dict | None = None) -> str | bool | None:
    """``ASK_INDEX_DIR``: where the persisted index lives.

    Returns None (unset: ``<corpus>/.index``), False (``off``: keep the index in memory
    only, write nothing) or the directory path.
    """
    env = os.environ if env is None else env
    raw = env.get("ASK_INDEX_DIR", "").strip()
    if not raw:
        return None
    if raw.lower() in ("off", "none", "0", "false", "no"):
        return False
    return os.path.expanduser(raw)


def state_home(env: dict | None = None) -> Path | None:
    """``XDG_STATE_HOME`` when it is an absolute path, else None.

    The XDG Base Directory specification says a relative (or empty) value is ignored;
    the caller then falls back to ``~/.local/state``.
    """
    env = os.environ if env is None else env
    raw = env.get("XDG_STATE_HOME", "")
    return Path(raw) if raw and os.path.isabs(raw) else None


def model_cache_dir() -> str | None:
    """Where named semantic models are cached: ``<user cache dir>/newsqa/models``
    (platformdirs: ``$XDG_CACHE_HOME`` or ``~/.cache`` on Linux); None without the
    ``semantic`` extra (the engine then says the extra is missing)."""
    try:
        import platformdirs
    except ImportError:
        return None
    return str(platformdirs.user_cache_path("newsqa") / "models")


def _xapian_settings(env: dict) -> dict:
    """The xapian engine's keys: ``ASK_XAPIAN`` (a build directory, database or stub
    file), ``ASK_XAPIAN_REMOTE`` (``host:port,host:port,...`` in shard order),
    ``ASK_XAPIAN_PARTIAL`` (answer from the shards that answer), ``ASK_XAPIAN_TIMEOUT``
    and ``ASK_XAPIAN_CONNECT_TIMEOUT`` (seconds)."""
    path = os.path.expanduser(env.get("ASK_XAPIAN", "").strip()) or None
    remote = tuple(a.strip() for a in env.get("ASK_XAPIAN_REMOTE", "").split(",") if a.strip())
    for address in remote:
        host, sep, port = address.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ConfigError(f"ASK_XAPIAN_REMOTE must be host:port,host:port,..., got {address!r}")
    engine = env.get("ASK_ENGINE", "").strip().lower()
    if engine == "xapian" and bool(path) == bool(remote):
        raise ConfigError("ASK_ENGINE=xapian needs one of ASK_XAPIAN=DIR or ASK_XAPIAN_REMOTE=host:port,... (not both)")
    return {
        "xapian": path,
        "xapian_remote": remote,
        "xapian_partial": _bool(env, "ASK_XAPIAN_PARTIAL", False),
        "xapian_timeout": _float(env, "ASK_XAPIAN_TIMEOUT", Settings.xapian_timeout),
        "xapian_connect_timeout": _float(env, "ASK_XAPIAN_CONNECT_TIMEOUT", Settings.xapian_connect_timeout),
    }


def retrieval_settings(env: dict | None = None, semantic: str | None = None) -> Settings:
    """Engine :class:`~retrieval.Settings` from ``ASK_TOP_K``, ``ASK_MAX_QUOTES``,
    ``ASK_ENGINE``, ``BM25_K1``, ``BM25_B``, ``BM25_EPSILON`` and the xapian engine's
    keys (:func:`_xapian_settings`) and ``ASK_SEMANTIC``, all optional; ``semantic``
    (``ask --semantic``) wins over ``ASK_SEMANTIC``.

    Raises
    ------
    ConfigError
        A value is not a number or out of range (the message names the key).
    """
    env = os.environ if env is None else env
    defaults = Settings()
    values = {
        "k1": _float(env, "BM25_K1", defaults.k1),
        "b": _float(env, "BM25_B", defaults.b),
        "epsilon": _float(env, "BM25_EPSILON", defaults.epsilon),
        "top_k": _int(env, "ASK_TOP_K", defaults.top_k, minimum=1),
        "max_quotes": _int(env, "ASK_MAX_QUOTES", defaults.max_quotes, minimum=1),
        "engine": env.get("ASK_ENGINE", "").strip().lower() or defaults.engine,
        **_xapian_settings(env),
        "semantic": (semantic if semantic is not None else env.get("ASK_SEMANTIC", "")).strip() or "off",
    }
    if values["semantic"].lower() not in ("off", "none", "0", "false", "no"):
        values["model_cache"] = model_cache_dir()
    else:
        values["semantic"] = "off"
    keys = {
        "k1": "BM25_K1",
        "b": "BM25_B",
        "epsilon": "BM25_EPSILON",
        "top_k": "ASK_TOP_K",
        "max_quotes": "ASK_MAX_QUOTES",
        "engine": "ASK_ENGINE",
        "xapian_timeout": "ASK_XAPIAN_TIMEOUT",
        "xapian_connect_timeout": "ASK_XAPIAN_CONNECT_TIMEOUT",
        "semantic": "--semantic" if semantic is not None else "ASK_SEMANTIC",
    }
    try:
        return Settings(**values)
    except SettingsError as exc:
        field, _, rest = str(exc).partition(" ")
        raise ConfigError(f"{keys.get(field, field)}: {field} {rest}") from None


@dataclass(frozen=True)
class BotConfig:
    """What the Discord bot needs. ``repr`` never shows the token."""

    token: str
    guild_id: int | None
    corpus: str
    settings: Settings
    cooldown_seconds: float
    message_content: bool = False

    def __repr__(self) -> str:
        return (
            f"BotConfig(token=<hidden>, guild_id={self.guild_id!r}, corpus={self.corpus!r}, "
            f"settings={self.settings!r}, cooldown_seconds={self.cooldown_seconds!r}, "
            f"message_content={self.message_content!r})"
        )


MAX_COOLDOWN_SECONDS = 86400
MAX_TOKEN_LENGTH = 200  # real bot tokens are about 70 characters
QUOTES = "\"'`\u2018\u2019\u201c\u201d"  # straight, back and curly quotes
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


def check_token(token: str) -> None:
    """Refuse what cannot be a Discord bot token, saying why without ever echoing it.

    A bot token is three non-empty parts of letters, digits, ``-`` and ``_``
    separated by dots, at most :data:`MAX_TOKEN_LENGTH` characters.

    Parameters
    ----------
    token : str
        The value of ``DISCORD_TOKEN``, stripped and not empty.

    Raises
    ------
    ConfigError
        Spaces or control characters (a ``Bot `` prefix gets a hint), quotes around it,
        non-ASCII characters, too long, or not the three-part shape.
    """
    if any(c.isspace() or not c.isprintable() for c in token):
        hint = " (paste the token alone, without 'Bot ')" if token.lower().startswith("bot ") else ""
        raise ConfigError(f"DISCORD_TOKEN contains spaces or control characters: not a bot token{hint}")
    if any(c in QUOTES for c in token):
        raise ConfigError("DISCORD_TOKEN contains quotes: not a bot token (remove the quotes around it)")
    if not token.isascii():
        raise ConfigError("DISCORD_TOKEN contains non-ASCII characters: not a bot token")
    if len(token) > MAX_TOKEN_LENGTH:
        raise ConfigError(f"DISCORD_TOKEN is longer than {MAX_TOKEN_LENGTH} characters: not a bot token")
    if not TOKEN_SHAPE.fullmatch(token):
        raise ConfigError(
            "DISCORD_TOKEN is not a bot token: expected three parts of letters, digits, '-' "
            "and '_' separated by dots (copy it again from the Developer Portal)"
        )


def bot_config(env: dict | None = None) -> BotConfig:
    """Bot settings from ``DISCORD_TOKEN`` (required), ``DISCORD_GUILD_ID``,
    ``ASK_CORPUS``, ``ASK_COOLDOWN_SECONDS``, ``DISCORD_MESSAGE_CONTENT`` and the
    retrieval keys.

    Raises
    ------
    ConfigError
        ``DISCORD_TOKEN`` is missing or empty, or a value is malformed.
    """
    env = os.environ if env is None else env
    token = env.get("DISCORD_TOKEN", "").strip()
    if not token:
        raise ConfigError(
            "DISCORD_TOKEN is not set: put it in the environment or in .env (see .env.example)"
        )
    check_token(token)
    guild = env.get("DISCORD_GUILD_ID", "").strip()
    guild_id = None
    if guild:
        if not guild.isdigit() or not 0 < int(guild) < 2**64:
            raise ConfigError(
                f"DISCORD_GUILD_ID must be a server id (a positive 64-bit number), got {guild!r}"
            )
        guild_id = int(guild)
    cooldown = _float(env, "ASK_COOLDOWN_SECONDS", 5.0)
    if not 0 <= cooldown <= MAX_COOLDOWN_SECONDS:
        raise ConfigError(f"ASK_COOLDOWN_SECONDS must be between 0 and {MAX_COOLDOWN_SECONDS} (a day), got {cooldown}")
    return BotConfig(
        token=token,
        guild_id=guild_id,
        corpus=corpus_dir(env),
        settings=retrieval_settings(env),
        cooldown_seconds=cooldown,
        message_content=_bool(env, "DISCORD_MESSAGE_CONTENT", False),
    )


def corpus_hint(corpus: str | os.PathLike, *, option: bool) -> str:
    """What to add to a corpus error when the corpus directory does not exist (""
    otherwise): where the directory is set, for ``ask`` (``option``: it has
    ``--corpus``) or ``ask-bot``. A missing ``./corpus`` usually means the program was
    started outside the project root."""
    if os.path.lexists(corpus):
        return ""
    where = "--corpus DIR or ASK_CORPUS" if option else "ASK_CORPUS"
    return f" (give the articles' directory with {where})"


class _NoticeHandler(logging.Handler):
    """Engine notices (WARNING records of the ``retrieval`` loggers: a damaged index
    rebuilt, an index kept in the user cache directory, waiting for another process's
    build) as one ``PROG: message`` line each on the stderr of the moment."""

    def __init__(self, prog: str):
        super().__init__(logging.WARNING)
        self.prog = prog

    def emit(self, record: logging.LogRecord) -> None:
        from .terminal import print_error

        print_error(f"{self.prog}: {record.getMessage()}")


def show_engine_notices(prog: str) -> None:
    """Show the engine's notices on stderr with the program's name (``ask: ...``), as
    the product's other messages; installed once per process."""
    logger = logging.getLogger("retrieval")
    if not any(isinstance(h, _NoticeHandler) for h in logger.handlers):
        logger.addHandler(_NoticeHandler(prog))
