"""The SQLite store: WAL mode, FTS5 over title and text, migrations applied on open.

Errors at this boundary are :class:`~newsloom.errors.StoreError` with a message that says what to
do: a full disk (E304), another writer holding the lock past the busy timeout (E305), a read-only
database (E306: opened read-only, so reading still works), a disk I/O error (E307). A database
file that cannot be written is opened read-only when it needs no migration.
"""
from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .. import plugins
from ..errors import QueryError, StoreError
from ..model import Article
from .base import InputRow, annotation_rows, default_store
from .migrations import apply_migrations, pending_migrations
from .tables import articles as article_table

__all__ = ["SQLiteStore", "article_writer", "ARTICLE_WRITERS", "now", "tuple_cursor"]

#: functions ``fn(conn, article)`` that write with SQL what the pure row producers (``storage.base.article_rows``)
#: cannot express; called for each newly stored article inside the same transaction as the article row
ARTICLE_WRITERS: list[Callable[[sqlite3.Connection, Article], None]] = plugins.registry([])


def article_writer(fn: Callable[[sqlite3.Connection, Article], None]) -> Callable[[sqlite3.Connection, Article], None]:
    """Register ``fn(conn, article)`` to write with an article in its transaction (see ARTICLE_WRITERS)."""
    if fn not in ARTICLE_WRITERS:
        ARTICLE_WRITERS.append(fn)
    return fn

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def insert_rows(conn: sqlite3.Connection, table: str, rows: Sequence[dict[str, Any]], *, or_ignore: bool = True) -> None:
    """Insert row dicts (all with the same keys) into ``table``; a row already there (same key) is left alone."""
    if not rows:
        return
    cols = list(rows[0])
    for name in (table, *cols):
        if not _NAME.fullmatch(name):
            raise StoreError(f"not a table or column name: {name!r}", code="E304")
    verb = "INSERT OR IGNORE" if or_ignore else "INSERT"
    names = ", ".join(f'"{c}"' for c in cols)
    marks = ", ".join("?" for _ in cols)
    conn.executemany(f'{verb} INTO "{table}" ({names}) VALUES ({marks})', [[r[c] for c in cols] for r in rows])


def tuple_cursor(conn: sqlite3.Connection) -> sqlite3.Cursor:
    """A cursor of ``conn`` giving plain tuples, cheaper than the store's ``sqlite3.Row`` for queries of many rows."""
    cursor = conn.cursor()
    cursor.row_factory = None
    return cursor


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


#: the page cache of a connection, MB (``[store] cache_mb``): on a 4 GB store the corpus stages cost 8 % less CPU
#: with 128 MB than with SQLite's 2 MB (docs/scaling.md, "SQLite's page cache")
CACHE_MB = 128.0


