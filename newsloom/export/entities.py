"""``newsloom export entities|mentions|dates|events``: the annotation tables, with ids that join.

``entities`` rows carry their aliases (with counts and article ids); ``mentions``, ``dates`` and
``events`` carry ``article_id`` (and ``entity_id`` / ``actor_id`` ...), joining articles and entities.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from . import exporter
from ..storage import Store

__all__ = ["export_entities", "export_mentions", "export_dates", "export_events"]


def _has(store: Store, table: str) -> bool:
    return table in store.tables()


@exporter("entities")
def export_entities(store: Store) -> Iterator[dict[str, Any]]:
    """One row per entity; ``aliases`` lists {alias, count, articles: [article ids]}."""
    if not _has(store, "entities"):
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


@exporter("mentions")
def export_mentions(store: Store) -> Iterator[dict[str, Any]]:
    """One row per mention: article_id, span, surface text, label, in-article name, entity_id."""
    if _has(store, "mentions"):
        yield from store.rows('SELECT article_id, start, "end", text, label, name, entity_id FROM mentions'
                              " ORDER BY rowid")


@exporter("dates")
def export_dates(store: Store) -> Iterator[dict[str, Any]]:
    """One row per temporal expression: span, text, resolved value (or null), precision, anchor."""
    if _has(store, "dates"):
        yield from store.rows('SELECT article_id, start, "end", text, value, precision, anchor FROM dates'
                              " ORDER BY rowid")


@exporter("events")
def export_events(store: Store) -> Iterator[dict[str, Any]]:
    """One row per event: date, action, actor/target/place names and entity ids, the sentence and its span."""
    if _has(store, "events"):
        yield from store.rows('SELECT id, article_id, date, precision, action, verb, actor, actor_id, target,'
                              ' target_id, place, place_id, start, "end", sentence FROM events ORDER BY rowid')
