"""The semantic setting: parsing, Settings, the bot's ASK_SEMANTIC / --semantic, and the
off path (nothing of the extra is imported). Runs with or without the semantic extra."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot import config
from retrieval import Settings, SettingsError
from retrieval.semantic import SemanticSetting, parse_setting

from .support import ROOT


@pytest.mark.parametrize("raw", ["off", "OFF", " none ", "0", "false", "no"])
def test_off_words(raw):
    assert parse_setting(raw) == SemanticSetting("off", "off")


@pytest.mark.parametrize("raw", ["on", "On", "1", "true", "yes", "bundled"])
def test_on_words_name_the_bundled_model(raw):
    assert parse_setting(raw) == SemanticSetting("bundled", "on")


@pytest.mark.parametrize("raw", ["BAAI/bge-small-en-v1.5", "Xenova/ms-marco-MiniLM-L-6-v2"])
def test_org_slash_name_is_a_model_name(raw):
    assert parse_setting(raw) == SemanticSetting("name", raw)


def test_paths_and_existing_directories_are_directories(tmp_path, monkeypatch):
    assert parse_setting(str(tmp_path)) == SemanticSetting("directory", str(tmp_path))
    assert parse_setting("./models/x") == SemanticSetting("directory", "./models/x")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "org" / "model").mkdir(parents=True)
    assert parse_setting("org/model") == SemanticSetting("directory", "org/model")  # it exists here


@pytest.mark.parametrize("raw", ["bogus", "", "a/b/c", "/".join(["x", " "])])
def test_anything_else_is_refused_quoting_the_value(raw):
    with pytest.raises(SettingsError) as exc:
        parse_setting(raw)
    assert str(exc.value) == (
        "semantic must be off, on, a fastembed model name (org/name) or a model directory, " f"got {raw!r}"
    )


def test_settings_default_off_and_validated():
    assert Settings().semantic == "off"
    assert Settings(semantic="on").semantic == "on"
    with pytest.raises(SettingsError):
        Settings(semantic="bogus")


def test_ask_semantic_from_the_environment_and_the_flag_wins():
    assert config.retrieval_settings({}).semantic == "off"
    assert config.retrieval_settings({"ASK_SEMANTIC": "no"}).semantic == "off"
    assert config.retrieval_settings({"ASK_SEMANTIC": " on "}).semantic == "on"
    assert config.retrieval_settings({"ASK_SEMANTIC": "on"}, semantic="off").semantic == "off"
    assert config.retrieval_settings({}, semantic="BAAI/bge-small-en-v1.5").semantic == "BAAI/bge-small-en-v1.5"


def test_a_bad_value_names_the_key_or_the_flag():
    with pytest.raises(config.ConfigError) as exc:
        config.retrieval_settings({"ASK_SEMANTIC": "bogus"})
    assert str(exc.value) == (
        "ASK_SEMANTIC: semantic must be off, on, a fastembed model name (org/name) or a model directory, got 'bogus'"
    )
    with pytest.raises(config.ConfigError) as exc:
        config.retrieval_settings({}, semantic="bogus")
    assert str(exc.value).startswith("--semantic: semantic must be off, on, ")


def test_off_loads_nothing_of_the_extra():
    """Semantic off: the engine answers without importing fastembed or onnxruntime."""
    code = (
        "import sys; from retrieval import Engine, Settings; "
        "e = Engine.load('corpus', Settings(semantic='off'), index_dir=False); "
        "e.answer('Who travelled with Putin?'); "
        "print(e.semantic, sorted(m for m in ('fastembed', 'onnxruntime', 'tokenizers') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout == "None []\n"
