"""The polite fetcher's table (migration 0300): ``http_cache``, for conditional GET."""
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
