"""The stories' vector index file: a cache of the tables, written only once a share of it is unsaved."""
from __future__ import annotations

import json

import numpy as np
import pytest

from newsloom.storage import Store
from newsloom.storage.sqlite import now
from newsloom.storage.tables.embed import encode_vector
from newsloom.storage.vector_index import VectorIndex, index_path

pytest.importorskip("usearch")
DIM = 8


def _place(store: Store, first: int, count: int, rng: np.random.Generator) -> list[tuple[int, np.ndarray]]:
    """Store ``count`` articles with unit vectors, each in a story; returns their (rid, vector)."""
    out = []
    with store.transaction() as conn:
        for i in range(first, first + count):
            vec = rng.normal(size=DIM).astype(np.float32)
            vec /= np.linalg.norm(vec)
            aid = f"{i:016x}"
            conn.execute("INSERT INTO articles (id, external_id, title, text, language, text_hash, ingested_at) "
                         "VALUES (?, ?, '', 'x', 'en', ?, ?)", (aid, f"t:{i}", aid, now()))
            rid = conn.execute("INSERT INTO embeddings (article_id, model, vector) VALUES (?, 'm', ?)",
                               (aid, encode_vector(vec))).lastrowid
            conn.execute("INSERT INTO story_articles (article_id, story_id, reason, assigned_at) "
                         "VALUES (?, 's', 'new', ?)", (aid, now()))
            out.append((rid, vec))
    return out


def _saved_max_rid(path) -> int:
    return json.loads(path.with_name(path.name + ".json").read_text())["max_rid"]


def test_file_written_once_a_share_is_unsaved_and_a_reopened_store_catches_up(tmp_path):
    rng = np.random.default_rng(1)
    store = Store(tmp_path / "v.db")
    path = index_path(str(tmp_path / "v.db"))
    index = VectorIndex(path, dim=DIM, model="m", save_share=0.1)
    placed = _place(store, 0, 100, rng)
    with store.transaction() as conn:
        assert index.sync(conn) == 100
    index.save()  # no file yet: written
    assert path.exists() and _saved_max_rid(path) == placed[-1][0]
    more = _place(store, 100, 5, rng)
    for rid, vec in more:
        index.add([rid], vec[None, :])
    index.save()  # 5 unsaved < 10% of 105: the file is not rewritten
    assert _saved_max_rid(path) == placed[-1][0]
    later = _place(store, 105, 8, rng)
    for rid, vec in later:
        index.add([rid], vec[None, :])
    index.save()  # 13 unsaved >= 10% of 113: written
    assert _saved_max_rid(path) == later[-1][0]
    # a store reopened with a file behind its tables adds what the file lacks, and finds it
    newest = _place(store, 113, 3, rng)
    reopened = VectorIndex(path, dim=DIM, model="m", save_share=0.1)
    with store.transaction() as conn:
        assert reopened.sync(conn) == 3
    assert not reopened.rebuilt and len(reopened) == 116
    assert reopened.search(newest[-1][1], 1)[0][0] == newest[-1][0]
    reopened.save(force=True)
    assert _saved_max_rid(path) == newest[-1][0]
    store.close()


def test_a_foreign_file_is_rebuilt_and_rewritten_at_once(tmp_path):
    rng = np.random.default_rng(2)
    store = Store(tmp_path / "v.db")
    path = index_path(str(tmp_path / "v.db"))
    _place(store, 0, 20, rng)
    index = VectorIndex(path, dim=DIM, model="m")
    with store.transaction() as conn:
        index.sync(conn)
    index.save()
    other = VectorIndex(path, dim=DIM, model="m", connectivity=8)  # other parameters: the file is foreign to it
    with store.transaction() as conn:
        other.sync(conn)
    assert other.rebuilt and len(other) == 20
    other.save()  # nothing unsaved past the share, but the file on disk is foreign: written
    assert json.loads(path.with_name(path.name + ".json").read_text())["connectivity"] == 8
    store.close()


def test_an_article_placed_out_of_rid_order_is_added(tmp_path):
    rng = np.random.default_rng(3)
    store = Store(tmp_path / "v.db")
    placed = _place(store, 0, 10, rng)
    with store.transaction() as conn:  # an older article placed later (by another process)
        conn.execute("DELETE FROM story_articles WHERE article_id = ?", (f"{3:016x}",))
    index = VectorIndex(None, dim=DIM, model="m")
    with store.transaction() as conn:
        assert index.sync(conn) == 9
        conn.execute("INSERT INTO story_articles (article_id, story_id, reason, assigned_at) VALUES (?, 's', 'new', ?)",
                     (f"{3:016x}", now()))
    with store.transaction() as conn:
        assert index.sync(conn) == 1
    assert len(index) == 10 and index.search(placed[3][1], 1)[0][0] == placed[3][0]
    store.close()


def test_a_file_ahead_of_its_meta_file_is_caught_up_without_duplicates(tmp_path):
    """A kill between writing the index file and its meta file leaves vectors past the meta's max_rid."""
    rng = np.random.default_rng(4)
    store = Store(tmp_path / "v.db")
    path = index_path(str(tmp_path / "v.db"))
    placed = _place(store, 0, 12, rng)
    index = VectorIndex(path, dim=DIM, model="m")
    with store.transaction() as conn:
        index.sync(conn)
    index.save()
    meta = path.with_name(path.name + ".json")
    meta.write_text(json.dumps({**json.loads(meta.read_text()), "max_rid": placed[7][0]}))
    _place(store, 12, 2, rng)
    again = VectorIndex(path, dim=DIM, model="m")
    with store.transaction() as conn:
        assert again.sync(conn) == 2
    assert len(again) == 14 and again.max_rid == placed[-1][0] + 2
    store.close()
