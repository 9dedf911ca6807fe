"""``newsloom settings``: every setting with its value in force and what it does."""
from __future__ import annotations

import click

from ..settings import Settings
from .common import emit_json, json_option, library_errors, load_settings
from .main import cli


@cli.command("settings")
@json_option
@click.pass_context
@library_errors
def settings_cmd(ctx: click.Context, as_json: bool) -> None:
    """List every setting: its value in force (after file, environment and -s overrides), its help, and the
    values it accepts (another type, or a key not listed here, is refused).

    Example:

        newsloom -s stages.clean.repeat_similarity 0.6 settings
    """
    current = load_settings(ctx)
    rows = [{"name": s.name, "value": current.get(s.name), "default": s.default, "accepts": s.accepts, "help": s.help}
            for s in Settings.specs()]
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        changed = "" if row["value"] == row["default"] else f"   (default {row['default']!r})"
        click.echo(f"{row['name']} = {row['value']!r}{changed}")
        click.echo(f"    {row['help']} [{row['accepts']}]")
