"""The boilerplate corpus stage's tables (migration 0004): paragraph hashes per source, and the paragraphs found
to be a source's boilerplate."""
from __future__ import annotations

import sqlite3

from ..migrations import migration


@migration("0004_source_lines")
def source_lines(conn: sqlite3.Connection) -> None:
    # paragraph hashes per source, for boilerplate found by corpus statistics
    conn.execute("CREATE TABLE source_lines (source TEXT NOT NULL, hash TEXT NOT NULL, article_id TEXT NOT NULL,"
                 " PRIMARY KEY (source, hash, article_id)) WITHOUT ROWID")
    conn.execute("CREATE TABLE source_boilerplate (source TEXT NOT NULL, hash TEXT NOT NULL, text TEXT NOT NULL,"
                 " articles INTEGER NOT NULL, PRIMARY KEY (source, hash)) WITHOUT ROWID")
