"""The boilerplate corpus stage's tables (migrations 0004, 0006): paragraph hashes per source, their running
counts, and the paragraphs found to be a source's boilerplate."""
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


@migration("0006_source_line_counts")
def source_line_counts(conn: sqlite3.Connection) -> None:
    # running counts of source_lines, so a batch's boilerplate check reads its own lines' counts instead of
    # counting the source's whole history: articles per source, and per (source, hash) the articles carrying it
    # and whether it was boilerplate when last counted (hot)
    conn.execute("CREATE TABLE source_articles (source TEXT PRIMARY KEY, articles INTEGER NOT NULL) WITHOUT ROWID")
    conn.execute("CREATE TABLE source_line_counts (source TEXT NOT NULL, hash TEXT NOT NULL, articles INTEGER NOT NULL,"
                 " hot INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (source, hash)) WITHOUT ROWID")
    conn.execute("INSERT INTO source_articles (source, articles) SELECT source, count(DISTINCT article_id) "
                 "FROM source_lines GROUP BY source")
    conn.execute("INSERT INTO source_line_counts (source, hash, articles, hot) SELECT l.source, l.hash, count(*), "
                 "max(b.hash IS NOT NULL) FROM source_lines l LEFT JOIN source_boilerplate b ON b.source = l.source "
                 "AND b.hash = l.hash GROUP BY l.source, l.hash")
