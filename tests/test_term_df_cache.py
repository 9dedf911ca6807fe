"""Word counts kept across batches (stages/term_df_cache.py): what an Idf reads is what the table holds."""
from __future__ import annotations

import math
import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsloom.stages import term_df_cache
from newsloom.stages.stories import Idf
from newsloom.storage import Store


def _table(conn: sqlite3.Connection) -> dict[int, int]:
    return dict(conn.execute("SELECT term, df FROM story_terms_df").fetchall())


def _batch(store: Store, articles: list[set[int]]) -> None:
    """One batch as the stories stage runs it: counted, flushed, committed, published."""
    with store.transaction() as conn:
        idf = Idf(conn, background=0.0)
        for terms in articles:
            idf.count(dict.fromkeys(terms, 1.0), lambda: {})
        idf.flush()
    idf.publish()


def _fresh_words(store: Store, terms: list[int]) -> dict[int, float]:
    n = store.execute("SELECT df FROM story_terms_df WHERE term = 0").fetchone()
    df = _table(store.conn)
    total = n[0] if n else 0
    return {t: math.log(1 + total) - math.log(1 + df.get(t, 0)) for t in terms}


@settings(max_examples=30, deadline=None)
@given(st.lists(st.lists(st.sets(st.integers(1, 12), max_size=5), min_size=1, max_size=4), min_size=1, max_size=5))
def test_kept_counts_give_the_weights_a_fresh_read_gives(tmp_path_factory, batches):
    store = Store(tmp_path_factory.mktemp("df") / "df.db")
    for articles in batches:
        _batch(store, articles)
        with store.transaction() as conn:  # the threads stage's batch: reads only
            assert Idf(conn, background=0.0).words(list(range(1, 14))) == pytest.approx(
                _fresh_words(store, list(range(1, 14))))
    store.close()


def test_a_rolled_back_batch_leaves_no_count_behind(tmp_path):
    store = Store(tmp_path / "df.db")
    _batch(store, [{1, 2}, {1}])
    with store.transaction() as conn:
        Idf(conn, background=0.0).words([1, 2, 3])  # the kept counts now hold 1, 2 and 3
    with pytest.raises(RuntimeError):
        with store.transaction() as conn:
            idf = Idf(conn, background=0.0)
            idf.count({1: 1.0, 3: 1.0}, lambda: {})
            idf.flush()
            later = Idf(conn, background=0.0)  # in the same transaction: the table, with the flushed counts
            assert later.words([1, 3]) == pytest.approx({1: math.log(4 / 4), 3: math.log(4 / 2)})
            raise RuntimeError("the batch fails after its flush")
    with store.transaction() as conn:
        assert Idf(conn, background=0.0).words([1, 2, 3]) == pytest.approx(
            {1: math.log(3 / 3), 2: math.log(3 / 2), 3: math.log(3 / 1)})
    store.close()


def test_another_connections_commit_or_an_emptied_table_drops_the_kept_counts(tmp_path):
    store = Store(tmp_path / "df.db")
    _batch(store, [{1}, {1, 2}])
    with store.transaction() as conn:
        Idf(conn, background=0.0).words([1, 2])
    other = sqlite3.connect(tmp_path / "df.db")
    other.execute("UPDATE story_terms_df SET df = df + 5 WHERE term = 2")  # n unchanged: only data_version tells
    other.commit()
    other.close()
    with store.transaction() as conn:
        assert Idf(conn, background=0.0).words([2]) == pytest.approx({2: math.log(3 / 7)})
    with store.transaction() as conn:
        conn.execute("DELETE FROM story_terms_df")  # this connection: the article count tells
    _batch(store, [{2}])
    with store.transaction() as conn:
        assert Idf(conn, background=0.0).words([1, 2]) == pytest.approx({1: math.log(2 / 1), 2: math.log(2 / 2)})
    store.close()


def test_the_kept_counts_are_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(term_df_cache, "MAX_TERMS", 3)
    store = Store(tmp_path / "df.db")
    _batch(store, [{1, 2, 3, 4, 5}])
    with store.transaction() as conn:
        idf = Idf(conn, background=0.0)
        assert idf.words([1, 2, 3, 4, 5, 6]) == pytest.approx({t: math.log(2 / (1 + (t < 6))) for t in range(1, 7)})
        assert len(term_df_cache.kept_counts(conn, 1).counts) <= 3
    store.close()


def test_the_next_batches_read_no_count_they_keep(tmp_path):
    store = Store(tmp_path / "df.db")
    _batch(store, [{1, 2}, {2, 3}])
    with store.transaction() as conn:
        Idf(conn, background=0.0).words([1, 2, 3, 4])
    _batch(store, [{3, 5}])  # writes 3 and 5; 1, 2 and 4 are kept as they were
    _batch(store, [set()])  # an article without words: only the article count changes
    reads: list[str] = []
    store.conn.set_trace_callback(lambda sql: reads.append(sql) if "WHERE term IN" in sql else None)
    with store.transaction() as conn:
        assert Idf(conn, background=0.0).words([1, 2, 3, 4, 5]) == pytest.approx(
            {1: math.log(5 / 2), 2: math.log(5 / 3), 3: math.log(5 / 3), 4: math.log(5 / 1), 5: math.log(5 / 2)})
    store.conn.set_trace_callback(None)
    assert reads == []
    store.close()
