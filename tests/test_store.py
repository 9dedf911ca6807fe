"""The SQLite store: migrations, WAL, FTS5, accounting of every input, idempotent ingest, exact copies."""
from __future__ import annotations

import json
import sqlite3

import pytest

from newsloom.errors import QueryError
from newsloom.queries.articles import fts_search
from newsloom.queries.articles import search
from newsloom.storage import Store
from newsloom.storage.migrations import MIGRATIONS


def _write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


ROWS = [
    {"id": "w1", "title": "Dam repairs finish early", "text": "Engineers finished the dam repairs two weeks early, "
     "the water board said on Friday.", "source": "Valley Post", "date": "2022-05-06"},
    {"id": "w2", "title": "Dam repairs finished", "text": "Engineers finished the dam repairs two weeks early, "
     "the water board said on Friday.", "source": "Hill Times", "date": "2022-05-07"},
    {"id": "w3", "title": "School opens library", "text": "The new school library opened with 4,000 books donated "
     "by residents.", "source": "Valley Post", "date": "2022-05-08"},
]


def test_migrations_recorded_and_wal(db_path):
    store = Store(db_path)
    names = [r[0] for r in store.execute("SELECT name FROM _migrations ORDER BY name")]
    assert names == sorted(MIGRATIONS)
    assert store.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store.close()
    again = Store(db_path)
    assert again.migrations_applied == []
    again.close()


def test_page_cache_is_the_setting(db_path, tmp_path, base_settings):
    """Every connection gets the page cache of ``[store] cache_mb`` (SQLite's own 2 MB re-reads a large store's
    index pages from the file in every batch)."""
    from newsloom.loom import Loom
    from newsloom.settings import Settings

    store = Store(db_path)
    assert store.execute("PRAGMA cache_size").fetchone()[0] == -128 * 1024  # the default, in KiB
    store.close()
    settings = Settings.load(env={}, overrides={"pipeline.stages": base_settings.get("pipeline.stages"),
                                                "store.cache_mb": 16})
    with Loom(db_path, settings=settings) as lm:
        assert lm.store.execute("PRAGMA cache_size").fetchone()[0] == -16 * 1024


def test_the_web_server_s_reading_connections_keep_a_smaller_page_cache(db_path):
    """One reading connection per request thread (up to 40): each keeps ``[store] web_cache_mb``, not 128 MB."""
    pytest.importorskip("fastapi")
    from newsloom.settings import Settings
    from newsloom.web.state import WebState

    state = WebState(db=str(db_path), token=None, settings=Settings.load(env={}))
    try:
        assert state.store().execute("PRAGMA cache_size").fetchone()[0] == -16 * 1024
    finally:
        state.close()


def test_ingest_twice_stores_nothing_new(loom, tmp_path):
    f = tmp_path / "in.jsonl"
    _write_jsonl(f, ROWS)
    first = loom.ingest(str(f))
    assert (first.read, first.stored, first.copies, first.rejected) == (3, 3, 1, 0)
    before = loom.store.execute("SELECT count(*) FROM inputs").fetchone()[0]
    second = loom.ingest(str(f))
    assert (second.stored, second.duplicate) == (0, 3)
    assert loom.store.execute("SELECT count(*) FROM inputs").fetchone()[0] == before


def test_exact_copy_linked_to_earliest(loom, tmp_path):
    f = tmp_path / "in.jsonl"
    _write_jsonl(f, ROWS)
    loom.ingest(str(f))
    by_ext = {a.external_id: a for a in loom.articles()}
    assert by_ext["w2"].copy_of == by_ext["w1"].id and by_ext["w2"].copy_kind == "exact"
    assert by_ext["w1"].copy_of is None and by_ext["w3"].copy_of is None


def test_every_input_accounted_for(loom, tmp_path):
    f = tmp_path / "in.jsonl"
    _write_jsonl(f, ROWS + [{"id": "nobody"}])
    (tmp_path / "empty.txt").write_text("")
    report = loom.ingest(str(f), str(tmp_path / "empty.txt"), str(f))
    status = dict(loom.store.execute("SELECT status, count(*) FROM inputs GROUP BY status").fetchall())
    # the same input read twice is one input: it is accounted for once
    assert status == {"stored": 3, "rejected": 2}
    assert report.duplicate == 3
    assert report.read == 9 and report.stored + report.duplicate + report.rejected == report.read
    rejects = loom.rejects()
    assert {r["input"] for r in rejects} == {f"{f}:4", str(tmp_path / "empty.txt")}


