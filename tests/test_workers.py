"""Per-article stages on worker processes store exactly what one process stores."""
from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsloom import Loom, Settings, stage
from newsloom.engine import workers as workers_mod
from newsloom.engine.workers import StagePlan, WorkerPool, default_workers, part_bounds, start_method
from newsloom.errors import EngineError
from newsloom.model import Article, Record

from .conftest import BASE_STAGES, BENCH
from .snapshot import snapshot


@stage("test_worker_boom", requires=("text",))
def worker_boom(article: Article) -> Article:
    """Fails on articles that mention a detonation (a stage error raised inside a worker)."""
    if "detonate" in article.text:
        raise ValueError(f"cannot handle {article.external_id}")
    return article


@stage("test_worker_builds", requires=("text",))
class WorkerBuilds:
    """Notes the id of every process that builds it (in the file named by $WORKERS_TEST_BUILDS)."""

    def __init__(self, settings: object = None) -> None:
        with open(os.environ["WORKERS_TEST_BUILDS"], "a", encoding="utf-8") as fh:
            fh.write(f"{os.getpid()}\n")

    def __call__(self, article: Article) -> Article:
        return article


@stage("test_worker_threads", requires=("text",))
def worker_threads(article: Article) -> Article:
    """Notes the process and its number of threads for every article (in the file named by $WORKERS_TEST_THREADS)."""
    with open(os.environ["WORKERS_TEST_THREADS"], "a", encoding="utf-8") as fh:
        fh.write(f"{os.getpid()} {threading.active_count()}\n")
    return article


def _stories(tmp_path: Path, n: int) -> Path:
    """A JSONL input of ``n`` one-line stories."""
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"id": f"a{i}", "text": f"Story {i} about the tower."}) + "\n"
                           for i in range(n)), encoding="utf-8")
    return src


def _inputs(tmp_path: Path, seed_paths: list[Path], n_timeline: int) -> list[str]:
    rows = []
    with (BENCH / "timeline17" / "articles.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            rows.append(json.loads(line))
            if len(rows) >= n_timeline:
                break
    rows.append(rows[1])  # a duplicate a few batches later
    src = tmp_path / "t17.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return [str(p) for p in seed_paths] + [str(src)]


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_two_workers_store_what_one_process_stores(tmp_path, seed_paths, monkeypatch, method):
    """The whole pipeline (spaCy included) on the seeds and Timeline17 rows, 3 articles per batch."""
    monkeypatch.setattr(workers_mod, "start_method", lambda: method)
    inputs = _inputs(tmp_path, seed_paths, 10)
    settings = Settings.load(env={}, overrides={"pipeline.batch_size": 3})
    reports = {}
    for workers in (1, 2):
        with Loom(tmp_path / f"w{workers}.db", settings=settings) as loom:
            reports[workers] = loom.ingest(*inputs, workers=workers)
    one, two = snapshot(tmp_path / "w1.db"), snapshot(tmp_path / "w2.db")
    assert reports[1].as_dict() | {"seconds": 0} == reports[2].as_dict() | {"seconds": 0}
    assert reports[2].stored == 14 and reports[2].duplicate == 1 and reports[2].rejected == 1  # a row without text
    assert one["article order"] == two["article order"]
    for table in ("mentions", "quotes", "dates", "events"):
        assert one[table], f"no {table} stored: the test would prove nothing"
    assert one.keys() == two.keys()
    for table in one:
        assert one[table] == two[table], table
    assert set(reports[2].seconds) >= {"nlp", "entities", "store", "copies", "resolve"}


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_a_stage_error_in_a_worker_rejects_that_article_with_the_stage(tmp_path, monkeypatch, method):
    monkeypatch.setattr(workers_mod, "start_method", lambda: method)
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"id": f"a{i}", "text": f"Story {i}: crews " +
                                       ("detonate the old tower." if i % 5 == 2 else "rebuild the old tower.")})
                           + "\n" for i in range(20)), encoding="utf-8")
    settings = Settings.load(env={}, overrides={"pipeline.stages": ["clean", "test_worker_boom", "language",
                                                                    "boilerplate"], "pipeline.batch_size": 4})
    got = {}
    for workers in (1, 2):
        with Loom(tmp_path / f"b{workers}.db", settings=settings) as loom:
            report = loom.ingest(str(src), workers=workers)
            got[workers] = (report.stored, sorted(report.rejects),
                            [r[0] for r in loom.store.execute("SELECT id FROM articles ORDER BY rowid")])
    assert got[1] == got[2]
    stored, rejects, _ = got[2]
    assert stored == 16 and len(rejects) == 4
    assert all("stage test_worker_boom failed: ValueError('cannot handle" in reason for _, reason in rejects)


