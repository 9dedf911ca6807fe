"""``newsloom bench scale``: time, peak memory and disk as the corpus grows, local engine and Spark.

The corpus is made at run time from real Timeline17 texts as ``bench copies`` makes it
(:func:`newsloom.bench.copies.synthetic_corpus`: originals plus perturbed copies, the same mix at every
size), written as JSONL, and run as a user runs it, in a child process:

* local: ``newsloom ingest --workers W`` into a fresh SQLite file;
* spark: ``newsloom run --engine spark --master local[W]`` into a fresh OUTPUT folder.

Peak memory is that of the child's whole process tree (the ingest and its workers; the JVM and its
Python workers), sampled from /proc. The per-article cost of every stage at each size is compared with
the smallest size's (the growth), from the local engine's per-stage seconds: wall clock, which on a
shared machine measures the other processes' load as much as the stage. So the corpus stages that the
synthetic corpus feeds without annotation (boilerplate, copies) are also run in this process, batch by
batch as an ingest runs them, and timed in CPU seconds of this thread (steady under load); their growth
is read from that table. The corpus stages that need annotations (resolve, quote_links, stories, threads)
are timed the same way on annotated replicas of real articles (``-o engines annotated -o annotations
STORE``, see :mod:`newsloom.bench.replicas`), in one run read at every size.

By default the stages are the ones that need no spaCy model (clean, language, quality, boilerplate,
copies): on a shared 2-core machine the annotation path (about 1-2 articles/s per core) is too slow for
10,000 articles; ``-o stages all`` runs the shipped pipeline.
"""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..eval import Table, benchmark
from ..model import Article
from ..pipeline import Pipeline
from ..settings import Settings
from ..storage import Store
from .copies import _real_texts, synthetic_corpus
from .memory import TreePeak, peak_rss_mb, tree_rss_mb
from .replicas import annotated_replicas, load_originals

log = logging.getLogger(__name__)

__all__ = ["bench_scale", "BASE"]

#: the stages run by default: every stage that needs no spaCy model
BASE = ["clean", "language", "quality", "boilerplate", "copies"]
#: corpus stages the synthetic corpus feeds fully without annotation: timed in CPU seconds in this process
CPU_STAGES = ("boilerplate", "copies")
#: the corpus stages of the shipped pipeline, timed on annotated replicas by the "annotated" engine
ANNOTATED = ["boilerplate", "copies", "resolve", "quote_links", "stories", "threads"]


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


def _corpus_cpu(folder: Path, articles: Iterator[Article], names: list[str], batch: int,
                checkpoints: list[int]) -> dict[int, dict[str, float]]:
    """CPU seconds per article of storing and of each corpus stage in ``names``, run in this process on
    ``articles`` in batches of ``batch`` as an ingest runs them (this thread's CPU time), read at each of
    ``checkpoints`` (article counts): the cost per article over the first N articles; with it the cost per
    article since the previous checkpoint (``<stage> since``), this process's resident and proportional
    memory (``RSS MB``, ``PSS MB``, ``peak RSS MB``) and the disk used by the store (``disk MB``); each
    checkpoint's figures are also appended to ``folder/progress.jsonl`` as they come (a long run's so far)."""
    settings = Settings.load(overrides={"stages.copies.translations": False})
    pipeline = Pipeline.default(settings, names=names)
    cpu = {"store": 0.0, **{s.info.name: 0.0 for s in pipeline.corpus}, **({"gc": 0.0} if pipeline.gc else {})}
    out: dict[int, dict[str, float]] = {}
    folder.mkdir(parents=True, exist_ok=True)
    store = Store(folder / "corpus.db")
    stored, last, before = 0, 0, dict(cpu)
    chars = mentions = 0  # what the stored articles hold: a cost per article follows them as well as the corpus
    try:
        for mark in sorted(checkpoints):
            while stored < mark and (buf := [a for _, a in zip(range(min(batch, mark - stored)), articles)]):
                t0 = time.thread_time()
                ids = store.add_batch(buf, [], queue=names)
                cpu["store"] += time.thread_time() - t0
                pipeline.run_corpus(store, ids)  # as an ingest runs them, the collector's pass included
                cpu.update({k: v for k, v in pipeline.cpu_seconds.items() if k in cpu})
                stored += len(buf)
                chars += sum(len(a.text) for a in buf)
                mentions += sum(len(a.annotations.get("mentions") or ()) for a in buf)
            if stored == last:
                break
            row = {k: v / stored for k, v in cpu.items()}
            row.update({f"{k} since": (v - before[k]) / (stored - last) for k, v in cpu.items()})
            row.update({"RSS MB": tree_rss_mb(),
                        "PSS MB": tree_rss_mb(proportional=True),
                        "peak RSS MB": peak_rss_mb(), "disk MB": _disk_mb(folder),
                        "chars/article": chars / stored, "mentions/article": mentions / stored})
            out[stored] = row
            with (folder / "progress.jsonl").open("a", encoding="utf-8") as fh:  # a long run's figures so far
                fh.write(json.dumps({"articles": stored, **row}) + "\n")
            log.info("%s: %d articles: %s", folder.name, stored, json.dumps({k: round(v, 5) for k, v in row.items()}))
            last, before = stored, dict(cpu)
    finally:
        store.close()
    return out