def test_same_content_from_another_input_is_a_duplicate(loom, tmp_path):
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    _write_jsonl(a, ROWS[:1])
    _write_jsonl(b, ROWS[:1])
    loom.ingest(str(a), str(b))
    status = dict(loom.store.execute("SELECT status, count(*) FROM inputs GROUP BY status").fetchall())
    assert status == {"stored": 1, "duplicate": 1} and loom.counts()["articles"] == 1


def test_search_and_malformed_query(loom, tmp_path):
    f = tmp_path / "in.jsonl"
    _write_jsonl(f, ROWS)
    loom.ingest(str(f))
    hits = loom.search("library")
    assert [h["title"] for h in hits] == ["School opens library"]
    assert len(loom.search('"dam repairs"')) == 2
    with pytest.raises(QueryError) as err:  # FTS5 as given refuses it; Loom.search falls back to the words
        fts_search(loom.store, 'dam AND (')
    assert "malformed search query" in str(err.value)
    assert [h["title"] for h in loom.search("library (")] == ["School opens library"]


def test_fts_follows_updates(fresh_store):
    from newsloom.model import Article

    art = Article(id="a" * 16, external_id="x", title="Old title", text="old words", text_hash="h1")
    fresh_store.add_batch([art], [])
    with fresh_store.transaction():
        fresh_store.update_article(art.id, text="brand new words")
    assert search(fresh_store, "brand") and not search(fresh_store, "text:old")


def test_id_prefix_resolution(loom, tmp_path):
    f = tmp_path / "in.jsonl"
    _write_jsonl(f, ROWS)
    loom.ingest(str(f))
    art = loom.articles()[0]
    assert loom.article(art.id[:8]).id == art.id
    with pytest.raises(QueryError):
        loom.article("zzzzzzzz")


def test_queries_are_parameterised(loom, tmp_path):
    f = tmp_path / "in.jsonl"
    _write_jsonl(f, ROWS)
    loom.ingest(str(f))
    evil = "x'); DROP TABLE articles; --"
    assert loom.articles(source=evil) == []
    with pytest.raises(QueryError):
        loom.article(evil)
    assert loom.counts()["articles"] == 3


def test_source_boilerplate_by_corpus_statistics(loom, tmp_path):
    rows = [{"id": f"s{i}", "title": f"Story {i}", "source": "Town Crier",
             "text": f"Paragraph {i} about event number {i} with its own details and words {i * 7}.\n\n"
                     "Town Crier is read by everyone in the valley every single morning"}
            for i in range(5)]
    f = tmp_path / "crier.jsonl"
    _write_jsonl(f, rows)
    loom.ingest(str(f))
    arts = loom.articles(source="Town Crier")
    assert len(arts) == 5
    for a in arts:
        assert "read by everyone" not in a.text
        assert any(c["rule"] == "source_boilerplate" for c in a.removed)
    assert loom.search('"read by everyone"') == []


def test_integrity_after_ingest(db_path, loom, tmp_path):
    f = tmp_path / "in.jsonl"
    _write_jsonl(f, ROWS)
    loom.ingest(str(f))
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_a_search_matching_more_than_the_cap_ranks_its_newest_matches(loom, tmp_path):
    f = tmp_path / "many.jsonl"
    rows = [{"id": f"h{i}", "title": f"Harbour note {i}", "published": "2024-01-01",
             "text": " ".join(["harbour"] * (1 + i % 5) + ["quiet"] * (i % 7)) + f" entry {i} of the log."}
            for i in range(12)]
    _write_jsonl(f, rows)
    loom.ingest(str(f))
    full = fts_search(loom.store, "harbour", limit=5)
    assert full["total"] == 12 and full["ranked"] == 12
    assert fts_search(loom.store, "harbour", limit=5, rank_cap=12)["items"] == full["items"]  # under the cap: same
    capped = fts_search(loom.store, "harbour", limit=5, rank_cap=6)
    assert capped["total"] == 12 and capped["ranked"] == 6
    newest = {r[0] for r in loom.store.execute(
        "SELECT a.id FROM articles a ORDER BY a.rowid DESC LIMIT 6").fetchall()}
    assert {h["id"] for h in capped["items"]} <= newest
    ranks = [h["rank"] for h in capped["items"]]
    assert ranks == sorted(ranks) and all(h["snippet"] for h in capped["items"])
    deep = fts_search(loom.store, "harbour", limit=5, offset=5, rank_cap=6)  # past the cap: every match ranked
    assert deep["ranked"] == 12 and deep["items"] == fts_search(loom.store, "harbour", limit=5, offset=5)["items"]
