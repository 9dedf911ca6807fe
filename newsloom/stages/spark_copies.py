"""Copies on Spark: candidate pairs from an LSH band join, verified on the executors; the linking on the driver.

1. **Bands** (executors): each new article's MinHash band keys (:func:`copy_match.band_keys`, the local
   stage's features of the same text), one ``(key, rank, id)`` row per key; ``rank`` is the article's place
   in the stored order.
2. **Join** (Spark SQL): rows sharing a key give the candidate pairs (later article, earlier article); the
   articles an earlier run put in buckets (``copy_bands``) join as the earliest. A bucket contributes only its
   first ``2 * max_bucket`` members as earlier sides (the local stage's buckets stop growing at
   ``max_bucket``), which bounds the pairs per article.
3. **Verify** (executors): the pairs whose MinHash estimates pass ``min_estimate`` / ``min_word_estimate``
   are ranked per article by the estimate, as the stage ranks them, and the best ``2 * verify`` are compared
   on the full texts by :func:`copy_match.compare` and :func:`copy_match.decide`, the local code.
4. **Link** (driver, :class:`PairedCopies`): the local ``copies`` stage runs in store order, in the same
   batches, keeping ``copy_bands`` / ``copy_index`` as it does; only its verification of a candidate is
   answered from the pairs verified on the cluster. A pair the cluster did not verify (a bucket past the
   cap, a candidate the cluster ranked lower than the driver's stage does) or whose text changed since (the boilerplate stage cut a paragraph) is verified on the driver, as
   the local stage does. So the links are the local stage's links.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ..model import Article, text_hash
from ..pipeline import cluster_part
from ..settings import Settings, stage_settings
from .copies import Copies
from .copy_match import (Features, Thresholds, band_keys, compare, decide, estimate_jaccard, require,
                                 signature_bytes, signature_from_bytes)

__all__ = ["Verified", "PairedCopies", "copies_on_cluster", "copy_features", "estimated", "best_candidates", "verify_pairs",
           "verified_pairs"]

#: an article as the executors compare it: (id, text, language, source, title)
Side = tuple[str, str, str | None, str | None, str]


@dataclass(frozen=True)
class Verified:
    """A pair verified on the cluster: the texts it was measured on (their hashes) and the local decision."""

    hashes: tuple[str, str]
    kind: str | None
    score: float
    evidence: dict[str, Any]


def copy_features(rank: int, art: Article) -> tuple[str, int, list[int], bytes, Side]:
    """(id, rank, band keys, MinHash signatures, side) of one article, from the local stage's features (executors)."""
    require()
    feat = Features(art.text, art.language, art.source, art.title)
    return (art.id, rank, list(dict.fromkeys(band_keys(feat))), signature_bytes(feat),
            (art.id, art.text, art.language, art.source, art.title))


def estimated(mine: bytes, theirs: bytes, cfg: dict[str, Any]) -> float | None:
    """The MinHash estimate the stage ranks a candidate by (None: under both thresholds, never verified)."""
    (ms, mw), (ts, tw) = signature_from_bytes(mine), signature_from_bytes(theirs)
    est_s, est_w = estimate_jaccard(ms, ts), estimate_jaccard(mw, tw)
    if est_s >= cfg["min_estimate"] or est_w >= cfg["min_word_estimate"]:
        return max(est_s, est_w)
    return None


def best_candidates(later: str, found: Iterable[tuple[float, str]], keep: int) -> Iterator[tuple[str, str]]:
    """The ``keep`` best (estimate, earlier id) of one article, in the stage's order (highest first)."""
    for _est, earlier in sorted(found, reverse=True)[:keep]:
        yield later, earlier


def verify_pairs(pairs: Iterable[tuple[Side, Side]], cfg: dict[str, Any]) -> Iterator[tuple[tuple[str, str], Verified]]:
    """Verify (later, earlier) pairs with the local code (executors); pairs in two languages are left out (the
    driver's stage skips them before verifying)."""
    require()
    thresholds = Thresholds.from_cfg(cfg)
    cache: dict[str, Features] = {}

    def feat(side: Side) -> Features:
        if side[0] not in cache:
            if len(cache) > 4096:
                cache.clear()
            cache[side[0]] = Features(side[1], side[2], side[3], side[4])
        return cache[side[0]]

    for later, earlier in pairs:
        a, b = feat(later), feat(earlier)
        if a.language and b.language and a.language != b.language:
            continue
        ev = compare(a, b, thresholds)
        kind, score = decide(ev, thresholds)
        yield (later[0], earlier[0]), Verified((text_hash(later[1]), text_hash(earlier[1])), kind, score, ev.as_dict())


