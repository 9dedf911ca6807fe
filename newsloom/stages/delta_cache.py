"""Per-connection caches kept up to date by the deltas that temp triggers log (threads, quote_links).

A corpus stage that reads the same rows batch after batch (a thread's articles, a speaker's latest quotes) keeps
them in memory and applies what changed since, instead of reading them again:

* temp triggers (this connection's own, not in the stored schema) write each changed row to a temp log table,
  which :meth:`DeltaCache.sync` reads, empties and hands to :meth:`DeltaCache.apply`;
* the log is a temp table, so a rolled-back write takes its deltas back with it; a rolled-back transaction that
  had already applied them is found by a generation number written to a temp table at each sync (the rollback
  takes it back too), and a commit by another connection by ``PRAGMA data_version``: either empties the cache.
"""
from __future__ import annotations

import sqlite3
from abc import ABC, abstractmethod
from collections import OrderedDict
from typing import Any, TypeVar

__all__ = ["DeltaCache", "delta_cache"]

C = TypeVar("C", bound="DeltaCache")
_CACHES: OrderedDict[tuple[int, str], DeltaCache] = OrderedDict()  # by (id(connection), name): the last few


class DeltaCache(ABC):
    """A cache of one connection; subclasses name their log (``name``, ``columns``) and ``triggers``
    (``{log}`` in a trigger body is the log table), and define :meth:`apply` and :meth:`clear`."""

    name = ""
    columns = ""
    triggers: dict[str, str] = {}

    def __init__(self) -> None:
        self.gen = 0
        self.version: int | None = None

    @abstractmethod
    def apply(self, row: tuple[Any, ...]) -> None:
        """Apply one logged delta."""

    @abstractmethod
    def clear(self) -> None:
        """Forget everything cached."""

    def sync(self, conn: sqlite3.Connection) -> None:
        """Apply the logged deltas; empty the cache after a rollback of its last sync or another connection's
        commit. Needed before a use that follows a write."""
        gen = conn.execute(f"SELECT gen FROM {self.name}_gen").fetchone()[0]
        version = conn.execute("PRAGMA data_version").fetchone()[0]
        if gen != self.gen or version != self.version:
            self.clear()
            self.version = version
        log = conn.execute(f"SELECT * FROM {self.name}_log ORDER BY rowid").fetchall()
        if log:
            conn.execute(f"DELETE FROM {self.name}_log")
        for row in log:
            self.apply(tuple(row))
        self.gen += 1
        conn.execute(f"UPDATE {self.name}_gen SET gen = ?", (self.gen,))


def delta_cache(conn: sqlite3.Connection, cls: type[C]) -> C:
    """The ``cls`` cache of this connection (made, with its temp tables and triggers, on first use), synced: valid
    until the next write."""
    key = (id(conn), cls.name)
    installed = conn.execute("SELECT 1 FROM sqlite_temp_master WHERE type = 'table' AND name = ?",
                             (cls.name + "_gen",)).fetchone() is not None
    cache = _CACHES.get(key)
    if cache is None or not installed or not isinstance(cache, cls):  # a new connection (ids are reused)
        cache = cls()
        _CACHES[key] = cache
        while len(_CACHES) > 16:
            _CACHES.popitem(last=False)
    _CACHES.move_to_end(key)
    if not installed:
        log = cls.name + "_log"  # unqualified: a trigger's INSERT may not name the schema (temp comes first)
        conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS {log} ({cls.columns})")
        conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS {cls.name}_gen (gen INTEGER NOT NULL)")
        conn.execute(f"DELETE FROM {log}")
        conn.execute(f"DELETE FROM {cls.name}_gen")
        conn.execute(f"INSERT INTO {cls.name}_gen (gen) VALUES (?)", (cache.gen,))
        for event, body in cls.triggers.items():
            conn.execute(f"CREATE TEMP TRIGGER IF NOT EXISTS {cls.name}_{event} {body.format(log=log)}")
    cache.sync(conn)
    return cache  # type: ignore[return-value]
