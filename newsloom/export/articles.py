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
    """One row per article: metadata, clean text, copy link, quality flags and what cleaning removed."""
    for art in store.iter_articles():
        row = {f: getattr(art, f) for f in _ARTICLE_FIELDS}
        row["story_id"] = None  # the contract's join key to stories; null until a stories stage exists
        row["quality"] = art.quality
        row["removed"] = art.removed
        yield row


exporter("rejects")(rejects)
