"""``newsloom ingest``."""
from __future__ import annotations

import sys

import click

from ..errors import Rejected
from . import cli
from .common import emit_json, library_errors, open_loom


@cli.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("--format", "fmt", help="Force a reader (text, html, jsonl, json, csv, ...); default: detected.")
@click.option("--fetch", is_flag=True, help="Fetch the linked pages of summary-only feed items.")
@click.option("--silent", is_flag=True, help="No progress bar.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
@library_errors
def ingest(ctx: click.Context, inputs: tuple[str, ...], fmt: str | None, fetch: bool, silent: bool,
           as_json: bool) -> None:
    """Read, clean, annotate and store articles from files, folders, .gz, URLs or - (stdin).

    Exit code 0 when every input record was stored or found already stored, 1 when any was rejected.

    Example:

        newsloom ingest articles/ feed.jsonl.gz page.html
    """
    loom = open_loom(ctx)
    bar = None
    if not silent and "-" not in inputs:
        from tqdm import tqdm

        bar = tqdm(desc="ingest", unit=" rec", file=sys.stderr, dynamic_ncols=True, mininterval=0.5)

    def on_item(item: object) -> None:
        if bar is not None:
            bar.update(1)
            if isinstance(item, Rejected):
                bar.write(f"rejected {item.where}: {item.reason}", file=sys.stderr)
        elif isinstance(item, Rejected) and not as_json:
            click.echo(f"rejected {item.where}: {item.reason}", err=True)

    try:
        report = loom.ingest(*inputs, format=fmt, fetch=fetch, on_item=on_item)
    finally:
        if bar is not None:
            bar.close()
        loom.close()
    late = [r for r in report.rejects if r[1].startswith(("stage ", "no article text"))]
    if not as_json:
        for where, reason in late:
            click.echo(f"rejected {where}: {reason}", err=True)
        click.echo(f"read {report.read}, stored {report.stored} (exact copies {report.copies}), "
                   f"duplicate {report.duplicate}, rejected {report.rejected}"
                   + (f", skipped {sum(report.skipped.values())} non-article records "
                      f"({', '.join(f'{k} {v}' for k, v in sorted(report.skipped.items()))})" if report.skipped else ""))
    else:
        emit_json(report.as_dict())
    ctx.exit(1 if report.rejected else 0)
