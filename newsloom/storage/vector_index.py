"""A nearest-neighbour index (HNSW, usearch) over the vectors of the articles in stories, in a file beside the database.

The tables are the truth (``embeddings`` joined with ``story_articles``: an article is searchable once
the stories stage has placed it); the index file is a cache of them. Each vector's key is its
``embeddings.rid``, so:

* an index behind the tables (a run killed after its commit, before the index was saved; another
  process ingesting meanwhile) is brought up to date by adding the rows it lacks;
* a missing, unreadable or foreign file (other model, size or parameters) is rebuilt from the table;
* the file is written only after the transaction that added the vectors has committed, and through a
  temporary file and a rename, so it never holds a vector the table does not;
* a whole file is written each time (usearch has no append), so it is written only once the vectors it
  lacks reach ``save_share`` of the index (or when it is missing or foreign): the write then costs the
  same per article at any size, and a reopened store adds at most that share from the table.

Parameters (``[stages.stories]`` ``index_*`` settings) were tuned with ``newsloom bench stories``:
recall@k (k = the neighbours the stage asks for) against exact search at several ``ef`` is reported there.
"""
from __future__ import annotations

import json
import logging
import os
import sqlite3
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import MissingDependency
from .tables.embed import decode_vector

__all__ = ["VectorIndex", "index_path"]

log = logging.getLogger(__name__)
_MEMBERS = ("SELECT e.rid, e.vector FROM embeddings e JOIN story_articles s ON s.article_id = e.article_id "
            "WHERE e.model = ?")


def _sample_keys(conn: sqlite3.Connection, max_rid: int) -> list[int]:
    """A few keys the index must hold (the first, the last and some between), to spot a foreign file."""
    return [r[0] for r in conn.execute(
        "SELECT e.rid FROM embeddings e JOIN story_articles s ON s.article_id = e.article_id WHERE e.rid <= ? "
        "AND (e.rid % 997 = 0 OR e.rid = ?) LIMIT 200", (max_rid, max_rid))]


def index_path(db_path: str, name: str = "stories") -> Path | None:
    """Where the index of a database lives: ``<db>.<name>.usearch`` (None for an in-memory database)."""
    if db_path in ("", ":memory:"):
        return None
    return Path(f"{db_path}.{name}.usearch")


