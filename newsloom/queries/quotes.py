"""Quote reads: the quote list, one quote with every article that carries it, an article's quotes, and the rows
of ``export quotes``."""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from ..errors import QueryError
from ..storage import Store
from . import has_table, resolve_id

__all__ = ["list_quotes", "quote_record", "article_quotes", "iter_quotes"]


def _require_quotes(store: Store) -> None:
    if not has_table(store, "quotes"):
        raise QueryError("this database has no quotes table: open it with this version of newsloom", code="E420")


def list_quotes(store: Store, *, speaker: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """Stored quotes, oldest stored first; ``speaker`` filters by a part of the speaker's name."""
    _require_quotes(store)
    where, params = "", []
    if speaker:
        where = "WHERE q.speaker_name LIKE ? OR q.speaker_text LIKE ?"
        params = [f"%{speaker}%", f"%{speaker}%"]
    return list(store.rows(
        "SELECT q.id, q.article_id, q.kind, q.speaker_name, q.speaker_text, q.cue, q.text, q.first_article_id, "
        "CASE WHEN q.quote_key IS NULL THEN 1 ELSE (SELECT count(DISTINCT q2.article_id) FROM quotes q2 "
        "WHERE q2.quote_key = q.quote_key) END AS carriers "
        f"FROM quotes q JOIN articles a ON a.id = q.article_id {where} ORDER BY a.rowid, q.start LIMIT ?",
        [*params, limit]))


def quote_record(store: Store, ref: str) -> dict[str, Any]:
    """One quote (id or unique prefix) with every article that carries the same words (``carriers``)."""
    _require_quotes(store)
    qid = resolve_id(store, ref, "quotes")
    row = dict(store.execute("SELECT * FROM quotes WHERE id = ?", (qid,)).fetchone())
    key = row["quote_key"]
    row["carriers"] = list(store.rows(
        "SELECT DISTINCT a.id, a.source, a.published, a.copy_of, a.title FROM quotes q JOIN articles a "
        "ON a.id = q.article_id WHERE q.quote_key = ? ORDER BY a.published IS NULL, a.published, a.rowid",
        (key,))) if key else []
    return row


def article_quotes(store: Store, article_id: str) -> list[dict[str, Any]]:
    """One article's quotes in text order."""
    if not has_table(store, "quotes"):
        return []
    return list(store.rows("SELECT id, kind, speaker_name, cue, text, first_article_id FROM quotes"
                           " WHERE article_id = ? ORDER BY start", (article_id,)))


def iter_quotes(store: Store) -> Iterator[dict[str, Any]]:
    """One row per quote, in store order; ``is_first`` marks the article that carried the quote first.

    ``carriers`` counts the stored articles that carry the same quote (by ``quote_key``).
    """
    if not has_table(store, "quotes"):
        return
    for row in store.rows("""
            SELECT q.id, q.article_id, a.source AS article_source, a.published AS article_published,
                   q."start", q."end", q.parts, q.text, q.kind, q.cue, q.cue_start, q.cue_end,
                   q.speaker_text, q.speaker_start, q.speaker_end, q.speaker_name, q.speaker_entity,
                   q.quote_key, q.first_article_id,
                   (SELECT count(DISTINCT q2.article_id) FROM quotes q2 WHERE q2.quote_key = q.quote_key)
                       AS carriers
              FROM quotes q JOIN articles a ON a.id = q.article_id
             ORDER BY a.rowid, q."start" """):
        row["parts"] = json.loads(row["parts"])
        row["is_first"] = row["first_article_id"] == row["article_id"]
        if row["quote_key"] is None:
            row["carriers"] = 1
        yield row
