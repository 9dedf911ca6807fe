"""``newsloom eval stories|threads``: story clustering on ECB+ and threads on Timeline17, each with a baseline
measured in the same run (``eval similarity`` is in eval/similarity.py).

* stories: the ECB+ documents (all 982, or ``-o split test``) go through the whole pipeline into a
  fresh store in file order; BCubed P/R/F1 of ``story_id`` against the gold sub-topic (event), on the
  test split and on all documents. Baseline: TF-IDF (tf = 1 + ln count, idf = ln((1+N)/(1+df)))
  with average-link agglomerative clustering, threshold tuned on the dev split (the folder README's
  recipe). ``-o reverse 1`` ingests again in reverse order and reports the BCubed F1 between the
  two partitions (order robustness).
* threads: Timeline17 articles (``-o limit N`` per collection, default all) by date; BCubed of
  ``thread_id`` against the topic, on all topics and on each half of them (alphabetical order, every other
  topic: half A chose the threads re-check's weights, half B did not). Baseline: the same TF-IDF average-link
  at the topic level. ``-o store PATH`` reuses a store where the whole pipeline up to the stories stage already
  annotated Timeline17 (annotating it is most of the time): a temporary copy of it has its stories and threads
  emptied and the stories and threads stages re-run over it in date order, in batches of 64 articles;
  ``-o stories keep`` keeps the copy's stories and re-runs the threads stage alone; ``-o baseline 0`` skips the
  baseline.
"""
from __future__ import annotations

import json
import math
import re
import shutil
import sqlite3
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ConfigError
from ..loom import Loom
from ..model import Record
from ..settings import Settings
from ..stages.stories import Stories
from ..stages.threads import Threads
from ..storage.sqlite import SQLiteStore
from . import Table, bench_data_root, evaluation
from .entities import SPLITS, bcubed

__all__ = ["eval_stories", "eval_threads", "tfidf_average_link"]

_WORD = re.compile(r"[a-z0-9]+")


def _tfidf(texts: list[str]) -> Any:
    """L2-normalised TF-IDF rows (scipy sparse): tokens ``[a-z0-9]+`` of the lower-cased text."""
    from scipy.sparse import csr_matrix, diags

    vocab: dict[str, int] = {}
    rows, cols, vals = [], [], []
    for i, t in enumerate(texts):
        for w, n in Counter(_WORD.findall(t.lower())).items():
            rows.append(i)
            cols.append(vocab.setdefault(w, len(vocab)))
            vals.append(1 + math.log(n))
    m = csr_matrix((vals, (rows, cols)), shape=(len(texts), len(vocab)), dtype=np.float64)
    df = np.bincount(cols, minlength=len(vocab))
    m = m @ diags(np.log((1 + len(texts)) / (1 + df)))
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    return diags(1 / np.maximum(norms, 1e-12)) @ m


def _cosines(texts: list[str]) -> np.ndarray:
    m = _tfidf(texts)
    return (m @ m.T).toarray()


