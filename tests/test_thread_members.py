"""The threads stage's cache of each thread's articles answers what a fresh read would, after any change of
stories and their articles: placements, thread and story merges, splits, copies, deletions, replaced rows, a
rolled-back batch and another connection's commit."""
from __future__ import annotations

import sqlite3

from hypothesis import given, settings
from hypothesis import strategies as st

from newsloom.stages.thread_members import thread_members

FRESH = ("SELECT sa.rowid, sa.article_id, sa.story_id FROM stories s JOIN story_articles sa ON sa.story_id = s.id "
         "WHERE s.thread_id = ? AND sa.reason != 'copy' ORDER BY sa.rowid")
THREADS = ["t0", "t1", "t2", "t3"]
STORIES = [f"s{i}" for i in range(8)]
ARTICLES = [f"a{i}" for i in range(30)]


def _connect(path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("CREATE TABLE IF NOT EXISTS stories (id TEXT PRIMARY KEY, thread_id TEXT)")
    conn.execute("CREATE TABLE IF NOT EXISTS story_articles (article_id TEXT PRIMARY KEY, story_id TEXT NOT NULL, "
                 "reason TEXT NOT NULL)")
    return conn


def _apply(conn: sqlite3.Connection, op: tuple) -> None:
    kind, a, b, c = op
    story, other, thread, article = STORIES[a % 8], STORIES[b % 8], THREADS[c % 4], ARTICLES[(a * 8 + b) % 30]
    if kind == "story":  # a new story, or an old one placed into a thread (the threads stage)
        conn.execute("INSERT OR IGNORE INTO stories (id, thread_id) VALUES (?, NULL)", (story,))
        conn.execute("UPDATE stories SET thread_id = ? WHERE id = ?", (thread if b % 3 else None, story))
    elif kind == "article":  # an article joins a story (the stories stage), maybe as a copy
        conn.execute("INSERT OR IGNORE INTO story_articles (article_id, story_id, reason) VALUES (?, ?, ?)",
                     (article, story, "copy" if c % 4 == 0 else "joined"))
    elif kind == "replace":
        conn.execute("INSERT OR REPLACE INTO story_articles (article_id, story_id, reason) VALUES (?, ?, 'new')",
                     (article, story))
    elif kind == "merge_threads":
        conn.execute("UPDATE stories SET thread_id = ? WHERE thread_id = ?", (thread, THREADS[(c + 1) % 4]))
    elif kind == "merge_stories":
        conn.execute("UPDATE story_articles SET story_id = ? WHERE story_id = ?", (story, other))
        if story != other:
            conn.execute("DELETE FROM stories WHERE id = ?", (other,))
    elif kind == "split":  # some of a story's articles move to a new story of its thread
        conn.execute("INSERT OR REPLACE INTO stories (id, thread_id) SELECT ?, thread_id FROM stories WHERE id = ?",
                     (other, story))
        conn.execute("UPDATE story_articles SET story_id = ?, reason = 'split' WHERE story_id = ? AND "
                     "article_id > ?", (other, story, article))
    elif kind == "reason":
        conn.execute("UPDATE story_articles SET reason = CASE reason WHEN 'copy' THEN 'joined' ELSE 'copy' END "
                     "WHERE article_id = ?", (article,))
    elif kind == "delete":
        conn.execute("DELETE FROM story_articles WHERE article_id = ?", (article,))
    elif kind == "rename":
        conn.execute("UPDATE OR IGNORE stories SET id = ? WHERE id = ?", (other, story))


OPS = st.tuples(st.sampled_from(["story", "article", "article", "replace", "merge_threads", "merge_stories",
                                 "split", "reason", "delete", "rename"]),
                st.integers(0, 63), st.integers(0, 63), st.integers(0, 63))


@settings(max_examples=150, deadline=None)
@given(steps=st.lists(st.tuples(st.lists(OPS, max_size=6), st.sampled_from(["commit", "rollback", "other"]),
                                st.lists(st.sampled_from(THREADS), max_size=3)), min_size=1, max_size=12))
def test_cached_thread_articles_equal_a_fresh_read(tmp_path_factory, steps):
    path = tmp_path_factory.mktemp("members") / "m.db"
    conn, other = _connect(path), _connect(path)
    try:
        for ops, end, asked in steps:
            thread_members(conn)
            conn.execute("BEGIN")
            for op in ops:
                _apply(conn, op)
            for tid in asked:  # the threads stage reads a few threads inside its batch
                assert thread_members(conn).rows(conn, tid) == conn.execute(FRESH, (tid,)).fetchall()
            conn.execute("ROLLBACK" if end == "rollback" else "COMMIT")
            if end == "other":  # another connection's commit
                _apply(other, ("article", len(ops), 1, 1))
            for tid in THREADS:
                assert thread_members(conn).rows(conn, tid) == conn.execute(FRESH, (tid,)).fetchall()
    finally:
        conn.close()
        other.close()
