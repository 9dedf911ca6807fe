"""The ``newsloom`` click group and its global options (also accepted after the command).

Each command module registers its commands on :data:`cli`; library errors become
``click.ClickException`` only at this boundary (``cli/common.py``).
"""
from __future__ import annotations

import logging
from typing import Any

import click

from ..version import __version__

__all__ = ["cli", "global_options"]

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


DB_HELP = "SQLite database file (also after the command)."
CONFIG_HELP = "Settings file (TOML; also after the command)."
SETTING_HELP = "Override one setting, e.g. -s stages.clean.repeat_similarity 0.6 (also after the command)."


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version")
@click.option("--db", envvar="NEWSLOOM_DB", default="newsloom.db", show_default=True, show_envvar=True, help=DB_HELP)
@click.option("--config", envvar="NEWSLOOM_CONFIG", type=click.Path(dir_okay=False), help=CONFIG_HELP)
@click.option("-s", "--setting", "settings", nargs=2, multiple=True, metavar="KEY VALUE", help=SETTING_HELP)
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


def _after_command(key: str):
    """Callback of a global option given after the command: it overrides the value given before."""

    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> None:
        if not value:
            return
        obj = ctx.find_root().obj
        if key == "settings":
            obj["settings"] = {**obj["settings"], **dict(value)}
        else:
            obj[key] = value

    return callback


def global_options(cmd: click.Command) -> click.Command:
    """Let ``--db``, ``--config`` and ``-s`` follow the command too (``newsloom ingest x --db a.db``)."""
    cmd.params += [
        click.Option(["--db"], metavar="FILE", expose_value=False, callback=_after_command("db"),
                     help="SQLite database file (as before the command)."),
        click.Option(["--config"], type=click.Path(dir_okay=False), expose_value=False,
                     callback=_after_command("config"), help="Settings file (as before the command)."),
        click.Option(["-s", "--setting"], nargs=2, multiple=True, metavar="KEY VALUE", expose_value=False,
                     callback=_after_command("settings"), help="Override one setting (as before the command)."),
    ]
    return cmd