def verified_pairs(spark: Any, ranked: Any, store: Any, settings: Settings) -> dict[tuple[str, str], Verified]:
    """The band join and the verification of its pairs on the cluster.

    Args:
        spark: the session.
        ranked: an RDD of (rank, Article), the articles the run will store, ranks from 0 in stored order.
        store: the output's store; its articles in LSH buckets (``copy_bands``) take part as earlier sides
            (ranks < 0, in stored order), their texts read for the pairs that need them.
        settings: the run's settings (``[stages.copies]``).
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    cfg = stage_settings(settings, "copies")
    cap, keep = 2 * int(cfg["max_bucket"]), 2 * int(cfg["verify"])
    sc = spark.sparkContext
    feats = ranked.map(lambda r: copy_features(*r)).persist()
    try:
        schema = "key long, rank long, id string"
        bands = spark.createDataFrame(feats.flatMap(lambda f: [(k, f[1], f[0]) for k in f[2]]), schema)
        sigs = feats.map(lambda f: (f[0], f[3]))
        top = store.execute("SELECT coalesce(max(rowid), 0) + 1 FROM articles").fetchone()[0]
        old = [(k, rowid - top, aid) for k, aid, rowid in store.execute(
            "SELECT b.key, b.article_id, a.rowid FROM copy_bands b JOIN articles a ON a.id = b.article_id")]
        if old:
            bands = bands.union(spark.createDataFrame(old, schema))
            sigs = sigs.union(sc.parallelize([tuple(r) for r in store.execute(
                "SELECT article_id, signature FROM copy_index WHERE signature IS NOT NULL")]))
        bands = bands.withColumn("pos", F.row_number().over(Window.partitionBy("key").orderBy("rank")))
        later, earlier = bands.where(F.col("rank") >= 0).alias("l"), bands.where(F.col("pos") <= cap).alias("e")
        pairs = (later.join(earlier, (F.col("l.key") == F.col("e.key")) & (F.col("e.rank") < F.col("l.rank")))
                 .select(F.col("l.id").alias("later"), F.col("e.id").alias("earlier")).distinct())
        # (earlier, later) -> (later, (earlier, its signature)) -> with the later's signature -> the estimate
        chosen = (pairs.rdd.map(lambda p: (p["earlier"], p["later"])).join(sigs)
                  .map(lambda kv: (kv[1][0], (kv[0], kv[1][1]))).join(sigs)
                  .map(lambda kv: (kv[0], kv[1][0][0], estimated(kv[1][1], kv[1][0][1], cfg)))
                  .filter(lambda x: x[2] is not None).map(lambda x: (x[0], (x[2], x[1]))).groupByKey()
                  .flatMap(lambda kv: best_candidates(kv[0], kv[1], keep))).persist()
        sides = feats.map(lambda f: (f[0], f[4]))
        if old:
            need = chosen.map(lambda p: p[1]).distinct().collect()
            texts = [tuple(r) for start in range(0, len(need), 500) for r in store.execute(
                f"SELECT id, text, language, source, title FROM articles WHERE id IN "
                f"({', '.join('?' for _ in need[start:start + 500])})", need[start:start + 500])]
            sides = sides.union(sc.parallelize([(t[0], t) for t in texts], 1))
        joined = (chosen.join(sides).map(lambda kv: (kv[1][0], kv[1][1])).join(sides).map(lambda kv: kv[1]))
        got = dict(joined.mapPartitions(lambda it: verify_pairs(it, cfg)).collect())
        chosen.unpersist()
        return got
    finally:
        feats.unpersist()


class PairedCopies(Copies):
    """The local ``copies`` stage whose candidate verification (``Copies._verify``) reads the pairs verified on
    the cluster; candidates, their ranking and the choice among the verified ones stay the local stage's. A
    pair is verified here only when the cluster did not, or its texts changed since."""

    def __init__(self, settings: Any, verified: dict[tuple[str, str], Verified]) -> None:
        super().__init__(settings)
        self.verified = verified
        self.answered = 0  # pairs answered from the cluster's verification (for the report and tests)

    def _verify(self, conn: Any, feat: Features, art: Article, aid: str) -> tuple[str | None, float, dict]:
        hit = self.verified.get((art.id, aid))
        if hit is not None:
            row = conn.execute("SELECT text_hash FROM articles WHERE id = ?", (aid,)).fetchone()
            if row is not None and hit.hashes == (art.text_hash, row[0]):
                self.answered += 1
                return hit.kind, hit.score, hit.evidence
        return super()._verify(conn, feat, art, aid)


@cluster_part("copies")
def copies_on_cluster(spark: Any, ranked: Any, store: Any, settings: Settings) -> PairedCopies:
    """The copies stage's part on the cluster (band join, verification); returns the stage the driver runs."""
    return PairedCopies(settings, verified_pairs(spark, ranked, store, settings))
