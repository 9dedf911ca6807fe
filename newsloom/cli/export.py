"""``newsloom export``."""
from __future__ import annotations

import click

from ..export import FORMATS, exporters
from .common import library_errors, open_loom
from .main import cli


class _ExportCommand(click.Command):
    """``export --help`` lists the registered kinds (built-in and plugin) with what each row is."""

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_help_text(ctx, formatter)
        with formatter.section("Kinds"):
            formatter.write_dl([(kind, (fn.__doc__ or "").strip().split("\n")[0].replace("``", ""))
                                for kind, fn in sorted(exporters().items())])


@cli.command("export", cls=_ExportCommand)
@click.argument("kind")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="jsonl", show_default=True)
@click.option("-o", "--output", help="Output file (default: stdout; parquet needs a file).")
@click.pass_context
@library_errors
def export_cmd(ctx: click.Context, kind: str, fmt: str, output: str | None) -> None:
    """Export every record of KIND (listed below) as JSONL, CSV or Parquet, with ids that join across kinds.

    Example:

        newsloom export articles --format parquet -o articles.parquet
    """
    with open_loom(ctx) as loom:
        n = loom.export(kind, format=fmt, out=output)
    if output and output != "-":
        click.echo(f"wrote {n} {kind} to {output}", err=True)

