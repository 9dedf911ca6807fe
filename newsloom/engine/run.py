"""``newsloom run``: the pipeline over inputs into an OUTPUT folder, on this machine or on Spark."""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..settings import Settings
from .local import IngestReport

__all__ = ["run"]


def run(inputs: Iterable[str], output: str | Path, *, settings: Settings, engine: str = "local",
        master: str = "local[*]", fmt: str | None = None, source: str | None = None,
        workers: int | None = None) -> IngestReport:
    """Run every stage over ``inputs`` and write OUTPUT (see :mod:`newsloom.engine.output`); an existing OUTPUT
    is added to. ``engine`` is ``local`` (``workers`` processes) or ``spark`` (``master``)."""
    from .output import WORK_DB, write_output

    out = Path(output)
    if engine == "spark":
        from .spark import run_spark

        return run_spark(inputs, out, settings=settings, master=master, fmt=fmt, source=source)
    from ..loom import Loom

    out.mkdir(parents=True, exist_ok=True)
    with Loom(out / WORK_DB, settings=settings) as loom:
        report = loom.ingest(*inputs, format=fmt, source=source, workers=workers)
        write_output(loom.store, out)
    return report
