"""``newsloom bench spark_resolve -o store FILE``: entity resolution, the local stage against the Spark engine's.

The mentions of an annotated store (``newsloom ingest`` with the nlp and entities stages) are resolved anew
twice, each time in a fresh copy of the store with the resolution undone, batch by batch in stored order as an
ingest resolves them: once by the local ``resolve`` stage, once as the Spark engine does it (the stage's part on
the cluster, ``stages/spark_resolve.py``, then the driver's :class:`BlockedResolve`). Reported: the cluster's wall
time, the driver's CPU time per article (all, first and last quarter of the batches), the look-ups answered from
the cluster, and whether both give the same entity tables row for row.
"""
from __future__ import annotations

import shutil
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from ..engine.spark import spark_session
from ..errors import ConfigError
from ..eval import Table, benchmark
from ..model import Article
from ..settings import Settings
from ..stages.resolve import Resolve
from ..stages.spark_resolve import resolve_on_cluster
from ..storage import Store

__all__ = ["bench_spark_resolve", "unresolve", "entity_tables"]

#: what the resolve stage writes
TABLES = {"entities": "SELECT id, name, type, grp, key, skel, first, mentions, articles FROM entities",
          "mentions": 'SELECT article_id, start, "end", text, label, name, entity_id FROM mentions',
          "aliases": "SELECT entity_id, alias, count FROM aliases",
          "alias_articles": "SELECT entity_id, alias, article_id, count FROM alias_articles",
          "entity_merges": "SELECT old_id, new_id FROM entity_merges",
          "events": "SELECT article_id, actor_id, target_id, place_id FROM events"}


def unresolve(store: Store) -> None:
    """Undo entity resolution in ``store``: mentions unlinked, entities and their aliases gone."""
    with store.transaction() as conn:
        conn.execute("UPDATE mentions SET entity_id = NULL")
        conn.execute("UPDATE events SET actor_id = NULL, target_id = NULL, place_id = NULL")
        conn.execute("UPDATE quotes SET speaker_entity = NULL")
        for table in ("aliases", "alias_articles", "entity_merges", "entities"):
            conn.execute(f"DELETE FROM {table}")


def entity_tables(store: Store) -> dict[str, list[tuple]]:
    """Every row the resolve stage writes, sorted."""
    return {t: sorted((tuple(r) for r in store.execute(sql)), key=repr) for t, sql in TABLES.items()}


def _articles(store: Store) -> list[Article]:
    """The stored articles in stored order, each with its mentions (what the cluster part reads)."""
    mentions: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for aid, start, end, text, label, name in store.execute(
            'SELECT article_id, start, "end", text, label, name FROM mentions ORDER BY article_id, start'):
        mentions[aid].append({"start": start, "end": end, "text": text, "label": label, "name": name})
    arts = []
    for (aid,) in store.execute("SELECT id FROM articles ORDER BY rowid"):
        art = Article(id=aid, external_id=aid, title="", text="")
        art.annotations["mentions"] = mentions.get(aid, [])
        arts.append(art)
    return arts


def _replay(stage: Resolve, store: Store, ids: list[str], batch: int) -> list[float]:
    """Run ``stage`` over ``ids`` batch by batch; the CPU seconds of each batch."""
    laps = []
    for i in range(0, len(ids), batch):
        t0 = time.process_time()
        stage.run(store, ids[i:i + batch])
        laps.append(time.process_time() - t0)
    return laps


def _row(engine: str, laps: list[float], n: int, cluster: float | None, answered: Any, equal: Any) -> dict[str, Any]:
    quarter = max(1, len(laps) // 4)
    per = [1000 * sum(part) / max(1, n * len(part) / len(laps)) for part in (laps[:quarter], laps[-quarter:])]
    return {"engine": engine, "articles": n, "cluster s (wall)": "-" if cluster is None else round(cluster, 1),
            "driver CPU s": round(sum(laps), 1), "driver CPU ms/article": round(1000 * sum(laps) / max(1, n), 1),
            "first quarter": round(per[0], 1), "last quarter": round(per[1], 1), "answered from the cluster": answered,
            "same tables": equal}


@benchmark("spark_resolve", help="Entity resolution: the local stage against the Spark engine's, on an annotated store")
def bench_spark_resolve(n: int | None = None, store: str | None = None, master: str = "local[2]", batch: int = 64,
                        **_: Any) -> list[Table]:
    """Entity resolution of an annotated store's mentions (``-o store FILE``, its first ``-n`` articles): the local
    stage, and the Spark engine's cluster part (``-o master``, default local[2]) plus its driver."""
    if not store or not Path(store).is_file():
        raise ConfigError(f"{store}: give an annotated store with -o store FILE (newsloom ingest with the nlp and "
                          "entities stages)", code="E212")
    settings = Settings.load()
    batch = int(batch)
    with tempfile.TemporaryDirectory() as tmp:
        stores = []
        for name in ("local", "spark"):
            shutil.copy(store, Path(tmp) / f"{name}.db")
            stores.append(Store(Path(tmp) / f"{name}.db"))
            unresolve(stores[-1])
        try:
            arts = _articles(stores[0])[:n]
            ids = [a.id for a in arts]
            local = _replay(Resolve(settings), stores[0], ids, batch)
            spark = spark_session(master, app="newsloom-bench-spark-resolve")
            try:
                t0 = time.perf_counter()
                stage = resolve_on_cluster(spark, spark.sparkContext.parallelize(list(enumerate(arts)), 8), stores[1],
                                           settings)
                cluster = time.perf_counter() - t0
            finally:
                spark.stop()
            driver = _replay(stage, stores[1], ids, batch)
            equal = entity_tables(stores[0]) == entity_tables(stores[1])
        finally:
            for s in stores:
                s.close()
    rows = [_row("local", local, len(ids), None, "-", "-"),
            _row(f"Spark {master}", driver, len(ids), cluster, f"{stage.answered} ({stage.skipped} alias look-ups "
                 "skipped)", "yes" if equal else "NO")]
    table = Table("entity resolution: local stage and Spark engine", list(rows[0]), rows)
    table.notes.append(f"{len(ids)} articles of {store}, resolved anew in batches of {batch} in stored order; driver "
                       "CPU is this process's CPU time in the stage (the machine may be shared: CPU is the steadier "
                       "measure); cluster: wall time of the stage's part on Spark (misspelt keys, first forms)")
    return [table]
