"""Quality evaluations (``newsloom eval NAME``) and throughput benchmarks (``newsloom bench NAME``).

Each registers a function returning a :class:`Table`; the CLI prints it or emits it as JSON.
Data comes from ``--data``, ``NEWSLOOM_BENCH_DATA``, or ``../shared/bench-data`` found upward from
the working directory or the package.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError

__all__ = ["Table", "evaluation", "benchmark", "evaluations", "benchmarks", "bench_data_root"]


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
_EVALS: dict[str, tuple[Runner, str]] = {}
_BENCHES: dict[str, tuple[Runner, str]] = {}


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


def _load_builtins() -> None:
    from . import suites  # noqa: F401  (imports the modules that register evaluations and benchmarks)


def evaluations() -> dict[str, tuple[Runner, str]]:
    _load_builtins()
    return dict(_EVALS)


def benchmarks() -> dict[str, tuple[Runner, str]]:
    _load_builtins()
    return dict(_BENCHES)


def bench_data_root(explicit: str | os.PathLike | None = None) -> Path:
    """The folder that holds the benchmark data sets (``shared/bench-data``)."""
    candidates: list[Path] = []
    if explicit:
        candidates.append(Path(explicit))
    if os.environ.get("NEWSLOOM_BENCH_DATA"):
        candidates.append(Path(os.environ["NEWSLOOM_BENCH_DATA"]))
    for start in (Path.cwd(), Path(__file__).resolve().parent):
        for parent in (start, *start.parents):
            candidates.append(parent / "shared" / "bench-data")
            candidates.append(parent.parent / "shared" / "bench-data")
    for c in candidates:
        if c.is_dir():
            return c
    raise ConfigError("benchmark data not found: give --data DIR or set NEWSLOOM_BENCH_DATA "
                      "(the folder ../shared/bench-data beside the project)", code="E212")
