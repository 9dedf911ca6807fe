"""Peak memory of a whole process tree (a process and every process it started), sampled from /proc."""
from __future__ import annotations

import os
import resource
import threading
from pathlib import Path

__all__ = ["TreePeak", "tree_rss_mb", "peak_rss_mb"]


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            kids += [int(x) for x in task.read_text().split()]
        except OSError:  # the thread or process ended meanwhile
            continue
    return kids


def _kb(path: str, key: str) -> int:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_mb(pid: int | None = None, *, proportional: bool = False) -> float:
    """Resident memory of ``pid`` (default: this process) and all its descendants now, in MB.

    ``proportional``: the proportional set size (a page shared by k processes counts 1/k in each, so
    forked workers sharing their parent's models are not counted once per process), else the resident
    set size of each process, summed.
    """
    path, key = ("/proc/{}/smaps_rollup", "Pss:") if proportional else ("/proc/{}/status", "VmRSS:")
    todo, total = [pid or os.getpid()], 0
    while todo:
        p = todo.pop()
        total += _kb(path.format(p), key)
        todo += _children(p)
    return total / 1024


class TreePeak:
    """The highest :func:`tree_rss_mb` of a process tree while the block runs (sampled every ``every`` s).

    Example:
        >>> with TreePeak() as peak:
        ...     run()
        >>> peak.mb
    """

    def __init__(self, pid: int | None = None, every: float = 0.1) -> None:
        self.pid, self.every, self.mb, self.pss_mb = pid, every, 0.0, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        self.mb = max(self.mb, tree_rss_mb(self.pid))
        self.pss_mb = max(self.pss_mb, tree_rss_mb(self.pid, proportional=True))

    def _run(self) -> None:
        while True:
            self._sample()
            if self._stop.wait(self.every):
                return

    def __enter__(self) -> "TreePeak":
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()
