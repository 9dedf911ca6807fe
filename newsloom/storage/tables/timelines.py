"""Migration 0600: ``timeline_cache``, the built timelines and summaries of stories, threads and entities.

A row is valid while its ``key`` (a hash of the scope's article ids and the options) matches: a new
article changes its own story's key only, so only that story's timeline and summary are built again.
"""
from __future__ import annotations

import sqlite3

from ..migrations import migration


@migration("0600_timeline_cache")
def timeline_cache(conn: sqlite3.Connection) -> None:
    conn.execute("""CREATE TABLE timeline_cache (
        scope TEXT NOT NULL,
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        body TEXT NOT NULL,
        built_at TEXT NOT NULL,
        PRIMARY KEY (scope, kind)) WITHOUT ROWID""")
