"""``Loom``: the Python API over one newsloom database."""
from __future__ import annotations

import functools
import shutil
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from .engine.local import IngestReport, ingest, record_to_article
from .engine.output import EXPORTS, WORK_DB, write_tables
from .engine.spark import run_spark
from .engine.workers import StagePlan, default_workers
from .export import export as _export, exporters
from .model import Article, Record
from .pipeline import Pipeline
from .queries import articles as q_articles, copies as q_copies, entities as q_entities, quotes as q_quotes
from .queries import compare as q_compare, resolve_id, stories as q_stories, timelines as q_timelines
from .queries.coverage import distinct_sources
from .readers import Item, ReadOptions, check_inputs
from .readers.fetch import Fetcher
from .settings import Settings
from .storage import Store

__all__ = ["Loom", "process", "run"]


class Loom:
    """One newsloom database and the pipeline that feeds it.

    Example:
        >>> loom = Loom("news.db")
        >>> report = loom.ingest("articles/")
        >>> [a.title for a in loom.articles(limit=5)]
    """

    def __init__(self, db: str | Path | Store = "newsloom.db", *, settings: Settings | None = None) -> None:
        self.settings = settings or Settings.load()
        self.store = db if isinstance(db, Store) else Store(
            db, busy_timeout=float(self.settings.get("store.busy_timeout")),
            cache_mb=float(self.settings.get("store.cache_mb")))
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
            self._fetcher = Fetcher.from_settings(self.settings, store=self.store)
        return self._fetcher

    def read_options(self, **overrides: Any) -> ReadOptions:
        opts = ReadOptions(
            max_article_bytes=self.settings.get("reader.max_article_bytes"),
            max_decompressed_bytes=self.settings.get("reader.max_decompressed_bytes"),
            max_rejects_per_input=self.settings.get("reader.max_rejects_per_input"),
            max_html_elements=self.settings.get("reader.max_html_elements"),
        )
        opts.extra["fetcher"] = self.fetcher  # URLs, feed --fetch, sitemaps
        for key, value in overrides.items():
            setattr(opts, key, value)
        return opts

    def ingest(self, *inputs: str, format: str | None = None, fetch: bool = False, source: str | None = None,
               on_item: Callable[[Item], None] | None = None, items: Iterable[Item] | None = None,
               workers: int | None = None) -> IngestReport:
        """Read, clean, annotate and store every input (paths, folders, ``-``, URLs).

        A missing path or an unknown ``format`` raises before any model loads; ``source`` names the
        source of records that carry none (else a record's source is the host of its URL). ``workers``
        processes run the per-article stages (default ``[engine] workers``: 0 is one per core).
        """
        if items is None:
            check_inputs(inputs, format=format)
        workers = workers if workers is not None else self.settings.get("engine.workers")
        workers = workers or default_workers()
        stages = None
        if workers > 1 and self._pipeline is None:  # this process keeps the corpus stages; workers build the rest
            stages = StagePlan.article_stages(self.settings)
            pipeline = Pipeline.default(self.settings, names=[n for n in self.settings.stages
                                                              if n not in stages.names])
        else:
            pipeline = self.pipeline
        return ingest(self.store, inputs, pipeline=pipeline, format=format, source=source,
                      options=self.read_options(fetch=fetch),
                      batch_size=self.settings.get("pipeline.batch_size"), on_item=on_item,
                      items=iter(items) if items is not None else None, workers=workers, stages=stages)

    # -- reads: thin methods over newsloom.queries (plain dicts, except the Article objects of articles/article)
    def articles(self, *, limit: int | None = None, offset: int = 0, source: str | None = None,
                 language: str | None = None) -> list[Article]:
        """Stored articles, oldest stored first."""
        return [Article.from_dict(r) for r in q_articles.list_articles(
            self.store, limit=limit, offset=offset, source=source, language=language)]

    def article(self, article_id: str) -> Article:
        """One article by id or unique id prefix (4+ characters)."""
        return self.store.article(resolve_id(self.store, article_id))

    def article_record(self, article_id: str) -> dict[str, Any]:
        """One article as a dict with its copies, entities, dates, events and quotes."""
        return q_articles.article_record(self.store, article_id)

    def search(self, query: str, *, limit: int = 20) -> list[dict[str, Any]]:
        """Full-text search: FTS5 syntax when the query is valid FTS5, else its words (never a syntax error)."""
        return q_articles.search(self.store, query, limit=limit)

    def rejects(self) -> list[dict[str, Any]]:
        """Every rejected input with its error code and reason."""
        return q_articles.rejects(self.store)

    def counts(self) -> dict[str, int]:
        """Articles, originals, copies and rejected inputs stored."""
        return q_articles.counts(self.store)

    def entities(self, *, type: str | None = None, name: str | None = None, article: str | None = None,
                 limit: int = 50) -> list[dict[str, Any]]:
        """Entities, most mentioned first (see :func:`newsloom.queries.entities.list_entities`)."""
        return q_entities.list_entities(self.store, type=type, name=name, article=article, limit=limit)

    def entity(self, ref: str, *, limit: int = 20) -> dict[str, Any]:
        """One entity by id, id prefix, merged id or canonical name, with aliases, articles and events."""
        return q_entities.entity_record(self.store, ref, limit=limit)

    def quotes(self, *, speaker: str | None = None, article: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        """Stored quotes, oldest stored first; ``speaker``: the quotes of the person a name stands for, under
        every alias (see :func:`newsloom.queries.quotes.list_quotes`); ``article``: one article's quotes."""
        return q_quotes.list_quotes(self.store, speaker=speaker, article=article, limit=limit)

    def quote(self, ref: str) -> dict[str, Any]:
        """One quote with every article that carries it."""
        return q_quotes.quote_record(self.store, ref)

    def copies(self, article_id: str) -> dict[str, Any]:
        """The copy group of an article: its original, every copy with the link's evidence, the outlets."""
        return q_copies.copy_group(self.store, article_id)

    def coverage(self, article_ids: Sequence[str]) -> list[dict[str, Any]]:
        """The articles grouped by original, earliest first: an original and its copies are one source."""
        return [g.as_dict() for g in distinct_sources(self.store, article_ids)]

    def timeline(self, kind: str, ref: str | Sequence[str], **options: Any) -> dict[str, Any]:
        """The timeline of a story, thread, entity (``kind`` + id), search (``"query"``) or ``"articles"`` list."""
        return q_timelines.timeline(self.store, kind, ref, **options)

    def summary(self, kind: str, ref: str | Sequence[str], **options: Any) -> dict[str, Any]:
        """A headline and 3-6 cited sentences from several sources (scopes as :meth:`timeline`)."""
        return q_timelines.summary(self.store, kind, ref, **options)

    def compare(self, kind: str, ref: str | Sequence[str], *, by: str | None = None) -> dict[str, Any]:
        """Who covered it and when, what only each outlet carried, figures that disagree (scopes as :meth:`timeline`)."""
        return q_compare.compare(self.store, kind, ref, by=by)

    def stories(self, **filters: Any) -> list[dict[str, Any]]:
        """Stories as dicts (``sort="size"|"recent"``, ``since``, ``until``, ``source``, ``entity``, ``language``,
        ``text``, ``thread``, ``limit``, ``offset``; see ``queries.stories.stories``)."""
        return q_stories.stories(self.store, **filters)

    def story(self, story_id: str) -> dict[str, Any]:
        """One story in full (any id it ever had, or a unique prefix)."""
        return q_stories.story(self.store, story_id)

    def thread(self, thread_id: str) -> dict[str, Any]:
        """One thread with its stories in time order."""
        return q_stories.thread(self.store, thread_id)

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


def run(inputs: Iterable[str], output: str | Path, *, settings: Settings, engine: str = "local",
        master: str = "local[*]", fmt: str | None = None, source: str | None = None,
        workers: int | None = None) -> IngestReport:
    """Run every stage over ``inputs`` into the folder ``output`` (``newsloom run``); an existing OUTPUT is added to.

    ``engine`` is ``local`` (``workers`` processes) or ``spark`` (``master``; pyspark is imported only then).
    OUTPUT gets ``tables/`` (every table as Parquet, what ``newsloom load`` imports), ``export/`` (the kinds of
    ``newsloom export`` as Parquet) and ``work.db`` (:mod:`newsloom.engine.output`).
    """
    out = Path(output)
    out.mkdir(parents=True, exist_ok=True)
    if engine == "spark":
        report = run_spark(inputs, out, settings=settings, master=master, fmt=fmt, source=source)
    else:
        with Loom(out / WORK_DB, settings=settings) as loom:
            report = loom.ingest(*inputs, format=fmt, source=source, workers=workers)
            write_tables(loom.store, out)
    shutil.rmtree(out / EXPORTS, ignore_errors=True)
    (out / EXPORTS).mkdir()
    with Store(out / WORK_DB) as store:
        for kind in exporters():
            _export(store, kind, "parquet", str(out / EXPORTS / f"{kind}.parquet"))
    return report
