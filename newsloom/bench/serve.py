"""``newsloom bench serve``: read latency and throughput of the web app while an ingest writes the same file.

1. A base of real Timeline17 articles goes through the whole pipeline (annotation, copies, stories).
2. The store grows to ``n`` articles by replicating the base rows in SQL (new ids, the same annotations,
   one story per replica of a base story), so lists, pages and indexes face a store of that size.
3. ``newsloom serve`` runs as its own process on 127.0.0.1; a bounded loopback load of the read endpoints
   runs from this process (``clients`` threads for ``seconds``), while a second process ingests new articles
   into the same file.
4. It reports p50/p95/max latency and requests/s per endpoint, errors of any kind (5xx, "database is
   locked"), and whether every article the writer reported stored is in the database (no lost writes).
"""
from __future__ import annotations

import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from ..eval import Table, benchmark
from ..loom import Loom
from ..settings import Settings
from ..storage import Store
from .ingest import peak_rss_mb, timeline17_sample

__all__ = ["bench_serve", "replicate_store"]

#: tables whose rows belong to one article (replicated with it); column holding the article id
_PER_ARTICLE = {"mentions": "article_id", "quotes": "article_id", "dates": "article_id", "events": "article_id"}


def replicate_store(store: Store, n: int) -> int:
    """Grow ``store`` to ``n`` articles by copying its articles (and their per-article rows) under new ids.

    A replica ``k`` of article ``id`` is ``id~k``; its text gets a marker so full-text search and content
    hashes see distinct documents. Story membership is replicated when the stories tables exist.

    Returns:
        The number of articles added.
    """
    base = store.execute("SELECT count(*) FROM articles").fetchone()[0]
    if base == 0 or n <= base:
        return 0
    tables = set(store.tables())
    columns = {t: [r[1] for r in store.execute(f"PRAGMA table_info({t})")] for t in tables}
    reps = (n - base + base - 1) // base
    added = 0
    for k in range(1, reps + 1):
        take = min(base, n - base - added)
        if take <= 0:
            break
        with store.transaction() as conn:
            conn.execute("CREATE TEMP TABLE IF NOT EXISTS _pick (id TEXT PRIMARY KEY)")
            conn.execute("DELETE FROM _pick")
            conn.execute("INSERT INTO _pick SELECT id FROM articles WHERE id NOT LIKE '%~%' ORDER BY rowid LIMIT ?",
                         (take,))
            cols = columns["articles"]
            select = ", ".join(_replica_expr(c, k, "articles") for c in cols)
            conn.execute(f"INSERT INTO articles ({', '.join(cols)}) SELECT {select} FROM articles "
                         "WHERE id IN (SELECT id FROM _pick)")
            for table, key in _PER_ARTICLE.items():
                if table not in tables:
                    continue
                cols = columns[table]
                select = ", ".join(_replica_expr(c, k, table) for c in cols)
                conn.execute(f"INSERT INTO {table} ({', '.join(cols)}) SELECT {select} FROM {table} "
                             f"WHERE {key} IN (SELECT id FROM _pick)")
            if "story_articles" in tables and "stories" in tables:
                _replicate_stories(conn, columns, k)
        added += take
    return added


def _replica_expr(column: str, k: int, table: str) -> str:
    """SQL giving replica ``k``'s value of ``column`` (own ids suffixed; text marked; the rest, links to an original
    or a first carrier included, as is: they point at base articles, which exist)."""
    if column in ("id", "article_id") or (table == "quotes" and column == "quote_key"):
        return f"CASE WHEN {column} IS NULL THEN NULL ELSE {column} || '~{k}' END"
    if table == "articles" and column == "text":
        return f"text || ' [replica {k}]'"
    if table == "articles" and column in ("text_hash", "fingerprint", "external_id"):
        return f"CASE WHEN {column} IS NULL THEN NULL ELSE {column} || '~{k}' END"
    return f'"{column}"'


