"""The CLI contract: commands, exit codes, --json, --db / NEWSLOOM_DB, errors without tracebacks."""
from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from newsloom.cli import cli
from newsloom.cli.reference import walk

from .conftest import BASE_STAGES


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSLOOM_DB", str(tmp_path / "cli.db"))
    monkeypatch.setenv("NEWSLOOM_PIPELINE__STAGES", json.dumps(BASE_STAGES))
    runner = CliRunner()

    def invoke(*args, code=0):
        result = runner.invoke(cli, list(args), catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result

    return invoke


@pytest.fixture
def corpus(tmp_path):
    d = tmp_path / "corpus"
    d.mkdir()
    (d / "a.txt").write_text(" date 2020-03-01 Ferry strike ends\n\nThe ferry strike ended on Sunday after "
                             "three days, the union said.\n\nADVERTISEMENT\n")
    (d / "b.jsonl").write_text(json.dumps({"id": "b1", "title": "Tram line opens", "text": "The new tram line "
                                           "opened on Monday with free rides.", "source": "City News"}) + "\n"
                               + "{broken\n")
    return d


def test_ingest_summary_and_exit_code(run, corpus):
    out = run("ingest", "--silent", str(corpus), code=1)
    assert "read 3, stored 2" in out.output and "rejected 1" in out.output
    assert "b.jsonl:2" in out.output
    again = run("ingest", "--silent", str(corpus / "a.txt"))
    assert "stored 0" in again.output and "duplicate 1" in again.output


def test_rejects_found_after_reading_are_shown(run, tmp_path):
    f = tmp_path / "late.jsonl"
    f.write_text(json.dumps({"id": "h", "html": "<html><body><nav><a href='/'>x</a></nav></body></html>"}) + "\n")
    out = run("ingest", "--silent", str(f), code=1)
    assert f"rejected {f}:1: no main text" in out.output


def test_read_views(run, corpus):
    run("ingest", "--silent", str(corpus), code=1)
    rows = json.loads(run("articles", "--json").output)
    assert {r["title"] for r in rows} == {"Ferry strike ends", "Tram line opens"}
    ferry = next(r for r in rows if r["title"] == "Ferry strike ends")
    shown = run("show", "article", ferry["id"][:6])
    assert "removed by cleaning" in shown.output and "advertisement" in shown.output
    data = json.loads(run("show", "article", ferry["id"], "--json").output)
    assert data["published"] == "2020-03-01" and data["removed"][0]["rule"] == "advertisement"
    hits = json.loads(run("search", "tram", "--json").output)
    assert [h["title"] for h in hits] == ["Tram line opens"]
    bad = run("search", "tram AND (", code=2)
    assert "malformed search query" in bad.output and "Traceback" not in bad.output
    missing = run("show", "article", "ffffffff", code=2)
    assert "no article with id" in missing.output


def test_export_formats(run, corpus, tmp_path):
    run("ingest", "--silent", str(corpus), code=1)
    lines = run("export", "articles").output.strip().splitlines()
    assert len(lines) == 2 and {"external_id", "story_id", "id"} <= set(json.loads(lines[0]))
    run("export", "articles", "--format", "csv", "-o", str(tmp_path / "a.csv"))
    assert (tmp_path / "a.csv").read_text().startswith("id,external_id,")
    run("export", "articles", "--format", "parquet", "-o", str(tmp_path / "a.parquet"))
    table = pq.read_table(tmp_path / "a.parquet")
    assert table.num_rows == 2 and "external_id" in table.column_names
    rejects = [json.loads(x) for x in run("export", "rejects").output.strip().splitlines()]
    assert rejects[0]["input"].endswith("b.jsonl:2") and "invalid JSON" in rejects[0]["reason"]
    assert "unknown export kind" in run("export", "nonsense", code=2).output


def test_db_option_beats_env(run, corpus, tmp_path):
    other = tmp_path / "other.db"
    run("--db", str(other), "ingest", "--silent", str(corpus / "a.txt"))
    assert other.exists()
    assert json.loads(run("articles", "--json").output) == []


def test_demo_runs_twice_without_storing_twice(run):
    first = run("demo")
    assert "stored 7" in first.output and "fictional" in first.output.lower() + "fictional"
    second = run("demo")
    assert "stored 0" in second.output and "duplicate 7" in second.output


def test_every_command_has_help_with_example():
    for path, cmd in walk(cli):
        assert cmd.help and "Example:" in cmd.help, f"newsloom {' '.join(path)} needs help text with an Example:"


def test_help_flags():
    runner = CliRunner()
    assert runner.invoke(cli, ["-h"]).exit_code == 0
    assert runner.invoke(cli, ["ingest", "--help"]).exit_code == 0
