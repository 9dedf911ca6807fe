"""Export kinds of the comparison: ``sources`` (the user's outlet table) and ``figures`` (numbers with what
they count, per original article, for cross-outlet checks) and ``timelines`` (every cached timeline and
summary, one row per scope and kind)."""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from ..queries.compare import article_figures
from ..storage import Store
from . import exporter

__all__ = ["export_sources", "export_figures", "export_timelines"]


@exporter("sources")
def export_sources(store: Store) -> Iterator[dict[str, Any]]:
    """One row per imported outlet: ``source`` and its attributes as they were imported."""
    for r in store.rows("SELECT source, attrs, imported_at FROM sources ORDER BY source"):
        yield {"source": r["source"], "attrs": json.loads(r["attrs"]), "imported_at": r["imported_at"]}


@exporter("figures")
def export_figures(store: Store) -> Iterator[dict[str, Any]]:
    """Every figure of every original article: span, value, unit, what it counts, its sentence span."""
    for r in store.rows("SELECT id, source, published, text FROM articles WHERE copy_of IS NULL ORDER BY rowid"):
        for f in article_figures(r["id"], r["text"] or ""):
            yield {"article_id": r["id"], "source": r["source"], "published": r["published"],
                   **{k: v for k, v in f.items() if k not in ("article_id", "context")}}


@exporter("timelines")
def export_timelines(store: Store) -> Iterator[dict[str, Any]]:
    """Every timeline and summary built so far (``timeline_cache``): scope, kind and the cited body."""
    for r in store.rows("SELECT scope, kind, body, built_at FROM timeline_cache ORDER BY scope, kind"):
        yield {"scope": r["scope"], "kind": r["kind"], "built_at": r["built_at"], "body": json.loads(r["body"])}