def tfidf_average_link(texts: list[str], threshold: float) -> list[int]:
    """Cluster labels: TF-IDF cosine, average-link agglomerative, stop below ``threshold`` similarity."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    dist = np.clip(1.0 - _cosines(texts), 0.0, None)
    np.fill_diagonal(dist, 0.0)
    z = linkage(squareform(dist, checks=False), "average")
    return [int(x) for x in fcluster(z, t=1.0 - threshold, criterion="distance")]


def _tuned_baseline(dev: list[tuple[str, str]], test: list[tuple[str, str]], grid: np.ndarray) -> tuple[float, tuple]:
    best = max(grid, key=lambda t: bcubed(dict(enumerate(tfidf_average_link([x for x, _ in dev], t))),
                                          dict(enumerate(g for _, g in dev)))[2])
    labels = tfidf_average_link([x for x, _ in test], best)
    return float(best), bcubed(dict(enumerate(labels)), dict(enumerate(g for _, g in test)))


def _settings(**overrides: Any) -> Settings:
    return Settings.load(overrides=overrides)


def _row(name: str, prf: tuple[float, float, float], **extra: Any) -> dict[str, Any]:
    return {"system": name, **extra, "B3 P": round(prf[0], 3), "B3 R": round(prf[1], 3), "B3 F1": round(prf[2], 3)}


def _placed(loom: Loom, column: str) -> dict[str, str]:
    return {r[0]: r[1] for r in loom.store.execute(
        f"SELECT a.external_id, {column} FROM articles a JOIN story_articles sa ON sa.article_id = a.id "
        f"JOIN stories s ON s.id = sa.story_id")}


@evaluation("stories", help="Story clustering: BCubed on ECB+ sub-events, with a tuned TF-IDF baseline")
def eval_stories(data: str | None = None, reverse: str = "0", **_: Any) -> list[Table]:
    """Story clustering on ECB+ (sub-event level), with a TF-IDF average-link baseline tuned on dev."""
    path = bench_data_root(data) / "ecbplus" / "docs.jsonl"
    docs = [json.loads(line) for line in path.open(encoding="utf-8")]
    gold = {d["id"]: d["label"] for d in docs}
    test_ids = {d["id"] for d in docs if int(d["topic"]) in SPLITS["test"]}
    orders = [("file order", docs)] + ([("reverse order", docs[::-1])] if str(reverse) not in ("0", "") else [])
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, order in orders:
            t0 = time.perf_counter()
            with Loom(Path(tmp) / f"{len(runs)}.db", settings=_settings()) as loom:
                loom.ingest(items=[Record(external_id=d["id"], text=d["text"], source=d.get("source") or
                                          f"ecb/{d['id']}") for d in order])
                runs.append((name, _placed(loom, "sa.story_id"), time.perf_counter() - t0))
    table = Table("stories on ECB+ (982 documents, 86 sub-events): BCubed of story_id against the gold event",
                  ["system", "docs", "stories", "B3 P", "B3 R", "B3 F1"])
    for name, pred, secs in runs:
        for label, keep in (("test split", test_ids), ("all documents", set(gold))):
            p = {k: v for k, v in pred.items() if k in keep}
            table.rows.append(_row(f"newsloom stories ({name}), {label}", bcubed(p, {k: gold[k] for k in p}),
                                   docs=len(p), stories=len(set(p.values()))))
        table.notes.append(f"{name}: whole pipeline ingest + corpus stages {secs:.0f} s")
    dev = [(d["text"], d["label"]) for d in docs if int(d["topic"]) in SPLITS["dev"]]
    grid = np.round(np.arange(0.02, 0.99, 0.02), 2)
    for label, keep in (("test split", test_ids), ("all documents", set(gold))):
        part = [(d["text"], d["label"]) for d in docs if d["id"] in keep]
        t, prf = _tuned_baseline(dev, part, grid)
        table.rows.append(_row(f"baseline TF-IDF + average link (t={t} tuned on dev), {label}", prf, docs=len(part),
                               stories=len(set(tfidf_average_link([x for x, _ in part], t)))))
    if len(runs) == 2:
        table.notes.append("order robustness: BCubed F1 between the file-order and reverse-order partitions = "
                           f"{bcubed(runs[1][1], runs[0][1])[2]:.3f}")
    table.notes.append("the weights of the story score and of the re-check's pair score were fitted on the train "
                       "topics, the thresholds on train and dev (docs/stories.md); the test split was not used to "
                       "choose anything")
    return [table]


#: what the stories and threads stages write (emptied before they re-run over a reused store)
_STORY_TABLES = ("stories", "story_articles", "story_signals", "story_terms_df", "story_merges", "story_splits")
_THREAD_TABLES = ("threads", "thread_merges", "thread_splits")


def _rerun(source: Path, tmp: str, external: list[str], keep_stories: bool, batch: int = 64
           ) -> tuple[dict[str, str], dict[str, str], dict[str, float]]:
    """Re-run the stories (unless ``keep_stories``) and threads stages over a copy of an annotated store, over
    the articles ``external`` (external ids) in that order; returns threads, stories and seconds per stage."""
    if not source.is_file():
        raise ConfigError(f"eval threads: no store at {source}", code="E212")
    db = Path(tmp) / "t17.db"
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)  # the reused store is only read
    try:
        with sqlite3.connect(db) as dst:
            src.backup(dst)
    finally:
        src.close()
    src_index = Path(f"{source}.stories.usearch")
    if keep_stories and src_index.is_file():  # the index is a cache of the tables: copied only with the stories
        for suffix in ("", ".json"):
            if Path(f"{src_index}{suffix}").is_file():
                shutil.copy(f"{src_index}{suffix}", f"{db}.stories.usearch{suffix}")
    store = SQLiteStore(db)  # brings the copy's schema up to date first
    try:
        with store.transaction() as conn:
            for table in _THREAD_TABLES + (() if keep_stories else _STORY_TABLES):
                conn.execute(f"DELETE FROM {table}")
            conn.execute("UPDATE stories SET thread_id = NULL")
        by_ext = dict(store.conn.execute("SELECT external_id, id FROM articles").fetchall())
        ids = [by_ext[e] for e in external if e in by_ext]
        if keep_stories:
            placed = {r[0] for r in store.conn.execute("SELECT article_id FROM story_articles")}
            ids = [i for i in ids if i in placed]
        settings = _settings()
        stages = ([] if keep_stories else [Stories(settings)]) + [Threads(settings)]
        secs: dict[str, float] = Counter()
        for start in range(0, len(ids), batch):
            for stage in stages:
                t0 = time.perf_counter()
                stage.run(store, ids[start:start + batch])
                secs[stage.name] += time.perf_counter() - t0
        rows = store.conn.execute("SELECT a.external_id, sa.story_id, s.thread_id FROM articles a JOIN story_articles "
                                  "sa ON sa.article_id = a.id JOIN stories s ON s.id = sa.story_id").fetchall()
    finally:
        store.close()
    return {r[0]: r[2] for r in rows}, {r[0]: r[1] for r in rows}, dict(secs)


def _halves(gold: dict[str, str]) -> list[tuple[str, set[str]]]:
    topics = sorted(set(gold.values()))
    return [("all topics", set(topics)), (f"half A ({', '.join(topics[0::2])})", set(topics[0::2])),
            (f"half B ({', '.join(topics[1::2])})", set(topics[1::2]))]


@evaluation("threads", help="Threads: BCubed of thread_id on Timeline17 topics, with a TF-IDF baseline")
def eval_threads(data: str | None = None, limit: str = "0", store: str | None = None, stories: str = "rerun",
                 baseline: str = "1", **_: Any) -> list[Table]:
    """Threads on Timeline17 (the topic is the thread label), with a TF-IDF average-link baseline."""
    path = bench_data_root(data) / "timeline17" / "articles.jsonl"
    rows = [r for r in map(json.loads, path.open(encoding="utf-8")) if (r.get("text") or "").strip()]
    if int(limit):
        per: Counter[str] = Counter()
        keep = []
        for r in rows:
            if per[r["collection"]] < int(limit):
                per[r["collection"]] += 1
                keep.append(r)
        rows = keep
    rows.sort(key=lambda r: (r["date"] or "", r["id"]))
    gold = {r["id"]: r["label"] for r in rows}
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        if store:
            threads, story_of, secs = _rerun(Path(store), tmp, [r["id"] for r in rows], stories == "keep")
        else:
            with Loom(Path(tmp) / "t17.db", settings=_settings()) as loom:
                loom.ingest(items=[Record(external_id=r["id"], text=r["text"], published=r["date"],
                                          source=r["collection"].split("_")[-1]) for r in rows])
                threads = _placed(loom, "s.thread_id")
                story_of = _placed(loom, "sa.story_id")
            secs = {"whole pipeline ingest + corpus stages": time.perf_counter() - t0}
    table = Table(f"threads on Timeline17 ({len(threads)} articles placed of {len(rows)}, {len(set(gold.values()))} "
                  "topics): BCubed of thread_id against the topic", ["system", "clusters", "B3 P", "B3 R", "B3 F1"])
    for label, topics in _halves(gold):
        part = {k: v for k, v in threads.items() if gold[k] in topics}
        table.rows.append(_row(f"newsloom threads, {label}", bcubed(part, {k: gold[k] for k in part}),
                               clusters=len(set(part.values()))))
    table.rows.append(_row("newsloom stories (as threads)", bcubed(story_of, {k: gold[k] for k in story_of}),
                           clusters=len(set(story_of.values()))))
    if baseline not in ("0", ""):  # its threshold is tuned on every other article, then it clusters all of them
        half = [(r["text"], r["label"]) for r in rows[::2]]
        t, prf = _tuned_baseline(half, [(r["text"], r["label"]) for r in rows],
                                 np.round(np.arange(0.02, 0.5, 0.02), 2))
        table.rows.append(_row(f"baseline TF-IDF + average link (t={t} tuned on half the articles)", prf,
                               clusters=len(set(tfidf_average_link([r["text"] for r in rows], t)))))
    per_article = ", ".join(f"{name} {s:.0f} s ({1000 * s / max(1, len(threads)):.1f} ms per article)"
                            for name, s in secs.items())
    how = (f"stories and threads stages re-run over a copy of {store}, batches of 64" if store and stories != "keep"
           else f"threads stage re-run over the stories of {store}, batches of 64" if store else "")
    table.notes.append(f"{how + ': ' if how else ''}{per_article}; articles in date order")
    return [table]
