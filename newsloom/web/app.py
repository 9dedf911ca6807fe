"""The ASGI app behind ``newsloom serve``: pages and the REST API over the query layer.

One process serves reads from the same SQLite file an ingest may be writing (WAL): each worker thread
has its own connection (never one connection shared across threads), and writes over HTTP go through
one pipeline behind one lock and need the token.
"""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import NewsloomError, QueryError
from ..settings import Settings
from ..storage import Store
from ..version import __version__
from . import render
from .api import router as api_router
from .docs import router as docs_router
from .pages import router as pages_router
from .security import BodyLimit, SecurityHeaders, error_body
from .state import WebState

__all__ = ["create_app"]

HERE = Path(__file__).parent


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/api"


def _error(request: Request, status: int, message: str, errors: list[Any] | None = None) -> Response:
    if _is_api(request):
        return Response(error_body(status, message, errors), status_code=status, media_type="application/json")
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, "error.html", {"status": status, "message": message},
                                      status_code=status)


def create_app(db: str | Path = "newsloom.db", *, token: str | None = None, settings: Settings | None = None,
               max_body_bytes: int = 5_000_000) -> Any:
    """Build the web app over one database.

    Args:
        db: the SQLite file (created and migrated if missing).
        token: the bearer token that HTTP writes need; without one, writes are refused with 401.
        settings: newsloom settings for the write pipeline.
        max_body_bytes: request bodies over this size get 413.

    Returns:
        The ASGI app (FastAPI wrapped in the security middleware).
    """
    settings = settings or Settings.load()
    Store(db).close()  # create and migrate once, in this thread, before any request
    state = WebState(db=str(db), token=token, settings=settings)
    @asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        yield
        state.close()

    app = FastAPI(title="newsloom", version=__version__, docs_url=None, redoc_url=None, lifespan=lifespan,
                  openapi_url="/openapi.json",
                  description="Stories, articles, entities, quotes and timelines from one newsloom database.")
    app.state.web = state
    app.state.templates = _templates()

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return _error(request, exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors()]
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        return _error(request, 400, f"invalid {'.'.join(str(x) for x in first['loc'][1:]) or 'request'}: "
                                    f"{first['msg']}", errors)

    @app.exception_handler(QueryError)
    async def query_error(request: Request, exc: QueryError) -> Response:
        status = 404 if exc.code in ("E402", "E410", "E420") else 400
        return _error(request, status, str(exc))

    @app.exception_handler(NewsloomError)
    async def newsloom_error(request: Request, exc: NewsloomError) -> Response:
        return _error(request, 400, str(exc))

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> Response:
        return _error(request, 500, "internal error: " + type(exc).__name__)

    app.include_router(api_router)
    app.include_router(pages_router)
    app.include_router(docs_router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    return SecurityHeaders(BodyLimit(app, max_body_bytes))


def _templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.autoescape = True  # every value is escaped, whatever the file name
    render.install(templates.env)
    return templates


