"""Entity reads: the entity list, one entity with aliases, articles and events, an article's entities, and the
rows of ``export entities`` / ``export mentions``."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..errors import QueryError
from ..storage import Store
from . import events, has_table, resolve_id

__all__ = ["list_entities", "entity_record", "article_entities", "top_entities", "iter_entities", "iter_mentions"]


def _require_entities(store: Store, message: str = "this database has no entities yet") -> None:
    if not has_table(store, "entities"):
        raise QueryError(message, code="E410")


def list_entities(store: Store, *, type: str | None = None, name: str | None = None,
                  limit: int = 50) -> list[dict[str, Any]]:
    """Entities, most mentioned first; ``type`` (PERSON, ORG, GPE, ...) and ``name`` (part of the name or of an
    alias) filter them."""
    _require_entities(store)
    where, params = [], []
    if type:
        where.append("type = ?")
        params.append(type.upper())
    if name:
        where.append("(name LIKE ? OR id IN (SELECT entity_id FROM aliases WHERE alias LIKE ?))")
        params += [f"%{name}%", f"%{name}%"]
    sql = ("SELECT id, name, type, mentions, articles, (SELECT count(*) FROM aliases a WHERE a.entity_id ="
           " entities.id) AS aliases FROM entities" + (" WHERE " + " AND ".join(where) if where else "")
           + " ORDER BY mentions DESC, name LIMIT ?")
    return list(store.rows(sql, [*params, limit]))


def entity_record(store: Store, ref: str, *, limit: int = 20) -> dict[str, Any]:
    """One entity with its aliases (counts, articles), recent mentions and events.

    Args:
        store: the store.
        ref: an entity id, a unique id prefix, an id merged into another, a canonical name, or any alias
            (a surface form its mentions carry: "CNN", "Mr Lukashenko"); exact case first, then any case.
        limit: how many articles and events to list.

    Returns:
        The entity as a dict (``merged_from`` tells when ``ref`` was an old id).
    """
    _require_entities(store, "this database has no entities yet: ingest with the nlp, entities and resolve stages")
    merged = store.execute("SELECT new_id FROM entity_merges WHERE old_id = ?", (ref,)).fetchone()
    by_name = store.execute("SELECT id FROM entities WHERE name = ? ORDER BY mentions DESC LIMIT 1", (ref,)).fetchone()
    if not (merged or by_name):  # any alias, the entity it names most often first
        by_name = store.execute(
            "SELECT a.entity_id FROM aliases a JOIN entities e ON e.id = a.entity_id WHERE a.alias = ? ORDER BY"
            " a.count DESC, e.mentions DESC LIMIT 1", (ref,)).fetchone() or store.execute(
            "SELECT e.id FROM entities e WHERE e.name = ? COLLATE NOCASE UNION ALL SELECT a.entity_id FROM aliases a"
            " WHERE a.alias = ? COLLATE NOCASE LIMIT 1", (ref, ref)).fetchone()
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
    """The entities named in one article (in-article name, label, entity id), most mentioned first."""
    if not has_table(store, "mentions"):
        return []
    return list(store.rows(
        "SELECT m.entity_id, m.name, m.label, count(*) AS mentions FROM mentions m WHERE m.article_id = ?"
        " GROUP BY m.name, m.entity_id ORDER BY mentions DESC", (article_id,)))


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
