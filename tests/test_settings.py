"""Settings: declared once (default_settings.toml or a plugin stage's defaults=), checked on every layer."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from newsloom import pipeline, stage
from newsloom.cli import cli
from newsloom.errors import ConfigError
from newsloom.readers.fetch import FetchSettings
from newsloom.readers import ReadOptions
from newsloom.settings import Settings
from newsloom.stages.clean import Clean
from newsloom.stages.copy_match import Thresholds

PACKAGE = Path(__file__).resolve().parents[1] / "newsloom"


def refused(code: str, **layers) -> str:
    with pytest.raises(ConfigError) as err:
        Settings.load(**{"env": {}, **layers})
    assert err.value.code == code, str(err.value)
    return str(err.value)


@pytest.mark.issue(9)
def test_unknown_key_is_refused_with_the_close_match_from_every_layer(tmp_path):
    msg = refused("E240", overrides={"stages.clean.repeat_simlarity": "0.6"})
    assert "stages.clean.repeat_simlarity" in msg and "did you mean stages.clean.repeat_similarity?" in msg
    msg = refused("E240", env={"NEWSLOOM_STAGES__CLEAN__REPEAT_SIMLARITY": "0.6"})
    assert "did you mean NEWSLOOM_STAGES__CLEAN__REPEAT_SIMILARITY?" in msg
    user = tmp_path / "user.toml"
    user.write_text("[fetch]\nrobot = false\n")
    msg = refused("E240", path=user)
    assert str(user) in msg and "fetch.robot" in msg and "fetch.robots" in msg
    assert "has no settings" in refused("E240", overrides={"stages.entities.threshold": 1})
    assert "no stage 'nosuch' is registered" in refused("E240", overrides={"stages.nosuch.x": 1})
    assert "is a section" in refused("E243", overrides={"stages.clean": 1})


@pytest.mark.issue(9)
def test_wrong_type_names_the_key_the_expected_type_and_the_fix(tmp_path):
    msg = refused("E241", overrides={"stages.clean.repeat_similarity": "abc"})
    assert "stages.clean.repeat_similarity expects a number, not 'abc'" in msg
    assert "Fix: -s stages.clean.repeat_similarity 0.5" in msg and "\n" not in msg
    msg = refused("E241", env={"NEWSLOOM_PIPELINE__BATCH_SIZE": "1.5"})
    assert "pipeline.batch_size expects an integer" in msg and "NEWSLOOM_PIPELINE__BATCH_SIZE=64" in msg
    user = tmp_path / "user.toml"
    user.write_text('[fetch]\nrobots = "no"\n')  # a TOML string where a boolean belongs
    assert "fetch.robots expects true or false" in refused("E241", path=user)
    assert "expects a list" in refused("E241", overrides={"pipeline.stages": 3})
    assert "expects text" in refused("E241", overrides={"fetch.user_agent": 7})


@pytest.mark.issue(15)
@pytest.mark.parametrize("text, value", [("False", False), ("false", False), ("0", False), ("no", False),
                                         ("off", False), ("True", True), ("1", True), ("yes", True)])
def test_booleans_from_the_environment(text, value):
    assert Settings.load(env={"NEWSLOOM_FETCH__ROBOTS": text}).get("fetch.robots") is value


@pytest.mark.issue(15)
@pytest.mark.parametrize("text, value", [
    ("clean", ["clean"]), ("clean,language", ["clean", "language"]), (" clean , language ", ["clean", "language"]),
    ('["clean", "language"]', ["clean", "language"]), ("['clean']", ["clean"]), ("", [])])
def test_lists_from_the_environment(text, value):
    assert Settings.load(env={"NEWSLOOM_PIPELINE__STAGES": text}).stages == value


@pytest.mark.issue(15)
def test_ranges_and_choices():
    assert "at least 1, not 0" in refused("E242", overrides={"pipeline.batch_size": "0"})
    assert "between 0 and 1" in refused("E242", env={"NEWSLOOM_STAGES__CLEAN__REPEAT_SIMILARITY": "1.5"})
    assert "did you mean 'scoped'" in refused("E242", overrides={"stages.nlp.parse": "scope"})
    msg = refused("E242", env={"NEWSLOOM_PIPELINE__STAGES": "clean,lang"})  # a stage that is not registered
    assert "not 'lang'" in msg and "did you mean 'language'" in msg
    assert "expects a number" in refused("E241", overrides={"fetch.timeout": "nan"})
    assert Settings.load(env={}, overrides={"pipeline.batch_size": "1"}).get("pipeline.batch_size") == 1


def test_precedence_and_conversion(tmp_path):
    user = tmp_path / "user.toml"
    user.write_text("[stages.clean]\nrepeat_similarity = 0.7\n[fetch]\nhost_interval = 2\n")
    s = Settings.load(user, env={"NEWSLOOM_STAGES__CLEAN__MAX_TITLE_CHARS": "100"},
                      overrides={"fetch.user_agent": '"bot/1"'})
    assert s.get("stages.clean.repeat_similarity") == 0.7 and s.get("stages.clean.max_title_chars") == 100
    assert s.get("fetch.host_interval") == 2.0 and isinstance(s.get("fetch.host_interval"), float)
    assert s.get("fetch.user_agent") == "bot/1"


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([s.name for s in Settings.specs()]), st.text(max_size=30))
def test_any_text_for_any_setting_is_taken_or_refused_cleanly(name, text):
    try:
        value = Settings.load(env={}, overrides={name: text}).get(name)
    except ConfigError as exc:
        assert name in str(exc)
        return
    default = next(s.default for s in Settings.specs() if s.name == name)
    assert type(value) is type(default)


@pytest.mark.issue(9)
def test_defaults_are_declared_once():
    """Code reads the settings object: no module repeats a shipped default (a dict literal of a stage's keys
    in its module, a ``.get("section.key", default)``, or a dataclass field with a literal default)."""
    specs = Settings.specs()
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for spec in specs:
            section, key = spec.name.rsplit(".", 1)
            if re.search(rf"\.get\(\s*['\"]{re.escape(spec.name)}['\"]\s*,", text):
                offenders.append(f"{path.name}: .get({spec.name!r}, default)")
            if section.startswith("stages.") and path.stem == section.split(".", 1)[1] and \
                    re.search(rf"['\"]{key}['\"]\s*:\s*[-\d\"TF]", text):
                offenders.append(f"{path.name}: {key!r} given a literal default")
            if section in ("fetch", "reader") and re.search(rf"^\s+{key}\s*:\s*\w+\s*=\s*[-\d\"TF]", text, re.M):
                offenders.append(f"{path.name}: field {key} given a literal default")
    assert offenders == []
    shipped = Settings.shipped()
    assert Clean().cfg == shipped.stage("clean")  # min_repeat_words was a default only the code knew
    assert FetchSettings().timeout == shipped.get("fetch.timeout")
    assert ReadOptions().max_article_bytes == shipped.get("reader.max_article_bytes")
    assert Thresholds.from_cfg().near_containment == shipped.get("stages.copies.near_containment")


@pytest.mark.issue(9)
def test_a_plugin_stage_brings_its_settings(monkeypatch):
    monkeypatch.setattr(pipeline, "_REGISTRY", dict(pipeline._REGISTRY))  # the stage goes away with the test

    @stage("shouting", defaults="# share of capital letters from which an article is flagged\n"
                                "# allowed: 0 .. 1\nthreshold = 0.5\n")
    class Shouting:
        def __init__(self, settings=None):
            self.cfg = settings.stage("shouting")

        def __call__(self, article):
            return article

    s = Settings.load(env={"NEWSLOOM_STAGES__SHOUTING__THRESHOLD": "0.8"})
    assert Shouting(s).cfg == {"threshold": 0.8}
    assert Settings.load(env={}).stage("shouting") == {"threshold": 0.5}
    assert "did you mean stages.shouting.threshold" in refused("E240", overrides={"stages.shouting.treshold": 1})
    assert "between 0 and 1" in refused("E242", overrides={"stages.shouting.threshold": 2})
    listed = CliRunner().invoke(cli, ["settings"], catch_exceptions=False, env={"NEWSLOOM_PIPELINE__STAGES": None})
    assert "stages.shouting.threshold = 0.5" in listed.output
    assert "share of capital letters" in listed.output


@pytest.mark.issue(9)
@pytest.mark.parametrize("args, words", [
    (["-s", "stages.clean.repeat_simlarity", "0.6", "articles"], ["repeat_simlarity", "did you mean"]),
    (["articles", "-s", "stages.clean.repeat_similarity", "abc"], ["expects a number", "Fix: -s"]),
    (["-s", "pipeline.batch_size", "0", "ingest", "x"], ["at least 1"]),
])
def test_the_cli_refuses_bad_settings_in_one_line(tmp_path, args, words):
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "x.db"), *args], env={"NEWSLOOM_PIPELINE__STAGES": None})
    assert result.exit_code == 2 and "Traceback" not in result.output  # 2: the run failed (issue 15)
    line = result.output.strip().splitlines()[-1]
    assert line.startswith("Error: [E24") and all(w in line for w in words), result.output
    assert not (tmp_path / "x.db").exists()  # refused before the database is touched
