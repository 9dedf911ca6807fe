"""The ``dates`` table (migrations 0110 and 0111): temporal expressions found by the dates stage, with their
kind and resolved value, stored with each article."""
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


@migration("0111_dates_kind")
def dates_kind(conn: sqlite3.Connection) -> None:
    # what the expression is: date (a point or period on the calendar, the only kind with a value),
    # duration ("for three years", "30-year"), set ("every Friday"), vague ("recently") or age ("65-year-old");
    # later also stamp (the page's own date: "Last updated ...", a byline's "Mon Jul 18, 2011 7:12 am EDT");
    # rows stored before this migration are dates (their kind was not told apart)
    columns = {row[1] for row in conn.execute("PRAGMA table_info(dates)")}
    if "kind" not in columns:
        conn.execute("ALTER TABLE dates ADD COLUMN kind TEXT NOT NULL DEFAULT 'date'")
    conn.execute("CREATE INDEX IF NOT EXISTS dates_kind ON dates(kind)")


@article_rows
def rows(article: Article) -> Rows:
    """``article.annotations["dates"]`` as ``dates`` rows."""
    return {"dates": [{"article_id": article.id, "start": d["start"], "end": d["end"], "text": d["text"],
                       "kind": d.get("kind") or "date", "value": d["value"], "precision": d["precision"],
                       "anchor": d["anchor"]}
                      for d in article.annotations.get("dates") or ()]}
