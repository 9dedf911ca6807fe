"""Coverage counts sources with copies counted once and lists the copies."""
from __future__ import annotations

from pathlib import Path

import pytest

from newsloom.queries.coverage import coverage_count, distinct_sources, first_reporter
from newsloom.model import Article, text_hash
from newsloom.storage import Store


def _art(aid: str, source: str, published: str | None, text: str) -> Article:
    return Article(id=aid, external_id=aid, title=f"title {aid}", text=text, source=source, published=published,
                   text_hash=text_hash(text))


@pytest.fixture()
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "cov.db")
    s.add_batch([
        _art("wire", "ap.example", "2024-03-05", "the wire story"),
        _art("own", "times.example", "2024-03-04", "own reporting on the same event"),
        _art("late", "blog.example", None, "a later take"),
        _art("copy1", "courier.example", "2024-03-06", "the wire story, reprinted"),
        _art("copy2", "metro.example", "2024-03-05", "the wire story, spun"),
    ], [])
    with s.transaction() as conn:
        conn.execute("UPDATE articles SET copy_of = 'wire', copy_kind = 'syndicated' WHERE id = 'copy1'")
        conn.execute("UPDATE articles SET copy_of = 'wire', copy_kind = 'rewrite' WHERE id = 'copy2'")
    yield s
    s.close()


def test_copies_count_once_and_are_listed(store: Store) -> None:
    groups = distinct_sources(store, ["wire", "copy1", "copy2", "own", "late"])
    assert [g.original_id for g in groups] == ["own", "wire", "late"]  # earliest first, unknown date last
    wire = groups[1]
    assert [c["id"] for c in wire.copies] == ["copy2", "copy1"]
    assert [c["copy_kind"] for c in wire.copies] == ["rewrite", "syndicated"]
    assert wire.outlets == ["ap.example", "metro.example", "courier.example"]
    assert coverage_count(store, ["wire", "copy1", "copy2", "own", "late"]) == 3


def test_copies_without_their_original_still_count_it_once(store: Store) -> None:
    groups = distinct_sources(store, ["copy1", "copy2"])
    assert len(groups) == 1
    assert groups[0].original_id == "wire" and groups[0].in_set is False
    assert groups[0].as_dict()["copies"][0]["id"] == "copy2"


def test_first_reporter_is_the_earliest_original(store: Store) -> None:
    assert first_reporter(store, ["copy1", "late", "own"]).original_id == "own"
    assert first_reporter(store, ["copy1", "late"]).original_id == "wire"
    assert first_reporter(store, []) is None
