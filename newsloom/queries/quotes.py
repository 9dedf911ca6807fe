"""Quote reads: the quote list, one quote with every article that carries it, an article's quotes, and the rows
of ``export quotes``."""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from ..errors import QueryError
from ..storage import Store
from . import has_table, page, resolve_id
from .entities import entities_named

__all__ = ["list_quotes", "page_quotes", "quote_record", "article_quotes", "iter_quotes"]


def _require_quotes(store: Store) -> None:
    if not has_table(store, "quotes"):
        raise QueryError("this database has no quotes table: open it with this version of newsloom", code="E420")


def page_quotes(store: Store, *, speaker: str | None = None, article: str | None = None,
                speaker_entity: str | None = None, limit: int = 50, offset: int = 0) -> dict[str, Any]:
    """A page of stored quotes, oldest stored first, with the total that match: ``{items, total, limit, offset}``.

    Args:
        store: the store.
        speaker: a name; the quotes of the entities it stands for (:func:`~newsloom.queries.entities.entities_named`:
            "Lukashenko" and "Alexander Lukashenko" find the same quotes), linked to the entity or attributed under
            one of its aliases. With no such entity, the quotes whose speaker name or words contain the text.
        article: only the quotes of this article (id or unique prefix).
        speaker_entity: only the quotes linked to this entity id.
        limit: how many.
        offset: how many to skip.
    """
    _require_quotes(store)
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
        params.append(resolve_id(store, article))
    if speaker_entity:
        where.append("q.speaker_entity = ?")
        params.append(speaker_entity)
    from_where = "FROM quotes q JOIN articles a ON a.id = q.article_id" + (
        " WHERE " + " AND ".join(where) if where else "")
    return page(store, select=(
        "q.id, q.article_id, a.title, q.kind, q.speaker_name, q.speaker_text, q.speaker_entity, q.on_behalf_of,"
        " q.cue, q.text,"
        " q.first_article_id, CASE WHEN q.quote_key IS NULL THEN 1 ELSE (SELECT count(DISTINCT q2.article_id)"
        " FROM quotes q2 WHERE q2.quote_key = q.quote_key) END AS carriers"), from_where=from_where, params=params,
        order="a.rowid, q.start", limit=limit, offset=offset)


def list_quotes(store: Store, *, speaker: str | None = None, article: str | None = None,
                limit: int = 50) -> list[dict[str, Any]]:
    """Stored quotes, oldest stored first (the items of :func:`page_quotes`)."""
    return page_quotes(store, speaker=speaker, article=article, limit=limit)["items"]


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
    return list(store.rows('SELECT id, start, "end", kind, speaker_name, speaker_text, speaker_entity, on_behalf_of,'
                           " cue, text, first_article_id FROM quotes WHERE article_id = ? ORDER BY start", (article_id,)))


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
                   q.on_behalf_of,
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
