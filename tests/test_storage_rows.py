"""Storage: stages compute, storage stores. Each tables module turns an article into plain rows (``rows(article)``),
and the SQLite store writes exactly those rows, so another writer (Parquet) can consume the same ones."""
from __future__ import annotations

import copy

import pytest

from newsloom.loom import process
from newsloom.model import Article
from newsloom.storage import ARTICLE_ROWS, InputRow, SQLiteStore, Store
from newsloom.storage.base import annotation_rows
from newsloom.storage.tables import articles as article_table

from .conftest import SEEDS


@pytest.fixture(scope="module")
def annotated() -> Article:
    path = next(SEEDS.glob("001_*.txt"))
    return process(path.read_text(encoding="utf-8"), published="2021-11-16", title="Belarus border")


def _key(row: dict) -> tuple:
    return tuple(sorted(row.items()))


def test_rows_are_what_sqlite_stores(annotated):
    rows = annotation_rows(annotated)
    assert {"mentions", "dates", "events", "quotes"} <= set(rows)
    with Store(":memory:") as store:
        assert isinstance(store, SQLiteStore) and isinstance(store, Store)
        assert store.add_batch([annotated], [InputRow("x", "x", annotated.id, "stored")]) == [annotated.id]
        for table, produced in rows.items():
            columns = {r[1] for r in store.execute(f'PRAGMA table_info("{table}")')}
            assert set(produced[0]) <= columns, f"{table}: rows name columns the table lacks"
            names = ", ".join(f'"{c}"' for c in produced[0])
            stored = list(store.rows(f'SELECT {names} FROM "{table}" WHERE article_id = ?', (annotated.id,)))
            assert stored and {_key(r) for r in stored} == {_key(r) for r in produced}, table
        article = store.rows("SELECT * FROM articles WHERE id = ?", (annotated.id,))
        assert {k: v for k, v in next(article).items() if k != "ingested_at"} == article_table.rows(annotated)["articles"][0]


def test_rows_are_pure(annotated):
    before = copy.deepcopy({k: v for k, v in annotated.annotations.items() if k != "doc"})
    first = annotation_rows(annotated)
    assert annotation_rows(annotated) == first
    assert {k: v for k, v in annotated.annotations.items() if k != "doc"} == before
    for produce in ARTICLE_ROWS:
        empty = produce(Article(id="e" * 16, external_id="e", title="t", text="no annotations"))
        assert all(rows == [] for rows in empty.values()), produce.__module__


def test_a_bad_table_name_is_refused():
    from newsloom.errors import StoreError
    from newsloom.storage.sqlite import insert_rows

    with Store(":memory:") as store, pytest.raises(StoreError):
        insert_rows(store.conn, 'articles"; DROP TABLE articles; --', [{"id": "x"}])
