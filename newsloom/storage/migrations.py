"""Versioned schema migrations: named functions, each applied once in its own transaction.

Add a migration by decorating a function ``(conn) -> None`` with :func:`migration`. Names sort
in the order they apply; numbers leave gaps per area: 0001-0099 core, 0100-0199 annotations,
0200-0299 copies, 0300-0399 ingest sources (feeds, watch).
"""
from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime, timezone

from .. import plugins

__all__ = ["migration", "apply_migrations", "pending_migrations", "MIGRATIONS"]

MIGRATIONS: dict[str, Callable[[sqlite3.Connection], None]] = plugins.registry({})


def migration(name: str):
    """Register ``fn(conn)`` as the migration ``name`` (e.g. ``"0002_fts"``)."""

    def deco(fn: Callable[[sqlite3.Connection], None]):
        if name in MIGRATIONS:
            raise ValueError(f"duplicate migration name {name!r}")
        MIGRATIONS[name] = fn
        return fn

    return deco


def apply_migrations(conn: sqlite3.Connection) -> list[str]:
    """Apply every migration (built-in and plugin) not yet recorded in ``_migrations``; return the names applied."""
    plugins.load()
    conn.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    done = {row[0] for row in conn.execute("SELECT name FROM _migrations")}
    applied = []
    for name in sorted(MIGRATIONS):
        if name in done:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            if name in {row[0] for row in conn.execute("SELECT name FROM _migrations")}:
                conn.execute("ROLLBACK")  # another process applied it meanwhile
                continue
            MIGRATIONS[name](conn)
            conn.execute("INSERT INTO _migrations (name, applied_at) VALUES (?, ?)",
                         (name, datetime.now(timezone.utc).isoformat(timespec="seconds")))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:  # SQLite may have rolled back itself (a full disk)
                conn.execute("ROLLBACK")
            raise
        applied.append(name)
    return applied


def pending_migrations(conn: sqlite3.Connection) -> list[str]:
    """The migrations not yet applied to the database ``conn`` reads (nothing is written)."""
    plugins.load()

    exists = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_migrations'").fetchone()
    done = {row[0] for row in conn.execute("SELECT name FROM _migrations")} if exists else set()
    return [name for name in sorted(MIGRATIONS) if name not in done]
