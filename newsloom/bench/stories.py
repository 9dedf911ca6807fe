"""``newsloom bench stories -n N``: placing one new article in a store of N articles (annotation excluded).

The store is made quickly from real Timeline17 texts: ``N / group`` of them are embedded for real, and
every stored article is one of them with sentences dropped (its words) and its vector moved by a
little noise (renormalised); rows, vectors, signals, stories and document frequencies are inserted
directly, as the stories stage would have left them (one story per base text). Then ``probes`` new
perturbed articles are placed one by one by the real stage code (signals, index search, scoring,
writes), each timed; the index save (once per batch in an ingest) is timed apart. Index recall@10 is
measured against exact search on the same store.
"""
from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from ..model import Article, text_hash
from ..settings import Settings
from ..stages.embed import MODEL, Embedder, article_vectors
from ..stages.stories import Idf, Stories, shared_index, story_id
from ..stages.story_match import Profile, Signals, term_counts
from ..storage import Store
from ..storage.sqlite import now
from ..storage.tables.embed import encode_vector
from ..eval import Table, benchmark
from .copies import _real_texts
from .ingest import peak_rss_mb

__all__ = ["bench_stories"]


def _perturb(text: str, rng: random.Random) -> str:
    sentences = text.split(". ")
    keep = [s for s in sentences if rng.random() > 0.2] or sentences[:1]
    return ". ".join(keep)


