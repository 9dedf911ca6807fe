"""``newsloom bench ingest``: throughput and peak memory of reading, cleaning and storing articles.

With ``--annotate`` it measures the whole ingest (read, clean, annotate, store, corpus stages) as a user
runs it, ``newsloom ingest --workers N`` in a child process, at each of ``workers`` (default 1 and 2),
against a single-process bare spaCy NER pass (only the ``ner`` component, model loaded before timing,
in a child process of its own with one thread: :mod:`newsloom.bench.bare_ner`) over the same cleaned
texts. The passes of a round run one after the other, their order rotating from round to round, so the
drift of a shared machine hits every pass alike; the ratios reported are the medians of the rounds'
ratios. Memory is the peak of the whole process tree (the ingest and its
workers), sampled from /proc.
"""
from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ..eval import Table, benchmark
from ..loom import Loom
from ..settings import Settings
from .annotate import _articles
from .memory import TreePeak, peak_rss_mb
from .samples import timeline17_sample

__all__ = ["bench_ingest", "peak_rss_mb", "timeline17_sample", "ANNOTATED_N"]

#: default articles of ``--annotate``: enough that start-up (imports, building the stages, loading the models
#: once) is a few per cent of a run, as in a real ingest, and not a fifth of it as at 100 articles
ANNOTATED_N = 300


@benchmark("ingest")
def bench_ingest(n: int | None = None, data: str | None = None, annotate: bool = False, rounds: int = 3,
                 workers: str | int = "1,2", **_: Any) -> list[Table]:
    """Ingest N real Timeline17 articles (read, clean, language, store) into a fresh SQLite file; with
    ``annotate``, the whole pipeline at 1 and 2 workers against a bare spaCy NER pass."""
    if annotate:
        return _bench_annotated(n or ANNOTATED_N, data, int(rounds), [int(w) for w in str(workers).split(",")])
    n = n or 1000
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


def _child_env() -> dict[str, str]:
    """This environment for a child that imports this newsloom, without the NEWSLOOM_ settings of the caller."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLOOM_")}
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).resolve().parents[2]), env.get("PYTHONPATH", "")])
    return env


def _bare_child(texts: Path, blas: str) -> tuple[dict[str, float], TreePeak]:
    """The bare NER pass in a child process (:mod:`newsloom.bench.bare_ner`): what it reports (timed seconds,
    CPU s, entities found), and the child's peak memory (the model included), sampled from here."""
    proc = subprocess.Popen([sys.executable, "-m", "newsloom.bench.bare_ner", str(texts), blas], env=_child_env(),
                            stdout=subprocess.PIPE, text=True)
    with TreePeak(proc.pid) as peak:
        out, _ = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"the bare NER pass ({blas}) failed with exit code {proc.returncode}")
    return json.loads(out), peak


def _ingest_child(db: Path, src: Path, workers: int) -> tuple[float, float, TreePeak, dict[str, Any]]:
    """``newsloom ingest --workers N`` in a child process: wall s, CPU s (its whole tree), peak memory, report."""
    env = _child_env()
    cmd = [sys.executable, "-m", "newsloom", "--db", str(db), "ingest", "--silent", "--json", "--workers",
           str(workers), str(src)]
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    with TreePeak(proc.pid) as peak:
        out, _ = proc.communicate()
    wall = time.perf_counter() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"ingest --workers {workers} failed with exit code {proc.returncode}")
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    return wall, cpu, peak, json.loads(out)


#: the bare NER pass with its matrix products on numpy's BLAS, as the ingest's nlp stage runs them
NUMPY_BARE = "bare NER, numpy BLAS"


