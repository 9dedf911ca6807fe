"""``newsloom bench stories -n N``: placing one new article in a store of N articles (annotation excluded).

The store is made quickly from real Timeline17 texts: ``N / group`` of them are embedded for real, and
every stored article is one of them with sentences dropped (its words) and its vector moved by a
little noise (renormalised); rows, vectors, signals, stories and document frequencies are inserted
directly, as the stories stage would have left them (one story per base text). Then ``probes`` new
perturbed articles are placed one by one, each as a one-article batch of the real stage code, timed whole
(what a user waits for) and by part: placing it (signals, index search, scoring, writes, adding the
vector to the index), the batch's re-check (``_settle``: re-clustering its story's neighbourhood) and the
batch's word counts; then the threads stage's one-article batch for it (placing its story in a thread, the
threads re-check and the split check of a thread that grew), timed apart and with the stories' batch
(``with threads``): the store's stories are put in threads of ``thread_stories`` consecutive base texts first
(in the same transaction). The probes are rolled back afterwards, so the store is unchanged. ``-o keep DIR``
keeps the built store (and the base vectors) in DIR and reuses it in later runs of the same ``-n`` and
``group``.

Also measured: the index's recall@k against exact search for several ``ef`` (queries are new perturbed
articles, not stored vectors), the time to write the index file (the stage writes it only after a
share of new vectors, ``index_save_share``: that cost per article is reported apart), the resident
memory while placing, the index and database sizes. ``-o profile 1`` adds where the time of one
placement goes (cProfile, so inflated).
"""
from __future__ import annotations

import cProfile
import json
import math
import pstats
import random
import re
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import numpy as np

from ..eval import Table, benchmark
from ..model import Article, text_hash
from ..settings import Settings
from ..stages.embed import MODEL, Embedder, article_vectors
from ..stages.stories import Idf, Stories, one_blas_thread, shared_index, story_id
from ..stages.story_match import Profile, Signals, term_counts, term_hash
from ..stages.threads import Threads
from ..storage import Store
from ..storage.sqlite import now
from ..storage.tables.embed import decode_vector, encode_vector
from .copies import _real_texts
from .memory import peak_rss_mb

__all__ = ["bench_stories"]

_WORD = re.compile(r"[^\W_]{2,}")  # the words of story_match.term_counts (checked against it below)
_NOISE = 0.02  # per-dimension noise of a copy's vector: cosine to its base about 0.9
#: (where, function) of each step of one placement, in the order the stage runs them
_STEPS = (("stages/stories", "article_signals"), ("stages/stories", "count"), ("vector_index", "search"),
          ("stages/stories", "_copy_story"), ("stages/stories", "_candidates"), ("story_match", "features"),
          ("stages/stories", "_join"), ("stages/stories", "_merge_check"), ("vector_index", "add"),
          ("stages/stories", "_settle"), ("stages/stories", "member_signals"), ("story_regroup", "pair_scores"),
          ("story_regroup", "average_link"), ("stages/stories", "_rebuild"), ("stages/stories", "flush"))


class _Base:
    """A real text cut into sentences, each with its word ids, so a perturbed copy costs no tokenising."""

    def __init__(self, text: str) -> None:
        self.sentences = text.split(". ")
        self.words = [[term_hash(w) for w in _WORD.findall(s.casefold())] for s in self.sentences]

    def copy(self, rng: random.Random) -> tuple[str, dict[int, float]]:
        """A copy with about a fifth of the sentences dropped: its text and log term frequencies."""
        keep = [i for i in range(len(self.sentences)) if rng.random() > 0.2] or [0]
        counts = Counter(h for i in keep for h in self.words[i])
        return ". ".join(self.sentences[i] for i in keep), {h: 1.0 + math.log(c) for h, c in counts.items()}


