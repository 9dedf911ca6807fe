"""Quality evaluations (``newsloom eval NAME``) and throughput benchmarks (``newsloom bench NAME``).

Each registers a function returning a :class:`Table`; the CLI prints it or emits it as JSON.
Data comes from ``--data``, ``NEWSLOOM_BENCH_DATA``, or ``bench-data`` in :func:`shared_root`.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import plugins
from ..errors import ConfigError

__all__ = ["Table", "evaluation", "benchmark", "evaluations", "benchmarks", "bench_data_root", "shared_root"]


@dataclass
class Table:
    """A result table: a title, column names, rows, and free-text notes printed under it."""

    title: str
    columns: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"title": self.title, "columns": self.columns, "rows": self.rows, "notes": self.notes}


Runner = Callable[..., list[Table]]
_EVALS: dict[str, tuple[Runner, str]] = plugins.registry({})
_BENCHES: dict[str, tuple[Runner, str]] = plugins.registry({})


def evaluation(name: str, *, help: str = ""):
    """Register ``fn(data: Path | None, **options) -> list[Table]`` as ``newsloom eval NAME``."""

    def deco(fn: Runner) -> Runner:
        _EVALS[name] = (fn, help or (fn.__doc__ or "").strip().split("\n")[0])
        return fn

    return deco


def benchmark(name: str, *, help: str = ""):
    """Register ``fn(**options) -> list[Table]`` as ``newsloom bench NAME``."""

    def deco(fn: Runner) -> Runner:
        _BENCHES[name] = (fn, help or (fn.__doc__ or "").strip().split("\n")[0])
        return fn

    return deco


def evaluations() -> dict[str, tuple[Runner, str]]:
    """Every registered evaluation (built-in and plugin) by name: (runner, one-line help)."""
    plugins.load()
    return dict(_EVALS)


def benchmarks() -> dict[str, tuple[Runner, str]]:
    """Every registered benchmark (built-in and plugin) by name: (runner, one-line help)."""
    plugins.load()
    return dict(_BENCHES)


def shared_root() -> Path:
    """The ``shared`` folder beside the project (seed corpora and benchmark data): ``NEWSLOOM_SHARED``, or the
    first ``shared`` folder found upward from the working directory or the package."""
    if os.environ.get("NEWSLOOM_SHARED"):
        return Path(os.environ["NEWSLOOM_SHARED"])
    for start in (Path.cwd(), Path(__file__).resolve().parent):
        for parent in (start, *start.parents):
            if (parent / "shared" / "bench-data").is_dir() or (parent / "shared" / "corpora").is_dir():
                return parent / "shared"
    raise ConfigError("the shared folder (corpora, bench-data) was not found: set NEWSLOOM_SHARED "
                      "(the folder ../shared beside the project)", code="E212")


def bench_data_root(explicit: str | os.PathLike | None = None) -> Path:
    """The folder that holds the benchmark data sets (``shared/bench-data``)."""
    if explicit:
        return Path(explicit)
    if os.environ.get("NEWSLOOM_BENCH_DATA"):
        return Path(os.environ["NEWSLOOM_BENCH_DATA"])
    try:
        found = shared_root() / "bench-data"
    except ConfigError:
        found = None
    if found is None or not found.is_dir():
        raise ConfigError("benchmark data not found: give --data DIR or set NEWSLOOM_BENCH_DATA "
                          "(the folder ../shared/bench-data beside the project)", code="E212")
    return found
