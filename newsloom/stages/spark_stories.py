"""Stories on Spark: each article's nearest earlier articles found on the cluster; the ordered linking on the driver.

1. **Blocks** (executors): the articles' embeddings (the embed stage's vectors as stored, float16), in stored
   order, cut into blocks of ``[spark] knn_block`` rows; vectors an earlier run stored join as the first blocks.
2. **Nearest neighbours** (executors): every (query block, earlier block) pair of blocks is one task that
   finds, for each article of the query block, its ``[stages.stories] neighbours`` most similar articles
   stored before it (cosine, ties to the earlier stored); the per-block lists are merged per article.
   This is exact search where the local stage asks its HNSW index, so a near tie may order two neighbours
   the other way round: stories agree at BCubed F1 >= 0.99, not row for row (tests/test_spark_corpus.py).
3. **Link** (driver, :class:`NeighbourStories`): the local ``stories`` stage runs in store order, in the same
   batches, with the same scoring, joins, openings and merges (stages/stories.py, story_match.py); only its
   index search for an article is answered from the neighbours found on the cluster. The vectors still go
   into the index the ``threads`` stage searches, and an article without a vector on the cluster is searched
   in that index, as locally.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from ..model import Article
from ..pipeline import cluster_part
from ..settings import Settings, stage_settings
from .stories import Stories
from ..storage.tables.embed import EMBEDDING_KEY, decode_vector

__all__ = ["NeighbourStories", "stories_on_cluster", "nearest_earlier", "neighbours_on_cluster", "block_rows", "top_in_block"]

Block = tuple[np.ndarray, list[str], np.ndarray]  # ranks, ids, unit vectors (one row each)


def article_vector(rank: int, art: Article) -> tuple[int, str, np.ndarray] | None:
    """(rank, id, vector as the store keeps it) of an article the embed stage has seen; None otherwise."""
    emb = art.annotations.get(EMBEDDING_KEY)
    return None if emb is None else (rank, art.id, decode_vector(emb["vector"]))


def block_rows(rows: Iterable[tuple[int, str, np.ndarray]]) -> Block:
    """Rows (rank, id, vector) as one block, in rank order."""
    rows = sorted(rows, key=lambda r: r[0])
    return (np.array([r[0] for r in rows], dtype=np.int64), [r[1] for r in rows],
            np.stack([r[2] for r in rows]).astype(np.float32))


def top_in_block(query: Block, ref: Block, k: int) -> Iterator[tuple[str, list[tuple[float, int, str]]]]:
    """For each query article with a query rank >= 0, its ``k`` nearest reference articles stored before it,
    as (cosine rounded like the index's, rank, id), closest first."""
    q_ranks, q_ids, q_vecs = query
    r_ranks, r_ids, r_vecs = ref
    sims = np.round(q_vecs @ r_vecs.T, 6)
    for i, rank in enumerate(q_ranks):
        if rank < 0:
            continue
        earlier = np.flatnonzero(r_ranks < rank)
        if not len(earlier):
            continue
        row = sims[i, earlier]
        if len(earlier) > k:  # the k best, ties kept (decided by rank below)
            cut = np.partition(row, len(row) - k)[len(row) - k]
            keep = row >= cut
            earlier, row = earlier[keep], row[keep]
        best = sorted(zip((-row).tolist(), r_ranks[earlier].tolist(), (r_ids[j] for j in earlier)))[:k]
        yield q_ids[i], [(-s, r, aid) for s, r, aid in best]


def _merge(a: list, b: list, k: int) -> list:
    return sorted(a + b, key=lambda x: (-x[0], x[1]))[:k]


def nearest_earlier(sc: Any, rows: Any, stored: list[tuple[int, str, np.ndarray]], *, k: int,
                    block: int) -> dict[str, list[tuple[str, float]]]:
    """Each article's ``k`` nearest earlier articles as (id, cosine), nearest first, by article id.

    Args:
        sc: the SparkContext.
        rows: an RDD of (rank, id, vector) of the new articles (ranks from 0, in stored order).
        stored: (rank < 0, id, vector) of the articles an earlier run stored (reference only).
        k: neighbours per article.
        block: rows per block.
    """
    if stored:  # ranks < 0: blocks < 0 (floor division)
        rows = rows.union(sc.parallelize(stored, max(1, len(stored) // block)))
    blocks = rows.map(lambda r: (r[0] // block, r)).groupByKey().mapValues(block_rows)
    pairs = blocks.cartesian(blocks).filter(lambda ab: ab[0][0] >= 0 and ab[1][0] <= ab[0][0])
    found = pairs.flatMap(lambda ab: top_in_block(ab[0][1], ab[1][1], k)).reduceByKey(lambda a, b: _merge(a, b, k))
    return {aid: [(x[2], x[0]) for x in best] for aid, best in found.collect()}


def neighbours_on_cluster(spark: Any, ranked: Any, store: Any, settings: Settings) -> dict[str, list[tuple[str, float]]]:
    """The nearest earlier articles of every ranked (rank, Article) with a vector, including the stored ones."""
    cfg = stage_settings(settings, "stories")
    stored_rows = store.execute("SELECT rid, article_id, vector FROM embeddings ORDER BY rid").fetchall()
    stored = [(i - len(stored_rows), aid, decode_vector(blob)) for i, (_rid, aid, blob) in enumerate(stored_rows)]
    rows = ranked.map(lambda r: article_vector(*r)).filter(lambda r: r is not None)
    return nearest_earlier(spark.sparkContext, rows, stored, k=int(cfg["neighbours"]),
                           block=int(settings.get("spark.knn_block")))


class _Known:
    """The index as the stories stage searches it, answering one article's search from its known neighbours."""

    def __init__(self, conn: Any, found: list[tuple[str, float]]) -> None:
        self.conn, self.found = conn, found

    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        found = self.found[:k]
        if not found:
            return []
        rids = dict(self.conn.execute(f"SELECT article_id, rid FROM embeddings WHERE article_id IN "
                                      f"({', '.join('?' for _ in found)})", [a for a, _ in found]).fetchall())
        return [(rids[a], cos) for a, cos in found if a in rids]


class NeighbourStories(Stories):
    """The local ``stories`` stage whose neighbour search reads the neighbours found on the cluster."""

    def __init__(self, settings: Any, neighbours: dict[str, list[tuple[str, float]]]) -> None:
        super().__init__(settings)
        self.neighbours = neighbours
        self.answered = 0  # searches answered from the cluster (for the report and tests)

    def _process(self, conn: Any, index: Any, idf: Any, art: Article,
                 vector: np.ndarray) -> list[tuple[str, str, float]]:
        known = self.neighbours.get(art.id)
        if known is not None:
            self.answered += 1
            index = _Known(conn, known)
        return super()._process(conn, index, idf, art, vector)  # its links, for the batch's re-check


@cluster_part("stories")
def stories_on_cluster(spark: Any, ranked: Any, store: Any, settings: Settings) -> NeighbourStories:
    """The stories stage's part on the cluster (the nearest earlier articles); returns the stage the driver runs."""
    return NeighbourStories(settings, neighbours_on_cluster(spark, ranked, store, settings))