def _bench_annotated(n: int, data: str | None, rounds: int, workers: list[int]) -> list[Table]:
    rows = timeline17_sample(n, data)
    texts = [a.text[:200_000] for a in _articles(rows)]
    bares = {"bare NER": "blis", NUMPY_BARE: "numpy"}  # the pass and its [stages.nlp] blas
    passes = [*bares] + [f"ingest, {w} worker{'s' if w > 1 else ''}" for w in workers]
    walls: dict[str, list[float]] = {p: [] for p in passes}
    cpus: dict[str, list[float]] = {p: [] for p in passes}
    peaks: dict[str, float] = dict.fromkeys(passes, 0.0)
    pss: dict[str, float] = dict.fromkeys(passes, 0.0)
    reports: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.jsonl"
        src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        texts_json = Path(tmp) / "texts.json"
        texts_json.write_text(json.dumps(texts), encoding="utf-8")
        for r in range(max(1, rounds)):
            for k in range(len(passes)):
                name = passes[(k + r) % len(passes)]
                if name in bares:
                    got, peak = _bare_child(texts_json, bares[name])
                    wall, cpu = got["seconds"], got["cpu"]
                else:
                    w = workers[passes.index(name) - len(bares)]
                    db = Path(tmp) / f"r{r}w{w}.db"
                    wall, cpu, peak, reports[name] = _ingest_child(db, src, w)
                    for f in Path(tmp).glob(f"r{r}w{w}.db*"):
                        f.unlink()
                walls[name].append(wall)
                cpus[name].append(cpu)
                peaks[name] = max(peaks[name], peak.mb)
                pss[name] = max(pss[name], peak.pss_mb)
    stored = reports[passes[len(bares)]]["stored"]
    table_rows = []
    for name in passes:
        ratios = [b / x for b, x in zip(walls["bare NER"], walls[name])]
        numpy_ratios = [b / x for b, x in zip(walls[NUMPY_BARE], walls[name])]
        table_rows.append({"pass": name, "articles": len(texts), "seconds": round(statistics.median(walls[name]), 1),
                           "cpu s": round(statistics.median(cpus[name]), 1),
                           "articles/s": round(len(texts) / statistics.median(walls[name]), 2),
                           "vs bare NER": round(statistics.median(ratios), 3),
                           "rounds": ", ".join(f"{x:.2f}" for x in ratios),
                           "vs bare NER, numpy BLAS": round(statistics.median(numpy_ratios), 3),
                           "peak MB (tree)": round(peaks[name]), "peak PSS MB": round(pss[name])})
    stage_rows = []
    for name in passes[len(bares):]:
        secs = reports[name]["seconds"]
        total = sum(secs.values()) or 1.0
        for stage, sec in sorted(secs.items(), key=lambda kv: -kv[1]):
            stage_rows.append({"run": name, "stage": stage, "seconds": round(sec, 2), "share": round(sec / total, 3)})
    notes = [f"data: Timeline17 articles.jsonl, first {n} rows ({len(texts)} with text, {stored} stored); "
             f"{rounds} rounds, the passes' order rotating each round; 'vs bare NER' is the median of the rounds' "
             "ratios of throughput (listed under 'rounds')",
             "ingest: `newsloom ingest --workers N` with the shipped pipeline in a child process, timed from start "
             "to exit (start-up, model loading in every worker, reading, every stage, storing); bare NER: "
             "nlp.pipe with only the ner component in a child process with one thread, model loaded before "
             "timing, with spaCy's defaults (its matrix products on blis); bare NER, numpy BLAS: the same with "
             "the products on numpy's BLAS, one thread, as the ingest's nlp stage runs them ([stages.nlp] blas)",
             "cpu s: CPU time of the pass's whole process tree; peak MB: highest resident memory of the tree "
             "(the ingest and its workers; RSS summed, so pages forked workers share with the ingest count once "
             "per process) and peak PSS MB (each shared page counted once in all), sampled every 0.1 s",
             "goal: the whole ingest at >= 1.6x bare NER with 2 workers, peak memory <= 2 GB"]
    return [Table("whole ingest vs a single-process bare spaCy NER pass (same texts, same run)",
                  ["pass", "articles", "seconds", "cpu s", "articles/s", "vs bare NER", "rounds",
                   "vs bare NER, numpy BLAS", "peak MB (tree)", "peak PSS MB"],
                  table_rows, notes=notes),
            Table("ingest time per stage (last round; per-article stages summed over the worker processes)",
                  ["run", "stage", "seconds", "share"], stage_rows,
                  notes=["share: of the summed stage and store seconds; reading, start-up and waiting are not in it"])]