def test_a_worker_that_cannot_build_its_stages_stops_the_ingest_with_the_reason(tmp_path):
    settings = Settings.load(env={}, overrides={"pipeline.stages": BASE_STAGES, "pipeline.batch_size": 2})
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"id": f"a{i}", "text": f"Story {i} about the tower."}) + "\n"
                           for i in range(6)), encoding="utf-8")
    plan = StagePlan(settings, ("clean", "no_such_stage"))
    with Loom(tmp_path / "x.db", settings=settings) as loom:
        from newsloom.engine.local import ingest

        with pytest.raises(EngineError, match="no_such_stage"):
            ingest(loom.store, [str(src)], pipeline=loom.pipeline, workers=2, stages=plan, batch_size=2)
        assert loom.store.execute("SELECT count(*) FROM articles").fetchone()[0] == 0


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_forked_workers_share_the_stages_this_process_built(tmp_path, monkeypatch, method):
    """Forked workers use the stages the ingesting process built (once); spawned ones build their own."""
    monkeypatch.setattr(workers_mod, "start_method", lambda: method)
    builds = tmp_path / "builds.txt"
    monkeypatch.setenv("WORKERS_TEST_BUILDS", str(builds))
    settings = Settings.load(env={}, overrides={"pipeline.stages": ["clean", "test_worker_builds", "language"],
                                                "pipeline.batch_size": 4})
    src = _stories(tmp_path, 12)
    with Loom(tmp_path / "x.db", settings=settings) as loom:
        assert loom.ingest(str(src), workers=2).stored == 12
    pids = builds.read_text().split()
    if method == "fork":
        assert pids == [str(os.getpid())]
    else:
        assert len(pids) == 2 and str(os.getpid()) not in pids


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_a_worker_runs_the_stages_in_its_one_thread(tmp_path, monkeypatch, method):
    """A worker sends its results itself: no queue feeder thread, whose mere presence makes spaCy's parser
    about a fifth slower (glibc's locking paths in a process with threads)."""
    monkeypatch.setattr(workers_mod, "start_method", lambda: method)
    log = tmp_path / "threads.txt"
    monkeypatch.setenv("WORKERS_TEST_THREADS", str(log))
    settings = Settings.load(env={}, overrides={"pipeline.stages": ["clean", "test_worker_threads"],
                                                "pipeline.batch_size": 4})
    src = _stories(tmp_path, 24)
    with Loom(tmp_path / "x.db", settings=settings) as loom:
        assert loom.ingest(str(src), workers=2).stored == 24
    seen = [line.split() for line in log.read_text().split("\n") if line]
    in_workers = [int(n) for pid, n in seen if pid != str(os.getpid())]
    assert len(in_workers) >= 20 and set(in_workers) == {1}  # 12 parts over 2 workers: each sent results before


def test_a_batch_the_workers_have_done_is_ready_at_once():
    """The ingest stores a batch as soon as the workers return it (``ready``), not when the window is full."""
    plan = StagePlan(Settings.load(env={}), ("clean", "language"))
    batches = [[(f"in{b}.{i}", Record(external_id=f"{b}.{i}", text=f"Story {b}.{i}: the crews rebuild the tower."))
                for i in range(20)] for b in range(2)]
    with WorkerPool(plan, 2) as pool:
        pool.submit(0, batches[0], None, 64)
        assert not pool.ready(0)  # held: a single batch runs in this process
        pool.submit(1, batches[1], None, 64)
        deadline = time.monotonic() + 120
        while not pool.ready(0):
            assert time.monotonic() < deadline, "batch 0 never became ready"
            time.sleep(0.05)
        outcomes, seconds = pool.result(0)
        assert [a.external_id for a in outcomes] == [r.external_id for _, r in batches[0]]
        assert set(seconds) == {"clean", "language"}
        assert not pool.ready(7)  # never sent
        assert [a.external_id for a in pool.result(1)[0]] == [r.external_id for _, r in batches[1]]


def test_workers_are_spawned_while_another_thread_runs():
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert start_method() == "spawn"
    finally:
        stop.set()
        other.join()


def test_default_workers_is_the_cores_this_process_may_use():
    assert default_workers() >= 1
    assert Settings.load(env={}).get("engine.workers") == 0


@given(st.integers(0, 2000), st.integers(1, 8))
def test_a_batch_is_cut_into_even_parts_of_at_most_a_spacy_batch_at_least_one_per_worker(n, workers):
    cuts = part_bounds(n, workers)
    sizes = [b - a for a, b in zip(cuts, cuts[1:])]
    assert cuts[0] == 0 and cuts[-1] == n and all(s > 0 for s in sizes)
    assert max(sizes, default=0) <= workers_mod._PART and max(sizes, default=0) - min(sizes, default=0) <= 1
    assert len(sizes) == (max(-(-n // workers_mod._PART), min(workers, n)) if n else 0)


def test_the_last_short_batch_is_shared_evenly():
    assert part_bounds(64, 2) == [0, 16, 32, 48, 64]
    assert part_bounds(42, 2) == [0, 14, 28, 42]
    assert part_bounds(20, 2) == [0, 10, 20]
    assert part_bounds(3, 4) == [0, 1, 2, 3]
