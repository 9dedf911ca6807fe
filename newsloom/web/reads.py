"""What the pages and the API read, composed from the query layer (no SQL here): pages of lists with totals,
one record with what its page shows, and the spans an article page highlights."""
from __future__ import annotations

import importlib
from typing import Any

from ..engine.local import IngestReport
from ..errors import QueryError
from ..model import Record
from ..queries import articles as q_articles
from ..queries import entities as q_entities
from ..queries import quotes as q_quotes
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
    art["story_id"], art["thread_id"] = _stories().article_story(store, art["id"]) if _has_stories(store) else (None,
                                                                                                              None)
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
    if _has_stories(store):
        ent["stories"] = _stories().entity_stories(store, ent["id"])
    return ent


def quotes_page(store: Store, *, limit: int, offset: int, speaker: str | None = None,
                article: str | None = None) -> dict[str, Any]:
    return q_quotes.page_quotes(store, limit=limit, offset=offset, speaker=speaker, article=article)


def quote_full(store: Store, ref: str) -> dict[str, Any]:
    return q_quotes.quote_record(store, ref)


def search_page(store: Store, query: str, *, limit: int, offset: int) -> dict[str, Any]:
    return q_articles.page_search(store, query, limit=limit, offset=offset)


def _stories() -> Any:
    return importlib.import_module("newsloom.queries.stories")


def _has_stories(store: Store) -> bool:
    try:
        _stories()
    except ImportError:
        return False
    return "stories" in store.tables()


def _no_stories() -> QueryError:
    return QueryError("this database has no stories yet: ingest with the stories stage", code="E410")


def stories_page(store: Store, *, limit: int, offset: int, **filters: Any) -> dict[str, Any]:
    if not _has_stories(store):
        return {"items": [], "total": 0, "limit": limit, "offset": offset, "available": False}
    return {**_stories().page_stories(store, limit=limit, offset=offset, **filters), "available": True}


def story_full(store: Store, ref: str) -> dict[str, Any]:
    if not _has_stories(store):
        raise _no_stories()
    return _stories().story_record(store, ref)


def thread_full(store: Store, ref: str) -> dict[str, Any]:
    if not _has_stories(store):
        raise _no_stories()
    return _stories().thread_record(store, ref)


def timeline(store: Store, kind: str, ref: str, *, max_dates: int = 20) -> dict[str, Any]:
    """The timeline of a story, thread, entity or query (dates that matter, cited sentences)."""
    return importlib.import_module("newsloom.queries.timelines").timeline(store, kind, ref, max_dates=max_dates)


def sources(store: Store) -> list[str]:
    return q_articles.distinct_values(store, "source")


def languages(store: Store) -> list[str]:
    return q_articles.distinct_values(store, "language")


def ingest_records(state: Any, records: list[Record]) -> dict[str, Any]:
    """Ingest records through the one write pipeline (serialised by the state's write lock)."""
    with state.write_lock:
        report: IngestReport = state.loom().ingest(items=records)
    return {"ok": True, **report.as_dict()}
