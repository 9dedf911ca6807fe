"""``newsloom export stories|threads``: one row per story / thread, with ids that join with ``export articles``."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..queries.stories import summaries
from ..storage import Store
from . import exporter

__all__ = ["export_stories", "export_threads"]


@exporter("stories")
def export_stories(store: Store) -> Iterator[dict[str, Any]]:
    """Every story: id, thread, title, size, span, distinct sources of information, sources, languages, article ids."""
    sids = [r[0] for r in store.execute("SELECT id FROM stories ORDER BY seq").fetchall()]
    for start in range(0, len(sids), 500):
        yield from summaries(store, sids[start:start + 500])


@exporter("threads")
def export_threads(store: Store) -> Iterator[dict[str, Any]]:
    """Every thread: id, span, size in articles, and its story ids in time order."""
    for row in store.execute("SELECT id, size, first_published, last_published FROM threads ORDER BY seq").fetchall():
        out = dict(row)
        out["stories"] = [r[0] for r in store.execute(
            "SELECT id FROM stories WHERE thread_id = ? ORDER BY coalesce(first_published, '9999'), seq", (row["id"],))]
        yield out