def _growth(per_stage: dict[int, dict[str, float]], growth_from: int = 0) -> list[dict[str, Any]]:
    """One row per stage: ms/article at each size and the growth (largest size / smallest size); with
    ``growth_from`` among the sizes between them, also ``growth from N`` (largest size / N)."""
    small, large = min(per_stage, default=None), max(per_stage, default=None)
    rows = []
    for stage in (per_stage.get(small) or {}):
        row: dict[str, Any] = {"stage": stage}
        for size in sorted(per_stage):
            row[f"ms/article at {size}"] = round(1000 * per_stage[size].get(stage, 0.0), 3)
        for base_size, column in ((small, "growth"), (growth_from, f"growth from {growth_from}")):
            if base_size in per_stage and (column == "growth" or small < base_size < large):
                base = per_stage[base_size].get(stage, 0.0)
                row[column] = round(per_stage[large].get(stage, 0.0) / base, 2) if base else None
        rows.append(row)
    return rows


def _disk_mb(path: Path) -> float:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files) / 1e6


def _cpu_tables(title: str, per: dict[int, dict[str, float]], names: list[str], note: str,
                marginal: bool, growth_from: int = 0) -> list[Table]:
    """The growth table of in-process runs (stages: ms/article over the first N articles; with ``marginal``,
    one run read at every size, also over the articles since the previous size) and its memory and disk."""
    stages = ["store", *names, *(["gc"] if any("gc" in row for row in per.values()) else [])]
    growth = _growth({size: {k: row[k] for k in stages if k in row} for size, row in per.items()}, growth_from)
    sizes = sorted(per)
    for row in growth:
        for a, b in zip(sizes, sizes[1:]) if marginal else ():
            row[f"ms/article {a}-{b}"] = round(1000 * per[b][f"{row['stage']} since"], 3)
    mem = [{"articles": size, **{k: round(per[size][k], 1) for k in ("RSS MB", "PSS MB", "peak RSS MB", "disk MB",
                                                                      "chars/article", "mentions/article")
                                 if k in per[size]}} for size in sizes]
    gc_note = ["gc: the collector's pass after each batch's corpus stages (setting pipeline.gc_freeze); the "
               "collections the stages' own allocations trigger are in their rows"] if "gc" in stages else []
    return [Table(title, list(growth[0]) if growth else ["stage"], growth, notes=[note, *gc_note]),
            Table(f"{title}: memory of this process and disk of the store", list(mem[0]) if mem else ["articles"],
                  mem, notes=["RSS/PSS: this process after the last batch before the size; peak RSS: since the "
                              "bench started; disk: the SQLite file, its WAL and the stories index; chars and "
                              "mentions per article over the first N (what a cost per article also follows)"])]


