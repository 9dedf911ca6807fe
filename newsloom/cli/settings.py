"""``newsloom settings``: every setting with its value in force and what it does."""
from __future__ import annotations

import click

from ..settings import Settings
from . import cli
from .common import emit_json, json_option, library_errors


@cli.command("settings")
@json_option
@click.pass_context
@library_errors
def settings_cmd(ctx: click.Context, as_json: bool) -> None:
    """List every setting: its value in force (after file, environment and -s overrides) and its help.

    Example:

        newsloom -s stages.clean.repeat_similarity 0.6 settings
    """
    obj = ctx.find_root().obj or {}
    current = Settings.load(obj.get("config"), overrides=obj.get("settings") or {})
    rows = [{"name": name, "value": current.get(name), "default": default, "help": help_}
            for name, default, help_ in Settings.documented()]
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        changed = "" if row["value"] == row["default"] else f"   (default {row['default']!r})"
        click.echo(f"{row['name']} = {row['value']!r}{changed}")
        click.echo(f"    {row['help']}")
