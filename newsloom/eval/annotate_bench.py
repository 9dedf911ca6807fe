"""``newsloom bench annotate``: annotation throughput against a bare spaCy NER pass, in one run.

Every pass sees the same real texts (Timeline17 articles, cleaned first; cleaning is not timed):

* bare NER: ``nlp.pipe`` with only the ``ner`` component of en_core_web_sm enabled;
* annotate: the registered per-article annotation stages (nlp, entities, quotes, dates, events)
  as the pipeline runs them, batch by batch, timed per stage, with the shipped settings (the nlp
  stage's scoped parse);
* for reference, once: spaCy with every component, and annotate with ``stages.nlp.parse = "all"``.

Before timing, every pass runs once over the 20 Timeline17 rows after the measured ones (models load
lazily; the scoped parse and spaCy's lemmatizer keep per-process caches), so the figures are those
of a running ingest.

Bare NER and annotate alternate for ``rounds`` rounds; the ratio reported is the median of the
rounds' ratios, so a slow moment of a shared machine hits both sides of one round alike. The ratio
annotate / bare NER is the figure to watch (goal: at least 0.7).
"""
from __future__ import annotations

import statistics
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
_WARM = 20  # articles after the measured ones that warm up models and caches first
_COUNTED = ("mentions", "quotes", "dates", "resolved dates", "events")


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


def _fresh(arts: list[Article]) -> list[Article]:
    return [Article.from_dict({**a.as_dict(), "annotations": {}}) for a in arts]


def _annotate(pipeline: Pipeline, arts: list[Article], batch_size: int) -> tuple[float, dict[str, float],
                                                                                 dict[str, int]]:
    """Run the annotation stages batch by batch: (seconds, seconds per stage, what they produced)."""
    per_stage = {s.info.name: 0.0 for s in pipeline.slots}
    counts = dict.fromkeys(_COUNTED, 0) | {"parsed tokens": 0, "tokens": 0}
    batches = [_fresh(arts[i:i + batch_size]) for i in range(0, len(arts), batch_size)]
    t0 = time.perf_counter()
    for batch in batches:
        for slot in pipeline.slots:
            ts = time.perf_counter()
            comp = slot.component
            batch = list(comp.pipe(batch, batch_size=batch_size)) if hasattr(comp, "pipe") else [comp(a) for a in batch]
            per_stage[slot.info.name] += time.perf_counter() - ts
        for a in batch:
            ann = a.annotations
            doc = ann.pop("doc", None)
            if doc is not None:
                counts["tokens"] += len(doc)
                counts["parsed tokens"] += int(doc.user_data.get("newsloom_parsed_tokens", len(doc)))
            counts["mentions"] += len(ann.get("mentions") or [])
            counts["quotes"] += len(ann.get("quotes") or [])
            counts["dates"] += len(ann.get("dates") or [])
            counts["resolved dates"] += sum(1 for d in ann.get("dates") or [] if d.get("value"))
            counts["events"] += len(ann.get("events") or [])
    return time.perf_counter() - t0, per_stage, counts


@benchmark("annotate")
def bench_annotate(n: int = 100, data: str | None = None, batch_size: int = 32, rounds: int = 3,
                   **_: Any) -> list[Table]:
    """Annotation throughput (nlp+entities+quotes+dates+events) against a bare spaCy NER pass."""
    from ..nlp import load_nlp

    rows = timeline17_sample(n + _WARM, data)
    arts, warm_arts = _articles(rows[:n]), _articles(rows[n:]) or _articles(rows[:2])
    rounds = max(1, int(rounds))
    texts = [a.text[:200_000] for a in arts]
    chars = sum(len(t) for t in texts)
    names = [s for s in ANNOTATE_STAGES if s in registered_stages()]
    shipped = Pipeline.default(Settings.load(env={}, overrides={"pipeline.stages": names}), names=names)
    parse_all = Pipeline.default(Settings.load(env={}, overrides={"pipeline.stages": names,
                                                                   "stages.nlp.parse": "all"}), names=names)
    bare = load_nlp(disable=_NON_NER)
    full = load_nlp()
    # load lazily built tables and fill per-process caches outside the timed runs, on other articles
    for warm in (bare, full):
        list(warm.pipe([a.text for a in warm_arts]))
    for pipeline in (shipped, parse_all):
        _annotate(pipeline, warm_arts, batch_size)

    t_bare: list[float] = []
    t_ann: list[float] = []
    for _round in range(rounds):
        t0 = time.perf_counter()
        n_ents = sum(len(d.ents) for d in bare.pipe(texts, batch_size=batch_size))
        t_bare.append(time.perf_counter() - t0)
        seconds, per_stage, counts = _annotate(shipped, arts, batch_size)
        t_ann.append(seconds)
    t0 = time.perf_counter()
    for _doc in full.pipe(texts, batch_size=batch_size):
        pass
    t_full = time.perf_counter() - t0
    t_all, _, counts_all = _annotate(parse_all, arts, batch_size)

    bare_s, ann_s = statistics.median(t_bare), statistics.median(t_ann)
    ratio = statistics.median(b / a for b, a in zip(t_bare, t_ann))

    def row(name: str, seconds: float, vs: float, note: str) -> dict[str, Any]:
        return {"pass": name, "articles": len(arts), "seconds": round(seconds, 2),
                "articles/s": _rate(len(arts), seconds), "vs bare NER": round(vs, 3), "timed": note}

    rows = [
        row("bare NER", bare_s, 1.0, f"median of {rounds}"),
        row("annotate", ann_s, ratio, f"median of {rounds}"),
        row("annotate, parse all", t_all, bare_s / t_all, "once"),
        row("spaCy, all components", t_full, bare_s / t_full, "once"),
    ]
    stage_rows = [{"stage": name, "seconds": round(sec, 2), "share": round(sec / t_ann[-1], 3) if t_ann[-1] else 0.0}
                  for name, sec in per_stage.items()]
    share = counts["parsed tokens"] / max(1, counts["tokens"])
    return [
        Table("annotation throughput vs a bare spaCy NER pass (same texts, same run)",
              ["pass", "articles", "seconds", "articles/s", "vs bare NER", "timed"], rows,
              notes=[f"data: Timeline17 articles.jsonl, first {n} rows ({len(arts)} with text, "
                     f"{chars / max(1, len(arts)):.0f} characters on average), batch size {batch_size}",
                     "bare NER: nlp.pipe with only the ner component; annotate: " + " + ".join(names) +
                     " stages as the pipeline runs them, shipped settings; parse all: the same with "
                     "stages.nlp.parse = all; spaCy, all components: nlp.pipe with the whole model",
                     f"bare NER and annotate alternate for {rounds} rounds; 'vs bare NER' of annotate is the "
                     "median of the rounds' ratios (per round: " +
                     ", ".join(f"{b / a:.3f}" for b, a in zip(t_bare, t_ann)) + ")",
                     f"scoped parse: {counts['parsed tokens']} of {counts['tokens']} tokens parsed ({share:.1%})",
                     f"bare NER found {n_ents} entities; annotate produced " +
                     ", ".join(f"{counts[k]} {k}" for k in _COUNTED) + "; with parse all: " +
                     ", ".join(f"{counts_all[k]} {k}" for k in _COUNTED),
                     f"goal: annotate >= 0.7 of bare NER; peak RSS {peak_rss_mb():.0f} MB"]),
        Table("annotate time per stage (last round)", ["stage", "seconds", "share"], stage_rows),
    ]
