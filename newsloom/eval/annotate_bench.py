"""``newsloom bench annotate``: annotation throughput against a bare spaCy NER pass, in one run.

Both passes see the same real texts (Timeline17 articles, cleaned first; cleaning is not timed):

* bare NER: ``nlp.pipe`` with only the ``ner`` component of en_core_web_sm enabled;
* full spaCy: ``nlp.pipe`` with every component (what the nlp stage runs), for reference;
* annotate: the registered per-article annotation stages (nlp, entities, quotes, dates, events,
  those that are registered) run as the pipeline runs them, batch by batch, timed per stage.

The ratio annotate / bare NER is the figure to watch (goal: at least 0.7).
"""
from __future__ import annotations

import time
from typing import Any

from ..ingest import record_to_article
from ..model import Article, Record
from ..pipeline import Pipeline, registered_stages
from ..settings import Settings
from . import Table, benchmark
from .ingest_bench import peak_rss_mb, timeline17_sample

__all__ = ["bench_annotate", "ANNOTATE_STAGES"]

#: the annotation path, in pipeline order; stages not registered (an area not built yet) are left out
ANNOTATE_STAGES = ("nlp", "entities", "quotes", "dates", "events")
_NON_NER = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter")


def _articles(rows: list[dict[str, Any]]) -> list[Article]:
    prep = Pipeline.default(Settings.load(env={}, overrides={"pipeline.stages": ["clean", "language"]}))
    out = []
    for r in rows:
        rec = Record(external_id=str(r.get("id")), text=r.get("text") or "", title=r.get("title"),
                     source=r.get("source"), url=r.get("url"), published=r.get("date"), format="jsonl")
        out.append(prep(record_to_article(rec)))
    return [a for a in out if a.text.strip()]


def _rate(n: int, seconds: float) -> float:
    return round(n / seconds, 2) if seconds > 0 else float("inf")


@benchmark("annotate")
def bench_annotate(n: int = 100, data: str | None = None, batch_size: int = 32, **_: Any) -> list[Table]:
    """Annotation throughput (nlp+entities+quotes+dates+events) against a bare spaCy NER pass."""
    from ..nlp import load_nlp

    arts = _articles(timeline17_sample(n, data))
    max_chars = 200_000
    texts = [a.text[:max_chars] for a in arts]
    chars = sum(len(t) for t in texts)
    names = [s for s in ANNOTATE_STAGES if s in registered_stages()]
    settings = Settings.load(env={}, overrides={"pipeline.stages": names})
    pipeline = Pipeline.default(settings, names=names)
    bare = load_nlp(disable=_NON_NER)
    full = load_nlp()
    warm = texts[:2]  # load lazily built tables outside the timed runs
    list(bare.pipe(warm))
    for a in pipeline.pipe([Article.from_dict({**x.as_dict(), "annotations": {}}) for x in arts[:2]]):
        pass

    t0 = time.perf_counter()
    n_ents = sum(len(d.ents) for d in bare.pipe(texts, batch_size=batch_size))
    t_bare = time.perf_counter() - t0

    t0 = time.perf_counter()
    for _doc in full.pipe(texts, batch_size=batch_size):
        pass
    t_full = time.perf_counter() - t0

    per_stage = {s.info.name: 0.0 for s in pipeline.slots}
    counts = {"mentions": 0, "quotes": 0, "dates": 0, "resolved dates": 0, "events": 0}
    t0 = time.perf_counter()
    for i in range(0, len(arts), batch_size):
        batch = [Article.from_dict({**a.as_dict(), "annotations": {}}) for a in arts[i:i + batch_size]]
        for slot in pipeline.slots:
            ts = time.perf_counter()
            comp = slot.component
            batch = list(comp.pipe(batch, batch_size=batch_size)) if hasattr(comp, "pipe") else [comp(a) for a in batch]
            per_stage[slot.info.name] += time.perf_counter() - ts
        for a in batch:
            ann = a.annotations
            counts["mentions"] += len(ann.get("mentions") or [])
            counts["quotes"] += len(ann.get("quotes") or [])
            counts["dates"] += len(ann.get("dates") or [])
            counts["resolved dates"] += sum(1 for d in ann.get("dates") or [] if d.get("value"))
            counts["events"] += len(ann.get("events") or [])
            ann.pop("doc", None)
    t_ann = time.perf_counter() - t0

    rate_bare = _rate(len(arts), t_bare)
    rows = [
        {"pass": "bare NER", "articles": len(arts), "seconds": round(t_bare, 2),
         "articles/s": rate_bare, "vs bare NER": 1.0},
        {"pass": "spaCy all", "articles": len(arts), "seconds": round(t_full, 2),
         "articles/s": _rate(len(arts), t_full), "vs bare NER": round(t_bare / t_full, 3)},
        {"pass": "annotate", "articles": len(arts), "seconds": round(t_ann, 2),
         "articles/s": _rate(len(arts), t_ann), "vs bare NER": round(t_bare / t_ann, 3)},
    ]
    stage_rows = [{"stage": name, "seconds": round(sec, 2), "share": round(sec / t_ann, 3) if t_ann else 0.0}
                  for name, sec in per_stage.items()]
    return [
        Table("annotation throughput vs a bare spaCy NER pass (same texts, same run)",
              ["pass", "articles", "seconds", "articles/s", "vs bare NER"], rows,
              notes=[f"data: Timeline17 articles.jsonl, first {n} rows ({len(arts)} with text, "
                     f"{chars / max(1, len(arts)):.0f} characters on average), batch size {batch_size}",
                     "bare NER: nlp.pipe with only the ner component; spaCy all: every component (what the nlp "
                     "stage runs); annotate: " + " + ".join(names) + " stages as the pipeline runs them",
                     f"bare NER found {n_ents} entities; annotate produced " +
                     ", ".join(f"{v} {k}" for k, v in counts.items()),
                     f"goal: annotate >= 0.7 of bare NER; peak RSS {peak_rss_mb():.0f} MB"]),
        Table("annotate time per stage", ["stage", "seconds", "share"], stage_rows),
    ]
