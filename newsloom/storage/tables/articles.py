"""The core tables (migrations 0001-0003, 0005): ``articles``, ``inputs``, ``articles_fts`` (kept in step by triggers),
``corpus_queue``; and the shape of an article row (:func:`rows`, :func:`decode_article_row`)."""
from __future__ import annotations

import json
import sqlite3
from typing import Any

from ...model import Article
from ..base import Rows
from ..migrations import migration

__all__ = ["ARTICLE_COLUMNS", "JSON_COLUMNS", "rows", "decode_article_row"]

#: the article fields stored as columns (``ingested_at`` is added by the store when it writes the row)
ARTICLE_COLUMNS = ("id", "external_id", "source", "url", "title", "text", "raw_text", "published", "language",
                   "author", "fetched", "format", "text_hash", "removed", "quality", "copy_of", "copy_kind",
                   "fingerprint")
#: columns holding JSON text
JSON_COLUMNS = ("removed", "quality")


def rows(article: Article) -> Rows:
    """The article's own row (JSON columns encoded). Not an ``article_rows`` producer: the store writes it first,
    after linking an exact copy to its original."""
    values = article.as_dict()
    row = {c: values[c] for c in ARTICLE_COLUMNS}
    for col in JSON_COLUMNS:
        row[col] = json.dumps(row[col], ensure_ascii=False)
    return {"articles": [row]}


def decode_article_row(row: Any) -> dict[str, Any]:
    """An ``articles`` row (a mapping) as a dict, its JSON columns decoded."""
    data = dict(row)
    for col in JSON_COLUMNS:
        data[col] = json.loads(data[col] or ("[]" if col == "removed" else "{}"))
    return data



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


@migration("0005_articles_listing")
def articles_listing(conn: sqlite3.Connection) -> None:
    # covering indexes for the reads that need an article's short columns but not its text: the story list's
    # summaries (id -> copy_of, source, published, language) and its filters (by date, language, source).
    # Without them each such read walks the row past the text's overflow pages (about 4 pages per article).
    conn.execute("CREATE INDEX articles_listing ON articles(id, copy_of, source, published, language)")
    conn.execute("CREATE INDEX articles_dated ON articles(published, id)")
