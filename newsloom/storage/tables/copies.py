"""Migrations of the copies area (0200-0299): the persisted LSH index, vectors and copy links; the rows of an
article's translation-search vector, made by the embed stage."""
from __future__ import annotations

import sqlite3

from ...model import Article
from ..base import Rows, article_rows
from ..migrations import migration

__all__ = ["rows", "COPY_VECTOR_KEY"]

#: where the embed stage leaves the article's vector for the copies stage's translation search (``annotations``)
COPY_VECTOR_KEY = "copy_vector"


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
    # multilingual sentence embeddings (float32 bytes) for the translation search
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


@migration("0201_copy_vectors_text_hash")
def copy_vectors_text_hash(conn: sqlite3.Connection) -> None:
    # the text_hash of the text a vector was made from: a vector of a text the boilerplate stage has cut since is
    # made again (NULL: made before this column, taken as it is)
    conn.execute("ALTER TABLE copy_vectors ADD COLUMN text_hash TEXT")


@article_rows
def rows(article: Article) -> Rows:
    """The ``copy_vectors`` row of an article the embed stage made one for (float32 bytes; none otherwise)."""
    vec = article.annotations.get(COPY_VECTOR_KEY)
    if vec is None:
        return {}
    return {"copy_vectors": [{"article_id": article.id, "language": article.language, "vector": vec["vector"],
                              "text_hash": vec["text_hash"]}]}
