"""The Spark engine (local[2], bound to 127.0.0.1) stores what the local engine stores, and loads into SQLite."""
from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from newsloom import Settings
from newsloom.engine.output import load_output
from newsloom.loom import run
from newsloom.errors import ConfigError

from .conftest import BASE_STAGES, BENCH, REPO
from .snapshot import snapshot, vectors

pyspark = pytest.importorskip("pyspark", reason="the distributed extra: pip install -e '.[distributed]'")


@pytest.fixture(scope="module")
def spark():
    from newsloom.engine.spark import spark_session

    session = spark_session("local[2]", app="newsloom-tests")
    yield session
    session.stop()


def _spark_run(spark, inputs, out, settings):
    from newsloom.engine.spark import run_spark

    return run_spark(inputs, out, settings=settings, spark=spark)


def _timeline_jsonl(path: Path, n: int, start: int = 0) -> Path:
    rows = []
    with (BENCH / "timeline17" / "articles.jsonl").open(encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if i >= start:
                rows.append(json.loads(line))
            if len(rows) >= n:
                break
    rows.append(rows[0])  # a duplicate in another partition
    rows.append({"id": "no-text", "title": "Nothing here"})  # a rejected record
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_spark_stores_what_the_local_engine_stores(spark, tmp_path, seed_paths, caplog):
    """Seeds and Timeline17 rows (the JSONL split into several partitions), every stage with spaCy; entity
    resolution's look-ups answered from the cluster."""
    jsonl = _timeline_jsonl(tmp_path / "t17.jsonl", 5)  # row 4 has no text
    inputs = [str(p) for p in seed_paths] + [str(jsonl)]
    settings = Settings.load(env={}, overrides={"spark.split_bytes": jsonl.stat().st_size // 3,
                                                "pipeline.batch_size": 4})
    local = run(inputs, tmp_path / "local", settings=settings, workers=1)
    with caplog.at_level(logging.INFO, logger="newsloom.engine.spark"):
        report = _spark_run(spark, inputs, tmp_path / "spark", settings)
    answered = [r.getMessage() for r in caplog.records if r.getMessage().startswith("resolve: ")]
    assert answered and not answered[0].startswith("resolve: 0 "), answered
    assert report.as_dict() | {"seconds": 0} == local.as_dict() | {"seconds": 0}
    assert report.stored == 9 and report.duplicate == 1 and report.rejected == 2  # one Timeline17 row has no text
    one, two = snapshot(tmp_path / "local" / "work.db"), snapshot(tmp_path / "spark" / "work.db")
    for table in ("mentions", "quotes", "dates", "events", "entities", "copy_index"):
        assert one[table], f"no {table}: the comparison would prove nothing"
    assert one == two
    near = vectors(tmp_path / "local" / "work.db"), vectors(tmp_path / "spark" / "work.db")
    assert near[0].keys() == near[1].keys() and near[0]
    assert all(np.allclose(near[0][a], near[1][a], atol=2e-3) for a in near[0])  # the same model, another process
    counts = load_output(tmp_path / "spark", tmp_path / "loaded.db")
    assert counts["articles"] == 9
    assert snapshot(tmp_path / "loaded.db") == two
    assert (tmp_path / "local" / "export" / "quotes.parquet").exists()  # newsloom.loom.run adds the export kinds


def test_an_incremental_run_adds_to_the_output_as_a_second_ingest_does(spark, tmp_path):
    a = _timeline_jsonl(tmp_path / "a.jsonl", 6)
    b = _timeline_jsonl(tmp_path / "b.jsonl", 6, start=4)  # overlaps a: two records stored already
    settings = Settings.load(env={}, overrides={"pipeline.stages": BASE_STAGES + ["copies"],
                                                "spark.split_bytes": 20000})
    for inp in (a, b):
        run([str(inp)], tmp_path / "local", settings=settings, workers=1)
        second = _spark_run(spark, [str(inp)], tmp_path / "spark", settings)
    assert second.duplicate == 3 and second.stored == 4
    assert snapshot(tmp_path / "local" / "work.db") == snapshot(tmp_path / "spark" / "work.db")
    again = _spark_run(spark, [str(b)], tmp_path / "spark", settings)
    assert again.stored == 0 and again.duplicate == 7


def test_load_refuses_a_database_with_articles_unless_replace(tmp_path):
    settings = Settings.load(env={}, overrides={"pipeline.stages": BASE_STAGES})
    src = _timeline_jsonl(tmp_path / "a.jsonl", 3)
    run([str(src)], tmp_path / "out", settings=settings, workers=1)
    load_output(tmp_path / "out", tmp_path / "db.db")
    with pytest.raises(ConfigError, match="E133"):
        load_output(tmp_path / "out", tmp_path / "db.db")
    assert load_output(tmp_path / "out", tmp_path / "db.db", replace=True)["articles"] == 3
    with pytest.raises(ConfigError, match="E132"):
        load_output(tmp_path, tmp_path / "other.db")


def test_the_core_install_never_imports_pyspark():
    code = ("import sys, newsloom, newsloom.cli.commands, newsloom.loom, newsloom.engine.spark, newsloom.engine.output; "
            "print('pyspark' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
