"""The built-in migrations (see migrations.py for numbering)."""
from __future__ import annotations

import sqlite3

from .migrations import migration


@migration("0001_articles")
def articles(conn: sqlite3.Connection) -> None:
    conn.execute("""
        CREATE TABLE articles (
            id TEXT PRIMARY KEY,
            external_id TEXT NOT NULL,
            source TEXT, url TEXT, title TEXT NOT NULL, text TEXT NOT NULL, raw_text TEXT,
            published TEXT, language TEXT, author TEXT, fetched TEXT, format TEXT,
            text_hash TEXT NOT NULL,
            removed TEXT NOT NULL DEFAULT '[]',
            quality TEXT NOT NULL DEFAULT '{}',
            copy_of TEXT REFERENCES articles(id),
            copy_kind TEXT,
            fingerprint TEXT,
            ingested_at TEXT NOT NULL
        )""")
    conn.execute("CREATE INDEX articles_text_hash ON articles(text_hash)")
    conn.execute("CREATE INDEX articles_copy_of ON articles(copy_of)")
    conn.execute("CREATE INDEX articles_source ON articles(source)")
    conn.execute("CREATE INDEX articles_published ON articles(published)")
    # every input record, accounted for: stored, duplicate of a stored one, or rejected with its reason
    conn.execute("""
        CREATE TABLE inputs (
            key TEXT PRIMARY KEY,
            input TEXT NOT NULL,
            external_id TEXT,
            article_id TEXT REFERENCES articles(id),
            status TEXT NOT NULL CHECK (status IN ('stored', 'duplicate', 'rejected')),
            code TEXT, reason TEXT,
            seen_at TEXT NOT NULL
        )""")
    conn.execute("CREATE INDEX inputs_status ON inputs(status)")
    conn.execute("CREATE INDEX inputs_article ON inputs(article_id)")


@migration("0002_fts")
def fts(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE VIRTUAL TABLE articles_fts USING fts5(title, text, content='articles', content_rowid='rowid',"
                 " tokenize='unicode61 remove_diacritics 2')")
    conn.execute("""CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts(rowid, title, text) VALUES (new.rowid, new.title, new.text); END""")
    conn.execute("""CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, text) VALUES ('delete', old.rowid, old.title, old.text);
        END""")
    conn.execute("""CREATE TRIGGER articles_au AFTER UPDATE OF title, text ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, text) VALUES ('delete', old.rowid, old.title, old.text);
        INSERT INTO articles_fts(rowid, title, text) VALUES (new.rowid, new.title, new.text); END""")


@migration("0003_corpus_queue")
def corpus_queue(conn: sqlite3.Connection) -> None:
    # articles stored but not yet seen by a corpus stage; a stage deletes its rows in the
    # same transaction as its output, so a crash in between is finished on the next run
    conn.execute("CREATE TABLE corpus_queue (article_id TEXT NOT NULL, stage TEXT NOT NULL,"
                 " PRIMARY KEY (article_id, stage)) WITHOUT ROWID")


@migration("0004_source_lines")
def source_lines(conn: sqlite3.Connection) -> None:
    # paragraph hashes per source, for boilerplate found by corpus statistics
    conn.execute("CREATE TABLE source_lines (source TEXT NOT NULL, hash TEXT NOT NULL, article_id TEXT NOT NULL,"
                 " PRIMARY KEY (source, hash, article_id)) WITHOUT ROWID")
    conn.execute("CREATE TABLE source_boilerplate (source TEXT NOT NULL, hash TEXT NOT NULL, text TEXT NOT NULL,"
                 " articles INTEGER NOT NULL, PRIMARY KEY (source, hash)) WITHOUT ROWID")
from . import schema_feeds  # noqa: E402,F401  (feeds, fetch cache, watch)
from . import schema_copies  # noqa: E402,F401
from . import schema_quotes  # noqa: E402,F401
from . import schema_annotate  # noqa: E402,F401  (entities, aliases, mentions, dates, events)
from .tables import embed as _embed, stories as _stories  # noqa: E402,F401  (embeddings, stories, threads)
