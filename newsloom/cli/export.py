"""``newsloom export``."""
from __future__ import annotations

import click

from ..export import FORMATS
from .common import library_errors, open_loom
from .main import cli


@cli.command("export")
@click.argument("kind")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="jsonl", show_default=True)
@click.option("-o", "--output", help="Output file (default: stdout; parquet needs a file).")
@click.pass_context
@library_errors
def export_cmd(ctx: click.Context, kind: str, fmt: str, output: str | None) -> None:
    """Export every record of KIND (articles, rejects, and the kinds later stages add).

    Example:

        newsloom export articles --format parquet -o articles.parquet
    """
    with open_loom(ctx) as loom:
        n = loom.export(kind, format=fmt, out=output)
    if output and output != "-":
        click.echo(f"wrote {n} {kind} to {output}", err=True)