@default_store
class SQLiteStore:
    """The SQLite store (implements :class:`newsloom.storage.base.Store`); ``SQLiteStore(":memory:")`` gives a
    private in-memory one (tests).

    Args:
        path: file path, or ``":memory:"``.
        tracer: called with (sql, params) for every query, e.g. ``tracer=print`` when debugging.
        busy_timeout: seconds a write waits for another process's write lock before E305.
        cache_mb: the most memory SQLite's page cache of this connection may take (pages read again are not
            read from the file again; SQLite's own default is 2 MB).
    """

    def __init__(self, path: str | Path = "newsloom.db", *, tracer: Callable[[str, Any], None] | None = None,
                 busy_timeout: float = 30.0, cache_mb: float = CACHE_MB) -> None:
        self.path = str(path)
        self.busy_timeout = busy_timeout
        self.cache_mb = cache_mb
        self.readonly = False
        self._lock = threading.RLock()
        try:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            self._connect(tracer)
            self._prepare()
        except sqlite3.DatabaseError as exc:
            readonly = (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN)
            if _code(exc) in readonly and self.path != ":memory:" and os.path.isfile(self.path):
                self._open_readonly(tracer)
                return
            if _code(exc) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_FULL):
                raise self.error(exc) from exc
            raise StoreError(f"cannot open the database {self.path}: {exc}", code="E302") from exc

    def _prepare(self) -> None:
        """WAL mode, pragmas and migrations. Two processes opening a new file at once can meet SQLITE_BUSY here
        without SQLite's busy handler waiting (the journal-mode switch), so the step is retried until the busy
        timeout runs out, as a write would wait."""
        deadline = time.monotonic() + self.busy_timeout
        while True:
            try:
                if self.path != ":memory:":
                    mode = self.conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
                    if mode.lower() != "wal":
                        raise StoreError(f"{self.path}: cannot switch to WAL journal mode (got {mode})", code="E301")
                self.conn.execute("PRAGMA synchronous=NORMAL")
                self.conn.execute("PRAGMA foreign_keys=ON")
                self.migrations_applied = apply_migrations(self.conn)
                return
            except sqlite3.OperationalError as exc:
                if _code(exc) not in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or time.monotonic() >= deadline:
                    raise
                time.sleep(0.05)

    def _connect(self, tracer: Callable[[str, Any], None] | None, uri: str | None = None) -> None:
        self.conn = sqlite3.connect(uri or self.path, isolation_level=None, check_same_thread=False,
                                    timeout=self.busy_timeout, uri=uri is not None)
        self.conn.row_factory = sqlite3.Row
        if tracer is not None:
            self.conn.set_trace_callback(lambda sql: tracer(sql, None))
        self.conn.execute(f"PRAGMA busy_timeout={int(self.busy_timeout * 1000)}")
        self.conn.execute(f"PRAGMA cache_size=-{max(1, int(self.cache_mb * 1024))}")  # negative: KiB, not pages

    def _open_readonly(self, tracer: Callable[[str, Any], None] | None) -> None:
        """Reopen a database that cannot be written for reading only (reads work; writes give E306)."""
        self.conn.close()
        uri = "file:" + Path(self.path).resolve().as_posix() + "?mode=ro"
        # in a folder that cannot be written either, SQLite cannot make the WAL index: read it as immutable
        for query in ("", "&immutable=1"):
            try:
                self._connect(tracer, uri + query)
                missing = pending_migrations(self.conn)
                break
            except sqlite3.DatabaseError as exc:
                self.conn.close()
                error = exc
        else:
            raise StoreError(f"cannot read the read-only database {self.path}: {error}", code="E306") from error
        self.readonly = True
        if missing:
            raise StoreError(f"{self.path} is read-only and needs {len(missing)} migration(s) ({missing[0]} ...): "
                             "open it once where it can be written", code="E306")
        self.migrations_applied = []

    def error(self, exc: sqlite3.Error) -> StoreError:
        """The StoreError that says what an SQLite error means for this database and how to fix it."""
        code = _code(exc)
        if code == sqlite3.SQLITE_FULL:
            return StoreError(f"{self.path}: database or disk is full; free space on the disk that holds it, then "
                              "run again (everything stored before is kept)", code="E304")
        if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            return StoreError(f"{self.path}: another process has held the write lock for longer than the busy "
                              f"timeout ({self.busy_timeout:g} s); let it finish (or stop it), then run again",
                              code="E305")
        if code == sqlite3.SQLITE_READONLY:
            return StoreError(f"{self.path} is read-only: reading works (articles, search, export), writing does "
                              "not; make the file and its folder writable to ingest", code="E306")
        if code == sqlite3.SQLITE_IOERR:
            return StoreError(f"{self.path}: disk I/O error ({exc}); check the disk, then run again", code="E307")
        return StoreError(f"{self.path}: {exc}", code="E300")

    # -- plumbing ---------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE ... COMMIT, ROLLBACK on error); re-entrant.

        SQLite errors come out as StoreError (see :meth:`error`); a failed ROLLBACK (SQLite already
        rolled back, as it does on a full disk) never hides the error that caused it.
        """
        with self._lock:
            if self.conn.in_transaction:
                yield self.conn
                return
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise self.error(exc) from exc
            try:
                yield self.conn
                self.conn.execute("COMMIT")
            except BaseException as exc:
                if self.conn.in_transaction:
                    try:
                        self.conn.execute("ROLLBACK")
                    except sqlite3.Error:
                        pass
                if isinstance(exc, sqlite3.Error):
                    raise self.error(exc) from exc
                raise

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "SQLiteStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def tables(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]

    # -- articles ---------------------------------------------------------------------------
    @staticmethod
    def _row_to_article(row: sqlite3.Row) -> Article:
        return Article.from_dict(article_table.decode_article_row(row))

    def has_article(self, article_id: str) -> bool:
        return self.conn.execute("SELECT 1 FROM articles WHERE id = ?", (article_id,)).fetchone() is not None

    def add_batch(self, articles: Iterable[Article], inputs: Iterable[InputRow], *,
                  queue: Sequence[str] = ()) -> list[str]:
        """Store new articles, their rows (every ``article_rows`` producer, then every ``article_writer``) and the
        fate of every input in one transaction.

        An article whose clean text equals a stored original's is linked to it
        (``copy_of``, ``copy_kind="exact"``). Returns the ids of articles newly stored;
        each is queued for the corpus stages named in ``queue``. An article another process stored
        meanwhile is not stored again, and its input is recorded as a duplicate.
        """
        new_ids: list[str] = []
        stamp = now()
        inputs = list(inputs)
        with self.transaction() as conn:
            present: set[str] = set()
            for art in articles:
                if self.has_article(art.id):
                    present.add(art.id)
                    continue
                if art.copy_of is None:
                    orig = conn.execute("SELECT id FROM articles WHERE text_hash = ? AND copy_of IS NULL "
                                        "ORDER BY rowid LIMIT 1", (art.text_hash,)).fetchone()
                    if orig is not None:
                        art.copy_of, art.copy_kind = orig[0], "exact"
                for table, rows in article_table.rows(art).items():
                    insert_rows(conn, table, [{**r, "ingested_at": stamp} for r in rows], or_ignore=False)
                for table, rows in annotation_rows(art).items():
                    insert_rows(conn, table, rows)
                for write in ARTICLE_WRITERS:
                    write(conn, art)
                conn.executemany("INSERT OR IGNORE INTO corpus_queue (article_id, stage) VALUES (?, ?)",
                                 [(art.id, name) for name in queue])
                new_ids.append(art.id)
            # one row per input; seen again it is left alone, except that 'stored' wins over an
            # earlier 'duplicate' of the same input within one batch
            inputs = [InputRow(row[0], row[1], row[2], "duplicate", reason="stored meanwhile by another process")
                      if row[3] == "stored" and row[2] in present else row for row in inputs]
            conn.executemany("INSERT INTO inputs (key, input, external_id, article_id, status, code, reason, seen_at)"
                             " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET status = excluded.status,"
                             " reason = excluded.reason WHERE excluded.status = 'stored' AND inputs.status != 'stored'",
                             [(row.key, *row, stamp) for row in inputs])
        return new_ids

    def article(self, article_id: str) -> Article:
        """The article with this exact id (QueryError E402 when there is none)."""
        row = self.conn.execute("SELECT * FROM articles WHERE id = ?", (article_id,)).fetchone()
        if row is None:
            raise QueryError(f"no article with id {article_id!r}", code="E402")
        return self._row_to_article(row)

    def articles(self, *, ids: Sequence[str]) -> list[Article]:
        """The articles with these ids, in store order (unknown ids are skipped)."""
        return [self._row_to_article(r) for r in self.conn.execute(
            f"SELECT * FROM articles WHERE id IN ({', '.join('?' for _ in ids)}) ORDER BY rowid", list(ids))]

    def iter_articles(self, batch: int = 500) -> Iterator[Article]:
        last = 0
        while True:
            rows = self.conn.execute("SELECT rowid AS _r, * FROM articles WHERE rowid > ? ORDER BY rowid LIMIT ?",
                                     (last, batch)).fetchall()
            if not rows:
                return
            for r in rows:
                yield self._row_to_article(r)
            last = rows[-1]["_r"]

    def update_article(self, article_id: str, **fields: Any) -> None:
        """Set columns of one article (JSON columns are encoded); caller holds a transaction."""
        bad = set(fields) - set(article_table.ARTICLE_COLUMNS)
        if bad:
            raise StoreError(f"not article columns: {sorted(bad)}", code="E303")
        for col in article_table.JSON_COLUMNS:
            if col in fields:
                fields[col] = json.dumps(fields[col], ensure_ascii=False)
        sets = ", ".join(f"{c} = ?" for c in fields)
        self.conn.execute(f"UPDATE articles SET {sets} WHERE id = ?", [*fields.values(), article_id])

    # -- inputs and queue ------------------------------------------------------------------------
    def known_input(self, row: InputRow) -> bool:
        return self.conn.execute("SELECT 1 FROM inputs WHERE key = ?", (row.key,)).fetchone() is not None

    def pending(self, stage: str) -> list[str]:
        return [r[0] for r in self.conn.execute(
            "SELECT q.article_id FROM corpus_queue q JOIN articles a ON a.id = q.article_id "
            "WHERE q.stage = ? ORDER BY a.rowid", (stage,))]

    def done(self, stage: str, ids: Iterable[str]) -> None:
        """Mark ids as processed by ``stage``; call inside the stage's own transaction."""
        self.conn.executemany("DELETE FROM corpus_queue WHERE article_id = ? AND stage = ?",
                              [(i, stage) for i in ids])

    def rows(self, sql: str, params: Sequence[Any] = ()) -> Iterator[dict[str, Any]]:
        """Rows of a read query as dicts (parameterised; the queries layer uses it)."""
        for r in self.conn.execute(sql, params):
            yield dict(r)


def _code(exc: BaseException) -> int | None:
    """The primary SQLite result code of an error (SQLITE_FULL, SQLITE_BUSY, ...), if it carries one."""
    code = getattr(exc, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF
