"""The Spark engine: ``newsloom run --engine spark INPUT... OUTPUT``, the same pipeline on a cluster.

1. **Split.** The driver lists the input files (folders walked as the local engine walks them). A
   file of many records larger than ``[spark] split_bytes`` is counted (one task per such file) and
   split into contiguous ranges of records; every other file is one split.
2. **Per-article stages** run per partition (``mapPartitions``) with the same code as the local engine
   (:func:`newsloom.engine.workers.run_stages`); the stages are built once per executor process. Articles
   whose id is already in the output are not annotated again.
3. **Corpus stages, the cluster's part.** The new articles are ranked in the order they will be stored;
   each corpus stage with a part on the cluster (:func:`newsloom.pipeline.cluster_part`) runs it: the
   copies stage's candidate pairs come from an LSH band join and are verified on the executors
   (``stages/spark_copies.py``), entity resolution's misspelt keys are blocked and scored and its alias
   look-ups that would find nothing are found (``stages/spark_resolve.py``), and the stories stage's
   nearest earlier articles are found on the executors (``stages/spark_stories.py``).
4. **Corpus stages, the driver's part.** The partitions come back to the driver in input order, one at a
   time, and are stored batch by batch in the output's working store exactly as a local ingest stores
   them, with the same incremental corpus stages (boilerplate, copies, entity resolution, quote links,
   stories, threads), copies, resolve and stories answering their pair verification, misspelling
   search and neighbour search from step 3. What the run stores is therefore what ``newsloom ingest`` stores from the same inputs, in the
   same order (stories: the same up to near ties of the neighbour search).
5. **Output** (OUTPUT/): ``tables/<table>.parquet``, every table of the store (what ``newsloom load``
   imports); ``work.db`` keeps the corpus stages' state, so a later run into the same OUTPUT adds to it
   (incremental). ``newsloom run`` then adds ``export/<kind>.parquet`` (:func:`newsloom.loom.run`).

pyspark is imported only here, when the engine runs (``pip install 'newsloom[distributed]'``).
"""
from __future__ import annotations

import hashlib
import logging
import math
import os
import pickle
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError, EngineError, MissingDependency, Rejected
from ..pipeline import Pipeline, cluster_parts, registered_stages
from ..readers import ReadOptions, iter_inputs
from ..readers import _walk  # the local engine's folder walk, so both engines see files in one order
from ..settings import Settings
from ..storage import Store
from ..model import Article
from .local import IngestReport, _Batch, _finish, finish_pending
from .output import WORK_DB, write_tables
from .records import triage
from .workers import StagePlan, Work, run_stages

__all__ = ["run_spark", "Split", "plan_splits", "spark_session", "annotate_split", "input_files", "ranked_articles"]

log = logging.getLogger(__name__)

#: formats with many records per file: worth splitting when large
_MULTI = (".jsonl", ".ndjson", ".json", ".csv", ".tsv", ".warc", ".gz", ".xml", ".rss", ".atom")


@dataclass(frozen=True)
class Split:
    """Records ``[start, stop)`` (``stop`` None: to the end) of the ``index``-th input file."""

    index: int
    path: str
    start: int = 0
    stop: int | None = None


def input_files(inputs: Iterable[str]) -> list[str]:
    """The files of ``inputs`` in the order the local engine reads them; URLs and stdin are refused."""
    files: list[str] = []
    for inp in map(str, inputs):
        if inp == "-" or "://" in inp:
            raise ConfigError(f"{inp}: the Spark engine reads files and folders only; fetch URLs or save stdin to "
                              "a file first (or use newsloom ingest)", code="E131")
        path = Path(inp)
        if path.is_dir():
            files += [str(f) for f in _walk(path)]
        elif path.exists():
            files.append(inp)
        else:
            raise Rejected(inp, "no such file or folder; nothing was run (check the path)", code="E114")
    return files


def _read(split: Split, fmt: str | None, options: ReadOptions) -> Iterator[tuple[int, Any]]:
    """(record number in its file, item) of the split's records."""
    for i, item in enumerate(iter_inputs([split.path], format=fmt, options=options)):
        if split.stop is not None and i >= split.stop:
            return
        if i >= split.start:
            yield i, item


def plan_splits(sc: Any, files: list[str], *, split_bytes: int, fmt: str | None, options: ReadOptions) -> list[Split]:
    """Splits of about ``split_bytes`` each, in input order; large many-record files are counted on the cluster."""
    big = [i for i, f in enumerate(files) if f.lower().endswith(_MULTI) and os.path.getsize(f) > split_bytes]
    counts: dict[int, int] = {}
    if big:
        counts = dict(sc.parallelize([(i, files[i]) for i in big], len(big)).map(
            lambda job: (job[0], sum(1 for _ in _read(Split(job[0], job[1]), fmt, options)))).collect())
    splits = []
    for i, f in enumerate(files):
        if i not in counts:
            splits.append(Split(i, f))
            continue
        parts = max(1, math.ceil(os.path.getsize(f) / split_bytes))
        step = max(1, math.ceil(counts[i] / parts))
        splits += [Split(i, f, s, s + step) for s in range(0, counts[i], step)] or [Split(i, f)]
    return splits


_PIPELINES: dict[str, Pipeline] = {}


def _pipeline(plan: StagePlan) -> Pipeline:
    """The per-article stages, built once per executor process (Spark reuses its Python workers)."""
    key = hashlib.sha256(pickle.dumps(plan)).hexdigest()
    if key not in _PIPELINES:
        _PIPELINES[key] = plan.build()
    return _PIPELINES[key]


def annotate_split(split: Split, plan: StagePlan, *, fmt: str | None, options: ReadOptions, source: str | None,
                   batch_size: int, known: frozenset[str] = frozenset()) -> Iterator[tuple[tuple[int, int], str, Any, Any]]:
    """Run the per-article stages over one split: ((file, record), where, external id, outcome) per record.

    The outcome is the finished Article, a Rejected, or the id of an article the output already holds
    (``known``) or an earlier record of the batch repeats (a duplicate).
    """
    pipeline = _pipeline(plan)
    buf: list[tuple[int, Any]] = []

    def flush() -> Iterator[tuple[tuple[int, int], str, Any, Any]]:
        work: list[Work] = []
        slots: list[tuple[int, str, Any, Any]] = []  # (record, where, external id, outcome or None: see work)
        for i, item in buf:
            where, ext, got = triage(item, source=source, options=options)
            if isinstance(got, Rejected):
                slots.append((i, where, ext, got))
            elif isinstance(got, Article) and got.id in known:
                slots.append((i, where, ext, got.id))
            else:
                slots.append((i, where, ext, None))
                work.append((where, got))
        outcomes = iter(run_stages(pipeline, work, convert=(source, options.max_html_elements),
                                   batch_size=batch_size)[0])
        for i, where, ext, out in slots:
            yield (split.index, i), where, ext, (next(outcomes) if out is None else out)
        buf.clear()

    for pair in _read(split, fmt, options):
        buf.append(pair)
        if len(buf) >= batch_size:
            yield from flush()
    if buf:
        yield from flush()


def spark_session(master: str, *, app: str = "newsloom") -> Any:
    """A Spark session; on a local master, bound to 127.0.0.1 with no web UI."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise MissingDependency("pyspark (the Spark engine)", "pip install 'newsloom[distributed]'") from exc
    if master.startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        # the executors' Python imports this newsloom (a cluster ships the package instead: docs/scaling.md)
        here = str(Path(__file__).resolve().parents[2])
        if here not in os.environ.get("PYTHONPATH", "").split(os.pathsep):
            os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (here, os.environ.get("PYTHONPATH")) if p)
    builder = (SparkSession.builder.master(master).appName(app)
               .config("spark.ui.enabled", "false")
               .config("spark.python.worker.reuse", "true")
               .config("spark.ui.showConsoleProgress", "false")
               # one BLAS thread per executor Python process, as in a local worker (see newsloom/__init__.py)
               .config("spark.executorEnv.OPENBLAS_NUM_THREADS", os.environ.get("OPENBLAS_NUM_THREADS", "1")))
    if master.startswith("local"):
        builder = (builder.config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                   .config("spark.sql.shuffle.partitions", "8"))  # the corpus stages' joins: a few cores, not 200 tasks
    return builder.getOrCreate()


def run_spark(inputs: Iterable[str], output: str | Path, *, settings: Settings, master: str = "local[*]",
              fmt: str | None = None, source: str | None = None, spark: Any = None) -> IngestReport:
    """Run the pipeline over ``inputs`` on Spark into ``output`` (adding to what it holds); returns the report."""
    out = Path(output)
    out.mkdir(parents=True, exist_ok=True)
    files = input_files(inputs)
    batch_size = int(settings.get("pipeline.batch_size"))
    plan = StagePlan.article_stages(settings)
    reg = registered_stages()
    corpus = Pipeline.default(settings, names=[n for n in settings.stages if n in reg and reg[n].kind == "corpus"])
    options = ReadOptions(max_article_bytes=settings.get("reader.max_article_bytes"),
                          max_decompressed_bytes=settings.get("reader.max_decompressed_bytes"))
    own = spark is None
    spark = spark or spark_session(master)
    sc = spark.sparkContext
    report = IngestReport()
    with Store(out / WORK_DB) as store:
        finish_pending(store, corpus)
        known = frozenset(r[0] for r in store.execute("SELECT id FROM articles"))
        splits = plan_splits(sc, files, split_bytes=int(settings.get("spark.split_bytes")), fmt=fmt, options=options)
        known_b = sc.broadcast(known)
        results = sc.parallelize(splits, max(1, len(splits))).mapPartitions(
            lambda it: (row for split in it for row in annotate_split(
                split, plan, fmt=fmt, options=options, source=source, batch_size=batch_size, known=known_b.value)))
        from pyspark import StorageLevel

        results.persist(StorageLevel.MEMORY_AND_DISK)
        try:
            results.count()  # every partition annotated in parallel, then read back in input order
            ranked = ranked_articles(results).persist(StorageLevel.MEMORY_AND_DISK)
            try:
                _on_cluster(spark, ranked, store, corpus, settings, report)
            finally:
                ranked.unpersist()
            _store_in_order(store, corpus, report, results.toLocalIterator(), batch_size)
            for slot in corpus.corpus:
                if hasattr(slot.component, "answered"):
                    log.info("%s: %d look-ups answered from the cluster", slot.info.name, slot.component.answered)
        except Exception as exc:
            if type(exc).__module__.startswith(("py4j", "pyspark")):
                raise EngineError(f"the Spark job failed: {exc}. Fix: see the executor log above; a run into the "
                                  "same OUTPUT again finishes the job") from exc
            raise
        finally:
            results.unpersist()
            known_b.unpersist()
            if own:
                spark.stop()
        write_tables(store, out)
    return report


def ranked_articles(results: Any) -> Any:
    """The articles a run will store, as an RDD of (rank, Article), rank = place in the stored order.

    ``results`` holds ((file, record), where, external id, outcome) per record; an article repeated by a later
    record is ranked at its first.
    """
    first = results.filter(lambda r: isinstance(r[3], Article)).map(lambda r: (r[3].id, (r[0], r[3]))) \
        .reduceByKey(lambda a, b: a if a[0] <= b[0] else b)
    return first.map(lambda kv: kv[1]).sortByKey().zipWithIndex().map(lambda x: (x[1], x[0][1]))


def _on_cluster(spark: Any, ranked: Any, store: Store, corpus: Pipeline, settings: Settings,
                report: IngestReport) -> None:
    """Run the corpus stages' parts on the cluster (:func:`newsloom.pipeline.cluster_part`); each returns the
    component the driver runs in its stage's place. Wall time: ``report.seconds["<stage> (cluster)"]``."""
    parts = cluster_parts()
    for slot in corpus.corpus:
        part = parts.get(slot.info.name)
        if part is None or type(slot.component) is not slot.info.factory:
            continue
        t0 = time.perf_counter()
        slot.component = part(spark, ranked, store, settings)
        report.seconds[f"{slot.info.name} (cluster)"] = time.perf_counter() - t0


def _store_in_order(store: Store, corpus: Pipeline, report: IngestReport,
                    rows: Iterator[tuple[tuple[int, int], str, Any, Any]], batch_size: int) -> None:
    """Store the annotated records batch by batch, as the local engine's ingest does (same batches, same order)."""

    class _Done:  # hands the outcomes computed on the cluster to the local engine's _finish
        outcomes: list[Any] = []

        def result(self, seq: int) -> tuple[list[Any], dict[str, float]]:
            return self.outcomes, {}

    done = _Done()
    seq = 0
    chunk: list[tuple[str, Any, Any]] = []

    def flush() -> None:
        nonlocal seq
        batch = _Batch(seq)
        outcomes: list[Any] = []
        for where, ext, outcome in chunk:
            report.read += 1
            batch.fates.append(len(batch.work))
            batch.work.append((where, None))  # type: ignore[arg-type]
            batch.external_ids.append(ext)
            outcomes.append(outcome)
        done.outcomes = outcomes
        _finish(store, corpus, report, batch, done)  # type: ignore[arg-type]
        seq += 1
        chunk.clear()

    for _key, where, ext, outcome in rows:
        chunk.append((where, ext, outcome))
        if len(chunk) >= batch_size:
            flush()
    if chunk:
        flush()
