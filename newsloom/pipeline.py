"""Stage registry and the Pipeline that runs per-article stages.

Two kinds of stage (see docs/architecture.md):

* per-article stages: pure functions ``Article -> Article`` (or objects with ``__call__`` and an
  optional ``pipe(articles, batch_size)``), registered with :func:`stage`. The local engine and
  the Spark engine run the same callables.
* corpus stages: classes with ``run(store, article_ids)``, registered with :func:`corpus_stage`;
  they see the store and work incrementally on the newly stored articles.
"""
from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from . import plugins
from .errors import ConfigError, MissingDependency
from .gc_freeze import GcFreeze
from .model import Article
from .settings import Settings, declare_stage

__all__ = ["stage", "corpus_stage", "StageInfo", "Pipeline", "registered_stages", "ErrorHandler", "cluster_part",
           "cluster_parts"]

log = logging.getLogger(__name__)

ErrorHandler = Callable[[str, Article, BaseException], None]


@dataclass(slots=True)
class StageInfo:
    name: str
    factory: Callable[..., Any]
    kind: str  # "article" or "corpus"
    requires: tuple[str, ...] = ()
    assigns: tuple[str, ...] = ()
    extra: str | None = None  # pip extra it needs, if any
    doc: str = ""
    #: the stage's settings (section ``[stages.NAME]``): TOML text whose comment above each key is its help,
    #: or a mapping; built-in stages declare theirs in default_settings.toml
    defaults: str | dict[str, Any] | None = None
    transient: tuple[str, ...] = ()  # assigned fields that live only in memory (dropped before storing)


_REGISTRY: dict[str, StageInfo] = plugins.registry({})


def _register(info: StageInfo) -> None:
    if info.name in _REGISTRY and _REGISTRY[info.name].factory is not info.factory:
        raise ConfigError(f"a stage named {info.name!r} is registered already. Existing names: {sorted(_REGISTRY)}", code="E201")
    _REGISTRY[info.name] = info
    declare_stage(info.name, info.defaults)


def stage(name: str, *, requires: Iterable[str] = (), assigns: Iterable[str] = (), extra: str | None = None,
          defaults: str | dict[str, Any] | None = None, transient: Iterable[str] = ()):
    """Register a per-article stage. The decorated object is a function or a class.

    A function is used as it is; a class is instantiated with ``(settings)`` when a
    pipeline is built, so it can load models once. ``defaults`` declares the stage's settings
    (``[stages.NAME]``; TOML text, a comment above each key as its help): only declared keys may be set.
    ``transient`` names assigned annotations that live only in memory, between stages (e.g.
    ``"annotations.doc"``, the spaCy parse): the pipeline drops them when the last stage is done with an
    article, so they are never stored.
    """
    transient = tuple(transient)
    bad = [t for t in transient if not t.startswith("annotations.") or t not in tuple(assigns)]
    if bad:
        raise ConfigError(f"stage {name!r}: transient fields must be annotations it assigns, not {bad}", code="E230")

    def deco(obj):
        _register(StageInfo(name, obj, "article", tuple(requires), tuple(assigns), extra, (obj.__doc__ or "").strip(),
                            defaults, transient))
        return obj

    return deco


def corpus_stage(name: str, *, requires: Iterable[str] = (), assigns: Iterable[str] = (), extra: str | None = None,
                 defaults: str | dict[str, Any] | None = None):
    """Register a corpus stage: a class built with ``(settings)`` having ``run(store, ids)``; ``defaults`` as
    for :func:`stage`."""

    def deco(cls):
        _register(StageInfo(name, cls, "corpus", tuple(requires), tuple(assigns), extra, (cls.__doc__ or "").strip(),
                            defaults))
        return cls

    return deco


_CLUSTER: dict[str, Callable[..., Any]] = plugins.registry({})


