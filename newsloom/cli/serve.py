"""``newsloom serve``: the web UI and REST API over one database."""
from __future__ import annotations

import os

import click

from ..errors import MissingDependency
from ..settings import Settings
from ..web import create_app
from .common import library_errors
from .main import cli


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind; the default serves this machine only.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="TCP port.")
@click.option("--token", envvar="NEWSLOOM_TOKEN", show_envvar=True,
              help="Bearer token that writes over HTTP need (POST /api/articles); without one, writes get 401.")
@click.option("--max-body", default=5_000_000, show_default=True, type=click.IntRange(1),
              help="Largest request body in bytes (larger ones get 413).")
@click.option("--get", "get_path", metavar="PATH", help="Print the response to one GET request and exit (no server).")
@click.pass_context
@library_errors
def serve(ctx: click.Context, host: str, port: int, token: str | None, max_body: int, get_path: str | None) -> None:
    """Serve the web UI and the REST API (OpenAPI at /openapi.json, reference at /docs).

    Example:

        newsloom demo && newsloom serve            # then open http://127.0.0.1:8000/

        newsloom serve --get /api/articles?limit=2
    """
    obj = ctx.find_root().obj or {}
    settings = Settings.load(obj.get("config"), overrides=obj.get("settings") or {})
    app = create_app(obj.get("db", "newsloom.db"), token=token or None, settings=settings, max_body_bytes=max_body)
    try:
        import uvicorn
    except ImportError as exc:
        raise MissingDependency("uvicorn (the web extra)", "pip install 'newsloom[web]'") from exc
    if get_path:
        from fastapi.testclient import TestClient

        with TestClient(app) as client:
            response = client.get(get_path)
        click.echo(response.text)
        ctx.exit(0 if response.status_code < 400 else 1)
    if host not in ("127.0.0.1", "localhost", "::1") and not token:
        click.echo(f"warning: serving on {host} without a token: writes are refused, reads are open", err=True)
    click.echo(f"newsloom: serving {obj.get('db', 'newsloom.db')} on http://{host}:{port}/ (Ctrl-C stops)", err=True)
    uvicorn.run(app, host=host, port=port, log_level=os.environ.get("NEWSLOOM_LOG_LEVEL", "warning"))
