"""The context names of entities, cached across the resolve stage's batches.

Resolve checks a candidate entity's context (the names of the other mentions in the entity's first
``context_articles`` articles, in the order of its mention rows) for every candidate with the same skeleton or
a near surname: one query over some hundred mention rows each time, made again and again for the same
entities. The names change only when a mention row changes, so they are cached per connection:

* temp triggers on ``mentions`` (this connection's own, not in the stored schema) report every inserted,
  updated and deleted row to :meth:`ContextCache.changed`, which drops the entries that row can change: the
  entities whose context articles include the row's article, and the row's entity when the row is among
  those that chose its first articles (or it has fewer than ``context_articles`` articles);
* a commit by another connection (``PRAGMA data_version``) clears the cache, and so does a failed batch
  (:func:`forget`: what it read was rolled back).
"""
from __future__ import annotations

import sqlite3
import sys
from collections import OrderedDict

from ..storage.sqlite import tuple_cursor
from .entity_words import fold

__all__ = ["ContextCache", "context_cache", "forget", "ARTICLE_NAMES"]

#: entries kept per connection (least recently used go first); a dropped entry is read again when asked. An entry
#: holds some 200 names (measured: 119 entries, 189 names on average, after 2,500 annotated replicas), about 10 KB
#: with the names interned: at most some 100 MB
MAX_ENTRIES = 10_000
#: articles whose names are kept, the context of an entity is made of (measured on 2,682 context articles of a
#: 10,000-article store: 46 names and 46 entities, 9.3 KB, each; at most some 190 MB)
MAX_ARTICLES = 20_000
#: an article's names and the entities they link to: from the index on (article_id, name, entity_id) alone, in its
#: order (migration ``0106_mentions_name_entity``); the articles of a large store are not all in this cache
ARTICLE_NAMES = "SELECT DISTINCT name, entity_id FROM mentions WHERE article_id = ?"
_FUNCTION = "newsloom_mention_changed"
_TRIGGERS = {
    "insert": "AFTER INSERT ON main.mentions BEGIN SELECT {f}(new.article_id, new.entity_id, new.rowid); END",
    "update": "AFTER UPDATE ON main.mentions BEGIN SELECT {f}(old.article_id, old.entity_id, old.rowid),"
              " {f}(new.article_id, new.entity_id, new.rowid); END",
    "delete": "AFTER DELETE ON main.mentions BEGIN SELECT {f}(old.article_id, old.entity_id, old.rowid); END",
}
_CACHES: OrderedDict[int, ContextCache] = OrderedDict()  # by id(connection); the last few connections


