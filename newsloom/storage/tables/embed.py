"""The ``embeddings`` table (migration 0400): one unit vector per article, float16, from the embed stage.

``rid`` is the label of the article's vector in the nearest-neighbour index the stories stage keeps
beside the database file (``storage/vector_index.py``): it only grows, so an index that is behind the
table is brought up to date by adding the rows past its highest label.
"""
from __future__ import annotations

import sqlite3
from typing import Any

from ...model import Article
from ..base import Rows, article_rows
from ..migrations import migration

__all__ = ["rows", "encode_vector", "decode_vector", "EMBEDDING_KEY"]

#: where the embed stage leaves the article's vector (``annotations``) until the store writes it
EMBEDDING_KEY = "embedding"


@migration("0400_embeddings")
def embeddings(conn: sqlite3.Connection) -> None:
    conn.execute("""CREATE TABLE embeddings (
        rid INTEGER PRIMARY KEY AUTOINCREMENT,
        article_id TEXT NOT NULL UNIQUE REFERENCES articles(id),
        model TEXT NOT NULL,
        vector BLOB NOT NULL)""")


def encode_vector(vector: Any) -> bytes:
    """A vector as the stored blob (float16, little-endian)."""
    import numpy as np

    return np.asarray(vector, dtype="<f2").tobytes()


def decode_vector(blob: bytes) -> Any:
    """The stored blob as a float32 numpy vector."""
    import numpy as np

    return np.frombuffer(blob, dtype="<f2").astype(np.float32)


@article_rows
def rows(article: Article) -> Rows:
    """The ``embeddings`` row of an article the embed stage has seen (none otherwise)."""
    emb = article.annotations.get(EMBEDDING_KEY)
    if emb is None:
        return {}
    return {"embeddings": [{"article_id": article.id, "model": emb["model"], "vector": emb["vector"]}]}