@benchmark("scale", help="Time, peak memory and disk at growing corpus sizes: local engine and Spark local[W]")
def bench_scale(n: int | None = None, data: str | None = None, sizes: str = "1000,10000", workers: int = 2,
                engines: str = "cpu,local,spark", stages: str = "base", group: int = 25, spark_max: int = 0,
                batch: int = 64, annotations: str | None = None, keep: str | None = None, order: str = "balanced",
                growth_from: int = 10000, **_: Any) -> list[Table]:
    """Time, peak memory and disk for growing corpora (real texts with perturbed copies).

    Options: ``sizes`` (comma-separated article counts), ``workers``, ``engines`` (local, spark, cpu: the
    in-process CPU timing of the corpus stages the plain corpus feeds, annotated: of every corpus stage on
    annotated replicas, see :mod:`newsloom.bench.replicas`), ``stages`` (base, all, or names), ``spark_max``
    (skip Spark above this many articles; 0: never skip), ``batch`` (articles per batch of the in-process
    timing), ``annotations`` (the annotated store the annotated engine replicates), ``order`` (the order of its
    originals: balanced, every stretch of the stream as long on average as the whole, or shuffled, the plain
    random order of earlier runs; see :func:`newsloom.bench.replicas.balanced_order`), ``keep`` (a folder where
    the in-process runs keep their stores), ``growth_from`` (the size a second growth column of the annotated
    engine's table divides by, when it lies between the smallest and the largest).
    """
    counts = [int(n)] if n else [int(s) for s in str(sizes).split(",")]
    names = None if stages == "all" else (BASE if stages == "base" else stages.split(","))
    texts = _real_texts(data, max(1, max(counts) // group))
    rows: list[dict[str, Any]] = []
    per_stage: dict[int, dict[str, float]] = {}
    cpu_names = [s for s in (BASE if names is None else names) if s in CPU_STAGES]
    per_cpu: dict[int, dict[str, float]] = {}
    per_annotated: dict[int, dict[str, float]] = {}
    annotated_names = ANNOTATED if stages in ("base", "all") else [s for s in ANNOTATED if s in (names or ())]
    skipped: list[int] = []
    engine_list = str(engines).split(",")
    with tempfile.TemporaryDirectory() as tmp:
        kept = Path(keep) if keep else Path(tmp)
        if "annotated" in engine_list:
            if not annotations:
                raise ConfigError("the annotated engine replicates an annotated store: give -o annotations STORE "
                                  "(Timeline17 ingested with the shipped pipeline, see docs/scaling.md)", code="E218")
            originals = load_originals(annotations, max(1, max(counts) // group), order=order)
            per_annotated = _corpus_cpu(kept / f"annotated{max(counts)}", annotated_replicas(max(counts), originals),
                                        annotated_names, batch, counts)
        for size in counts:
            src, originals_txt = Path(tmp) / f"corpus{size}.jsonl", texts[: max(1, size // group)]
            for engine in engine_list:
                if engine == "annotated":
                    continue
                if engine == "cpu":
                    if cpu_names:
                        per_cpu[size] = _corpus_cpu(kept / f"cpu{size}", synthetic_corpus(size, originals_txt),
                                                    cpu_names, batch, [size])[size]
                    continue
                if not src.exists():
                    _write_corpus(src, size, originals_txt)
                if engine == "spark" and spark_max and size > spark_max:
                    skipped.append(size)
                    continue
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
            for f in Path(tmp).glob(f"*{size}*"):
                if f.is_file():
                    f.unlink()
    growth = _growth(per_stage)
    label = "the shipped pipeline" if names is None else " + ".join(names)
    tables = []
    if rows:
        tables.append(Table("time, peak memory and disk by corpus size", ["engine", "articles", "stored", "seconds",
                                                                           "ms/article", "peak MB (tree)", "disk MB"],
                            rows, notes=[f"stages: {label}; corpus: {len(texts)} real Timeline17 texts as originals, "
                                         f"the rest perturbed copies (group ~{group}), as `newsloom bench copies` "
                                         "makes it",
                                         f"local: `newsloom ingest --workers {workers}` in a child process; spark: "
                                         f"`newsloom run --engine spark --master local[{workers}]` (Spark start-up "
                                         "and the Parquet output included); seconds are wall clock from start to "
                                         "exit, on a shared machine", "disk: the SQLite file (local) or "
                                         "OUTPUT/tables (spark)"]
                            + ([f"Spark skipped at {', '.join(map(str, skipped))} articles (over spark_max="
                                f"{spark_max})"] if skipped else [])))
    if per_stage:
        tables.append(Table("local engine: per-article cost of each stage by corpus size", list(growth[0]) if growth
                            else ["stage"], growth,
                            notes=["seconds per stage from the ingest report (per-article stages summed over the "
                                   "workers) divided by the articles stored, wall clock (it counts the load of other "
                                   "processes too); growth: largest size / smallest size"]))
    if per_cpu:
        tables += _cpu_tables("corpus stages in one process: CPU per article by corpus size", per_cpu, cpu_names,
                              f"{' + '.join(cpu_names)} run on the plain corpus in this process, one run per size, "
                              f"stored in batches of {batch} articles with each stage run on each batch as an ingest "
                              "runs them; CPU seconds of this thread (steady on a shared machine) / articles; growth: "
                              "largest size / smallest size", marginal=False)
    if per_annotated:
        tables += _cpu_tables("corpus stages on annotated replicas: CPU per article by corpus size",
                              per_annotated, annotated_names,
                              f"{' + '.join(annotated_names)} on one run of {max(counts)} annotated articles "
                              f"({max(1, max(counts) // group)} annotated Timeline17 articles of {annotations} as "
                              f"originals in {order} order, the rest replicas: sentences dropped, names renamed, "
                              f"vectors moved, as newsloom/bench/replicas.py makes them), batches of {batch}; "
                              "'ms/article at N': CPU of this thread over the first N articles / N (the per-article "
                              "cost of an N-article run); 'ms/article A-B': over the articles A+1..B (the marginal "
                              "cost); growth: largest size / smallest size; growth from N: largest size / N",
                              marginal=True, growth_from=int(growth_from))
    return tables