def _build(store: Store, n: int, texts: list[str], vecs: np.ndarray, rng: random.Random) -> None:
    """Insert ``n`` placed articles (rows, vectors, signals, stories, df) directly."""
    profiles: dict[int, Profile] = {}
    df: dict[int, int] = {}
    stamp = now()
    with store.transaction() as conn:
        for i in range(n):
            g = i % len(texts)
            text = _perturb(texts[g], rng)
            vec = vecs[g] + np.asarray([rng.gauss(0, 0.02) for _ in range(vecs.shape[1])], dtype=np.float32)
            vec /= np.linalg.norm(vec)
            aid = f"{i:016x}"
            conn.execute("INSERT INTO articles (id, external_id, title, text, language, text_hash, ingested_at) "
                         "VALUES (?, ?, '', ?, 'en', ?, ?)", (aid, f"bench:{g}:{i}", text, text_hash(text), stamp))
            conn.execute("INSERT INTO embeddings (article_id, model, vector) VALUES (?, ?, ?)",
                         (aid, MODEL, encode_vector(vec)))
            sig = Signals(vec, term_counts("", text))
            conn.execute("INSERT INTO story_signals (article_id, signals) VALUES (?, ?)", (aid, sig.to_blob()))
            for t in sig.terms:
                df[t] = df.get(t, 0) + 1
            p = profiles.setdefault(g, Profile())
            p.add(sig, {}, {}, max_terms=10_000)
            conn.execute("INSERT INTO story_articles (article_id, story_id, reason, assigned_at) VALUES (?, ?, ?, ?)",
                         (aid, story_id(f"{g:016x}"), "new" if i < len(texts) else "joined", stamp))
        n_docs = n
        idf = {t: float(np.log((1 + n_docs) / (1 + c))) for t, c in df.items()}
        for g, p in profiles.items():
            p._trim(idf, {}, 300, 60)
            conn.execute("INSERT INTO stories (id, seq, size, profile, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                         (story_id(f"{g:016x}"), g + 1, p.n, p.to_blob(), stamp, stamp))
        conn.executemany("INSERT INTO story_terms_df (term, df, background) VALUES (?, ?, 0)", list(df.items()))
        conn.execute("INSERT INTO story_terms_df (term, df) VALUES (0, ?)", (n_docs,))


@benchmark("stories", help="Placing one new article in a store of N articles: latency, index recall, size")
def bench_stories(n: int = 10_000, data: str | None = None, group: int = 20, probes: int = 200,
                  **_: Any) -> list[Table]:
    """Latency of the stories stage placing one new article in a store of N (annotation excluded)."""
    rng = random.Random(5)
    texts = _real_texts(data, max(10, n // group))
    t0 = time.perf_counter()
    vecs = article_vectors(Embedder(), [(None, t) for t in texts])
    embed_s = time.perf_counter() - t0
    stage = Stories(Settings.load())
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.db")
        t0 = time.perf_counter()
        _build(store, n, texts, vecs, rng)
        build_s = time.perf_counter() - t0
        index = shared_index(store, stage.cfg)
        t0 = time.perf_counter()
        with store.transaction() as conn:
            index.sync(conn)
        index_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        index.save()
        save_s = time.perf_counter() - t0
        # recall@10 of the index against exact search over the same vectors
        rows = store.execute("SELECT rid, vector FROM embeddings ORDER BY rid").fetchall()
        rids = np.array([r[0] for r in rows])
        matrix = np.stack([np.frombuffer(r[1], dtype="<f2").astype(np.float32) for r in rows])
        queries = [rng.randrange(len(rows)) for _ in range(100)]
        recall = []
        for qi in queries:
            exact = set(rids[np.argsort(-(matrix @ matrix[qi]))[:10]].tolist())
            found = {r for r, _ in index.search(matrix[qi], 10)}
            recall.append(len(exact & found) / 10)
        laps = []
        with store.transaction() as conn:
            idf = Idf(conn, background=float(stage.cfg["background"]))
            for k in range(probes):
                g = rng.randrange(len(texts))
                text = _perturb(texts[g], rng)
                vec = vecs[g] + np.asarray([rng.gauss(0, 0.02) for _ in range(vecs.shape[1])], dtype=np.float32)
                vec /= np.linalg.norm(vec)
                aid = f"p{k:015x}"
                conn.execute("INSERT INTO articles (id, external_id, title, text, language, text_hash, ingested_at) "
                             "VALUES (?, ?, '', ?, 'en', ?, ?)", (aid, f"probe:{g}:{k}", text, text_hash(text), now()))
                conn.execute("INSERT INTO embeddings (article_id, model, vector) VALUES (?, ?, ?)",
                             (aid, MODEL, encode_vector(vec)))
                rid = conn.execute("SELECT rid FROM embeddings WHERE article_id = ?", (aid,)).fetchone()[0]
                art = Article(id=aid, external_id=f"probe:{g}:{k}", title="", text=text, language="en")
                lap = time.perf_counter()
                stage._process(conn, index, idf, art, vec)
                index.add([rid], vec[None, :])
                laps.append(1000 * (time.perf_counter() - lap))
        right = store.execute("SELECT count(*) FROM story_articles sa WHERE sa.article_id LIKE 'p%' AND "
                              "sa.story_id = (SELECT story_id FROM story_articles WHERE article_id = printf('%016x', "
                              "CAST(substr((SELECT external_id FROM articles WHERE id = sa.article_id), 7) AS INTEGER)))"
                              ).fetchone()[0]
        size_mb = index.size_bytes() / 1e6
        db_mb = (Path(tmp) / "bench.db").stat().st_size / 1e6
        store.close()
    laps.sort()
    row = {"articles": n, "probes": probes, "p50 ms": round(laps[len(laps) // 2], 1),
           "p95 ms": round(laps[int(0.95 * (len(laps) - 1))], 1), "mean ms": round(sum(laps) / len(laps), 1),
           "recall@10": round(float(np.mean(recall)), 3), "index MB": round(size_mb, 1), "db MB": round(db_mb, 1),
           "peak RSS MB": round(peak_rss_mb(), 1), "joined own story": f"{100 * right / probes:.0f}%"}
    table = Table("stories: placing one new article (annotation excluded)", list(row), [row])
    table.notes.append(f"{len(texts)} real Timeline17 texts embedded ({embed_s:.0f} s), each the base of a story of "
                       f"~{group} perturbed copies; store built directly in {build_s:.0f} s, index built from it in "
                       f"{index_s:.1f} s, saved in {save_s:.2f} s (once per ingest batch, not in the latencies)")
    table.notes.append("compare ms at two sizes (-n 10000 and -n 100000) for the growth per article")
    return [table]
