"""What the pages and the API read, composed from the query layer (no SQL here): pages of lists with totals,
one record with what its page shows, and the spans an article page highlights."""
from __future__ import annotations

from typing import Any

from ..engine.local import IngestReport
from ..model import Record
from ..queries import articles as q_articles
from ..queries import compare as q_compare
from ..queries import entities as q_entities
from ..queries import quotes as q_quotes
from ..queries import stories as q_stories
from ..queries import timelines as q_timelines
from ..storage import Store
from .render import Span

#: a quality flag is shown (raised) from this score on
FLAG_SCORE = 0.5

__all__ = ["articles_page", "article_full", "article_spans", "entities_page", "entity_full", "quotes_page",
           "quote_full", "search_page", "stories_page", "story_full", "thread_full", "timeline", "sources", "languages",
           "ingest_records"]


def articles_page(store: Store, *, limit: int, offset: int, source: str | None = None, language: str | None = None,
                  story: str | None = None) -> dict[str, Any]:
    return q_articles.page_articles(store, limit=limit, offset=offset, source=source, language=language, story=story)


def article_full(store: Store, ref: str) -> dict[str, Any]:
    """An article with its annotations, its original's title when it is a copy, and its quality flags as a list."""
    art = q_articles.article_record(store, ref)
    art.pop("raw_text", None)
    art["quality_flags"] = [
        {"name": name, "score": flag.get("score"), "evidence": "; ".join(map(str, flag.get("evidence") or []))}
        for name, flag in sorted((art.get("quality") or {}).items())
        if isinstance(flag, dict) and (flag.get("score") or 0) >= FLAG_SCORE]
    art["mention_spans"] = q_entities.article_mentions(store, art["id"])
    art["story_id"], art["thread_id"] = q_stories.article_story(store, art["id"])
    return art


def article_spans(art: dict[str, Any]) -> list[Span]:
    """Quotes, entity mentions and dates of an article as highlight spans (quotes first: they win overlaps)."""
    spans: list[Span] = []
    for q in art.get("quotes", []):
        who = q.get("speaker_name") or q.get("speaker_text") or "unattributed"
        spans.append((q["start"], q["end"], "quote", None, f"quote: {who}"))
    for m in art.get("mention_spans", []):
        href = f"/entities/{m['entity_id']}" if m.get("entity_id") else None
        spans.append((m["start"], m["end"], f"entity-{m['label']}", href, f"{m['label']}: {m['name']}"))
    for d in art.get("dates", []):
        spans.append((d["start"], d["end"], "date", None, f"date: {d.get('value') or 'unresolved'}"))
    return spans


def entities_page(store: Store, *, limit: int, offset: int, etype: str | None = None, name: str | None = None,
                  article: str | None = None) -> dict[str, Any]:
    return q_entities.page_entities(store, limit=limit, offset=offset, type=etype, name=name, article=article)


def entity_full(store: Store, ref: str) -> dict[str, Any]:
    ent = q_entities.entity_record(store, ref, limit=50)
    ent["quotes"] = q_quotes.page_quotes(store, limit=20, offset=0, speaker_entity=ent["id"])["items"]
    ent["timeline"] = q_entities.entity_timeline(store, ent["id"])
    ent["stories"] = q_stories.entity_stories(store, ent["id"])
    return ent


def quotes_page(store: Store, *, limit: int, offset: int, speaker: str | None = None,
                article: str | None = None) -> dict[str, Any]:
    return q_quotes.page_quotes(store, limit=limit, offset=offset, speaker=speaker, article=article)


def quote_full(store: Store, ref: str) -> dict[str, Any]:
    return q_quotes.quote_record(store, ref)


def search_page(store: Store, query: str, *, limit: int, offset: int) -> dict[str, Any]:
    return q_articles.page_search(store, query, limit=limit, offset=offset)


def stories_page(store: Store, *, limit: int, offset: int, **filters: Any) -> dict[str, Any]:
    """A page of stories; ``available`` is False while the store has none at all (the stories stage has not run)."""
    page = q_stories.page_stories(store, limit=limit, offset=offset, **filters)
    return {**page, "available": bool(page["total"]) or q_stories.count_stories(store) > 0}


def story_full(store: Store, ref: str) -> dict[str, Any]:
    """A story with what its page shows: the cited summary and the timeline (one cached build), coverage by
    outlet and by day, and the source comparison (first reporter, what only one outlet carried, figures that
    disagree)."""
    story = q_stories.story_record(store, ref)
    sid = story["id"]
    view = q_timelines.story_view(store, "story", sid)
    story["summary"] = view["summary"]["sentences"]
    story["headline"] = view["summary"]["title"]
    story["timeline"] = view["timeline"]["days"]
    story["comparison"] = comparison(q_compare.compare(store, "story", sid))
    return story


def comparison(cmp: dict[str, Any]) -> dict[str, Any]:
    """The parts of :func:`newsloom.queries.compare.compare` a story page shows, in the page's words."""
    only = cmp["only_here"]
    return {
        "outlets": [{"source": o["outlet"], "first": o["first_reporter"], "first_published": o["first_published"],
                     "originals": o["originals"], "copies": o["copies"],
                     "only_quotes": only.get(o["outlet"], {}).get("quotes", []),
                     "only_entities": [e["name"] for e in only.get(o["outlet"], {}).get("entities", [])],
                     "only_figures": [f["text"] for f in only.get(o["outlet"], {}).get("figures", [])]}
                    for o in cmp["outlets"]],
        "disagreements": [{"what": " ".join(x for x in (d["unit"], d["counts"]) if x) or "figure",
                           "cited": [{"text": c["text"], "source": c["outlet"], "article_id": c["article_id"],
                                       "start": c["start"]} for c in (d["a"], d["b"])]} for d in cmp["disagreements"]],
        "coverage": [(o["outlet"], o["originals"] + o["copies"]) for o in cmp["outlets"]],
        "by_day": [(d["day"], sum(d["outlets"].values())) for d in cmp["coverage_by_day"] if d["day"] != "unknown"],
    }


def thread_full(store: Store, ref: str) -> dict[str, Any]:
    return q_stories.thread_record(store, ref)


def timeline(store: Store, kind: str, ref: str, *, max_dates: int = 20) -> dict[str, Any]:
    """The timeline of a story, thread, entity or query (dates that matter, cited sentences)."""
    return q_timelines.timeline(store, kind, ref, max_dates=max_dates)


def sources(store: Store) -> list[str]:
    return q_articles.distinct_values(store, "source")


def languages(store: Store) -> list[str]:
    return q_articles.distinct_values(store, "language")


def ingest_records(state: Any, records: list[Record]) -> dict[str, Any]:
    """Ingest records through the one write pipeline (serialised by the state's write lock)."""
    with state.write_lock:
        report: IngestReport = state.loom().ingest(items=records)
    return {"ok": True, **report.as_dict()}