def _replicate_stories(conn: Any, columns: dict[str, list[str]], k: int) -> None:
    """One replica story per base story, holding the replicas of its articles."""
    story_cols = columns["stories"]
    select = ", ".join(f"CASE WHEN {c} IS NULL THEN NULL ELSE {c} || '~{k}' END" if c in ("id", "thread_id")
                       else f"seq + {k * 10_000_000}" if c == "seq" else f'"{c}"' for c in story_cols)
    conn.execute(f"INSERT OR IGNORE INTO stories ({', '.join(story_cols)}) SELECT {select} FROM stories "
                 "WHERE id NOT LIKE '%~%' AND id IN (SELECT story_id FROM story_articles WHERE article_id IN "
                 "(SELECT id FROM _pick))")
    link_cols = columns["story_articles"]
    select = ", ".join(f"{c} || '~{k}'" if c in ("story_id", "article_id") else f'"{c}"' for c in link_cols)
    conn.execute(f"INSERT INTO story_articles ({', '.join(link_cols)}) SELECT {select} FROM story_articles "
                 "WHERE article_id IN (SELECT id FROM _pick)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_up(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}")
        try:
            httpx.get(url + "/api/articles?limit=1", timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError("the server did not answer within a minute")


def _endpoints(store: Store) -> dict[str, list[str]]:
    """Paths per endpoint name, drawn from the store so that pages and offsets vary."""
    rng = random.Random(5)
    total = store.execute("SELECT count(*) FROM articles").fetchone()[0]
    ids = [r[0] for r in store.execute("SELECT id FROM articles ORDER BY random() LIMIT 200")]
    paths = {
        "articles list": [f"/api/articles?limit=50&offset={rng.randrange(0, max(1, total - 50))}"
                                     for _ in range(50)],
        "article": [f"/api/articles/{i}" for i in ids],
        "search": [f"/api/search?q={w}&limit=20" for w in ("Egypt", "oil spill", "Obama", "Syria army",
                                                                      "protesters", "Gaddafi", "virus")],
    }
    tables = set(store.tables())
    if "entities" in tables:
        paths["entities list"] = [f"/api/entities?limit=50&offset={o}" for o in range(0, 500, 50)]
        paths["quotes list"] = [f"/api/quotes?limit=50&offset={o}" for o in range(0, 2000, 100)]
    if "stories" in tables:
        stories = [r[0] for r in store.execute("SELECT id FROM stories ORDER BY random() LIMIT 100")]
        n_stories = store.execute("SELECT count(*) FROM stories").fetchone()[0]
        paths["stories list"] = [f"/api/stories?limit=50&offset={rng.randrange(0, max(1, n_stories - 50))}"
                                            for _ in range(30)]
        orders = ("", "&sort=recent")
        paths["stories list page"] = [f"/?offset={rng.randrange(0, max(1, n_stories - 25))}{orders[i % 2]}"
                                      for i in range(30)]
        paths["story page"] = [f"/stories/{s}" for s in stories]
        paths["story api"] = [f"/api/stories/{s}" for s in stories]
    return paths


def _load(base: str, paths: dict[str, list[str]], *, clients: int, seconds: float) -> dict[str, Any]:
    """``clients`` threads request random paths for ``seconds``; latencies per endpoint, errors kept."""
    import httpx

    lat: dict[str, list[float]] = {name: [] for name in paths}
    errors: list[str] = []
    stop = time.monotonic() + seconds
    names = list(paths)

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(base_url=base, timeout=30) as client:
            while time.monotonic() < stop:
                name = rng.choice(names)
                path = rng.choice(paths[name])
                t0 = time.perf_counter()
                try:
                    r = client.get(path)
                    dt = time.perf_counter() - t0
                    if r.status_code >= 500 or "database is locked" in r.text[:2000]:
                        errors.append(f"{r.status_code} {path}: {r.text[:200]}")
                    lat[name].append(dt)
                except httpx.HTTPError as exc:
                    errors.append(f"{path}: {exc!r}")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"latency": lat, "errors": errors, "wall": time.perf_counter() - t0}


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


