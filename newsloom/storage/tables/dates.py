"""The ``dates`` table: one row per temporal expression of an article.

The table is created by migration ``0110_dates`` (``storage/tables/entities.py``); ``0111_dates_kind``
adds the expression's kind. :func:`rows` turns an article's ``annotations["dates"]`` into the rows the
article writer inserts (``stages/resolve.py::store_annotations``), in :data:`COLUMNS` order.
"""
from __future__ import annotations

import sqlite3
from typing import Any

from ...model import Article
from ..migrations import migration

__all__ = ["COLUMNS", "INSERT", "rows"]

#: the columns :func:`rows` fills, in order
COLUMNS = ("article_id", "start", "end", "text", "kind", "value", "precision", "anchor")
INSERT = ('INSERT OR IGNORE INTO dates (article_id, start, "end", text, kind, value, precision, anchor) '
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")


def rows(article: Article) -> list[tuple[Any, ...]]:
    """The ``dates`` rows of one article (none when the dates stage did not run)."""
    return [(article.id, d["start"], d["end"], d["text"], d.get("kind") or "date", d["value"], d["precision"],
             d["anchor"]) for d in article.annotations.get("dates") or []]


@migration("0111_dates_kind")
def dates_kind(conn: sqlite3.Connection) -> None:
    # what the expression is: date (a point or period on the calendar, the only kind with a value),
    # duration ("for three years", "30-year"), set ("every Friday"), vague ("recently") or age ("65-year-old");
    # rows stored before this migration are dates (their kind was not told apart)
    columns = {row[1] for row in conn.execute("PRAGMA table_info(dates)")}
    if "kind" not in columns:
        conn.execute("ALTER TABLE dates ADD COLUMN kind TEXT NOT NULL DEFAULT 'date'")
    conn.execute("CREATE INDEX IF NOT EXISTS dates_kind ON dates(kind)")
