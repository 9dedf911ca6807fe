"""The stage registry and Pipeline: placement, analysis, error handling, transient values, settings precedence."""
from __future__ import annotations

import ast

import pytest

from newsloom import Loom, Pipeline, Settings, stage
from newsloom.errors import ConfigError
from newsloom.model import Article
from newsloom.pipeline import registered_stages

from .conftest import REPO


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


def test_errors_raise_unless_pipe_is_given_a_handler():
    p = Pipeline.default(Settings.load(env={}), names=["clean", "test_boom"])
    with pytest.raises(ValueError):
        list(p.pipe([_art("Boom\n\nthis will go boom now")]))
    seen = []
    out = list(p.pipe([_art("Fine\n\nfine text"), _art("Boom\n\nthis will go boom now")],
                      on_error=lambda name, art, exc: seen.append((name, str(exc)))))
    assert len(out) == 1 and seen == [("test_boom", "boom inside")]
    with pytest.raises(ValueError):  # the handler was for that call only
        list(p.pipe([_art("Boom\n\nthis will go boom now")]))


@pytest.mark.issue(9)
def test_ingest_leaves_the_pipeline_raising(tmp_path):
    """Regression: ingest used to set ``pipeline.error_handler`` to its own recorder and never restore it, so a
    later ``pipe`` silently dropped failing articles."""
    settings = Settings.load(env={}, overrides={"pipeline.stages": ["clean", "test_boom"]})
    (tmp_path / "boom.txt").write_text("Boom\n\nthis will go boom now", encoding="utf-8")
    with Loom(tmp_path / "t.db", settings=settings) as loom:
        report = loom.ingest(str(tmp_path / "boom.txt"))
        assert report.rejected == 1 and "test_boom" in report.rejects[0][1]
        with pytest.raises(ValueError, match="boom inside"):
            list(loom.pipeline.pipe([_art("Boom\n\nthis will go boom now")]))


@stage("test_scratch", requires=("text",), assigns=("annotations.scratch", "annotations.kept"),
       transient=("annotations.scratch",))
def scratch(article: Article) -> Article:
    article.annotations["scratch"] = object()  # like a spaCy Doc: in memory only
    article.annotations["kept"] = len(article.text)
    return article


def test_the_pipeline_drops_transient_values():
    p = Pipeline.default(Settings.load(env={}), names=["clean", "test_scratch"])
    assert p.transient == ("scratch",)
    for out in (p(_art()), next(p.pipe([_art()]))):
        assert "scratch" not in out.annotations and out.annotations["kept"] > 0
    assert "scratch" in next(p.pipe([_art()], keep_transient=True)).annotations
    assert "scratch" in p(_art(), keep_transient=True).annotations
    assert Pipeline.default(Settings.load(env={}), names=["nlp"]).transient == ("doc",)


def test_transient_must_be_an_assigned_annotation():
    with pytest.raises(ConfigError, match="E230"):
        stage("test_bad_transient", assigns=("annotations.x",), transient=("title",))


def test_the_engine_imports_no_stage():
    """The engine runs whatever stages the pipeline holds; it knows none of them."""
    for path in (REPO / "newsloom" / "engine").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        mods = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        assert not [m for m in mods if m.split(".")[-1] == "stages" or ".stages." in f".{m}."], path.name


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