class ContextCache:
    """Context names per entity for one connection (see the module docstring)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.version: int | None = None
        # entity -> (its context names, its context articles, the rowid that brought in the last of them
        # when it has ``limit`` articles, else None)
        self._entries: OrderedDict[str, tuple[frozenset[str], tuple[str, ...], int | None]] = OrderedDict()
        self._by_article: dict[str, set[str]] = {}
        # article -> its mentions' folded names, and per entity the names all of whose mentions it links: an
        # entity's context is read from these (a change to any mention of the article drops it)
        self._pairs: OrderedDict[str, tuple[frozenset[str], dict[str, tuple[str, ...]]]] = OrderedDict()

    def names(self, conn: sqlite3.Connection, eid: str) -> frozenset[str]:
        """The folded names of the mentions in entity ``eid``'s first ``limit`` articles not linked to it."""
        hit = self._entries.get(eid)
        if hit is not None:
            self._entries.move_to_end(eid)
            return hit[0]
        articles: dict[str, None] = {}
        cutoff = None
        query = "SELECT rowid, article_id FROM mentions WHERE entity_id = ? ORDER BY rowid"
        for rowid, aid in tuple_cursor(conn).execute(query, (eid,)):
            if aid not in articles:
                articles[aid] = None
                if len(articles) == self.limit:
                    cutoff = rowid
                    break
        ids = list(articles)
        found: set[str] = set()
        for aid in ids:  # an article's names, less those all of whose mentions there are linked to this entity
            every, only = self._article(conn, aid)
            found.update(every.difference(only[eid]) if eid in only else every)
        names = frozenset(found)
        self._entries[eid] = (names, tuple(ids), cutoff)
        for aid in ids:
            self._by_article.setdefault(aid, set()).add(eid)
        if len(self._entries) > MAX_ENTRIES:
            self._drop(next(iter(self._entries)))
        return names

    def _article(self, conn: sqlite3.Connection, aid: str) -> tuple[frozenset[str], dict[str, tuple[str, ...]]]:
        """An article's folded mention names, and per entity the names all of whose mentions it links."""
        hit = self._pairs.get(aid)
        if hit is not None:
            self._pairs.move_to_end(aid)
            return hit
        rows = tuple_cursor(conn).execute(ARTICLE_NAMES, (aid,)).fetchall()
        folded = [sys.intern(fold(name)) for name, _ in rows]
        every = frozenset(folded)
        owner: dict[str, str | None] = dict(zip(folded, (linked for _, linked in rows)))
        if len(every) < len(rows):  # a folded name from several rows: two names folded alike, or linked apart
            for name, (_, linked) in zip(folded, rows):
                if owner[name] != linked:
                    owner[name] = None
        only: dict[str, list[str]] = {}
        for name, linked in owner.items():
            if linked is not None:
                only.setdefault(linked, []).append(name)
        hit = (every, {e: tuple(n) for e, n in only.items()})
        self._pairs[aid] = hit
        if len(self._pairs) > MAX_ARTICLES:
            self._pairs.popitem(last=False)
        return hit

    def changed(self, article_id: str | None, entity_id: str | None, rowid: int | None) -> None:
        """A mention row of ``article_id`` linked to ``entity_id`` was inserted, updated or deleted."""
        self._pairs.pop(article_id, None)
        for eid in list(self._by_article.get(article_id, ())):
            self._drop(eid)
        entry = self._entries.get(entity_id) if entity_id is not None else None
        if entry is not None and (entry[2] is None or rowid is None or rowid <= entry[2]):
            self._drop(entity_id)

    def clear(self) -> None:
        self._entries.clear()
        self._by_article.clear()
        self._pairs.clear()

    def _drop(self, eid: str) -> None:
        entry = self._entries.pop(eid, None)
        if entry is None:
            return
        for aid in entry[1]:
            owners = self._by_article.get(aid)
            if owners is not None:
                owners.discard(eid)
                if not owners:
                    del self._by_article[aid]


def context_cache(conn: sqlite3.Connection, limit: int) -> ContextCache:
    """The cache of this connection (made, with its temp triggers, on first use), valid for the data as it is now:
    emptied when another connection committed since it was last asked for."""
    key = id(conn)
    installed = conn.execute("SELECT 1 FROM sqlite_temp_master WHERE type = 'trigger' AND name = ?",
                             (_FUNCTION + "_insert",)).fetchone() is not None
    cache = _CACHES.get(key)
    if cache is None or not installed or cache.limit != limit:  # a new connection (ids are reused), or settings
        cache = ContextCache(limit)
        _CACHES[key] = cache
        while len(_CACHES) > 8:
            _CACHES.popitem(last=False)
    _CACHES.move_to_end(key)
    conn.create_function(_FUNCTION, 3, lambda a, e, r: _changed(key, a, e, r), deterministic=False)
    if not installed:
        for event, body in _TRIGGERS.items():
            conn.execute(f"CREATE TEMP TRIGGER IF NOT EXISTS {_FUNCTION}_{event} {body.format(f=_FUNCTION)}")
    version = conn.execute("PRAGMA data_version").fetchone()[0]
    if version != cache.version:
        cache.clear()
        cache.version = version
    return cache


def forget(conn: sqlite3.Connection) -> None:
    """Empty this connection's cache (its batch was rolled back)."""
    cache = _CACHES.get(id(conn))
    if cache is not None:
        cache.clear()


def _changed(key: int, article_id: str | None, entity_id: str | None, rowid: int | None) -> None:
    cache = _CACHES.get(key)
    if cache is not None:
        cache.changed(article_id, entity_id, rowid)
