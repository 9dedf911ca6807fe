"""Entity reads: the entity list, one entity with aliases, articles and events, an article's entities, and the
rows of ``export entities`` / ``export mentions``."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..errors import QueryError
from ..storage import Store
from . import events, has_table, resolve_id

__all__ = ["list_entities", "page_entities", "entities_named", "entity_record", "entity_timeline", "article_entities",
           "article_mentions", "top_entities", "iter_entities", "iter_mentions"]


def _require_entities(store: Store, message: str = "this database has no entities yet") -> None:
    if not has_table(store, "entities"):
        raise QueryError(message, code="E410")


def page_entities(store: Store, *, type: str | None = None, name: str | None = None, article: str | None = None,
                  limit: int = 50, offset: int = 0) -> dict[str, Any]:
    """A page of entities, most mentioned first, with the total that match: ``{items, total, limit, offset}``.

    Args:
        store: the store.
        type: only this type (PERSON, ORG, GPE, ...; any case).
        name: only entities whose name or an alias contains this text.
        article: only the entities mentioned in this article (id or unique prefix), most mentioned there first;
            ``in_article`` counts those mentions.
        limit: how many.
        offset: how many to skip.
    """
    _require_entities(store)
    where, params, counted, count_params = [], [], "NULL", []
    if type:
        where.append("type = ?")
        params.append(type.upper())
    if name:
        where.append("(name LIKE ? OR id IN (SELECT entity_id FROM aliases WHERE alias LIKE ?))")
        params += [f"%{name}%", f"%{name}%"]
    if article:
        aid = resolve_id(store, article)
        where.append("id IN (SELECT entity_id FROM mentions WHERE article_id = ?)")
        params.append(aid)
        counted = "(SELECT count(*) FROM mentions m WHERE m.article_id = ? AND m.entity_id = entities.id)"
        count_params = [aid]
    from_where = "FROM entities" + (" WHERE " + " AND ".join(where) if where else "")
    total = store.execute(f"SELECT count(*) {from_where}", params).fetchone()[0]
    items = list(store.rows(
        f"SELECT id, name, type, mentions, articles, {counted} AS in_article, (SELECT count(*) FROM aliases a"
        f" WHERE a.entity_id = entities.id) AS aliases {from_where}"
        + (" ORDER BY in_article DESC, mentions DESC, name" if article else " ORDER BY mentions DESC, name")
        + " LIMIT ? OFFSET ?", [*count_params, *params, limit, offset]))
    return {"items": items, "total": total, "limit": limit, "offset": offset}


def list_entities(store: Store, *, type: str | None = None, name: str | None = None, article: str | None = None,
                  limit: int = 50) -> list[dict[str, Any]]:
    """Entities, most mentioned first (the items of :func:`page_entities`)."""
    return page_entities(store, type=type, name=name, article=article, limit=limit)["items"]


def entities_named(store: Store, name: str) -> list[str]:
    """The ids of the entities ``name`` stands for (case ignored): those whose canonical name it is, else those
    with it as an alias, else those whose name or an alias contains it; ids merged into them are included (rows
    written before a merge may still carry them)."""
    if not has_table(store, "entities"):
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


def entity_timeline(store: Store, entity_id: str) -> list[tuple[str, int]]:
    """(published day, articles mentioning the entity that day), in date order; undated articles left out."""
    return [(r[0], r[1]) for r in store.execute(
        "SELECT substr(a.published, 1, 10) AS day, count(DISTINCT a.id) FROM mentions m JOIN articles a"
        " ON a.id = m.article_id WHERE m.entity_id = ? AND a.published IS NOT NULL GROUP BY day ORDER BY day",
        (entity_id,))]


def article_mentions(store: Store, article_id: str) -> list[dict[str, Any]]:
    """One article's entity mentions in text order: span, surface text, label, in-article name, entity id."""
    if not has_table(store, "mentions"):
        return []
    return list(store.rows('SELECT start, "end", text, label, name, entity_id FROM mentions WHERE article_id = ?'
                           " ORDER BY start", (article_id,)))


