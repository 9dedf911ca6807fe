"""Character offsets into ``articles.text`` kept by other tables, and how to move them when text is cut.

The boilerplate corpus stage may cut paragraphs from an article after its mentions, quotes, dates and
events were stored; :func:`remap_spans` moves their offsets to the new text (and drops the rows that
pointed into a cut paragraph) in the caller's transaction, so every stored span stays true.
"""
from __future__ import annotations

import bisect
import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .. import plugins

__all__ = ["SpanTable", "SPAN_TABLES", "span_table", "paragraph_remap", "remap_spans"]

Remap = Callable[[int], "int | None"]


@dataclass(frozen=True, slots=True)
class SpanTable:
    """A table whose rows point into an article's text: the row's own span, other spans, JSON span lists."""

    table: str
    primary: tuple[str, str] = ("start", "end")
    others: tuple[tuple[str, str], ...] = ()
    json_pairs: tuple[str, ...] = ()


SPAN_TABLES: dict[str, SpanTable] = plugins.registry({})


def span_table(table: str, *, primary: tuple[str, str] = ("start", "end"),
               others: tuple[tuple[str, str], ...] = (), json_pairs: tuple[str, ...] = ()) -> None:
    """Declare that ``table`` (with an ``article_id`` column) holds offsets into articles.text (each
    ``storage/tables`` module declares its own)."""
    SPAN_TABLES[table] = SpanTable(table, primary, others, json_pairs)


def paragraph_remap(paragraphs: Sequence[str], keep: Sequence[bool], sep: str = "\n\n") -> Remap:
    """Map an offset in ``sep.join(paragraphs)`` to the text of the kept paragraphs (None: it was cut)."""
    starts, new_starts, pos, new_pos = [], [], 0, 0
    for par, kept in zip(paragraphs, keep):
        starts.append(pos)
        new_starts.append(new_pos if kept else None)
        pos += len(par) + len(sep)
        if kept:
            new_pos += len(par) + len(sep)

    def remap(offset: int) -> int | None:
        i = bisect.bisect_right(starts, offset) - 1
        if i < 0 or new_starts[i] is None:
            return None
        return new_starts[i] + (offset - starts[i])

    return remap


def _pair(remap: Remap, start: int | None, end: int | None) -> tuple[int | None, int | None]:
    if start is None or end is None:
        return None, None
    s, e = remap(start), remap(max(start, end - 1))
    return (None, None) if s is None or e is None else (s, e + 1)


def remap_spans(conn: sqlite3.Connection, article_id: str, remap: Remap) -> int:
    """Move every stored span of one article with ``remap``; rows whose own span was cut are deleted."""
    existing = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    changed = 0
    for spec in SPAN_TABLES.values():
        if spec.table not in existing:
            continue
        pairs = (spec.primary, *spec.others)
        cols = [c for pair in pairs for c in pair] + list(spec.json_pairs)
        quoted = ", ".join(f'"{c}"' for c in cols)
        rows = conn.execute(f'SELECT rowid, {quoted} FROM "{spec.table}" WHERE article_id = ? '
                            f'ORDER BY "{spec.primary[0]}"', (article_id,)).fetchall()
        for row in rows:
            values = list(row[1:])
            new_primary = _pair(remap, values[0], values[1])
            if new_primary[0] is None:
                conn.execute(f'DELETE FROM "{spec.table}" WHERE rowid = ?', (row[0],))
                changed += 1
                continue
            new = [*new_primary]
            for k in range(1, len(pairs)):
                new.extend(_pair(remap, values[2 * k], values[2 * k + 1]))
            for k, col in enumerate(spec.json_pairs):
                spans = json.loads(values[2 * len(pairs) + k] or "[]")
                moved = [list(p) for p in (_pair(remap, s, e) for s, e in spans) if p[0] is not None]
                new.append(json.dumps(moved))
            if new != values:
                sets = ", ".join(f'"{c}" = ?' for c in cols)
                conn.execute(f'UPDATE "{spec.table}" SET {sets} WHERE rowid = ?', (*new, row[0]))
                changed += 1
    return changed
