"""Reads of entities: listing them, and finding the entities a name stands for."""
from __future__ import annotations

from typing import Any

from ..errors import QueryError
from ..storage import Store

__all__ = ["list_entities", "entities_named"]


def _require(store: Store) -> None:
    if "entities" not in store.tables():
        raise QueryError("this database has no entities yet: ingest with the nlp, entities and resolve stages",
                         code="E410")


def list_entities(store: Store, *, type: str | None = None, name: str | None = None, article: str | None = None,
                  limit: int = 50) -> list[dict[str, Any]]:
    """Entities, most mentioned first.

    Args:
        store: the store.
        type: only this type (PERSON, ORG, GPE, ...; any case).
        name: only entities whose name or an alias contains this text.
        article: only entities mentioned in this article (id or unique prefix); ``in_article`` then
            counts its mentions there.
        limit: how many.
    """
    _require(store)
    where, params, counted = [], [], "NULL"
    if type:
        where.append("type = ?")
        params.append(type.upper())
    if name:
        where.append("(name LIKE ? OR id IN (SELECT entity_id FROM aliases WHERE alias LIKE ?))")
        params += [f"%{name}%", f"%{name}%"]
    if article:
        aid = store.resolve_id(article)
        where.append("id IN (SELECT entity_id FROM mentions WHERE article_id = ?)")
        counted = "(SELECT count(*) FROM mentions m WHERE m.article_id = ? AND m.entity_id = entities.id)"
        params = [aid, *params, aid]
    sql = (f"SELECT id, name, type, mentions, articles, {counted} AS in_article, (SELECT count(*) FROM aliases a"
           " WHERE a.entity_id = entities.id) AS aliases FROM entities" + (" WHERE " + " AND ".join(where) if where else "")
           + (" ORDER BY in_article DESC, mentions DESC, name" if article else " ORDER BY mentions DESC, name") + " LIMIT ?")
    return list(store.rows(sql, [*params, limit]))


def entities_named(store: Store, name: str) -> list[str]:
    """The ids of the entities ``name`` stands for (case ignored): those whose canonical
    name it is, else those with it as an alias, else those whose name or an alias contains it; ids merged into
    them are included (rows written before a merge may still carry them)."""
    if "entities" not in store.tables():
        return []
    key = name.strip()
    ids = [r[0] for r in store.execute("SELECT id FROM entities WHERE name = ? COLLATE NOCASE", (key,))] or \
        [r[0] for r in store.execute("SELECT DISTINCT entity_id FROM aliases WHERE alias = ? COLLATE NOCASE", (key,))] or \
        [r[0] for r in store.execute("SELECT id FROM entities WHERE name LIKE ? UNION SELECT entity_id FROM aliases"
                                     " WHERE alias LIKE ?", (f"%{key}%", f"%{key}%"))]
    if ids:
        marks = ", ".join("?" for _ in ids)
        ids += [r[0] for r in store.execute(f"SELECT old_id FROM entity_merges WHERE new_id IN ({marks})", ids)]
    return ids
