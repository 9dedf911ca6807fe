"""The ``newsloom`` click group and its global options.

Each command module registers its commands on :data:`cli`; library errors become
``click.ClickException`` only at this boundary (``cli/common.py``).
"""
from __future__ import annotations

import logging

import click

from ..version import __version__

__all__ = ["cli"]

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version")
@click.option("--db", envvar="NEWSLOOM_DB", default="newsloom.db", show_default=True, show_envvar=True,
              help="SQLite database file.")
@click.option("--config", envvar="NEWSLOOM_CONFIG", type=click.Path(dir_okay=False), help="Settings file (TOML).")
@click.option("-s", "--setting", "settings", nargs=2, multiple=True, metavar="KEY VALUE",
              help="Override one setting, e.g. -s stages.clean.repeat_similarity 0.6")
@click.option("-v", "--verbose", count=True, help="-v info, -vv debug logging on stderr.")
@click.pass_context
def cli(ctx: click.Context, db: str, config: str | None, settings: tuple[tuple[str, str], ...], verbose: int) -> None:
    """newsloom: news articles in; clean text, entities, quotes, dates, events and copy links out.

    Example:

        newsloom ingest articles/ && newsloom articles
    """
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    if verbose == 0:
        logging.getLogger("newsloom").setLevel(logging.ERROR)
    ctx.obj = {"db": db, "config": config, "settings": dict(settings)}

