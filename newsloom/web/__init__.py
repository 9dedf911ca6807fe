"""The web UI and REST API behind ``newsloom serve`` (extra ``web``): FastAPI over the query layer."""
from .app import create_app

__all__ = ["create_app"]
