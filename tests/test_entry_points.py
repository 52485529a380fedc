"""The console scripts' launchers (bot/cli.py): exit codes pass through, and Ctrl-C at
any moment after start-up -- even while NumPy and discord.py are still importing -- ends
with exit 130 and no traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tomllib

import pytest

import bot.cli as launcher
import bot.terminal as terminal
from .support import CORPUS, ROOT


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


def _front_end_never_called(argv):
    pytest.fail("the front end must not run after Ctrl-C during its import")


@pytest.mark.parametrize(("entry", "loader"), [(launcher.ask, "_load_ask"), (launcher.ask_bot, "_load_ask_bot")])
def test_sigint_during_the_import_raises_nothing_there_and_exits_130(monkeypatch, capsys, entry, loader):
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    seen = []

    def importing():
        signal.raise_signal(signal.SIGINT)  # as if Ctrl-C landed inside NumPy's C import code
        seen.append("import finished")
        return _front_end_never_called

    monkeypatch.setattr(launcher, loader, importing)
    assert entry(["x"]) == 130
    assert seen == ["import finished"]
    assert capsys.readouterr() == ("", "\n")
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_without_sigint_the_handler_is_restored_and_the_front_end_runs(monkeypatch):
    handlers = []

    def importing():
        handlers.append(signal.getsignal(signal.SIGINT))

        def main(argv):
            handlers.append(signal.getsignal(signal.SIGINT))
            return 0

        return main

    monkeypatch.setattr(launcher, "_load_ask", importing)
    assert launcher.ask([]) == 0
    assert handlers[0] is not signal.default_int_handler  # only recorded while importing
    assert handlers[1] is signal.default_int_handler  # Ctrl-C while it runs: KeyboardInterrupt
    assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN  # the run is over


@pytest.mark.parametrize(("entry", "module"), [(launcher.ask, "bot.repl"), (launcher.ask_bot, "bot.__main__")])
@pytest.mark.parametrize("code", [0, 2])
def test_sigint_after_the_front_end_returned_is_ignored(monkeypatch, capsys, entry, module, code):
    def main(argv):
        print("the whole answer")
        return code

    monkeypatch.setattr(f"{module}.main", main)
    assert entry([]) == code
    signal.raise_signal(signal.SIGINT)  # as if Ctrl-C landed in the interpreter's shutdown
    assert capsys.readouterr() == ("the whole answer\n", "")


def test_final_output_holds_ctrl_c_back_then_ignores_it():
    def write():
        signal.raise_signal(signal.SIGINT)  # Ctrl-C while the answer is written
        return "written"

    assert terminal.final_output(write) == "written"
    assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN


def test_final_output_that_fails_gives_ctrl_c_back():
    def write():
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match=r"^\[Errno 28\] No space left on device$"):
        terminal.final_output(write)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.parametrize("handler", [signal.SIG_IGN, "custom"])
def test_final_output_leaves_a_sigint_handler_that_is_not_the_default_alone(handler):
    if handler == "custom":
        handler = lambda signum, frame: None  # noqa: E731
    seen = []
    signal.signal(signal.SIGINT, handler)  # put back by the conftest fixture
    assert terminal.final_output(lambda: seen.append(signal.getsignal(signal.SIGINT))) is None
    assert seen == [handler] and signal.getsignal(signal.SIGINT) is handler


def test_ctrl_c_after_the_answer_in_a_real_process_is_exit_0(tmp_path, capsys, monkeypatch):
    # SIGINT sent at the last moment Python code runs (atexit), after sys.exit(0):
    # were it not ignored, the process would print a traceback (or die of it).
    code = (
        "import atexit, os, signal, sys; from bot.cli import ask; "
        "atexit.register(lambda: os.kill(os.getpid(), signal.SIGINT)); "
        "sys.exit(ask(sys.argv[1:]))"
    )
    env = {**os.environ, "ASK_INDEX_DIR": "off", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code, "--corpus", str(CORPUS), "Who accompanied Putin?"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
    )
    monkeypatch.chdir(tmp_path)
    assert launcher.ask(["--corpus", str(CORPUS), "Who accompanied Putin?"]) == 0
    assert (done.returncode, done.stdout, done.stderr) == (0, capsys.readouterr().out, "")


def test_ctrl_c_after_the_check_report_in_a_real_process_is_exit_0(tmp_path):
    code = (
        "import atexit, os, signal, sys; from bot.cli import ask_bot; "
        "atexit.register(lambda: os.kill(os.getpid(), signal.SIGINT)); "
        "sys.exit(ask_bot(['--check']))"
    )
    env = {
        **os.environ,
        "ASK_INDEX_DIR": "off",
        "PYTHONPATH": str(ROOT),
        "ASK_CORPUS": str(CORPUS),
        "DISCORD_TOKEN": "MTk4NjIyNDgzNDcx.G1x_2z.s3cr3t-v4lue_tok3n",
    }
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith(f"Config OK: token set (not shown), articles from {CORPUS}\n")


def test_a_failing_import_still_restores_the_handler(monkeypatch):
    def importing():
        raise ImportError("broken install")

    monkeypatch.setattr(launcher, "_load_ask", importing)
    with pytest.raises(ImportError):
        launcher.ask([])
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.parametrize("handler", [signal.SIG_IGN, "custom"])
def test_a_sigint_handler_that_is_not_the_default_is_left_alone(monkeypatch, handler):
    if handler == "custom":
        handler = lambda signum, frame: None  # noqa: E731
    seen = []

    def importing():
        seen.append(signal.getsignal(signal.SIGINT))
        return lambda argv: 0

    monkeypatch.setattr(launcher, "_load_ask_bot", importing)
    previous = signal.signal(signal.SIGINT, handler)
    try:
        assert launcher.ask_bot([]) == 0
        assert seen == [handler] and signal.getsignal(signal.SIGINT) is handler
    finally:
        signal.signal(signal.SIGINT, previous)


def test_the_launcher_imports_nothing_heavy():
    code = (
        "import sys, bot.cli; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('numpy', 'nltk', 'discord', 'retrieval') or m.startswith('bot.')))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, "['bot.cli', 'bot.terminal']\n", "")


def test_ask_bot_reports_an_unexpected_load_error_in_one_line(monkeypatch, capsys, tmp_path):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISCORD_TOKEN", "MTk4NjIyNDgzNDcx.G1x_2z.s3cr3t-v4lue_tok3n")  # the shape only
    monkeypatch.setenv("ASK_CORPUS", str(CORPUS))
    monkeypatch.setattr("retrieval.Engine.load", broken)
    assert launcher.ask_bot(["--check"]) == 1
    assert capsys.readouterr() == ("", "ask-bot: internal error: RuntimeError: boom\n")


def test_no_import_circle_between_the_launchers_and_the_front_ends():
    """bot.cli imports the front ends (lazily); they import only bot.terminal back."""
    import ast

    for front_end in ("repl.py", "repl_input.py", "__main__.py", "terminal.py"):
        tree = ast.parse((ROOT / "bot" / front_end).read_text(encoding="utf-8"))
        imported = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                imported.add(("." * node.level) + (node.module or ""))
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
        assert not imported & {"bot.cli", ".cli", "bot.__main__", ".__main__"}, front_end


def test_an_ask_bot_usage_error_cannot_drive_the_terminal(capsys):
    import bot.__main__

    with pytest.raises(SystemExit) as exc:
        bot.__main__.main(["--bogus\x1b[2J"])
    assert exc.value.code == 2
    assert capsys.readouterr().err == (
        "usage: ask-bot [-h] [--check] [--env-file PATH]\nask-bot: error: unrecognized arguments: --bogus [2J\n"
    )