@benchmark("serve")
def bench_serve(n: int = 100_000, base: int = 150, clients: int = 4, seconds: float = 30, writes: int = 200,
                data: str | None = None, keep: str | None = None, db: str | None = None, **_: Any) -> list[Table]:
    """Web read latency (p50/p95) on an N-article store while an ingest writes into the same file.

    ``-o keep DIR`` keeps the built store in DIR; ``-o db FILE`` measures a store built before (no build).
    """
    n, base, clients, writes = int(n), int(base), int(clients), int(writes)
    seconds = float(seconds)
    rows = timeline17_sample(base + writes, data)
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(keep) if keep else Path(tmp)
        tmpdir.mkdir(parents=True, exist_ok=True)
        built = db is None
        db = Path(db) if db else tmpdir / "serve.db"
        t_base = t_grow = 0.0
        added = 0
        if built:
            src = tmpdir / "base.jsonl"
            src.write_text("".join(json.dumps(r) + "\n" for r in rows[:base]), encoding="utf-8")
            t0 = time.perf_counter()
            with Loom(db) as loom:
                loom.ingest(str(src))
            t_base = time.perf_counter() - t0
            t0 = time.perf_counter()
            with Store(db) as store:
                added = replicate_store(store, n)
            t_grow = time.perf_counter() - t0
        with Store(db) as store:
            total = store.execute("SELECT count(*) FROM articles").fetchone()[0]
            paths = _endpoints(store)
        writer_src = tmpdir / "writes.jsonl"
        writer_src.write_text("".join(json.dumps(r) + "\n" for r in rows[base:]), encoding="utf-8")
        port = _free_port()
        env = {**os.environ, "NEWSLOOM_DB": str(db)}
        server = subprocess.Popen([sys.executable, "-m", "newsloom", "--db", str(db), "serve", "--port", str(port)],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_up(url, server)
            quiet = _load(url, paths, clients=clients, seconds=seconds / 2)
            stages = json.dumps(["clean", "language", "quality", "boilerplate", "copies"])
            writer = subprocess.Popen([sys.executable, "-m", "newsloom", "--db", str(db), "-s", "pipeline.stages",
                                       stages, "ingest", "--silent", "--json", str(writer_src)],
                                      env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            busy = _load(url, paths, clients=clients, seconds=seconds)
            out, err = writer.communicate(timeout=900)
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:  # a request still running: the bench is over anyway
                server.kill()
                server.wait()
        report = json.loads(out) if out.strip().startswith("{") else {"stored": None, "error": err[-500:]}
        with Store(db) as store:
            after = store.execute("SELECT count(*) FROM articles").fetchone()[0]
        size_mb = db.stat().st_size / 1e6
    table_rows = []
    for phase, result in (("reads", quiet), ("+ingest", busy)):
        for name, values in result["latency"].items():
            table_rows.append({"phase": phase, "endpoint": name, "requests": len(values),
                               "req/s": round(len(values) / result["wall"], 1),
                               "p50 ms": round(1000 * statistics.median(values), 1) if values else None,
                               "p95 ms": round(1000 * _pct(values, 0.95), 1),
                               "max ms": round(1000 * max(values), 1) if values else None})
    lost = None if report.get("stored") is None else total + report["stored"] - after
    how = (f"{base} real Timeline17 articles through the whole pipeline in {t_base:.0f} s, grown by {added} replicas"
           f" in {t_grow:.0f} s" if built else f"built before: {db}")
    notes = ["endpoints: articles list = GET /api/articles?limit=50&offset=random; article = GET /api/articles/{id}; "
             "search = GET /api/search?q=; entities/quotes/stories list = GET /api/<kind>?limit=50&offset=...; "
             "stories list page = GET /?offset=... (HTML, 25 a page, size or recency order); "
             "story page = GET /stories/{id} (HTML); story api = GET /api/stories/{id}",
             f"store: {total} articles ({how}), {size_mb:.0f} MB",
             f"load: {clients} client threads on 127.0.0.1, {seconds / 2:.0f} s reads only, then {seconds:.0f} s "
             f"while another process ingests {writes} new articles into the same file",
             f"writer: {json.dumps({k: report.get(k) for k in ('read', 'stored', 'duplicate', 'rejected')})};"
             f" lost writes: {lost}; server errors (5xx or 'database is locked'): "
             f"{len(quiet['errors']) + len(busy['errors'])}",
             f"peak RSS of the bench process: {peak_rss_mb():.0f} MB"]
    notes += [f"error: {e}" for e in (quiet["errors"] + busy["errors"])[:5]]
    return [Table(f"web reads on a {total}-article store", ["phase", "endpoint", "requests", "req/s", "p50 ms",
                                                            "p95 ms", "max ms"], table_rows, notes=notes)]
