"""``newsloom load``: import the Parquet tables of a ``newsloom run`` OUTPUT into a SQLite store."""
from __future__ import annotations

import click

from ..engine.output import load_output
from .common import emit_json, library_errors
from .main import cli


@cli.command("load")
@click.argument("output", type=click.Path(exists=True, file_okay=False))
@click.option("--replace", is_flag=True, help="Make the database anew when it holds articles already.")
@click.option("--json", "as_json", is_flag=True, help="Print rows per table as JSON.")
@click.pass_context
@library_errors
def load_cmd(ctx: click.Context, output: str, replace: bool, as_json: bool) -> None:
    """Import OUTPUT/tables/*.parquet (from `newsloom run`) into the database (--db, default ./newsloom.db), for
    the CLI and the web UI.

    Example:

        newsloom load out/ --db news.db

        newsloom --db news.db articles
    """
    db = (ctx.find_root().obj or {}).get("db", "newsloom.db")
    counts = load_output(output, db, replace=replace)
    if as_json:
        emit_json(counts)
    else:
        click.echo(", ".join(f"{table} {n}" for table, n in counts.items() if n) + f" -> {db}")
