"""The web UI and REST API behind ``newsloom serve`` (extra ``web``): FastAPI over the query layer.

FastAPI is an optional extra, so this package imports it only when an app is made: ``import newsloom.web`` works
on a core install, and :func:`create_app` says which ``pip install`` line is missing.
"""
from __future__ import annotations

import importlib
from typing import Any

from ..errors import MissingDependency

__all__ = ["create_app"]


def create_app(*args: Any, **kwargs: Any) -> Any:
    """Build the ASGI app (see :func:`newsloom.web.app.create_app` for the arguments)."""
    try:
        app = importlib.import_module("newsloom.web.app")  # imports fastapi: only with the web extra
    except ImportError as exc:
        raise MissingDependency("the web extra (FastAPI, uvicorn, Jinja2)", "pip install 'newsloom[web]'") from exc
    return app.create_app(*args, **kwargs)
