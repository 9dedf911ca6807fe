"""Migrations for ingest at the edges (0300-0399): the HTTP cache and the watch state."""
from __future__ import annotations

import sqlite3

from ..migrations import migration


@migration("0300_http_cache")
def http_cache(conn: sqlite3.Connection) -> None:
    # conditional GET: the validators and the body of the last 200 for a URL, so that a 304
    # can hand back the body (a crash between fetch and store then loses nothing)
    conn.execute("""
        CREATE TABLE http_cache (
            url TEXT PRIMARY KEY,
            etag TEXT,
            last_modified TEXT,
            content_type TEXT,
            body BLOB NOT NULL,
            fetched_at TEXT NOT NULL
        )""")


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
