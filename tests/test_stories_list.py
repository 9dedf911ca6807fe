"""The story list (``queries.stories.stories``): the batched summaries and the filters equal what each story's own
reads give, on a real store (seeds + demo sample + a hostile article, whole pipeline, copies included)."""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from newsloom.queries import stories as q
from newsloom.queries.coverage import distinct_sources
from newsloom.storage import Store


@pytest.fixture(scope="module")
def store(web_db: Path) -> Store:
    with Store(web_db) as s:
        yield s


def _one_by_one(store: Store, sid: str) -> dict[str, Any]:
    """A story's summary from its own reads: its row, its articles in store order, ``distinct_sources`` of them."""
    row = dict(store.execute("SELECT id, thread_id, size, first_published, last_published, title, created_at, "
                             "updated_at FROM stories WHERE id = ?", (sid,)).fetchone())
    arts = list(store.rows("SELECT a.rowid AS r, a.* FROM story_articles sa JOIN articles a ON a.id = sa.article_id "
                           "WHERE sa.story_id = ? ORDER BY a.rowid", (sid,)))
    groups = distinct_sources(store, [a["id"] for a in arts])
    sources: list[str] = []
    for g in groups:
        sources += [s for s in g.outlets if s not in sources]
    return {**row, "articles": [a["id"] for a in arts], "originals": len(groups), "sources": sources,
            "languages": sorted({a["language"] for a in arts if a["language"] is not None})}


def test_batched_summaries_equal_per_story_reads(store: Store) -> None:
    listed = q.stories(store, limit=500)
    assert len(listed) == q.count_stories(store) >= 3
    assert any(s["originals"] < len(s["articles"]) for s in listed), "copies must be in play for this to test much"
    assert any(len(s["sources"]) > 1 for s in listed)
    assert listed == [_one_by_one(store, s["id"]) for s in listed]
    # pages are slices of the whole list, in both orders; one story read alone has the same summary
    for sort in q.SORTS:
        whole = q.stories(store, sort=sort, limit=500)
        assert [s for off in range(0, len(whole), 2) for s in q.stories(store, sort=sort, limit=2, offset=off)] == whole
    assert {k: v for k, v in q.story(store, listed[0]["id"]).items() if k in listed[0]} == listed[0]


def _copy(web_db: Path, db: Path) -> Path:
    with sqlite3.connect(web_db) as src, sqlite3.connect(db) as dst:
        src.backup(dst)  # the WAL's pages included
    return db


def test_a_copy_whose_original_is_in_another_story_of_the_page(web_db: Path, tmp_path: Path) -> None:
    with Store(_copy(web_db, tmp_path / "moved.db")) as store:
        copy = store.execute("SELECT a.id, sa.story_id FROM articles a JOIN story_articles sa ON sa.article_id = a.id "
                             "WHERE a.copy_of IS NOT NULL LIMIT 1").fetchone()
        other = store.execute("SELECT id FROM stories WHERE id != ? LIMIT 1", (copy[1],)).fetchone()[0]
        store.execute("UPDATE story_articles SET story_id = ? WHERE article_id = ?", (other, copy[0]))
        listed = q.stories(store, limit=500)
        assert listed == [_one_by_one(store, s["id"]) for s in listed]
        moved = next(s for s in listed if s["id"] == other)
        assert copy[0] in moved["articles"]


def test_recent_order_walks_the_index_and_sorts_undated_last(store: Store) -> None:
    rows = list(store.rows("SELECT id, seq, last_published FROM stories"))
    expected = [r["id"] for r in sorted(rows, key=lambda r: (r["last_published"] or "", r["seq"]), reverse=True)]
    assert [s["id"] for s in q.stories(store, sort="recent", limit=500)] == expected
    plan = " ".join(r[3] for r in store.execute(
        "EXPLAIN QUERY PLAN SELECT s.id FROM stories s ORDER BY coalesce(s.last_published, '') DESC, s.seq DESC"))
    assert "stories_recent" in plan and "TEMP B-TREE" not in plan


def _expected(store: Store, keep: Any) -> set[str]:
    """The stories with an article for which ``keep(article, entity ids and names)`` holds, read per article."""
    out = set()
    for a in store.rows("SELECT sa.story_id, a.id, a.source, a.language, a.published FROM story_articles sa "
                        "JOIN articles a ON a.id = sa.article_id"):
        ents = {x for r in store.execute("SELECT e.id, e.name FROM mentions m JOIN entities e ON e.id = m.entity_id "
                                         "WHERE m.article_id = ?", (a["id"],)) for x in (r[0], r[1].lower())}
        if keep(a, ents):
            out.add(a["story_id"])
    return out


def test_filters_equal_per_article_reads(store: Store) -> None:
    art = next(store.rows("SELECT a.source, a.language, a.published FROM story_articles sa JOIN articles a ON "
                          "a.id = sa.article_id WHERE a.published IS NOT NULL AND a.source IS NOT NULL "
                          "ORDER BY a.published LIMIT 1 OFFSET 3"))
    ent = store.execute("SELECT e.id, e.name FROM entities e JOIN mentions m ON m.entity_id = e.id "
                        "GROUP BY e.id ORDER BY count(*) DESC LIMIT 1").fetchone()
    day = art["published"][:10]
    cases = [
        ({"source": art["source"]}, lambda a, e: a["source"] == art["source"]),
        ({"language": art["language"]}, lambda a, e: a["language"] == art["language"]),
        ({"since": day}, lambda a, e: (a["published"] or "") >= day),
        ({"until": day}, lambda a, e: a["published"] is not None and a["published"][:10] <= day),
        ({"entity": ent["id"]}, lambda a, e: ent["id"] in e),
        ({"entity": ent["name"].upper()}, lambda a, e: ent["name"].lower() in e),
        ({"since": day, "source": art["source"]}, lambda a, e: (a["published"] or "") >= day
         and a["source"] == art["source"]),
    ]
    total = q.count_stories(store)
    for filters, keep in cases:
        expected = _expected(store, keep)
        got = q.stories(store, limit=500, **filters)
        assert {s["id"] for s in got} == expected and q.count_stories(store, **filters) == len(expected), filters
        assert 0 < len(expected) <= total, filters
    assert q.stories(store, entity="no such entity anywhere") == []


def test_same_reads_without_the_covering_index(store: Store, web_db: Path, tmp_path: Path) -> None:
    """A store opened read-only may predate migration 0005: the list and a story read the same without it."""
    listed = q.stories(store, limit=500)
    with Store(_copy(web_db, tmp_path / "old.db")) as old:
        old.execute("DROP INDEX articles_listing")
        assert q.stories(old, limit=500) == listed
        assert q.story(old, listed[0]["id"]) == q.story(store, listed[0]["id"])
