"""What the routes share: the database, the token, settings, per-thread store connections, the one write Loom."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from ..loom import Loom
from ..settings import Settings
from ..storage import Store

__all__ = ["WebState", "web_state", "html_page"]


@dataclass
class WebState:
    """What the routes share: the database path, the token, settings, and per-thread stores."""

    db: str
    token: str | None
    settings: Settings
    _local: threading.local = field(default_factory=threading.local)
    _stores: list[Store] = field(default_factory=list)
    _guard: threading.Lock = field(default_factory=threading.Lock)
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    _loom: Loom | None = None

    def store(self) -> Store:
        """This thread's own connection to the database (opened on first use)."""
        store = getattr(self._local, "store", None)
        if store is None:
            store = Store(self.db, busy_timeout=float(self.settings.get("store.busy_timeout")),
                          cache_mb=float(self.settings.get("store.web_cache_mb")))
            self._local.store = store
            with self._guard:
                self._stores.append(store)
        return store

    def loom(self) -> Loom:
        """The one Loom that writes (its pipeline loads the models on first use)."""
        with self._guard:
            if self._loom is None:
                self._loom = Loom(self.db, settings=self.settings)
            return self._loom

    def close(self) -> None:
        with self._guard:
            for store in self._stores:
                store.close()
            self._stores.clear()
            if self._loom is not None:
                self._loom.close()
                self._loom = None


def web_state(request: Request) -> WebState:
    """The app's :class:`WebState` (a FastAPI dependency)."""
    return request.app.state.web


def html_page(request: Request, template: str, **context: Any) -> HTMLResponse:
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, template, context)
