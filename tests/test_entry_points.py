"""The console scripts' launchers (bot/cli.py): exit codes pass through, and Ctrl-C at
any moment after start-up -- even while NumPy and discord.py are still importing -- ends
with exit 130 and no traceback."""

from __future__ import annotations

import tomllib

import pytest

import bot.cli as launcher
from .support import ROOT


def test_pyproject_scripts_use_the_guarded_launchers():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts == {"ask": "bot.cli:ask", "ask-bot": "bot.cli:ask_bot"}


@pytest.mark.parametrize(("entry", "module"), [(launcher.ask, "bot.repl"), (launcher.ask_bot, "bot.__main__")])
def test_exit_code_and_arguments_pass_through(monkeypatch, entry, module):
    seen = []

    def main(argv):
        seen.append(argv)
        return 7

    monkeypatch.setattr(f"{module}.main", main)
    assert entry(["--check"]) == 7
    assert seen == [["--check"]]


@pytest.mark.parametrize("loader", ["_load_ask", "_load_ask_bot"])
def test_ctrl_c_while_importing_is_exit_130_and_one_blank_line(monkeypatch, capsys, loader):
    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr(launcher, loader, interrupted)
    entry = launcher.ask if loader == "_load_ask" else launcher.ask_bot
    assert entry([]) == 130
    assert capsys.readouterr() == ("", "\n")


def test_ctrl_c_inside_the_front_end_is_exit_130(monkeypatch, capsys):
    def main(argv):
        raise KeyboardInterrupt

    monkeypatch.setattr("bot.__main__.main", main)
    assert launcher.ask_bot(["--check"]) == 130
    assert capsys.readouterr() == ("", "\n")


def test_ctrl_c_with_stderr_closed_is_still_quiet(monkeypatch):
    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr(launcher, "_load_ask", interrupted)
    monkeypatch.setattr("sys.stderr", None)
    assert launcher.ask([]) == 130
