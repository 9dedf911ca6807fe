"""``newsloom bench scale``: time, peak memory and disk as the corpus grows, local engine and Spark.

The corpus is made at run time from real Timeline17 texts as ``bench copies`` makes it
(:func:`newsloom.bench.copies.synthetic_corpus`: originals plus perturbed copies, the same mix at every
size), written as JSONL, and run as a user runs it, in a child process:

* local: ``newsloom ingest --workers W`` into a fresh SQLite file;
* spark: ``newsloom run --engine spark --master local[W]`` into a fresh OUTPUT folder.

Peak memory is that of the child's whole process tree (the ingest and its workers; the JVM and its
Python workers), sampled from /proc. The per-article cost of every stage at each size is compared with
the smallest size's (the growth), from the local engine's per-stage seconds.

By default the stages are the ones that need no spaCy model (clean, language, quality, boilerplate,
copies): on a shared 2-core machine the annotation path (about 1-2 articles/s per core) is too slow for
10,000 articles; ``-o stages all`` runs the shipped pipeline.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ..eval import Table, benchmark
from .copies import _real_texts, synthetic_corpus
from .memory import TreePeak

__all__ = ["bench_scale", "BASE"]

#: the stages run by default: every stage that needs no spaCy model
BASE = ["clean", "language", "quality", "boilerplate", "copies"]


def _write_corpus(path: Path, n: int, texts: list[str]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for art in synthetic_corpus(n, texts):
            fh.write(json.dumps({"id": art.external_id, "title": art.text.split(".")[0][:120], "text": art.text,
                                 "source": art.source}) + "\n")


def _child(cmd: list[str], stages: list[str] | None) -> tuple[float, float, dict[str, Any]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLOOM_")}
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).resolve().parents[2]), env.get("PYTHONPATH", "")])
    env["SPARK_LOCAL_IP"] = "127.0.0.1"
    if stages is not None:
        env["NEWSLOOM_PIPELINE__STAGES"] = json.dumps(stages)
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "newsloom", *cmd], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    with TreePeak(proc.pid, every=0.25) as peak:
        out, _ = proc.communicate()
    wall = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"newsloom {' '.join(cmd[:3])} failed with exit code {proc.returncode}")
    return wall, peak.mb, json.loads(out)


def _disk_mb(path: Path) -> float:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files) / 1e6


@benchmark("scale", help="Time, peak memory and disk at growing corpus sizes: local engine and Spark local[W]")
def bench_scale(n: int | None = None, data: str | None = None, sizes: str = "1000,10000", workers: int = 2,
                engines: str = "local,spark", stages: str = "base", group: int = 25, **_: Any) -> list[Table]:
    """Time, peak memory and disk for growing corpora (real texts with perturbed copies)."""
    counts = [int(n)] if n else [int(s) for s in str(sizes).split(",")]
    names = None if stages == "all" else (BASE if stages == "base" else stages.split(","))
    texts = _real_texts(data, max(1, max(counts) // group))
    rows: list[dict[str, Any]] = []
    per_stage: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in counts:
            src = Path(tmp) / f"corpus{size}.jsonl"
            _write_corpus(src, size, texts[: max(1, size // group)])
            for engine in str(engines).split(","):
                if engine == "local":
                    db = Path(tmp) / f"local{size}.db"
                    wall, mb, report = _child(["--db", str(db), "ingest", "--silent", "--json", "--workers",
                                               str(workers), str(src)], names)
                    disk = _disk_mb(db)
                    per_stage[size] = {k: v / max(1, report["stored"]) for k, v in report["seconds"].items()}
                else:
                    out = Path(tmp) / f"spark{size}"
                    wall, mb, report = _child(["run", "--engine", "spark", "--master", f"local[{workers}]", "--json",
                                               str(src), str(out)], names)
                    disk = _disk_mb(out / "tables")
                rows.append({"engine": engine if engine == "local" else f"spark local[{workers}]",
                             "articles": size, "stored": report["stored"], "seconds": round(wall, 1),
                             "ms/article": round(1000 * wall / size, 2), "peak MB (tree)": round(mb),
                             "disk MB": round(disk, 1)})
                for f in Path(tmp).glob(f"{engine}{size}*"):
                    if f.is_file():
                        f.unlink()
    small = min(per_stage) if per_stage else None
    growth = []
    for stage in (per_stage.get(small) or {}):
        row: dict[str, Any] = {"stage": stage}
        for size in sorted(per_stage):
            row[f"ms/article at {size}"] = round(1000 * per_stage[size].get(stage, 0.0), 3)
        base = per_stage[small][stage]
        row["growth"] = round(per_stage[max(per_stage)].get(stage, 0.0) / base, 2) if base else None
        growth.append(row)
    label = "the shipped pipeline" if names is None else " + ".join(names)
    return [Table("time, peak memory and disk by corpus size", ["engine", "articles", "stored", "seconds",
                                                                 "ms/article", "peak MB (tree)", "disk MB"], rows,
                  notes=[f"stages: {label}; corpus: {len(texts)} real Timeline17 texts as originals, the rest "
                         f"perturbed copies (group ~{group}), as `newsloom bench copies` makes it",
                         f"local: `newsloom ingest --workers {workers}` in a child process; spark: `newsloom run "
                         f"--engine spark --master local[{workers}]` (Spark start-up and the Parquet output "
                         "included); seconds are wall clock from start to exit, on a shared machine",
                         "disk: the SQLite file (local) or OUTPUT/tables (spark)"]),
            Table("local engine: per-article cost of each stage by corpus size", list(growth[0]) if growth else
                  ["stage"], growth,
                  notes=["seconds per stage from the ingest report (per-article stages summed over the workers) "
                         "divided by the articles stored; growth: largest size / smallest size"])]
