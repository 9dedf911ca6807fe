"""The REST API: JSON reads over the query layer, paginated ``{items, total, limit, offset}``; one token-guarded write."""
from __future__ import annotations

import hmac
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from ..errors import QueryError
from ..model import Record
from ..storage import Store
from . import reads
from .state import WebState, web_state

router = APIRouter(prefix="/api", tags=["api"])

Limit = Annotated[int, Query(ge=1, le=500, description="Page size.")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="Rows to skip.")]


def store(state: Annotated[WebState, Depends(web_state)]) -> Store:
    return state.store()


StoreDep = Annotated[Store, Depends(store)]


@router.get("/articles", summary="Stored articles, newest published first.")
def api_articles(db: StoreDep, limit: Limit = 50, offset: Offset = 0, source: str | None = None,
                 language: str | None = None, story: str | None = None) -> dict[str, Any]:
    return reads.articles_page(db, limit=limit, offset=offset, source=source, language=language, story=story)


@router.get("/articles/{article_id}", summary="One article with its entities, quotes, dates, events and copies.")
def api_article(db: StoreDep, article_id: str) -> dict[str, Any]:
    return reads.article_full(db, article_id)


@router.get("/entities", summary="Entities (people, organisations, places), most mentioned first.")
def api_entities(db: StoreDep, limit: Limit = 50, offset: Offset = 0,
                 type: Annotated[str | None, Query(description="PERSON, ORG, GPE, LOC, ...")] = None,
                 name: Annotated[str | None, Query(description="Part of the name or an alias.")] = None,
                 article: str | None = None) -> dict[str, Any]:
    return reads.entities_page(db, limit=limit, offset=offset, etype=type, name=name, article=article)


@router.get("/entities/{entity_id}", summary="One entity: aliases with counts, articles, quotes, events, stories.")
def api_entity(db: StoreDep, entity_id: str) -> dict[str, Any]:
    return reads.entity_full(db, entity_id)


@router.get("/quotes", summary="Quotes with their speakers.")
def api_quotes(db: StoreDep, limit: Limit = 50, offset: Offset = 0,
               speaker: Annotated[str | None, Query(description="A speaker's name or any alias of it.")] = None,
               article: str | None = None) -> dict[str, Any]:
    return reads.quotes_page(db, limit=limit, offset=offset, speaker=speaker, article=article)


@router.get("/quotes/{quote_id}", summary="One quote with every article that carries it.")
def api_quote(db: StoreDep, quote_id: str) -> dict[str, Any]:
    return reads.quote_full(db, quote_id)


@router.get("/search", summary="Full-text search over titles and texts (plain words, or FTS5 syntax).")
def api_search(db: StoreDep, q: Annotated[str, Query(min_length=1, max_length=500)], limit: Limit = 20,
               offset: Offset = 0) -> dict[str, Any]:
    return reads.search_page(db, q, limit=limit, offset=offset)


@router.get("/stories", summary="Stories (articles about one real-world event), largest or most recent first.")
def api_stories(db: StoreDep, limit: Limit = 50, offset: Offset = 0,
                q: Annotated[str | None, Query(max_length=500, description="Words in the story's articles.")] = None,
                source: str | None = None, language: str | None = None,
                entity: Annotated[str | None, Query(description="An entity id or name in the story.")] = None,
                start: Annotated[str | None, Query(description="Last published on or after (YYYY-MM-DD).")] = None,
                end: Annotated[str | None, Query(description="First published on or before (YYYY-MM-DD).")] = None,
                sort: Annotated[str, Query(pattern="^(size|recent)$")] = "size") -> dict[str, Any]:
    return reads.stories_page(db, limit=limit, offset=offset, q=q, source=source, language=language, entity=entity,
                              start=start, end=end, sort=sort)


@router.get("/stories/{story_id}", summary="One story with its summary, timeline, coverage and source comparison.")
def api_story(db: StoreDep, story_id: str) -> dict[str, Any]:
    return reads.story_full(db, story_id)


@router.get("/threads/{thread_id}", summary="One thread: its stories in time order.")
def api_thread(db: StoreDep, thread_id: str) -> dict[str, Any]:
    return reads.thread_full(db, thread_id)


@router.get("/timeline", summary="A timeline for a story, a thread, an entity or a free-text query.")
def api_timeline(db: StoreDep, story: str | None = None, thread: str | None = None, entity: str | None = None,
                 q: Annotated[str | None, Query(max_length=500)] = None,
                 max_dates: Annotated[int, Query(ge=1, le=200)] = 20) -> dict[str, Any]:
    given = {k: v for k, v in (("story", story), ("thread", thread), ("entity", entity), ("query", q)) if v}
    if len(given) != 1:
        raise QueryError("give exactly one of story, thread, entity or q", code="E431")
    (kind, ref), = given.items()
    return reads.timeline(db, kind, ref, max_dates=max_dates)


def _check_token(state: WebState, authorization: str | None) -> None:
    if not state.token:
        raise_status(401, "writes are disabled: start the server with --token or NEWSLOOM_TOKEN")
    given = (authorization or "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), state.token.encode()):
        raise_status(401, "a valid token is required: send 'Authorization: Bearer TOKEN'")


def raise_status(status: int, message: str) -> None:
    raise HTTPException(status_code=status, detail=message)


def _records(body: bytes, content_type: str) -> list[Record]:
    """One JSON object, a JSON array, or JSONL lines, each with at least ``text`` or ``html``."""
    text = body.decode("utf-8", errors="strict")
    if "jsonl" in content_type or "ndjson" in content_type:
        values = [json.loads(line) for line in text.splitlines() if line.strip()]
    else:
        value = json.loads(text)
        values = value if isinstance(value, list) else [value]
    records = []
    for i, v in enumerate(values):
        if not isinstance(v, dict):
            raise QueryError(f"record {i}: expected a JSON object, got {type(v).__name__}", code="E430")
        if not isinstance(v.get("text"), str) and not isinstance(v.get("html"), str):
            raise QueryError(f"record {i}: needs a 'text' or 'html' string", code="E430")
        fields = {k: v.get(k) if isinstance(v.get(k), str) else None
                  for k in ("title", "url", "source", "published", "author")}
        records.append(Record(external_id=str(v.get("id") or v.get("url") or f"http:{i}"), text=v.get("text"),
                              html=v.get("html"), format="html" if v.get("html") and not v.get("text") else "text",
                              **fields))
    return records


@router.post("/articles", status_code=201,
             summary="Ingest one article (JSON object), a JSON array or JSONL lines; needs the token.",
             responses={401: {"description": "no or wrong token"}, 413: {"description": "body too large"}})
async def api_ingest(request: Request, state: Annotated[WebState, Depends(web_state)],
                     authorization: Annotated[str | None, Header()] = None) -> JSONResponse:
    _check_token(state, authorization)
    body = await request.body()
    try:
        records = _records(body, request.headers.get("content-type", ""))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise QueryError(f"the body is not UTF-8 JSON or JSONL: {exc}", code="E430") from exc
    report = await run_in_threadpool(reads.ingest_records, state, records)
    return JSONResponse(report, status_code=201 if report["stored"] else 200)
