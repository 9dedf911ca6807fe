"""The built-in export kinds (articles, rejects); later modules register their own."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .export import exporter
from .storage import Store

_ARTICLE_FIELDS = ("id", "external_id", "source", "url", "title", "published", "language", "author", "format",
                   "copy_of", "copy_kind", "text")


@exporter("articles")
def export_articles(store: Store) -> Iterator[dict[str, Any]]:
    placed = {r[0]: (r[1], r[2]) for r in store.execute(
        "SELECT sa.article_id, sa.story_id, s.thread_id FROM story_articles sa LEFT JOIN stories s ON s.id = sa.story_id")}
    for art in store.iter_articles():
        row = {f: getattr(art, f) for f in _ARTICLE_FIELDS}
        row["story_id"], row["thread_id"] = placed.get(art.id, (None, None))  # null until the stories stage ran
        row["quality"] = art.quality
        row["removed"] = art.removed
        yield row


@exporter("rejects")
def export_rejects(store: Store) -> Iterator[dict[str, Any]]:
    yield from store.rejects()
from . import quotes_export  # noqa: E402,F401
from . import export_copies  # noqa: E402,F401
from . import export_annotate  # noqa: E402,F401  (entities, mentions, dates, events)
from . import export_stories  # noqa: E402,F401  (stories, threads)
