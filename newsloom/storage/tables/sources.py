"""Migration 0610: ``sources``, the user's own table of outlets (country, owner, lean, ...).

``newsloom sources import FILE.csv`` fills it: one row per outlet, the outlet name (matched against
``articles.source``) as key and every other column of the file kept in ``attrs`` (JSON).
"""
from __future__ import annotations

import sqlite3

from ..migrations import migration


@migration("0610_sources")
def sources(conn: sqlite3.Connection) -> None:
    conn.execute("""CREATE TABLE sources (
        source TEXT PRIMARY KEY,
        attrs TEXT NOT NULL DEFAULT '{}',
        imported_at TEXT NOT NULL) WITHOUT ROWID""")
