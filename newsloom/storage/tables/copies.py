"""Migrations of the copies area (0200-0299): the persisted LSH index, vectors and copy links."""
from __future__ import annotations

import sqlite3

from ..migrations import migration


@migration("0200_copy_index")
def copy_index(conn: sqlite3.Connection) -> None:
    # one row per article the copies stage has indexed: its MinHash signatures (uint32 bytes), the hashes of its
    # word 3-shingles and content words (sorted uint32), size, digest and wire credit, so candidates are
    # verified without re-reading their text (the three blobs only for articles in the LSH buckets, see
    # stages/copies.py); a later ingest (new process) matches against these rows
    conn.execute("""CREATE TABLE copy_index (
        article_id TEXT PRIMARY KEY REFERENCES articles(id),
        language TEXT, n_words INTEGER NOT NULL, digest TEXT NOT NULL, wire TEXT,
        signature BLOB, shingles BLOB, words BLOB)""")
    conn.execute("CREATE INDEX copy_index_language ON copy_index(language)")
    # LSH bands: an article sharing any band key with another is a candidate pair
    conn.execute("CREATE TABLE copy_bands (key INTEGER NOT NULL, article_id TEXT NOT NULL,"
                 " PRIMARY KEY (key, article_id)) WITHOUT ROWID")
    # multilingual sentence embeddings (float32 bytes), computed only when other languages are stored
    conn.execute("CREATE TABLE copy_vectors (article_id TEXT PRIMARY KEY REFERENCES articles(id),"
                 " language TEXT, vector BLOB NOT NULL)")
    conn.execute("CREATE INDEX copy_vectors_language ON copy_vectors(language)")
    # the evidence behind each copy link (articles.copy_of / copy_kind hold the link itself)
    conn.execute("""CREATE TABLE copy_links (
        article_id TEXT PRIMARY KEY REFERENCES articles(id),
        original_id TEXT NOT NULL REFERENCES articles(id),
        matched_id TEXT NOT NULL REFERENCES articles(id),
        kind TEXT NOT NULL, score REAL NOT NULL, evidence TEXT NOT NULL DEFAULT '{}')""")
    conn.execute("CREATE INDEX copy_links_original ON copy_links(original_id)")
