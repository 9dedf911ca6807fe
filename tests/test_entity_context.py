"""The resolve stage's cache of entities' context names always equals a fresh read of the mentions."""
from __future__ import annotations

import random
import sqlite3

from newsloom.settings import Settings
from newsloom.stages import entity_context
from newsloom.stages.entity_words import fold
from newsloom.stages.resolve import Resolve
from newsloom.storage import Store

from .test_entity_counts import _articles

_LIMIT = 3  # small, so entities pass the limit and changes before and after its cutoff both occur


def _fresh(conn: sqlite3.Connection, eid: str) -> frozenset[str]:
    """The context names as the resolve stage read them before the cache: one query."""
    return frozenset(fold(r[0]) for r in conn.execute(
        "SELECT DISTINCT name FROM mentions WHERE article_id IN (SELECT DISTINCT article_id FROM mentions"
        " WHERE entity_id = ? LIMIT ?) AND (entity_id IS NULL OR entity_id != ?)", (eid, _LIMIT, eid)))


def _check(store: Store) -> int:
    """Every entity's cached names (read through the cache now, or kept from before) equal a fresh read."""
    with store.transaction() as conn:
        cache = entity_context.context_cache(conn, _LIMIT)
        ids = [r[0] for r in conn.execute("SELECT DISTINCT entity_id FROM mentions WHERE entity_id IS NOT NULL")]
        for eid in ids:
            assert cache.names(conn, eid) == _fresh(conn, eid), eid
    return len(ids)


def test_cached_context_names_follow_links_merges_cuts_and_edits(fresh_store):
    """Batches of resolve (new links, merges), cut mentions, renamed and moved mentions between them: the cache,
    filled before each change, answers as a fresh read after it."""
    rng = random.Random(5)
    stage = Resolve(Settings.load(overrides={"stages.resolve.context_articles": _LIMIT}))
    for batch in range(10):
        ids = fresh_store.add_batch(_articles(rng, batch * 12, 12), [], queue=["resolve"])
        stage.run(fresh_store, ids)
        assert _check(fresh_store) > 0
        with fresh_store.transaction() as conn:
            rows = conn.execute("SELECT rowid, article_id, entity_id FROM mentions WHERE entity_id IS NOT NULL"
                                " ORDER BY rowid").fetchall()
            rowid, aid, eid = rows[rng.randrange(len(rows))]
            change = batch % 4
            if change == 0:  # a paragraph cut (the boilerplate stage): a context article loses a name
                conn.execute("DELETE FROM mentions WHERE rowid = ?", (rowid,))
            elif change == 1:  # a merge by hand: the mentions of one entity move to another
                other = rows[rng.randrange(len(rows))][2]
                conn.execute("UPDATE mentions SET entity_id = ? WHERE entity_id = ?", (other, eid))
            elif change == 2:  # a name edited in an old article
                conn.execute("UPDATE mentions SET name = 'Someone Else' WHERE rowid = ?", (rowid,))
            else:  # an unlinked mention added to an old article
                conn.execute("INSERT INTO mentions (article_id, start, \"end\", text, label, name) VALUES"
                             " (?, 10000, 10005, 'Zelda', 'PERSON', 'Zelda Fitz')", (aid,))
        _check(fresh_store)
    assert fresh_store.execute("SELECT count(*) FROM entity_merges").fetchone()[0] > 0  # resolve merged too


def test_every_context_resolve_reads_equals_a_fresh_read(fresh_store, monkeypatch):
    """Within batches too (links, merges and splits between the checks): every context the stage reads equals a
    fresh read at that moment."""
    stage = Resolve(Settings.load(overrides={"stages.resolve.context_articles": _LIMIT}))
    checked, names = [], entity_context.ContextCache.names

    def checking(cache: entity_context.ContextCache, conn: sqlite3.Connection, eid: str) -> frozenset[str]:
        checked.append(eid in cache._entries)  # answered from the cache
        got = names(cache, conn, eid)
        assert got == _fresh(conn, eid), eid
        return got

    monkeypatch.setattr(entity_context.ContextCache, "names", checking)
    rng = random.Random(8)
    for batch in range(16):
        stage.run(fresh_store, fresh_store.add_batch(_articles(rng, batch * 15, 15), [], queue=["resolve"]))
    assert any(checked) and len(checked) > 50  # some answers came from the cache


def test_a_commit_by_another_connection_empties_the_cache(tmp_path):
    path = tmp_path / "s.db"
    store = Store(path)
    try:
        ids = store.add_batch(_articles(random.Random(2), 0, 10), [], queue=["resolve"])
        Resolve(Settings.load(overrides={"stages.resolve.context_articles": _LIMIT})).run(store, ids)
        _check(store)
        eid, aid = store.execute("SELECT entity_id, article_id FROM mentions WHERE entity_id IS NOT NULL"
                                 " ORDER BY rowid LIMIT 1").fetchone()
        other = sqlite3.connect(path)  # no temp triggers there: only data_version tells
        other.execute("DELETE FROM mentions WHERE article_id = ? AND entity_id IS NOT ?", (aid, eid))
        other.commit()
        other.close()
        _check(store)
    finally:
        store.close()