class VectorIndex:
    """Inner-product HNSW search over unit vectors, keyed by ``embeddings.rid``.

    Args:
        path: the index file (None: memory only).
        dim: vector size.
        model: the embedding model's name; vectors of another model are not in this index.
        connectivity: HNSW ``M`` (edges per node).
        expansion_add: ``ef_construction``.
        expansion_search: ``ef`` at query time (raised to ``k`` when smaller).
        save_share: :meth:`save` writes the file once the unsaved vectors reach this share of the index.
    """

    def __init__(self, path: Path | None, *, dim: int, model: str, connectivity: int = 16,
                 expansion_add: int = 128, expansion_search: int = 96, save_share: float = 0.05) -> None:
        self.path, self.dim, self.model = path, dim, model
        self.params = {"connectivity": connectivity, "expansion_add": expansion_add,
                       "expansion_search": expansion_search}
        self.max_rid = 0
        self.rebuilt = False
        self.save_share = save_share
        self._index: Any = None
        self._unsaved = 0  # vectors added since the file was written
        self._file_stale = False  # the file is missing or foreign: write it at the next save

    # -- lifecycle ---------------------------------------------------------------------------------
    @staticmethod
    def require() -> None:
        """Raise MissingDependency when usearch is not installed."""
        try:
            import usearch.index  # noqa: F401
        except ImportError as exc:
            raise MissingDependency("usearch (the nearest-neighbour index of the stories stage)",
                                    "pip install 'newsloom[stories]'") from exc

    def _new(self) -> Any:
        self.require()
        from usearch.index import Index

        return Index(ndim=self.dim, metric="ip", dtype="f16", **self.params)

    def _meta_path(self) -> Path | None:
        return None if self.path is None else self.path.with_name(self.path.name + ".json")

    def _meta(self) -> dict[str, Any]:
        return {"model": self.model, "dim": self.dim, **self.params, "max_rid": self.max_rid}

    def sync(self, conn: sqlite3.Connection) -> int:
        """Load the file if not loaded (rebuild when missing or foreign), then add the table's newer rows.

        Whether every placed article is in the index is checked by one cheap count (``story_articles``);
        only when it disagrees is the exact check run (a join over every placed article, which grew with
        the store when it ran before every batch).

        Returns:
            How many vectors were added.
        """
        if self._index is None:
            self._load(conn)
        added = self._add_newer(conn)
        if len(self._index) == conn.execute("SELECT count(*) FROM story_articles").fetchone()[0]:
            return added
        expected = self._count(conn, self.max_rid)
        if len(self._index) > expected:  # holds vectors the tables do not: not this database's
            log.warning("vector index %s holds vectors the database does not: rebuilding it", self.path)
            self._index, self.max_rid, self.rebuilt, self._file_stale = self._new(), 0, True, True
            return self._add_newer(conn)
        if len(self._index) < expected:  # placed out of rid order by another process
            for start in range(0, self.max_rid, 50_000):
                rows = conn.execute(_MEMBERS + " AND e.rid > ? AND e.rid <= ? ORDER BY e.rid",
                                    (self.model, start, min(start + 50_000, self.max_rid))).fetchall()
                rows = [r for r in rows if r[0] not in self._index]
                if rows:
                    self.add([r[0] for r in rows], np.stack([decode_vector(r[1]) for r in rows]))
                    added += len(rows)
        return added

    def _add_newer(self, conn: sqlite3.Connection) -> int:
        """Add the placed articles' vectors past ``max_rid``; returns how many.

        A file killed between its two renames holds vectors past its meta file's ``max_rid``: those are skipped.
        """
        added = 0
        while rows := conn.execute(_MEMBERS + " AND e.rid > ? ORDER BY e.rid LIMIT 5000",
                                   (self.model, self.max_rid)).fetchall():
            self.max_rid = rows[-1][0]
            rows = [r for r in rows if r[0] not in self._index]
            if rows:
                self.add([r[0] for r in rows], np.stack([decode_vector(r[1]) for r in rows]))
                added += len(rows)
        return added

    @staticmethod
    def _count(conn: sqlite3.Connection, max_rid: int) -> int:
        return conn.execute("SELECT count(*) FROM embeddings e JOIN story_articles s ON s.article_id = e.article_id "
                            "WHERE e.rid <= ?", (max_rid,)).fetchone()[0]

    def _load(self, conn: sqlite3.Connection) -> None:
        meta_path = self._meta_path()
        if self.path is not None and self.path.exists() and meta_path is not None and meta_path.exists():
            try:
                meta = json.loads(meta_path.read_text())
                from usearch.index import Index

                index = Index.restore(str(self.path))
                expected = {k: v for k, v in self._meta().items() if k != "max_rid"}
                if index is not None and all(meta.get(k) == v for k, v in expected.items()) \
                        and all(int(key) in index for key in _sample_keys(conn, int(meta["max_rid"]))):
                    self._index, self.max_rid = index, int(meta["max_rid"])
                    self._index.expansion_search = self.params["expansion_search"]
                    return
                log.warning("vector index %s does not match the database: rebuilding it", self.path)
            except (OSError, ValueError, KeyError, RuntimeError) as exc:
                log.warning("vector index %s unreadable (%s): rebuilding it", self.path, exc)
        self._index, self.max_rid, self.rebuilt, self._file_stale = self._new(), 0, True, True

    def add(self, rids: list[int], vectors: np.ndarray) -> None:
        """Add vectors (unit length) under their ``rid``; call :meth:`save` once the rows are committed."""
        if self._index is None:
            self._index = self._new()
        keys = np.asarray(rids, dtype=np.uint64)
        self._index.add(keys, np.asarray(vectors, dtype=np.float32).reshape(len(rids), self.dim), threads=1)
        self.max_rid = max(self.max_rid, int(keys.max()))
        self._unsaved += len(keys)

    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The ``k`` nearest stored vectors as ``(rid, cosine)``, closest first (ties: lower rid)."""
        if self._index is None or len(self._index) == 0:
            return []
        k = min(k, len(self._index))
        if self._index.expansion_search < k:
            self._index.expansion_search = k
        found = self._index.search(np.asarray(vector, dtype=np.float32), k, threads=1)
        pairs = [(int(key), round(1.0 - float(dist), 6)) for key, dist in zip(found.keys, found.distances)]
        return sorted(pairs, key=lambda p: (-p[1], p[0]))

    def __len__(self) -> int:
        return 0 if self._index is None else len(self._index)

    def save(self, force: bool = False) -> None:
        """Write the index and its meta file atomically (after the rows it holds have committed), when the file
        is missing or foreign, or lacks ``save_share`` of the vectors (always with ``force``)."""
        if self.path is None or self._index is None:
            return
        if not (force or self._file_stale or (self._unsaved and (not self.path.exists()
                                                                 or self._unsaved >= self.save_share * len(self._index)))):
            return
        tmp = self.path.with_name(self.path.name + ".tmp")
        self._index.save(str(tmp))
        os.replace(tmp, self.path)
        meta_tmp = self.path.with_name(self.path.name + ".json.tmp")
        meta_tmp.write_text(json.dumps(self._meta()))
        os.replace(meta_tmp, self._meta_path())  # type: ignore[arg-type]
        self._unsaved, self._file_stale = 0, False

    def discard(self) -> None:
        """Forget the in-memory index (its newest vectors belong to a transaction that rolled back)."""
        self._index, self.max_rid, self._unsaved, self._file_stale = None, 0, 0, False

    def size_bytes(self) -> int:
        """Bytes on disk (index and meta file)."""
        return sum(p.stat().st_size for p in (self.path, self._meta_path()) if p is not None and p.exists())
