"""The ``dates`` table (migration 0110): temporal expressions resolved by the dates stage, stored with each
article."""
from __future__ import annotations

import sqlite3

from ...model import Article
from ..base import Rows, article_rows
from ..migrations import migration
from ..spans import span_table

__all__ = ["rows"]

span_table("dates")


@migration("0110_dates")
def dates(conn: sqlite3.Connection) -> None:
    # temporal expressions; value is ISO (YYYY, YYYY-MM or YYYY-MM-DD by precision) or NULL when
    # it cannot be resolved without inventing a date; anchor says what it was resolved against
    conn.execute("""CREATE TABLE dates (
        article_id TEXT NOT NULL REFERENCES articles(id),
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        text TEXT NOT NULL,
        value TEXT,
        precision TEXT,
        anchor TEXT,
        PRIMARY KEY (article_id, start))""")
    conn.execute("CREATE INDEX dates_value ON dates(value)")


@article_rows
def rows(article: Article) -> Rows:
    """``article.annotations["dates"]`` as ``dates`` rows."""
    return {"dates": [{"article_id": article.id, "start": d["start"], "end": d["end"], "text": d["text"],
                       "value": d["value"], "precision": d["precision"], "anchor": d["anchor"]}
                      for d in article.annotations.get("dates") or ()]}
