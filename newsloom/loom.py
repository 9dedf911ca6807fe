"""``Loom``: the Python API over one newsloom database."""
from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from .export import export as _export
from .ingest import IngestReport, ingest, record_to_article
from .model import Article, Record
from .pipeline import Pipeline
from .readers import Item, ReadOptions
from .settings import Settings
from .storage import Store

__all__ = ["Loom", "process"]


class Loom:
    """One newsloom database and the pipeline that feeds it.

    Example:
        >>> loom = Loom("news.db")
        >>> report = loom.ingest("articles/")
        >>> [a.title for a in loom.articles(limit=5)]
    """

    def __init__(self, db: str | Path | Store = "newsloom.db", *, settings: Settings | None = None) -> None:
        self.settings = settings or Settings.load()
        self.store = db if isinstance(db, Store) else Store(db)
        self._pipeline: Pipeline | None = None
        self._fetcher: Any = None

    @property
    def pipeline(self) -> Pipeline:
        if self._pipeline is None:
            self._pipeline = Pipeline.default(self.settings)
        return self._pipeline

    @property
    def fetcher(self) -> Any:
        """The polite HTTP client (``[fetch]`` settings; conditional-GET cache in the store)."""
        if self._fetcher is None:
            from .fetch import Fetcher

            self._fetcher = Fetcher.from_settings(self.settings, store=self.store)
        return self._fetcher

    def read_options(self, **overrides: Any) -> ReadOptions:
        opts = ReadOptions(
            max_article_bytes=int(self.settings.get("reader.max_article_bytes", 10_000_000)),
            max_decompressed_bytes=int(self.settings.get("reader.max_decompressed_bytes", 4_000_000_000)),
        )
        opts.extra["fetcher"] = self.fetcher  # URLs, feed --fetch, sitemaps
        for key, value in overrides.items():
            setattr(opts, key, value)
        return opts

    def ingest(self, *inputs: str, format: str | None = None, fetch: bool = False,
               on_item: Callable[[Item], None] | None = None, items: Iterable[Item] | None = None) -> IngestReport:
        """Read, clean, annotate and store every input (paths, folders, ``-``, URLs)."""
        return ingest(self.store, inputs, pipeline=self.pipeline, format=format,
                      options=self.read_options(fetch=fetch),
                      batch_size=int(self.settings.get("pipeline.batch_size", 64)), on_item=on_item,
                      items=iter(items) if items is not None else None)

    def articles(self, **filters: Any) -> list[Article]:
        return self.store.articles(**filters)

    def article(self, article_id: str) -> Article:
        return self.store.article(article_id)

    def search(self, query: str, *, limit: int = 20) -> list[dict[str, Any]]:
        return self.store.search(query, limit=limit)

    def stories(self, **filters: Any) -> list[dict[str, Any]]:
        """Stories as dicts (``sort="size"|"recent"``, ``since``, ``until``, ``source``, ``entity``, ``language``,
        ``text``, ``thread``, ``limit``, ``offset``; see ``queries.stories.stories``)."""
        from .queries import stories as q

        return q.stories(self.store, **filters)

    def story(self, story_id: str) -> dict[str, Any]:
        """One story in full (any id it ever had, or a unique prefix)."""
        from .queries import stories as q

        return q.story(self.store, story_id)

    def thread(self, thread_id: str) -> dict[str, Any]:
        """One thread with its stories in time order."""
        from .queries import stories as q

        return q.thread(self.store, thread_id)

    def export(self, kind: str, *, format: str = "jsonl", out: str | None = None) -> int:
        return _export(self.store, kind, format, out)

    def close(self) -> None:
        if self._fetcher is not None:
            self._fetcher.close()
        self.store.close()

    def __enter__(self) -> "Loom":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def process(text: str | None = None, *, html: str | None = None, title: str | None = None, url: str | None = None,
            source: str | None = None, published: str | None = None, settings: Settings | None = None) -> Article:
    """Run the per-article stages on one text or HTML page, without a database.

    Example:
        >>> process(html=page, url="https://example.org/story").title
    """
    record = Record(external_id=url or "<text>", text=text, html=html, title=title, url=url, source=source,
                    published=published, format="html" if html and not text else "text")
    pipeline = Pipeline.default(settings) if settings is not None else _default_pipeline()
    return pipeline(record_to_article(record))


@functools.lru_cache(maxsize=1)
def _default_pipeline() -> Pipeline:
    """The default pipeline, built once per process: ``process`` is called in loops."""
    return Pipeline.default()
