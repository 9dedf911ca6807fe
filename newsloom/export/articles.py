"""The built-in export kinds ``articles`` and ``rejects``."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..queries.articles import rejects
from ..storage import Store
from . import exporter

_ARTICLE_FIELDS = ("id", "external_id", "source", "url", "title", "published", "language", "author", "format",
                   "copy_of", "copy_kind", "text")


@exporter("articles")
def export_articles(store: Store) -> Iterator[dict[str, Any]]:
    """One row per article: metadata, clean text, copy link, story and thread, quality flags and what cleaning
    removed."""
    placed = {r[0]: (r[1], r[2]) for r in store.execute(
        "SELECT sa.article_id, sa.story_id, s.thread_id FROM story_articles sa LEFT JOIN stories s ON s.id = sa.story_id")}
    for art in store.iter_articles():
        row = {f: getattr(art, f) for f in _ARTICLE_FIELDS}
        row["story_id"], row["thread_id"] = placed.get(art.id, (None, None))  # null until the stories stage ran
        row["quality"] = art.quality
        row["removed"] = art.removed
        yield row


exporter("rejects")(rejects)

