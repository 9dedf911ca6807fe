"""``newsloom bench copies -n N``: time and peak memory of copy detection at scale.

The corpus is made at run time from real Timeline17 texts: ``N / group`` real articles are the
originals, and every further article is a copy of a random one of them made by a known
transformation (light edits, cut / added / reordered paragraphs, truncation, credit line, wire
syndication, thesaurus paraphrase), in random order. The mix (share of copies, group size) is the
same at every N, so the cost per article at two sizes compares the search, not the data.

Articles are stored in batches and the ``copies`` stage runs on each batch, as in an ingest; the
per-article stages (clean, language, ...) are left out: they are linear by construction and
measured by ``newsloom bench ingest``.
"""
from __future__ import annotations

import json
import random
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..eval import Table, bench_data_root, benchmark
from ..eval.copy_transforms import TRANSFORMS
from ..model import Article, text_hash
from ..queries.articles import counts as stored_counts
from ..settings import Settings
from ..stages.copies import Copies
from ..storage import Store
from .ingest import peak_rss_mb

__all__ = ["bench_copies", "synthetic_corpus"]

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_COPY_MAKERS = [name for name in TRANSFORMS if name != "machine_spin"]


def _real_texts(data: str | None, want: int) -> list[str]:
    path = bench_data_root(data) / "timeline17" / "articles.jsonl"
    texts = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            text = json.loads(line)["text"] or ""
            if len(text.split()) >= 80:  # Timeline17 texts are one line: make paragraphs of 3 sentences
                sentences = _SENTENCE.split(text)
                texts.append("\n\n".join(" ".join(sentences[i:i + 3]) for i in range(0, len(sentences), 3)))
    random.Random(3).shuffle(texts)
    return texts[:want]


def synthetic_corpus(n: int, texts: list[str], *, seed: int = 7) -> Iterator[Article]:
    """``n`` articles: each of ``texts`` once as an original (at random places), the rest copies of
    a random original seen before them."""
    rng = random.Random(seed)
    places = set(rng.sample(range(1, n), min(len(texts), n) - 1)) | {0}
    seen: list[int] = []
    for i in range(n):
        if i in places and len(seen) < len(texts):
            g, how = len(seen), "original"
            seen.append(g)
            text, source = texts[g], f"outlet{g % 50}"
        else:
            g, how = rng.choice(seen), rng.choice(_COPY_MAKERS)
            text = TRANSFORMS[how][1](texts[g], rng)
            source = f"partner{rng.randrange(500)}" if how == "syndicated" else f"outlet{g % 50}"
        yield Article(id=f"{i:016x}", external_id=f"bench:{g}:{how}:{i}", title="", text=text, raw_text="",
                      source=source, language="en", text_hash=text_hash(text))


def _in_right_group(store: Store) -> int:
    """Articles linked as they were made: an original to nothing (or to a copy of its own text), a copy to
    its original's group. External ids carry the group: ``bench:<original>:<how>:<i>``."""
    ext = {r[0]: r[1] for r in store.execute("SELECT id, external_id FROM articles")}
    right = 0
    for aid, copy_of in store.execute("SELECT id, copy_of FROM articles"):
        _, group, how, _ = ext[aid].split(":")
        if copy_of is None:
            right += how == "original"
        else:
            right += ext[copy_of].split(":")[1] == group
    return right


@benchmark("copies", help="Copy detection (MinHash LSH + verification) on N articles made from real texts")
def bench_copies(n: int = 10_000, data: str | None = None, group: int = 25, batch: int = 500,
                 **_: Any) -> list[Table]:
    """Copy detection (MinHash LSH + verification) on N articles made from real Timeline17 texts."""
    texts = _real_texts(data, max(1, n // group))
    settings = Settings.load(overrides={"stages.copies.translations": False})
    stage = Copies(settings)
    laps: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.db")
        t0, cpu0 = time.perf_counter(), time.process_time()
        corpus = synthetic_corpus(n, texts)
        while True:
            buf = [a for _, a in zip(range(batch), corpus)]
            if not buf:
                break
            ids = store.add_batch(buf, [], queue=["copies"])
            lap = time.process_time()
            stage.run(store, ids)
            laps.append(time.process_time() - lap)
        dt, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        counts = stored_counts(store)
        kinds = {r["copy_kind"]: r["n"] for r in store.rows(
            "SELECT copy_kind, count(*) AS n FROM articles WHERE copy_of IS NOT NULL GROUP BY copy_kind")}
        right = _in_right_group(store)
        size_mb = (Path(tmp) / "bench.db").stat().st_size / 1e6
        store.close()
    stage_s = sum(laps)
    tenth = max(1, len(laps) // 10)
    first, last = sum(laps[:tenth]) / tenth, sum(laps[-tenth:]) / tenth
    row = {"articles": n, "originals": len(texts), "seconds": round(dt, 1), "CPU s": round(cpu, 1),
           "copies stage CPU s": round(stage_s, 1), "ms/article (stage CPU)": round(1000 * stage_s / n, 2),
           "articles/s": round(n / dt, 1),
           "last/first 10% batches": round(last / first, 2), "peak RSS MB": round(peak_rss_mb(), 1),
           "db MB": round(size_mb, 1), "in the right group": f"{100 * right / n:.1f}%"}
    table = Table("copies at scale (store + MinHash LSH + verification)", list(row), [row])
    table.notes.append(f"{len(texts)} real Timeline17 texts as originals, the rest copies of them "
                       f"(group ~{group}); linked: {counts['copies']} "
                       f"({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}); 'seconds' includes storing the "
                       "articles (with FTS indexing), wall clock; CPU columns are this process's CPU time (the "
                       "machine is shared, so CPU time is the steadier measure); 'copies stage' is the stage alone")
    table.notes.append("compare ms/article at two sizes (e.g. -n 10000 and -n 100000) for the growth of the cost per "
                       "article; translation search is off (English only)")
    return [table]
