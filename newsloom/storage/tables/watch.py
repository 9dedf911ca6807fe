"""``newsloom watch``'s tables (migrations 0301-0302): ``watch_sources`` (with its quarantine) and ``watch_seen``."""
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


@migration("0302_watch_quarantine")
def watch_quarantine(conn: sqlite3.Connection) -> None:
    # a source failing the same way round after round is set aside until `quarantined_until`
    # (newsloom watch's quarantine, issue 15): how many rounds in a row it failed so
    conn.execute("ALTER TABLE watch_sources ADD COLUMN failures INTEGER NOT NULL DEFAULT 0")
    conn.execute("ALTER TABLE watch_sources ADD COLUMN quarantined_until TEXT")
