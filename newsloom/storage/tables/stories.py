"""Tables of the stories and threads stages (migrations 0410-0430).

Ids never change: a story merged into another keeps its row in ``story_merges`` (old id -> survivor),
a story split keeps its id for the larger part and the part that left gets a new id
(``story_splits``); threads the same way (``thread_merges``, ``thread_splits``). :func:`resolve_story` and
:func:`resolve_thread` follow the history from any id ever given out to the one in use.
"""
from __future__ import annotations

import sqlite3

from ..migrations import migration

__all__ = ["resolve_story", "resolve_thread"]


@migration("0410_stories")
def stories(conn: sqlite3.Connection) -> None:
    # one row per live story; profile = the summed signals of its articles (stages/story_match.py)
    conn.execute("""CREATE TABLE stories (
        id TEXT PRIMARY KEY,
        seq INTEGER NOT NULL UNIQUE,
        thread_id TEXT,
        size INTEGER NOT NULL DEFAULT 0,
        first_published TEXT, last_published TEXT,
        title TEXT, title_article TEXT, title_score REAL,
        profile BLOB NOT NULL,
        created_at TEXT NOT NULL, updated_at TEXT NOT NULL)""")
    conn.execute("CREATE INDEX stories_thread ON stories(thread_id)")
    conn.execute("CREATE INDEX stories_last ON stories(last_published)")
    # which story each article is in, how it got there (reason: new, joined, copy, merged, split) and the score
    conn.execute("""CREATE TABLE story_articles (
        article_id TEXT PRIMARY KEY REFERENCES articles(id),
        story_id TEXT NOT NULL,
        reason TEXT NOT NULL,
        score REAL,
        evidence TEXT NOT NULL DEFAULT '{}',
        assigned_at TEXT NOT NULL)""")
    conn.execute("CREATE INDEX story_articles_story ON story_articles(story_id)")
    # the lexical signals of each article (terms, entities, quotes; see story_match.Signals.to_blob)
    conn.execute("CREATE TABLE story_signals (article_id TEXT PRIMARY KEY REFERENCES articles(id), "
                 "signals BLOB NOT NULL)")
    # document frequencies of terms over the articles the stage has seen (row term 0 holds the count of articles),
    # and each term's background share of documents (from the embedding model's unigram vocabulary)
    conn.execute("CREATE TABLE story_terms_df (term INTEGER PRIMARY KEY, df INTEGER NOT NULL, "
                 "background REAL NOT NULL DEFAULT 0)")
    conn.execute("""CREATE TABLE story_merges (
        old_id TEXT PRIMARY KEY, new_id TEXT NOT NULL, merged_at TEXT NOT NULL,
        reason TEXT NOT NULL, evidence TEXT NOT NULL DEFAULT '{}')""")
    conn.execute("CREATE INDEX story_merges_new ON story_merges(new_id)")
    conn.execute("""CREATE TABLE story_splits (
        new_id TEXT PRIMARY KEY, story_id TEXT NOT NULL, split_at TEXT NOT NULL,
        reason TEXT NOT NULL, articles TEXT NOT NULL, evidence TEXT NOT NULL DEFAULT '{}')""")


@migration("0411_stories_by_size")
def stories_by_size(conn: sqlite3.Connection) -> None:
    # the story list's default order (largest first), so a deep page walks the index instead of sorting every story
    conn.execute("CREATE INDEX stories_size ON stories(size DESC, seq)")


@migration("0412_stories_by_recency")
def stories_by_recency(conn: sqlite3.Connection) -> None:
    # the story list's other order (most recent first, undated last), walked instead of sorting every story
    conn.execute("CREATE INDEX stories_recent ON stories(coalesce(last_published, '') DESC, seq DESC)")


@migration("0420_threads")
def threads(conn: sqlite3.Connection) -> None:
    # one row per live thread; profile = the summed signals of its stories' articles
    conn.execute("""CREATE TABLE threads (
        id TEXT PRIMARY KEY,
        seq INTEGER NOT NULL UNIQUE,
        size INTEGER NOT NULL DEFAULT 0,
        first_published TEXT, last_published TEXT,
        profile BLOB NOT NULL,
        created_at TEXT NOT NULL, updated_at TEXT NOT NULL)""")
    conn.execute("""CREATE TABLE thread_merges (
        old_id TEXT PRIMARY KEY, new_id TEXT NOT NULL, merged_at TEXT NOT NULL,
        reason TEXT NOT NULL, evidence TEXT NOT NULL DEFAULT '{}')""")
    conn.execute("CREATE INDEX thread_merges_new ON thread_merges(new_id)")


@migration("0421_thread_splits")
def thread_splits(conn: sqlite3.Connection) -> None:
    # a thread whose stories fall into narratives the re-check would not merge is split: the larger part keeps
    # the id, each other part gets a new one (new_id), with the time, the reason, its stories and the evidence
    conn.execute("""CREATE TABLE thread_splits (
        new_id TEXT PRIMARY KEY, thread_id TEXT NOT NULL, split_at TEXT NOT NULL,
        reason TEXT NOT NULL, stories TEXT NOT NULL, evidence TEXT NOT NULL DEFAULT '{}')""")
    conn.execute("CREATE INDEX thread_splits_thread ON thread_splits(thread_id)")
    # the thread's size when it was last checked for a split (checked again once it has grown enough)
    conn.execute("ALTER TABLE threads ADD COLUMN checked_size INTEGER NOT NULL DEFAULT 0")


def _resolve(conn: sqlite3.Connection, table: str, merges: str, ident: str) -> str | None:
    seen = set()
    while ident not in seen:
        seen.add(ident)
        if conn.execute(f"SELECT 1 FROM {table} WHERE id = ?", (ident,)).fetchone():
            return ident
        row = conn.execute(f"SELECT new_id FROM {merges} WHERE old_id = ?", (ident,)).fetchone()
        if row is None:
            return None
        ident = row[0]
    return None


def resolve_story(conn: sqlite3.Connection, story_id: str) -> str | None:
    """The live story an id names (itself, or the survivor of the merges it went through); None if unknown."""
    return _resolve(conn, "stories", "story_merges", story_id)


def resolve_thread(conn: sqlite3.Connection, thread_id: str) -> str | None:
    """The live thread an id names (itself, or the survivor of its merges); None if unknown."""
    return _resolve(conn, "threads", "thread_merges", thread_id)