def cluster_part(name: str):
    """Register the Spark engine's part of corpus stage ``name`` on the cluster.

    The decorated ``fn(spark, ranked, store, settings)`` gets the run's new articles as an RDD of (rank,
    Article), rank = place in the stored order, and the output's store; it does the stage's searching on the
    cluster and returns the component the driver runs in the stage's place (same decisions, answered from it).
    """

    def deco(fn):
        _CLUSTER[name] = fn
        return fn

    return deco


def cluster_parts() -> dict[str, Callable[..., Any]]:
    """The registered cluster parts of corpus stages, by stage name (see :func:`cluster_part`)."""
    plugins.load()
    return dict(_CLUSTER)


def registered_stages() -> dict[str, StageInfo]:
    """All registered stages, built-in and plugin (see :mod:`newsloom.plugins`), by name."""
    plugins.load()
    return dict(_REGISTRY)


@dataclass
class _Slot:
    info: StageInfo
    component: Any


BASE_FIELDS = ("id", "external_id", "title", "text", "raw_text", "source", "url", "published", "author", "format")


@dataclass
class Pipeline:
    """An ordered list of per-article stages plus the corpus stages that follow them.

    Example:
        >>> p = Pipeline.default()
        >>> [a.title for a in p.pipe(articles)]
    """

    settings: Any = None
    slots: list[_Slot] = field(default_factory=list)
    corpus: list[_Slot] = field(default_factory=list)
    #: seconds spent in each stage (per-article and corpus) since this was last reset
    seconds: dict[str, float] = field(default_factory=dict)
    #: CPU seconds of this thread in each corpus stage, and in the collector's pass after each batch ("gc")
    cpu_seconds: dict[str, float] = field(default_factory=dict)
    #: the collector's pass after each corpus batch (None when the setting ``pipeline.gc_freeze`` is off)
    gc: GcFreeze | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.gc is None and (self.settings or Settings.load()).get("pipeline.gc_freeze"):
            self.gc = GcFreeze()

    @classmethod
    def default(cls, settings: Any = None, *, names: Iterable[str] | None = None) -> "Pipeline":
        """The stages named in settings (``pipeline.stages``), in that order."""
        settings = settings or Settings.load()
        p = cls(settings=settings)
        for name in names if names is not None else settings.stages:
            try:
                p.add_stage(name)
            except MissingDependency as exc:  # an optional extra is absent: run without that stage
                log.warning("skipping stage %r: %s", name, exc)
        return p

    @property
    def names(self) -> list[str]:
        return [s.info.name for s in self.slots] + [s.info.name for s in self.corpus]

    def add_stage(self, name: str, *, before: str | None = None, after: str | None = None,
                  first: bool = False, last: bool = False) -> None:
        """Add a registered stage by name; place it with before/after/first/last."""
        reg = registered_stages()
        if name not in reg:
            raise ConfigError(f"unknown stage {name!r}. Registered stages: {sorted(reg)}", code="E202")
        if name in self.names:
            raise ConfigError(f"stage {name!r} is in the pipeline already: {self.names}", code="E203")
        info = reg[name]
        comp = info.factory(self.settings) if isinstance(info.factory, type) else info.factory
        slot = _Slot(info, comp)
        target = self.slots if info.kind == "article" else self.corpus
        if sum(x is not None and x is not False for x in (before, after, first or None, last or None)) > 1:
            raise ConfigError("give at most one of before/after/first/last", code="E204")
        names = [s.info.name for s in target]
        if first:
            target.insert(0, slot)
        elif before is not None:
            if before not in names:
                raise ConfigError(f"no stage {before!r} to place {name!r} before; have {names}", code="E205")
            target.insert(names.index(before), slot)
        elif after is not None:
            if after not in names:
                raise ConfigError(f"no stage {after!r} to place {name!r} after; have {names}", code="E205")
            target.insert(names.index(after) + 1, slot)
        else:
            target.append(slot)

    def analyze(self) -> list[str]:
        """Check that every stage's ``requires`` is assigned by an earlier stage; raise if not."""
        have = set(BASE_FIELDS)
        problems = []
        for slot in self.slots + self.corpus:
            missing = [r for r in slot.info.requires if r not in have]
            if missing:
                problems.append(f"stage {slot.info.name!r} requires {missing}, which no earlier stage assigns")
            have.update(slot.info.assigns)
        if problems:
            raise ConfigError("; ".join(problems), code="E206")
        return self.names

    @property
    def transient(self) -> tuple[str, ...]:
        """The annotation keys the stages keep only in memory (``transient`` of :func:`stage`)."""
        return tuple(dict.fromkeys(t.removeprefix("annotations.") for s in self.slots for t in s.info.transient))

    def _drop_transient(self, article: Article) -> Article:
        for key in self.transient:
            article.annotations.pop(key, None)
        return article

    def __call__(self, article: Article, *, keep_transient: bool = False) -> Article:
        """Run every per-article stage on one article (a failing stage raises)."""
        for slot in self.slots:
            article = slot.component(article)
        return article if keep_transient else self._drop_transient(article)

    def pipe(self, articles: Iterable[Article], *, batch_size: int = 64, on_error: ErrorHandler | None = None,
             keep_transient: bool = False) -> Iterator[Article]:
        """Run every per-article stage over a stream, batch by batch.

        Args:
            articles: the articles.
            batch_size: how many articles each stage gets at once.
            on_error: called with (stage name, article, exception) when a stage fails on one article; the
                article is then left out of the stream (the caller records it as rejected). None: the error
                is raised.
            keep_transient: keep the in-memory values (the spaCy Doc) on the articles; by default they are
                dropped once the last stage is done.
        """
        batch: list[Article] = []
        for art in articles:
            batch.append(art)
            if len(batch) >= batch_size:
                yield from self._run_batch(batch, batch_size, on_error, keep_transient)
                batch = []
        if batch:
            yield from self._run_batch(batch, batch_size, on_error, keep_transient)

    def _run_batch(self, batch: list[Article], batch_size: int, on_error: ErrorHandler | None,
                   keep_transient: bool) -> list[Article]:
        for slot in self.slots:
            t0 = time.perf_counter()
            batch = self._run_stage(slot, batch, batch_size, on_error)
            self.seconds[slot.info.name] = self.seconds.get(slot.info.name, 0.0) + time.perf_counter() - t0
        return batch if keep_transient else [self._drop_transient(a) for a in batch]

    def _run_stage(self, slot: _Slot, batch: list[Article], batch_size: int,
                   on_error: ErrorHandler | None) -> list[Article]:
        comp = slot.component
        if hasattr(comp, "pipe"):
            try:
                return list(comp.pipe(batch, batch_size=batch_size))
            except Exception:  # fall back to one at a time to find the bad article
                log.debug("batch failed in %s, retrying one by one", slot.info.name)
        out = []
        for art in batch:
            try:
                out.append(comp(art))
            except Exception as exc:  # noqa: BLE001 - handed to the handler
                if on_error is None:
                    raise
                exc.stage = slot.info.name  # type: ignore[attr-defined]
                exc.formatted = traceback.format_exc()  # type: ignore[attr-defined]
                on_error(slot.info.name, art, exc)
        return out

    def run_corpus(self, store: Any, ids: list[str]) -> None:
        """Run every corpus stage against the store for the newly stored ``ids`` (nothing new: nothing to do;
        what an interrupted run left queued is finished by ``engine.local.finish_pending``)."""
        if not ids:
            return
        for slot in self.corpus:
            self._timed(slot.info.name, slot.component.run, store, ids)
        if self.gc is not None:
            self._timed("gc", self.gc.after_batch)

    def _timed(self, name: str, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn(*args)``, adding its wall and thread CPU seconds to ``seconds`` and ``cpu_seconds[name]``."""
        t0, c0 = time.perf_counter(), time.thread_time()
        fn(*args)
        self.cpu_seconds[name] = self.cpu_seconds.get(name, 0.0) + time.thread_time() - c0
        self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - t0