def entity_record(store: Store, ref: str, *, limit: int = 20) -> dict[str, Any]:
    """One entity with its aliases (counts, articles), recent mentions and events.

    Args:
        store: the store.
        ref: an entity id, a unique id prefix, an id merged into another, or an exact canonical name.
        limit: how many articles and events to list.

    Returns:
        The entity as a dict (``merged_from`` tells when ``ref`` was an old id).
    """
    _require_entities(store, "this database has no entities yet: ingest with the nlp, entities and resolve stages")
    merged = store.execute("SELECT new_id FROM entity_merges WHERE old_id = ?", (ref,)).fetchone()
    by_name = store.execute("SELECT id FROM entities WHERE name = ? ORDER BY mentions DESC LIMIT 1", (ref,)).fetchone()
    if merged or by_name:
        eid = (merged or by_name)[0]
    else:
        try:
            eid = resolve_id(store, ref, "entities")
        except QueryError as exc:
            if exc.code != "E402":
                raise
            raise QueryError(f"no entity with id or name {ref!r}; list them with: newsloom entities --name TEXT",
                             code="E402") from exc
    ent = dict(store.execute("SELECT id, name, type, mentions, articles, created_at FROM entities WHERE id = ?",
                             (eid,)).fetchone())
    ent["merged_from"] = ref if merged else None
    ent["aliases"] = list(store.rows(
        "SELECT a.alias, a.count, (SELECT count(*) FROM alias_articles x WHERE x.entity_id = a.entity_id AND"
        " x.alias = a.alias) AS articles FROM aliases a WHERE a.entity_id = ? ORDER BY a.count DESC, a.alias", (eid,)))
    ent["article_list"] = list(store.rows(
        "SELECT a.id, a.published, a.title, count(*) AS mentions FROM mentions m JOIN articles a ON a.id = m.article_id"
        " WHERE m.entity_id = ? GROUP BY a.id ORDER BY a.published DESC, a.rowid DESC LIMIT ?", (eid, limit)))
    ent["events"] = events.entity_events(store, eid, limit=limit)
    return ent


def article_entities(store: Store, article_id: str) -> list[dict[str, Any]]:
    """The entities named in one article, most mentioned first: entity id, canonical ``name`` and ``type`` (the
    in-article name and label when the mention has no entity), mentions, and the ``forms`` the article used."""
    if not has_table(store, "mentions"):
        return []
    return list(store.rows(
        "SELECT m.entity_id, coalesce(e.name, m.name) AS name, coalesce(e.type, m.label) AS type,"
        " count(*) AS mentions, group_concat(DISTINCT m.name) AS forms FROM mentions m"
        " LEFT JOIN entities e ON e.id = m.entity_id WHERE m.article_id = ?"
        " GROUP BY coalesce(m.entity_id, m.name) ORDER BY mentions DESC, min(m.start)", (article_id,)))


def top_entities(store: Store, *, limit: int = 8, aliases: int = 5) -> list[dict[str, Any]]:
    """The most mentioned entities, each with its ``aliases`` (the most used first) joined by commas."""
    if not has_table(store, "entities"):
        return []
    rows = list(store.rows("SELECT id, name, type, mentions, articles FROM entities ORDER BY mentions DESC LIMIT ?",
                           (limit,)))
    for r in rows:
        r["aliases"] = ", ".join(a[0] for a in store.execute(
            "SELECT alias FROM aliases WHERE entity_id = ? ORDER BY count DESC LIMIT ?", (r["id"], aliases)))
    return rows


def iter_entities(store: Store) -> Iterator[dict[str, Any]]:
    """One row per entity; ``aliases`` lists {alias, count, articles: [article ids]}, ``merged_ids`` the ids
    merged into it."""
    if not has_table(store, "entities"):
        return
    for ent in store.rows("SELECT id, name, type, mentions, articles, created_at FROM entities ORDER BY rowid"):
        links: dict[str, list[str]] = {}
        for r in store.execute("SELECT alias, article_id FROM alias_articles WHERE entity_id = ? ORDER BY alias",
                               (ent["id"],)):
            links.setdefault(r[0], []).append(r[1])
        ent["aliases"] = [{"alias": a, "count": c, "articles": links.get(a, [])} for a, c in store.execute(
            "SELECT alias, count FROM aliases WHERE entity_id = ? ORDER BY count DESC, alias", (ent["id"],))]
        ent["merged_ids"] = [r[0] for r in store.execute("SELECT old_id FROM entity_merges WHERE new_id = ?",
                                                         (ent["id"],))]
        yield ent


def iter_mentions(store: Store) -> Iterator[dict[str, Any]]:
    """One row per mention: article_id, span, surface text, label, in-article name, entity_id."""
    if has_table(store, "mentions"):
        yield from store.rows('SELECT article_id, start, "end", text, label, name, entity_id FROM mentions'
                              " ORDER BY rowid")
