"""The stage registry and Pipeline: placement, analysis, error handling, settings precedence."""
from __future__ import annotations

import pytest

from newsloom import Pipeline, Settings, stage
from newsloom.errors import ConfigError
from newsloom.model import Article
from newsloom.pipeline import registered_stages


def _art(text="Title\n\nBody text here.") -> Article:
    return Article(id="i", external_id="e", title="", text=text, raw_text=text)


@stage("test_upper", requires=("text",), assigns=("text",))
def upper(article: Article) -> Article:
    article.text = article.text.upper()
    return article


@stage("test_boom", requires=("text",))
def boom(article: Article) -> Article:
    if "boom" in article.text.lower():
        raise ValueError("boom inside")
    return article


@stage("test_needs_magic", requires=("magic",))
def needs_magic(article: Article) -> Article:
    return article


def test_builtin_stages_registered():
    reg = registered_stages()
    assert {"clean", "language", "boilerplate", "nlp"} <= set(reg)
    assert reg["clean"].kind == "article" and reg["boilerplate"].kind == "corpus"


def test_placement_and_duplicates():
    p = Pipeline.default(Settings.load(env={}), names=["clean", "language"])
    p.add_stage("test_upper", before="language")
    assert p.names[:3] == ["clean", "test_upper", "language"]
    p.add_stage("test_boom", first=True)
    assert p.names[0] == "test_boom"
    with pytest.raises(ConfigError, match="E203"):
        p.add_stage("clean")
    with pytest.raises(ConfigError, match="E202"):
        p.add_stage("no_such_stage")
    with pytest.raises(ConfigError, match="E205"):
        p.add_stage("test_needs_magic", after="nope")


def test_analyze_reports_unmet_requirements():
    p = Pipeline.default(Settings.load(env={}), names=["clean"])
    assert p.analyze() == ["clean"]
    p.add_stage("test_needs_magic")
    with pytest.raises(ConfigError, match="magic"):
        p.analyze()


def test_error_handler_default_raises_and_can_skip():
    p = Pipeline.default(Settings.load(env={}), names=["clean", "test_boom"])
    with pytest.raises(ValueError):
        list(p.pipe([_art("Boom\n\nthis will go boom now")]))
    seen = []
    p.error_handler = lambda name, art, exc: seen.append((name, str(exc)))
    out = list(p.pipe([_art("Fine\n\nfine text"), _art("Boom\n\nthis will go boom now")]))
    assert len(out) == 1 and seen == [("test_boom", "boom inside")]


def test_settings_precedence(tmp_path):
    user = tmp_path / "user.toml"
    user.write_text("[stages.clean]\nrepeat_similarity = 0.7\n")
    s = Settings.load(user, env={})
    assert s.get("stages.clean.repeat_similarity") == 0.7
    assert s.get("stages.clean.max_title_chars") == 220  # untouched default
    s = Settings.load(user, env={"NEWSLOOM_STAGES__CLEAN__REPEAT_SIMILARITY": "0.8"})
    assert s.get("stages.clean.repeat_similarity") == 0.8
    s = Settings.load(user, env={"NEWSLOOM_STAGES__CLEAN__REPEAT_SIMILARITY": "0.8"},
                      overrides={"stages.clean.repeat_similarity": "0.9"})
    assert s.get("stages.clean.repeat_similarity") == 0.9
    with pytest.raises(ConfigError):
        Settings.load(tmp_path / "missing.toml", env={})
