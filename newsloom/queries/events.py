"""Event reads: an article's events, an entity's events, the earliest events of originals, and the rows of
``export events``."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..storage import Store
from . import has_table

__all__ = ["article_events", "entity_events", "earliest_events", "iter_events"]


def article_events(store: Store, article_id: str) -> list[dict[str, Any]]:
    """One article's events in text order."""
    if not has_table(store, "events"):
        return []
    return list(store.rows("SELECT id, date, action, actor, target, place, start FROM events WHERE article_id = ?"
                           " ORDER BY start", (article_id,)))


def entity_events(store: Store, entity_id: str, *, limit: int = 20) -> list[dict[str, Any]]:
    """Events whose actor or target is the entity, latest date first (undated last)."""
    if not has_table(store, "events"):
        return []
    return list(store.rows(
        "SELECT id, article_id, date, action, actor, target, place, sentence FROM events WHERE actor_id = ? OR"
        " target_id = ? ORDER BY date IS NULL, date DESC LIMIT ?", (entity_id, entity_id, limit)))


def earliest_events(store: Store, *, limit: int = 8) -> list[dict[str, Any]]:
    """Events of original articles (not copies), earliest date first (undated last)."""
    if not has_table(store, "events"):
        return []
    return list(store.rows("SELECT e.date, e.action, e.actor, e.target, e.place FROM events e JOIN articles a"
                           " ON a.id = e.article_id WHERE a.copy_of IS NULL ORDER BY e.date IS NULL, e.date LIMIT ?",
                           (limit,)))


def iter_events(store: Store) -> Iterator[dict[str, Any]]:
    """One row per event: date, action, actor/target/place names and entity ids, the sentence and its span."""
    if has_table(store, "events"):
        yield from store.rows('SELECT id, article_id, date, precision, action, verb, actor, actor_id, target,'
                              ' target_id, place, place_id, start, "end", sentence FROM events ORDER BY rowid')
