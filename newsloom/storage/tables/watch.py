"""``newsloom watch``'s tables (migration 0301): ``watch_sources`` and ``watch_seen``."""
from __future__ import annotations

import sqlite3

from ..migrations import migration


@migration("0301_watch")
def watch(conn: sqlite3.Connection) -> None:
    # every source `newsloom watch` polls; a restart with no sources resumes these
    conn.execute("""
        CREATE TABLE watch_sources (
            source TEXT PRIMARY KEY,
            kind TEXT,
            added_at TEXT NOT NULL,
            last_polled TEXT,
            rounds INTEGER NOT NULL DEFAULT 0,
            items INTEGER NOT NULL DEFAULT 0,
            last_error TEXT
        )""")
    # the items of a source already ingested (feed guid or link, file path+size+mtime, page hash)
    conn.execute("""
        CREATE TABLE watch_seen (
            source TEXT NOT NULL REFERENCES watch_sources(source) ON DELETE CASCADE,
            item_key TEXT NOT NULL,
            seen_at TEXT NOT NULL,
            PRIMARY KEY (source, item_key)
        ) WITHOUT ROWID""")
