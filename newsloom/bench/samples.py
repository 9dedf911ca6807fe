"""Real texts the benchmarks run on."""
from __future__ import annotations

import json
from typing import Any

from ..eval import bench_data_root

__all__ = ["timeline17_sample"]


def timeline17_sample(n: int, data: str | None = None) -> list[dict[str, Any]]:
    """The first ``n`` Timeline17 articles as JSON rows (real news texts)."""
    path = bench_data_root(data) / "timeline17" / "articles.jsonl"
    rows = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            rows.append(json.loads(line))
            if len(rows) >= n:
                break
    return rows
