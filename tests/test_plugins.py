"""The plugins step: built-ins and the ``newsloom`` entry-point group load once, before any store opens.

A real distribution (a package and its ``.dist-info`` with ``entry_points.txt``) is written to a folder put on
``PYTHONPATH``, and a fresh ``python -m newsloom`` process ingests with it: the plugin's migration, writer and
stage all take part, so its table gets rows.
"""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from newsloom import Pipeline, Settings, plugins, stage
from newsloom.pipeline import registered_stages

from .conftest import BASE_STAGES, REPO

PLUGIN = '''"""A newsloom plugin: a table, a writer that fills it, and a stage that computes what it stores."""
from newsloom import stage
from newsloom.storage import article_writer, migration


@migration("9000_loomplug_shouting")
def shouting_table(conn):
    conn.execute("CREATE TABLE loomplug_shouting (article_id TEXT PRIMARY KEY, share REAL NOT NULL)")


@stage("loomplug_shouting", requires=("text",), assigns=("annotations.shouting",))
def shouting(article):
    letters = [c for c in article.text if c.isalpha()]
    article.annotations["shouting"] = sum(c.isupper() for c in letters) / max(1, len(letters))
    return article


@article_writer
def write_shouting(conn, article):
    if "shouting" in article.annotations:
        conn.execute("INSERT INTO loomplug_shouting (article_id, share) VALUES (?, ?)",
                     (article.id, article.annotations["shouting"]))
'''


def _distribution(site: Path) -> None:
    (site / "loomplug").mkdir(parents=True)
    (site / "loomplug" / "__init__.py").write_text(PLUGIN, encoding="utf-8")
    info = site / "loomplug-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: loomplug\nVersion: 1.0\n", encoding="utf-8")
    # a second entry point that cannot be imported: logged and skipped, the batch goes on
    (info / "entry_points.txt").write_text("[newsloom]\nloomplug = loomplug\nbroken = loomplug_not_there\n",
                                           encoding="utf-8")


def test_an_entry_point_plugin_adds_a_table_a_writer_and_a_stage(tmp_path: Path) -> None:
    site = tmp_path / "site"
    _distribution(site)
    page = tmp_path / "shout.txt"
    page.write_text("THE MINISTER SAID NOTHING\n\nNOTHING AT ALL, he added later that day.", encoding="utf-8")
    db = tmp_path / "plug.db"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(site)])}
    res = subprocess.run([sys.executable, "-m", "newsloom", "--db", str(db), "-s", "pipeline.stages",
                          json.dumps([*BASE_STAGES, "loomplug_shouting"]), "ingest", str(page)],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT a.text, s.share FROM loomplug_shouting s JOIN articles a ON a.id = s.article_id"
                            ).fetchall()
        applied = {r[0] for r in conn.execute("SELECT name FROM _migrations")}
    assert len(rows) == 1
    text, share = rows[0]
    letters = [c for c in text if c.isalpha()]
    assert share == sum(c.isupper() for c in letters) / len(letters) > 0
    assert "9000_loomplug_shouting" in applied and "0150_quotes" in applied


def test_every_registry_is_loaded_before_use():
    plugins.load()
    assert plugins.loaded()
    assert {"clean", "nlp", "quotes", "resolve", "copies"} <= set(registered_stages())


def test_registries_are_restored_between_tests_part_one():
    """Registers a stage; the conftest fixture removes it again (part two checks)."""

    @stage("registry_probe")
    def probe(article):
        return article

    assert "registry_probe" in registered_stages()
    assert Pipeline.default(Settings.load(env={}, overrides={"pipeline.stages": ["registry_probe"]})).names


def test_registries_are_restored_between_tests_part_two():
    assert "registry_probe" not in registered_stages()
