"""Reads of quotes: listing them (by speaker, under every alias, or by article) and one quote with its carriers."""
from __future__ import annotations

from typing import Any

from ..errors import QueryError
from ..storage import Store
from .entities import entities_named

__all__ = ["list_quotes", "quote_record"]


def _require(store: Store) -> None:
    if "quotes" not in store.tables():
        raise QueryError("this database has no quotes table: open it with this version of newsloom", code="E420")


def list_quotes(store: Store, *, speaker: str | None = None, article: str | None = None,
                limit: int = 50) -> list[dict[str, Any]]:
    """Stored quotes, oldest stored first.

    Args:
        store: the store.
        speaker: a name; the quotes of the entities it stands for (:func:`~newsloom.queries.entities.entities_named`:
            "Lukashenko" and "Alexander Lukashenko" find the same quotes), whether linked to the entity or
            attributed under one of its aliases. With no such entity, quotes whose speaker name or words
            contain the text.
        article: only the quotes of this article (id or unique prefix).
        limit: how many.
    """
    _require(store)
    where, params = [], []
    if speaker:
        ids = entities_named(store, speaker)
        if ids:
            marks = ", ".join("?" for _ in ids)
            where.append(f"(q.speaker_entity IN ({marks}) OR lower(q.speaker_name) IN (SELECT lower(alias) FROM"
                         f" aliases WHERE entity_id IN ({marks})) OR q.speaker_name IN (SELECT name FROM entities"
                         f" WHERE id IN ({marks})))")
            params += [*ids, *ids, *ids]
        else:
            where.append("(q.speaker_name LIKE ? OR q.speaker_text LIKE ?)")
            params += [f"%{speaker}%", f"%{speaker}%"]
    if article:
        where.append("q.article_id = ?")
        params.append(store.resolve_id(article))
    return list(store.rows(
        "SELECT q.id, q.article_id, q.kind, q.speaker_name, q.speaker_text, q.speaker_entity, q.cue, q.text,"
        " q.first_article_id, CASE WHEN q.quote_key IS NULL THEN 1 ELSE (SELECT count(DISTINCT q2.article_id)"
        " FROM quotes q2 WHERE q2.quote_key = q.quote_key) END AS carriers"
        " FROM quotes q JOIN articles a ON a.id = q.article_id" + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY a.rowid, q.start LIMIT ?", [*params, limit]))


def quote_record(store: Store, ref: str) -> dict[str, Any]:
    """One quote (id or unique prefix) with every article that carries the same words."""
    _require(store)
    qid = store.resolve_id(ref, "quotes")
    row = dict(store.execute("SELECT * FROM quotes WHERE id = ?", (qid,)).fetchone())
    key = row["quote_key"]
    row["carriers"] = list(store.rows(
        "SELECT DISTINCT a.id, a.source, a.published, a.copy_of, a.title FROM quotes q JOIN articles a "
        "ON a.id = q.article_id WHERE q.quote_key = ? ORDER BY a.published IS NULL, a.published, a.rowid",
        (key,))) if key else []
    return row
