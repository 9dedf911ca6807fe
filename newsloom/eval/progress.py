"""Progress of long evaluations and benchmarks on stderr, when the command line asks for it.

Off by default (the Python API prints nothing); ``newsloom eval`` and ``newsloom bench`` turn it on
unless ``--silent``: a bar on a terminal, a plain line every few seconds otherwise (logs, CI).
"""
from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

__all__ = ["progress", "show_progress"]

T = TypeVar("T")
_state = {"on": False, "every": 10.0}


def show_progress(on: bool, *, every: float = 10.0) -> None:
    """Turn progress reports on or off; ``every`` is the seconds between lines when stderr is not a terminal."""
    _state.update(on=on, every=every)


def progress(items: Iterable[T], *, desc: str, total: int | None = None, unit: str = "articles") -> Iterator[T]:
    """Yield ``items`` unchanged, reporting how many went by (of ``total``) on stderr when progress is on."""
    if not _state["on"]:
        yield from items
        return
    if sys.stderr.isatty():
        from tqdm import tqdm

        yield from tqdm(items, desc=desc, total=total, unit=f" {unit}", file=sys.stderr, dynamic_ncols=True,
                        mininterval=0.5, leave=False)
        return
    start = last = time.monotonic()
    n = 0
    of = f"/{total}" if total is not None else ""
    for n, item in enumerate(items, 1):
        yield item
        now = time.monotonic()
        if now - last >= _state["every"]:
            last = now
            print(f"{desc}: {n}{of} {unit} ({now - start:.0f} s)", file=sys.stderr, flush=True)
    print(f"{desc}: {n}{of} {unit} done ({time.monotonic() - start:.0f} s)", file=sys.stderr, flush=True)