def test_a_failed_batch_empties_the_cache(fresh_store):
    stage = Resolve(Settings.load(overrides={"stages.resolve.context_articles": _LIMIT}))
    stage.run(fresh_store, fresh_store.add_batch(_articles(random.Random(3), 0, 10), [], queue=["resolve"]))
    with fresh_store.transaction() as conn:
        cache = entity_context.context_cache(conn, _LIMIT)
        eid = conn.execute("SELECT entity_id FROM mentions WHERE entity_id IS NOT NULL LIMIT 1").fetchone()[0]
        cache.names(conn, eid)
    entity_context.forget(fresh_store.conn)
    assert cache._entries == {} and cache._by_article == {} and cache._pairs == {}


def test_an_earlier_mention_linked_to_an_entity_changes_its_first_articles(fresh_store):
    """An entity with more than ``context_articles`` articles: an earlier mention row (of an article outside its
    context) linked to it brings that article into its first ones; a later one changes nothing, and stays cached."""
    stage = Resolve(Settings.load(overrides={"stages.resolve.context_articles": _LIMIT}))
    stage.run(fresh_store, fresh_store.add_batch(_articles(random.Random(6), 0, 40), [], queue=["resolve"]))
    with fresh_store.transaction() as conn:
        cache = entity_context.context_cache(conn, _LIMIT)
        eid = conn.execute("SELECT entity_id FROM mentions WHERE entity_id IS NOT NULL GROUP BY entity_id"
                           " ORDER BY count(DISTINCT article_id) DESC LIMIT 1").fetchone()[0]
        before = cache.names(conn, eid)
        first = [r[0] for r in conn.execute("SELECT DISTINCT article_id FROM mentions WHERE entity_id = ? LIMIT ?",
                                            (eid, _LIMIT))]
        late = conn.execute("SELECT max(rowid) FROM mentions WHERE entity_id IS NOT ?", (eid,)).fetchone()[0]
        conn.execute("UPDATE mentions SET entity_id = ? WHERE rowid = ?", (eid, late))
        assert cache.names(conn, eid) is before  # after its cutoff: still cached
        early = conn.execute(f"SELECT min(rowid) FROM mentions WHERE entity_id IS NOT ? AND article_id NOT IN"
                             f" ({', '.join('?' for _ in first)})", (eid, *first)).fetchone()[0]
        conn.execute("UPDATE mentions SET entity_id = ? WHERE rowid = ?", (eid, early))
        assert cache.names(conn, eid) == _fresh(conn, eid)
        assert cache.names(conn, eid) != before


def test_a_name_linked_to_two_entities_in_one_article_counts_for_both(fresh_store):
    """"Obama" linked to one entity in one mention and to another in the next (or left unlinked): the name is in
    each entity's context, as the other's mention carries it; a name only one entity's mentions carry is not in
    that entity's. Two spellings of one name ("al-Assad", "al Assad") count as that name: in an entity's context
    unless the mentions of both are linked to it."""
    stage = Resolve(Settings.load(overrides={"stages.resolve.context_articles": _LIMIT}))
    stage.run(fresh_store, fresh_store.add_batch(_articles(random.Random(8), 0, 20), [], queue=["resolve"]))
    with fresh_store.transaction() as conn:
        aid, first, second = conn.execute(
            "SELECT a.article_id, a.entity_id, b.entity_id FROM mentions a JOIN mentions b ON b.article_id ="
            " a.article_id AND b.entity_id > a.entity_id LIMIT 1").fetchone()
        conn.execute("INSERT INTO mentions (article_id, start, \"end\", text, label, name, entity_id) VALUES"
                     " (?, 20000, 20005, 'Obama', 'PERSON', 'Shared Name', ?), (?, 20010, 20015, 'Obama', 'PERSON',"
                     " 'Shared Name', ?), (?, 20020, 20025, 'Solo', 'PERSON', 'Solo Name', ?)",
                     (aid, first, aid, second, aid, first))
        conn.executemany("INSERT INTO mentions (article_id, start, \"end\", text, label, name, entity_id) VALUES"
                         " (?, ?, ?, 'x', 'PERSON', ?, ?)",
                         [(aid, 30000, 30001, "Bashar al-Assad", first), (aid, 30010, 30011, "Bashar al Assad", first),
                          (aid, 30020, 30021, "Omar al-Bashir", first), (aid, 30030, 30031, "Omar al Bashir", None)])
        cache = entity_context.context_cache(conn, _LIMIT)
        for eid in (first, second):
            assert cache.names(conn, eid) == _fresh(conn, eid)
        assert "shared name" in cache.names(conn, first) and "shared name" in cache.names(conn, second)
        assert "solo name" not in cache.names(conn, first) and "solo name" in cache.names(conn, second)
        assert "bashar al assad" not in cache.names(conn, first) and "omar al bashir" in cache.names(conn, first)
        assert {"bashar al assad", "omar al bashir"} <= cache.names(conn, second)


def test_an_articles_names_and_links_are_read_from_the_index_alone(fresh_store):
    """The context read of a cached-out article walks one index: no table row per mention, no sort."""
    plan = " | ".join(r[3] for r in fresh_store.execute("EXPLAIN QUERY PLAN " + entity_context.ARTICLE_NAMES, ("a",)))
    assert "COVERING INDEX mentions_name_entity" in plan and "TEMP B-TREE" not in plan, plan
