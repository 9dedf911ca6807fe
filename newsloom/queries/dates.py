"""Date reads: an article's resolved temporal expressions, and the rows of ``export dates``."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..storage import Store
from . import has_table

__all__ = ["article_dates", "iter_dates"]


def article_dates(store: Store, article_id: str) -> list[dict[str, Any]]:
    """One article's temporal expressions in text order: span, text, kind, resolved value, precision, anchor."""
    if not has_table(store, "dates"):
        return []
    return list(store.rows('SELECT start, "end", text, kind, value, precision, anchor FROM dates WHERE article_id = ?'
                           " ORDER BY start", (article_id,)))


def iter_dates(store: Store) -> Iterator[dict[str, Any]]:
    """One row per temporal expression: span, text, kind, resolved value (or null), precision, anchor."""
    if has_table(store, "dates"):
        yield from store.rows('SELECT article_id, start, "end", text, kind, value, precision, anchor FROM dates'
                              " ORDER BY rowid")
