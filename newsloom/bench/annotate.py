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

Bare NER and annotate alternate batch by batch, for ``rounds`` rounds; the ratio reported is the
median of the rounds' ratios, of wall time and of process CPU time (which a busy shared machine
disturbs less), so a slow moment hits both sides alike. The ratio annotate / bare NER is the figure
to watch (goal: at least 0.7).
"""
from __future__ import annotations

import statistics
import time
from typing import Any

from ..engine.local import record_to_article
from ..eval import Table, benchmark
from ..model import Article, Record
from ..nlp import load_nlp
from ..pipeline import Pipeline, registered_stages
from ..settings import Settings
from .ingest import peak_rss_mb, timeline17_sample

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


class _Clock:
    """Wall and CPU seconds of the timed blocks, summed."""

    def __init__(self) -> None:
        self.wall = self.cpu = 0.0

    def __enter__(self) -> _Clock:
        self._w, self._c = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *_: Any) -> None:
        self.wall += time.perf_counter() - self._w
        self.cpu += time.process_time() - self._c


def _run_stages(pipeline: Pipeline, batch: list[Article], batch_size: int, per_stage: dict[str, float]
                ) -> list[Article]:
    for slot in pipeline.slots:
        ts = time.perf_counter()
        comp = slot.component
        batch = list(comp.pipe(batch, batch_size=batch_size)) if hasattr(comp, "pipe") else [comp(a) for a in batch]
        per_stage[slot.info.name] += time.perf_counter() - ts
    return batch


def _count(batch: list[Article], counts: dict[str, int]) -> None:
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


def _round(pipeline: Pipeline, arts: list[Article], batch_size: int, bare: Any = None
           ) -> tuple[_Clock, _Clock, dict[str, float], dict[str, int]]:
    """One pass over the articles, batch by batch; with ``bare``, its NER pass on each batch first.

    Returns (bare clock, annotate clock, annotate seconds per stage, what annotate produced).
    """
    per_stage = {s.info.name: 0.0 for s in pipeline.slots}
    counts = dict.fromkeys(_COUNTED, 0) | {"parsed tokens": 0, "tokens": 0, "entities": 0}
    clock_bare, clock_ann = _Clock(), _Clock()
    for i in range(0, len(arts), batch_size):
        batch = _fresh(arts[i:i + batch_size])
        if bare is not None:
            texts = [a.text[:200_000] for a in batch]
            with clock_bare:
                counts["entities"] += sum(len(d.ents) for d in bare.pipe(texts, batch_size=batch_size))
        with clock_ann:
            batch = _run_stages(pipeline, batch, batch_size, per_stage)
        _count(batch, counts)
    return clock_bare, clock_ann, per_stage, counts


@benchmark("annotate")
def bench_annotate(n: int = 100, data: str | None = None, batch_size: int = 32, rounds: int = 3,
                   **_: Any) -> list[Table]:
    """Annotation throughput (nlp+entities+quotes+dates+events) against a bare spaCy NER pass."""

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
        _round(pipeline, warm_arts, batch_size)

    rounds_out = [_round(shipped, arts, batch_size, bare) for _ in range(rounds)]
    clock_full = _Clock()
    with clock_full:
        for _doc in full.pipe(texts, batch_size=batch_size):
            pass
    _, clock_all, _, counts_all = _round(parse_all, arts, batch_size)

    bare_wall = statistics.median(r[0].wall for r in rounds_out)
    ann_wall = statistics.median(r[1].wall for r in rounds_out)
    wall_ratios = [r[0].wall / r[1].wall for r in rounds_out]
    cpu_ratios = [r[0].cpu / r[1].cpu for r in rounds_out]
    bare_cpu = statistics.median(r[0].cpu for r in rounds_out)
    per_stage, counts = rounds_out[-1][2], rounds_out[-1][3]

    def row(name: str, wall: float, cpu: float, vs_wall: float, vs_cpu: float, note: str) -> dict[str, Any]:
        return {"pass": name, "articles": len(arts), "seconds": round(wall, 2), "cpu s": round(cpu, 2),
                "articles/s": _rate(len(arts), wall), "vs bare NER": round(vs_wall, 3),
                "vs bare NER, cpu": round(vs_cpu, 3), "timed": note}

    rows = [
        row("bare NER", bare_wall, bare_cpu, 1.0, 1.0, f"median of {rounds}"),
        row("annotate", ann_wall, statistics.median(r[1].cpu for r in rounds_out),
            statistics.median(wall_ratios), statistics.median(cpu_ratios), f"median of {rounds}"),
        row("annotate, parse all", clock_all.wall, clock_all.cpu, bare_wall / clock_all.wall,
            bare_cpu / clock_all.cpu, "once"),
        row("spaCy, all components", clock_full.wall, clock_full.cpu, bare_wall / clock_full.wall,
            bare_cpu / clock_full.cpu, "once"),
    ]
    last = rounds_out[-1][1].wall
    stage_rows = [{"stage": name, "seconds": round(sec, 2), "share": round(sec / last, 3) if last else 0.0}
                  for name, sec in per_stage.items()]
    share = counts["parsed tokens"] / max(1, counts["tokens"])
    return [
        Table("annotation throughput vs a bare spaCy NER pass (same texts, same run)",
              ["pass", "articles", "seconds", "cpu s", "articles/s", "vs bare NER", "vs bare NER, cpu", "timed"],
              rows,
              notes=[f"data: Timeline17 articles.jsonl, first {n} rows ({len(arts)} with text, "
                     f"{chars / max(1, len(arts)):.0f} characters on average), batch size {batch_size}",
                     "bare NER: nlp.pipe with only the ner component; annotate: " + " + ".join(names) +
                     " stages as the pipeline runs them, shipped settings; parse all: the same with "
                     "stages.nlp.parse = all; spaCy, all components: nlp.pipe with the whole model",
                     f"bare NER and annotate alternate batch by batch, {rounds} rounds; 'vs bare NER' of "
                     "annotate is the median of the rounds' ratios, of wall time (" +
                     ", ".join(f"{x:.3f}" for x in wall_ratios) + ") and of process CPU time (" +
                     ", ".join(f"{x:.3f}" for x in cpu_ratios) + "; less sensitive to a shared machine)",
                     f"scoped parse: {counts['parsed tokens']} of {counts['tokens']} tokens parsed ({share:.1%})",
                     f"bare NER found {counts['entities']} entities; annotate produced " +
                     ", ".join(f"{counts[k]} {k}" for k in _COUNTED) + "; with parse all: " +
                     ", ".join(f"{counts_all[k]} {k}" for k in _COUNTED),
                     f"goal: annotate >= 0.7 of bare NER; peak RSS {peak_rss_mb():.0f} MB"]),
        Table("annotate time per stage (last round)", ["stage", "seconds", "share"], stage_rows),
    ]
