"""The HTML pages: lists with filters and pagination, and one page per article, entity, story and thread."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from . import reads
from .api import StoreDep
from ..version import __version__
from .state import WebState, html_page, web_state

router = APIRouter(include_in_schema=False)

PAGE = 25
PageOffset = Annotated[int, Query(ge=0, le=10_000_000)]


@dataclass
class Pager:
    """Offset pagination for a page: ``query(offset)`` keeps the other filters."""

    total: int
    offset: int
    limit: int = PAGE
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def prev(self) -> int | None:
        return max(0, self.offset - self.limit) if self.offset > 0 else None

    @property
    def next(self) -> int | None:
        return self.offset + self.limit if self.offset + self.limit < self.total else None

    def query(self, offset: int) -> str:
        return urlencode({**{k: v for k, v in self.params.items() if v not in (None, "")}, "offset": offset})


def page(request: Request, template: str, state: WebState, **context: Any) -> HTMLResponse:
    return html_page(request, template, version=__version__, db_name=state.db.rsplit("/", 1)[-1], **context)


State = Annotated[WebState, Depends(web_state)]


@router.get("/", response_class=HTMLResponse)
def stories_page(request: Request, state: State, db: StoreDep, offset: PageOffset = 0, q: str | None = None,
                 source: str | None = None, language: str | None = None, entity: str | None = None,
                 start: str | None = None, end: str | None = None,
                 sort: Annotated[str, Query(pattern="^(size|recent)$")] = "size") -> HTMLResponse:
    filters = {"q": q, "source": source, "language": language, "entity": entity, "start": start, "end": end,
               "sort": sort}
    result = reads.stories_page(db, limit=PAGE, offset=offset, **filters)
    return page(request, "stories.html", state, result=result, filters=filters,
                pager=Pager(result["total"], offset, params=filters), sources=reads.sources(db),
                languages=reads.languages(db))


@router.get("/articles", response_class=HTMLResponse)
def articles_page(request: Request, state: State, db: StoreDep, offset: PageOffset = 0, source: str | None = None,
                  language: str | None = None) -> HTMLResponse:
    filters = {"source": source, "language": language}
    result = reads.articles_page(db, limit=PAGE, offset=offset, **filters)
    return page(request, "articles.html", state, result=result, filters=filters,
                pager=Pager(result["total"], offset, params=filters), sources=reads.sources(db),
                languages=reads.languages(db))


@router.get("/articles/{article_id}", response_class=HTMLResponse)
def article_page(request: Request, state: State, db: StoreDep, article_id: str) -> HTMLResponse:
    art = reads.article_full(db, article_id)
    return page(request, "article.html", state, a=art, spans=reads.article_spans(art))


@router.get("/entities", response_class=HTMLResponse)
def entities_page(request: Request, state: State, db: StoreDep, offset: PageOffset = 0, name: str | None = None,
                  type: str | None = None) -> HTMLResponse:
    filters = {"name": name, "type": type}
    result = reads.entities_page(db, limit=PAGE, offset=offset, etype=type, name=name)
    return page(request, "entities.html", state, result=result, filters=filters,
                pager=Pager(result["total"], offset, params=filters))


@router.get("/entities/{entity_id}", response_class=HTMLResponse)
def entity_page(request: Request, state: State, db: StoreDep, entity_id: str) -> HTMLResponse:
    return page(request, "entity.html", state, e=reads.entity_full(db, entity_id))


@router.get("/quotes", response_class=HTMLResponse)
def quotes_page(request: Request, state: State, db: StoreDep, offset: PageOffset = 0,
                speaker: str | None = None) -> HTMLResponse:
    filters = {"speaker": speaker}
    result = reads.quotes_page(db, limit=PAGE, offset=offset, speaker=speaker)
    return page(request, "quotes.html", state, result=result, filters=filters,
                pager=Pager(result["total"], offset, params=filters))


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, state: State, db: StoreDep, q: Annotated[str, Query(max_length=500)] = "",
                offset: PageOffset = 0) -> HTMLResponse:
    result = reads.search_page(db, q, limit=PAGE, offset=offset) if q.strip() else {"items": [], "total": 0}
    return page(request, "search.html", state, q=q, result=result, pager=Pager(result["total"], offset, params={"q": q}))


@router.get("/stories/{story_id}", response_class=HTMLResponse)
def story_page(request: Request, state: State, db: StoreDep, story_id: str) -> HTMLResponse:
    return page(request, "story.html", state, s=reads.story_full(db, story_id))


@router.get("/threads/{thread_id}", response_class=HTMLResponse)
def thread_page(request: Request, state: State, db: StoreDep, thread_id: str) -> HTMLResponse:
    return page(request, "thread.html", state, t=reads.thread_full(db, thread_id))
