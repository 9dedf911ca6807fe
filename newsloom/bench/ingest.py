"""``newsloom bench ingest``: throughput and peak memory of reading, cleaning and storing articles."""
from __future__ import annotations

import json
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from ..eval import Table, bench_data_root, benchmark
from ..loom import Loom
from ..settings import Settings


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


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


@benchmark("ingest")
def bench_ingest(n: int = 1000, data: str | None = None, **_: Any) -> list[Table]:
    """Ingest N real Timeline17 articles (read, clean, language, store) into a fresh SQLite file."""
    rows = timeline17_sample(n, data)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.jsonl"
        src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        settings = Settings.load(overrides={"pipeline.stages": ["clean", "language", "boilerplate"]})
        with Loom(Path(tmp) / "bench.db", settings=settings) as loom:
            t0 = time.perf_counter()
            report = loom.ingest(str(src))
            dt = time.perf_counter() - t0
            t1 = time.perf_counter()
            again = loom.ingest(str(src))
            dt2 = time.perf_counter() - t1
    return [Table("ingest (clean + language + store, no annotation)", ["run", "articles", "seconds", "articles/s",
                                                                      "peak RSS MB"], [
        {"run": "first", "articles": report.stored, "seconds": round(dt, 2), "articles/s": round(report.stored / dt, 1),
         "peak RSS MB": round(peak_rss_mb(), 1)},
        {"run": "again (no-op)", "articles": again.stored, "seconds": round(dt2, 2),
         "articles/s": round(again.duplicate / dt2, 1), "peak RSS MB": round(peak_rss_mb(), 1)},
    ], notes=[f"data: Timeline17 articles.jsonl, first {len(rows)} rows"])]
