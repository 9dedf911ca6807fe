"""``newsloom ingest``."""
from __future__ import annotations

import sys

import click

from ..errors import Rejected
from .common import EXIT_OK, EXIT_REJECTED, emit_json, library_errors, open_loom
from .main import cli


@cli.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("--format", "fmt", help="Force a reader (text, html, jsonl, json, csv, ...); default: detected.")
@click.option("--fetch", is_flag=True, help="Fetch the linked pages of summary-only feed items.")
@click.option("--source", help="Source (outlet) of the records that name none; default: the host of the "
              "record's URL (www. dropped), else none.")
@click.option("--silent", is_flag=True, help="No progress bar.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
@library_errors
def ingest(ctx: click.Context, inputs: tuple[str, ...], fmt: str | None, fetch: bool, source: str | None,
           silent: bool, as_json: bool) -> None:
    """Read, clean, annotate and store articles from files, folders, .gz, URLs or - (stdin).

    Exit codes: 0 every input record was stored or found already stored; 1 the run finished but some
    inputs were rejected (listed on stderr, kept in `newsloom export rejects`); 2 the run itself failed
    (a bad option or setting, the database full, locked or read-only, ...).

    Example:

        newsloom ingest articles/ feed.jsonl.gz page.html

        newsloom ingest wire/ --source "Reuters"
    """
    loom = open_loom(ctx)
    bar = None
    shown: set[tuple[str, str]] = set()

    def on_item(item: object) -> None:
        nonlocal bar
        if bar is None and not silent and "-" not in inputs:  # opened at the first record: after the checks
            from tqdm import tqdm

            bar = tqdm(desc="ingest", unit=" rec", file=sys.stderr, dynamic_ncols=True, mininterval=0.5)
        if bar is not None:
            bar.update(1)
        if isinstance(item, Rejected) and not as_json:
            say(item.where, item.reason)

    def say(where: str, reason: str) -> None:
        shown.add((where, reason))
        line = f"rejected {where}: {reason}"
        if bar is not None:
            bar.write(line, file=sys.stderr)
        else:
            click.echo(line, err=True)

    try:
        report = loom.ingest(*inputs, format=fmt, fetch=fetch, source=source, on_item=on_item)
    finally:
        if bar is not None:
            bar.close()
        loom.close()
    if not as_json:
        # readers' rejects were shown as they came; those found later (HTML extraction, a failing
        # stage, nothing left after cleaning) are shown here
        for where, reason in report.rejects:
            if (where, reason) not in shown:
                click.echo(f"rejected {where}: {reason}", err=True)
        click.echo(f"read {report.read}, stored {report.stored} (exact copies {report.copies}), "
                   f"duplicate {report.duplicate}, rejected {report.rejected}"
                   + (f", skipped {sum(report.skipped.values())} non-article records "
                      f"({', '.join(f'{k} {v}' for k, v in sorted(report.skipped.items()))})" if report.skipped else ""))
    else:
        emit_json(report.as_dict())
    ctx.exit(EXIT_REJECTED if report.rejected else EXIT_OK)
