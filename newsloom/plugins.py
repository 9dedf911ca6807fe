"""The plugins step: load the built-in modules and the ``newsloom`` entry-point group once, for every registry.

Stages, readers, input handlers, migrations, article rows and writers, span tables, exporters, evaluations,
benchmarks and parse-scope words all register themselves when their module is imported. :func:`load` imports
the built-in modules and then every module an installed package names in the entry-point group ``newsloom``
(``[project.entry-points.newsloom] myplugin = "myplugin.module"``). Every registry's accessor calls it, and so
does opening a store, so a plugin's migrations exist before any store applies them.

This module imports no other newsloom module (it names the built-ins as strings), so any module may import it.
Registries declare themselves with :func:`registry`, so tests can snapshot and restore all of them.
"""
from __future__ import annotations

import importlib
import logging
from importlib.metadata import entry_points
from typing import Any, TypeVar

__all__ = ["GROUP", "BUILTINS", "load", "loaded", "registry", "snapshot", "restore"]

log = logging.getLogger(__name__)

#: the entry-point group installed packages use to add to newsloom
GROUP = "newsloom"

#: the modules that register newsloom's own parts, imported in this order
BUILTINS = (
    "newsloom.storage.tables",
    "newsloom.readers.text", "newsloom.readers.html", "newsloom.readers.tabular", "newsloom.readers.feeds",
    "newsloom.readers.warc", "newsloom.readers.urls",
    "newsloom.stages.clean", "newsloom.stages.language", "newsloom.stages.quality", "newsloom.stages.nlp",
    "newsloom.stages.entities", "newsloom.stages.quotes", "newsloom.stages.dates", "newsloom.stages.events",
    "newsloom.stages.boilerplate", "newsloom.stages.copies", "newsloom.stages.resolve", "newsloom.stages.quote_links",
    "newsloom.stages.embed", "newsloom.stages.stories", "newsloom.stages.threads",
    "newsloom.stages.spark_copies", "newsloom.stages.spark_stories", "newsloom.stages.spark_resolve",
    "newsloom.export.articles", "newsloom.export.entities", "newsloom.export.dates", "newsloom.export.events",
    "newsloom.export.quotes", "newsloom.export.copies", "newsloom.export.timelines", "newsloom.export.stories",
    "newsloom.eval.quotes", "newsloom.eval.copies", "newsloom.eval.entities", "newsloom.eval.facts", "newsloom.eval.timelines",
    "newsloom.eval.stories", "newsloom.eval.similarity",
    "newsloom.bench.ingest", "newsloom.bench.annotate", "newsloom.bench.copies", "newsloom.bench.serve",
    "newsloom.bench.hostile", "newsloom.bench.timelines", "newsloom.bench.scale", "newsloom.bench.stories",
    "newsloom.bench.spark_resolve",
)

_state = {"loaded": False}
_REGISTRIES: list[Any] = []
R = TypeVar("R", dict, list)


def registry(container: R) -> R:
    """Declare a module-level registry (a dict or list that imports fill); returns it unchanged."""
    _REGISTRIES.append(container)
    return container


def loaded() -> bool:
    """Whether :func:`load` has run in this process."""
    return _state["loaded"]


def load() -> None:
    """Import the built-in modules, then every entry point of the group ``newsloom`` (once per process).

    A plugin that fails to import is logged and skipped: a broken plugin must not stop newsloom.
    """
    if _state["loaded"]:
        return
    _state["loaded"] = True  # first, so that a module imported below may call a registry accessor
    try:
        for name in BUILTINS:
            importlib.import_module(name)
    except BaseException:
        _state["loaded"] = False
        raise
    for ep in entry_points(group=GROUP):
        try:
            ep.load()
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not stop newsloom
            log.warning("plugin %s (%s) failed to load: %s", ep.name, ep.value, exc)


def snapshot() -> list[Any]:
    """Copies of every declared registry (see :func:`restore`)."""
    return [c.copy() for c in _REGISTRIES]


def restore(saved: list[Any]) -> None:
    """Put every registry back as :func:`snapshot` saw it (tests that register stages, readers, ...)."""
    for container, copy in zip(_REGISTRIES, saved):
        container.clear()
        if isinstance(container, dict):
            container.update(copy)
        else:
            container.extend(copy)