def _noisy(vecs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = vecs + rng.normal(0.0, _NOISE, vecs.shape).astype(np.float32)
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def _build(store: Store, n: int, bases: list[_Base], vecs: np.ndarray, rng: random.Random,
           nrng: np.random.Generator) -> None:
    """Insert ``n`` placed articles (rows, vectors, signals, stories, df) directly, 5,000 per transaction."""
    profiles: dict[int, Profile] = {}
    df: Counter[int] = Counter()
    stamp = now()
    for start in range(0, n, 5000):
        stop = min(n, start + 5000)
        groups = [i % len(bases) for i in range(start, stop)]
        noisy = _noisy(vecs[groups], nrng)
        arts, embs, sigs, placed = [], [], [], []
        for i, g, vec in zip(range(start, stop), groups, noisy):
            text, terms = bases[g].copy(rng)
            if i == 0 and terms != term_counts("", text):
                raise AssertionError("bench stories: the copy's words differ from story_match.term_counts")
            aid = f"{i:016x}"
            arts.append((aid, f"bench:{g}:{i}", text, text_hash(text), stamp))
            embs.append((aid, MODEL, encode_vector(vec)))
            sig = Signals(vec, terms)
            sigs.append((aid, sig.to_blob()))
            df.update(terms.keys())
            profiles.setdefault(g, Profile()).add(sig, {}, {}, max_terms=10_000)
            placed.append((aid, story_id(f"{g:016x}"), "new" if i < len(bases) else "joined", stamp))
        with store.transaction() as conn:
            conn.executemany("INSERT INTO articles (id, external_id, title, text, language, text_hash, ingested_at) "
                             "VALUES (?, ?, '', ?, 'en', ?, ?)", arts)
            conn.executemany("INSERT INTO embeddings (article_id, model, vector) VALUES (?, ?, ?)", embs)
            conn.executemany("INSERT INTO story_signals (article_id, signals) VALUES (?, ?)", sigs)
            conn.executemany("INSERT INTO story_articles (article_id, story_id, reason, assigned_at) "
                             "VALUES (?, ?, ?, ?)", placed)
    idf = {t: float(np.log((1 + n) / (1 + c))) for t, c in df.items()}
    with store.transaction() as conn:
        for g, p in profiles.items():
            p._trim(idf, {}, 300, 60)
            conn.execute("INSERT INTO stories (id, seq, size, profile, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                         (story_id(f"{g:016x}"), g + 1, p.n, p.to_blob(), stamp, stamp))
        conn.executemany("INSERT INTO story_terms_df (term, df, background) VALUES (?, ?, 0)", list(df.items()))
        conn.execute("INSERT INTO story_terms_df (term, df) VALUES (0, ?)", (n,))


def _base_vectors(texts: list[str], cache: Path | None) -> tuple[np.ndarray, float]:
    """The real embeddings of the base texts (read from ``cache`` when it holds them) and the seconds taken."""
    if cache is not None and cache.exists():
        vecs = np.load(cache)
        if len(vecs) == len(texts):
            return vecs, 0.0
    t0 = time.perf_counter()
    vecs = article_vectors(Embedder(), [(None, t) for t in texts])
    if cache is not None:
        np.save(cache, vecs)
    return vecs, time.perf_counter() - t0


def _recall(store: Store, index: Any, queries: np.ndarray, k: int, efs: list[int]) -> list[dict[str, Any]]:
    """recall@k and search time of the index at several ``ef``, against exact search over the stored vectors."""
    rids, blocks, last = [], [], 0
    while rows := store.execute("SELECT rid, vector FROM embeddings WHERE rid > ? ORDER BY rid LIMIT 20000",
                                (last,)).fetchall():
        rids.append(np.array([r[0] for r in rows]))
        blocks.append(np.stack([decode_vector(r[1]) for r in rows]))
        last = rows[-1][0]
    all_rids, matrix = np.concatenate(rids), np.concatenate(blocks)
    exact = [set(all_rids[np.argpartition(-(matrix @ q), k)[:k]].tolist()) for q in queries]
    del matrix
    out = []
    for ef in efs:
        index._index.expansion_search = ef
        t0 = time.perf_counter()
        found = [{r for r, _ in index.search(q, k)} for q in queries]
        ms = 1000 * (time.perf_counter() - t0) / len(queries)
        out.append({"ef": ef, f"recall@{k}": round(float(np.mean([len(e & f) / k for e, f in zip(exact, found)])), 4),
                    "search ms": round(ms, 3)})
    index._index.expansion_search = index.params["expansion_search"]
    return out


def _threads(conn: Any, per: int, growth: float) -> int:
    """Put the stories in threads of ``per`` consecutive base texts (one story each), unless the store has threads;
    returns the threads made. Each thread was last checked for a split (``checked_size``) at a size log-uniform
    between its size / ``growth`` and its size, as in a store grown article by article (where a thread is checked
    each time it has grown by ``growth``), so a probe pays for a check as often as a new article would."""
    if conn.execute("SELECT count(*) FROM threads").fetchone()[0]:
        return 0
    profiles: dict[int, Profile] = {}
    stamp = now()
    for sid, seq, blob in conn.execute("SELECT id, seq, profile FROM stories ORDER BY seq").fetchall():
        t = (seq - 1) // per
        profiles.setdefault(t, Profile()).merge(Profile.from_blob(blob), {}, {}, max_terms=400, max_entities=80)
        conn.execute("UPDATE stories SET thread_id = ? WHERE id = ?", (story_id(f"{t:016x}", "thread"), sid))
    rng = random.Random(0)
    conn.executemany("INSERT INTO threads (id, seq, size, checked_size, profile, created_at, updated_at) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?)",
                     [(story_id(f"{t:016x}", "thread"), t + 1, p.n, int(p.n / growth ** rng.random()), p.to_blob(),
                       stamp, stamp) for t, p in profiles.items()])
    return len(profiles)


class _Rollback(Exception):
    pass


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@benchmark("stories", help="Placing one new article in a store of N articles: latency, index recall, size")
def bench_stories(n: int = 10_000, data: str | None = None, group: int = 20, probes: int = 200,
                  keep: str | None = None, profile: int = 0, thread_stories: int = 10, **_: Any) -> list[Table]:
    """Latency of the stories stage placing one new article in a store of N (annotation excluded)."""
    rng, nrng = random.Random(5), np.random.default_rng(5)
    texts = _real_texts(data, max(10, n // group))
    bases = [_Base(t) for t in texts]
    settings = Settings.load()
    stage = Stories(settings)
    threads = Threads(settings)
    with ExitStack() as stack:
        folder = Path(keep) if keep else Path(stack.enter_context(tempfile.TemporaryDirectory()))
        folder.mkdir(parents=True, exist_ok=True)
        stem = folder / f"stories-{n}-{group}"
        vecs, embed_s = _base_vectors(texts, stem.with_suffix(".npy") if keep else None)
        db = stem.with_suffix(".db")
        built = Path(f"{db}.built").exists()
        if not built:
            for path in folder.glob(f"{stem.name}.db*"):
                path.unlink()
        store = Store(db)
        stack.callback(store.close)
        t0 = time.perf_counter()
        if not built:
            _build(store, n, bases, vecs, rng, nrng)
            Path(f"{db}.built").write_text(json.dumps({"n": n, "group": group}))
        build_s = time.perf_counter() - t0
        index = shared_index(store, stage.cfg)
        t0 = time.perf_counter()
        with store.transaction() as conn:
            added = index.sync(conn)
        index_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        index.save(force=True)
        save_s = time.perf_counter() - t0
        k = int(stage.cfg["neighbours"])
        queries = _noisy(vecs[[rng.randrange(len(texts)) for _ in range(200)]], nrng)
        sync_s = []  # the check every batch of the stories (and threads) stage makes before it starts
        for _ in range(3):
            with store.transaction() as conn:
                t0 = time.perf_counter()
                index.sync(conn)
                sync_s.append(time.perf_counter() - t0)
        recall = _recall(store, index, queries, k, sorted({16, 32, 64, 96, 128, int(stage.cfg["index_expansion_search"])}))
        laps, cpus, candidates = [], [], []
        parts: dict[str, list[float]] = {"place": [], "re-check": [], "word counts": [], "threads": []}
        with_threads: list[float] = []
        cpus_with: list[float] = []  # CPU of both stages' batches
        profiler = cProfile.Profile() if profile else None
        rss0 = _rss_mb()
        try:
            with store.transaction() as conn:
                made = _threads(conn, int(thread_stories), float(threads.cfg["split_growth"]))
                for p in range(probes):
                    g = rng.randrange(len(texts))
                    text, _terms = bases[g].copy(rng)
                    vec = _noisy(vecs[g][None, :], nrng)[0]
                    aid = f"p{p:015x}"
                    conn.execute("INSERT INTO articles (id, external_id, title, text, language, text_hash, "
                                 "ingested_at) VALUES (?, ?, '', ?, 'en', ?, ?)",
                                 (aid, f"probe:{g}:{p}", text, text_hash(text), now()))
                    rid = conn.execute("INSERT INTO embeddings (article_id, model, vector) VALUES (?, ?, ?)",
                                       (aid, MODEL, encode_vector(vec))).lastrowid
                    art = Article(id=aid, external_id=f"probe:{g}:{p}", title="", text=text, language="en")
                    candidates.append(len(stage._candidates(conn, index.search(vec, k))))
                    if profiler:
                        profiler.enable()
                    # one one-article batch of Stories.run, step by step (its store.done and commit excluded)
                    lap, cpu = time.perf_counter(), time.thread_time()
                    idf = Idf(conn, background=float(stage.cfg["background"]))
                    with one_blas_thread():
                        links = stage._process(conn, index, idf, art, vec)
                        index.add([rid], vec[None, :])
                    placed = time.perf_counter()
                    with one_blas_thread():
                        stage._settle(conn, idf, links)
                    settled = time.perf_counter()
                    idf.flush()
                    end, end_cpu = time.perf_counter(), time.thread_time()
                    laps.append(1000 * (end - lap))
                    cpus.append(1000 * (end_cpu - cpu))
                    # the threads stage's one-article batch (Threads.run without its index check and commit)
                    tidf = Idf(conn, background=float(stage.cfg["background"]))
                    with one_blas_thread():
                        threads._after_batch(conn, tidf, threads._process(conn, index, tidf, art))
                    threaded, threaded_cpu = time.perf_counter(), time.thread_time()
                    for name, ms in zip(parts, (placed - lap, settled - placed, end - settled, threaded - end)):
                        parts[name].append(1000 * ms)
                    with_threads.append(1000 * (threaded - lap))
                    cpus_with.append(1000 * (threaded_cpu - cpu))
                    if profiler:
                        profiler.disable()
                right = conn.execute("SELECT count(*) FROM story_articles sa WHERE sa.article_id LIKE 'p%' AND "
                                     "sa.story_id = (SELECT story_id FROM story_articles WHERE article_id = "
                                     "printf('%016x', CAST(substr((SELECT external_id FROM articles WHERE id = "
                                     "sa.article_id), 7) AS INTEGER)))").fetchone()[0]  # probe:G:P -> G
                rss = _rss_mb()
                raise _Rollback  # the probes leave nothing behind: a kept store is reused as built
        except _Rollback:
            index.discard()  # it holds the rolled-back probes' vectors
        size_mb = index.size_bytes() / 1e6
        db_mb = sum(p.stat().st_size for p in (db, Path(f"{db}-wal")) if p.exists()) / 1e6
    laps.sort()
    cpus.sort()
    with_threads.sort()
    cpus_with.sort()
    for ms in parts.values():
        ms.sort()
    save_every = max(1, math.ceil(float(stage.cfg["index_save_share"]) * n))
    row = {"articles": n, "probes": probes, "p50 ms": round(_pct(laps, 0.5), 1),
           "p95 ms": round(_pct(laps, 0.95), 1), "mean ms": round(sum(laps) / len(laps), 1),
           "CPU p50 ms": round(_pct(cpus, 0.5), 1), "CPU p95 ms": round(_pct(cpus, 0.95), 1),
           "CPU mean ms": round(sum(cpus) / len(cpus), 1),
           **{f"{name} {q} ms": round(_pct(ms, f), 1) for name, ms in parts.items()
              for q, f in (("p50", 0.5), ("p95", 0.95))},
           "with threads p50 ms": round(_pct(with_threads, 0.5), 1), "with threads p95 ms": round(_pct(with_threads, 0.95), 1),
           "with threads CPU p50 ms": round(_pct(cpus_with, 0.5), 1),
           "with threads CPU p95 ms": round(_pct(cpus_with, 0.95), 1),
           "index write ms/article": round(1000 * save_s / save_every, 2),
           "index sync ms/batch": round(1000 * min(sync_s), 2),
           f"recall@{k}": next(r[f"recall@{k}"] for r in recall if r["ef"] == index.params["expansion_search"]),
           "candidates": round(float(np.mean(candidates)), 1), "index MB": round(size_mb, 1),
           "db MB": round(db_mb, 1), "RSS placing MB": round(rss, 1), "peak RSS MB": round(peak_rss_mb(), 1),
           "joined own story": f"{100 * right / probes:.0f}%"}
    table = Table("stories: placing one new article (annotation excluded)", list(row), [row])
    table.notes.append(
        f"{len(texts)} real Timeline17 texts embedded ({embed_s:.0f} s), each the base of a story of ~{n // len(texts)} "
        f"perturbed copies; store {'reused' if built else f'built directly in {build_s:.0f} s'}, index "
        f"{'loaded' if not added else f'built ({added} vectors)'} in {index_s:.1f} s, written in {save_s:.2f} s "
        f"(the stage writes it once {save_every} new vectors are unsaved: 'index write ms/article'), brought up to "
        f"date before each batch in {1000 * min(sync_s):.1f} ms ('index sync ms/batch', not in the laps); RSS before "
        f"placing {rss0:.0f} MB")
    table.notes.append("each probe is a one-article batch of the stage (Stories.run without its commit): p50/p95 "
                       "(wall) and CPU time the whole step: 'place' (signals, search, scoring, writes, index add), "
                       "'re-check' (the batch's _settle: re-cluster and merge/split) and 'word counts' (the "
                       "batch's df upsert); 'threads': the threads stage's one-article batch after it (placing the story "
                       "in a thread, the threads re-check), not in p50/p95/mean; 'with threads': both stages' batches "
                       f"(wall and CPU); {made or 'the store'}{' threads made of ' + str(thread_stories) + ' stories each' if made else ' had threads'}")
    table.notes.append("compare mean ms at two sizes (-n 10000 and -n 100000) for the growth per article; "
                       "'candidates' = stories scored per article")
    tables = [table, Table(f"stories: index recall@{k} against exact search ({len(queries)} new articles as queries, "
                           f"HNSW M={index.params['connectivity']}, ef_construction={index.params['expansion_add']})",
                           ["ef", f"recall@{k}", "search ms"], recall)]
    if profiler:
        tables.append(_profile_table(profiler, probes))
    return tables


def _pct(ms: list[float], q: float) -> float:
    """The ``q`` quantile of sorted ``ms`` (the value at rank ``q * (n - 1)``, rounded down; p50 the middle)."""
    return ms[len(ms) // 2] if q == 0.5 else ms[int(q * (len(ms) - 1))]


def _profile_table(profiler: cProfile.Profile, probes: int) -> Table:
    """Cumulative ms per placed article of each step of the stage (cProfile, so every figure is inflated)."""
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    rows = []
    for where, step in _STEPS:
        cum = sum(v[3] for (path, _line, name), v in stats.items() if name == step and where in path)
        rows.append({"step": f"{where.split('/')[-1]}.{step}", "ms per article": round(1000 * cum / probes, 2)})
    total = sum(v[2] for v in stats.values())
    rows.append({"step": "total (profiled)", "ms per article": round(1000 * total / probes, 2)})
    return Table("stories: where one placement's time goes (cProfile)", ["step", "ms per article"], rows)
