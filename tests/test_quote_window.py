"""The quote_links stage's cache of each speaker's latest quotes finds the lowest rowid of a new quote's window
as the query over the store does, after inserted, deleted and changed quotes (key, speaker, rowid), a
rolled-back batch and another connection's commit."""
from __future__ import annotations

import sqlite3

from hypothesis import given, settings
from hypothesis import strategies as st

from newsloom.stages.quote_window import _Window, speaker_quotes

SPEAKERS = ["Anna Berg", "Ivan Tal", None]
KEYS = ["k0", "k1", "k2", None]


def _connect(path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("CREATE TABLE IF NOT EXISTS quotes (id TEXT PRIMARY KEY, article_id TEXT NOT NULL, quote_key TEXT, "
                 "speaker_entity TEXT, speaker_name TEXT, first_article_id TEXT)")
    return conn


def _floor(conn: sqlite3.Connection, column: str, value: str, article: str, key: str, limit: int) -> int:
    """The window's lowest rowid as the stage read it before the cache."""
    if not conn.execute(f"SELECT 1 FROM quotes WHERE {column} = ? LIMIT 1 OFFSET ?", (value, limit - 1)).fetchone():
        return 0
    row = conn.execute(f"SELECT rowid FROM quotes WHERE {column} = ? AND article_id != ? AND quote_key IS NOT NULL "
                       f"AND quote_key != ? ORDER BY rowid DESC LIMIT 1 OFFSET ?",
                       (value, article, key, limit - 1)).fetchone()
    return row[0] if row else 0


def _apply(conn: sqlite3.Connection, op: tuple, n: int) -> None:
    kind, a, b = op
    if kind == "insert":
        conn.execute("INSERT OR IGNORE INTO quotes (id, article_id, quote_key, speaker_entity, speaker_name) "
                     "VALUES (?, ?, ?, ?, ?)", (f"q{n}-{a}", f"a{a % 5}", KEYS[b % 4], SPEAKERS[a % 3],
                                                SPEAKERS[b % 3]))
    elif kind == "delete":
        conn.execute("DELETE FROM quotes WHERE rowid = (SELECT rowid FROM quotes ORDER BY rowid DESC LIMIT 1 "
                     "OFFSET ?)", (a % 7,))
    elif kind == "key":  # a near copy gets an earlier quote's key
        conn.execute("UPDATE quotes SET quote_key = ? WHERE quote_key IS ?", (KEYS[a % 4], KEYS[b % 4]))
    elif kind == "speaker":  # the speaker entity set
        conn.execute("UPDATE quotes SET speaker_entity = ? WHERE rowid % 5 = ?", (SPEAKERS[a % 3], b % 5))
    elif kind == "first":
        conn.execute("UPDATE quotes SET first_article_id = article_id")
    elif kind == "renumber":  # as a VACUUM may give rowids anew
        conn.execute("UPDATE quotes SET rowid = -rowid")
        conn.execute("UPDATE quotes SET rowid = 7 - rowid")
    elif kind == "replace":
        conn.execute("INSERT OR REPLACE INTO quotes (id, article_id, quote_key, speaker_entity, speaker_name) "
                     "SELECT id, article_id, ?, speaker_entity, speaker_name FROM quotes WHERE rowid % 3 = ?",
                     (KEYS[a % 4], b % 3))


OPS = st.tuples(st.sampled_from(["insert"] * 6 + ["delete", "key", "speaker", "first", "renumber", "replace"]),
                st.integers(0, 59), st.integers(0, 59))


@settings(max_examples=150, deadline=None)
@given(steps=st.lists(st.tuples(st.lists(OPS, max_size=12), st.sampled_from(["commit", "rollback", "other"]),
                                st.lists(st.tuples(st.integers(0, 5), st.integers(0, 3), st.integers(1, 6)),
                                         max_size=4)), min_size=1, max_size=10))
def test_window_floor_equals_the_query(tmp_path_factory, steps):
    path = tmp_path_factory.mktemp("window") / "q.db"
    conn, other = _connect(path), _connect(path)
    try:
        for n, (ops, end, asked) in enumerate(steps):
            speaker_quotes(conn)
            conn.execute("BEGIN")
            for op in ops:
                _apply(conn, op, n)
            for s, k, limit in asked:  # the stage asks inside its batch
                column, value = ("speaker_entity", "speaker_name")[s % 2], SPEAKERS[s % 2]
                args = (column, value, f"a{s}", KEYS[k % 3], limit)
                assert speaker_quotes(conn).floor(conn, *args) == _floor(conn, *args)
            conn.execute("ROLLBACK" if end == "rollback" else "COMMIT")
            if end == "other":
                _apply(other, ("insert", n, n + 1), 1000 + n)
            for s in range(4):
                for limit in (1, 2, 5):
                    args = (("speaker_entity", "speaker_name")[s % 2], SPEAKERS[s // 2], "a1", "k0", limit)
                    assert speaker_quotes(conn).floor(conn, *args) == _floor(conn, *args)
    finally:
        conn.close()
        other.close()


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(st.tuples(st.integers(0, 4), st.integers(0, 3)), max_size=40),
       cut=st.integers(0, 10), gone=st.lists(st.integers(0, 39), max_size=6),
       article=st.integers(0, 4), key=st.integers(0, 3), limit=st.integers(1, 30), indexed=st.booleans())
def test_window_latest_equals_a_scan(rows, cut, gone, article, key, limit, indexed):
    """The floor by binary searches over each article's and key's rowids is the ``limit``-th latest quote in another
    article with another key, as a scan from the latest one finds it, after cutting the oldest, removing some and
    adding one (the rowids by article and key made before those changes, or after them)."""
    window = _Window([(3 * i + 1, f"a{a}", f"k{k}") for i, (a, k) in enumerate(rows)], None)
    if indexed:
        window._index()
    if 0 < cut < len(rows):
        window.cut(cut)
    for i in gone:
        if 3 * i + 1 in window.rows:
            window.remove(3 * i + 1)
    window.add(2, "a0", "k0")  # below the latest: inserted in order
    eligible = [r for r in reversed(window.rowids) if window.rows[r][0] != f"a{article}" and
                window.rows[r][1] != f"k{key}"]
    assert window.rowids == sorted(window.rows)
    assert window.latest(f"a{article}", f"k{key}", limit) == (eligible[limit - 1] if len(eligible) >= limit else None)
    for index in window._index():
        assert sorted(r for rs in index.values() for r in rs) == window.rowids
