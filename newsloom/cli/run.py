"""``newsloom run``: the whole pipeline into an OUTPUT folder of Parquet tables, locally or on Spark."""
from __future__ import annotations

import click

from ..loom import run
from .common import emit_json, library_errors, load_settings
from .main import cli


@cli.command("run")
@click.argument("paths", nargs=-1, required=True, metavar="INPUT... OUTPUT")
@click.option("--engine", type=click.Choice(["local", "spark"]), default="local", show_default=True,
              help="local: this machine's cores; spark: a Spark cluster (pip install 'newsloom[distributed]').")
@click.option("--master", default="local[*]", show_default=True,
              help="Spark master URL (local[N], spark://host:7077, yarn, k8s://...); --engine spark only.")
@click.option("--format", "fmt", help="Force a reader (text, html, jsonl, ...); default: detected.")
@click.option("--source", help="Source (outlet) of the records that name none.")
@click.option("--workers", type=click.IntRange(min=0), help="--engine local: processes for the per-article stages "
              "(0: one per core). Default: [engine] workers.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
@library_errors
def run_cmd(ctx: click.Context, paths: tuple[str, ...], engine: str, master: str, fmt: str | None,
            source: str | None, workers: int | None, as_json: bool) -> None:
    """Read, clean, annotate and store INPUT... into the folder OUTPUT: Parquet tables (OUTPUT/tables, which
    `newsloom load` imports; OUTPUT/export, the tables of `newsloom export`) and the store the run wrote
    (OUTPUT/work.db). A run into an existing OUTPUT adds to it.

    Example:

        newsloom run --engine spark articles/ wire.jsonl out/

        newsloom run --engine spark --master spark://10.0.0.5:7077 /data/news/ /data/out/

        newsloom load out/ --db news.db
    """
    if len(paths) < 2:
        raise click.UsageError("give at least one INPUT and the OUTPUT folder")
    report = run(paths[:-1], paths[-1], settings=load_settings(ctx), engine=engine, master=master, fmt=fmt,
                 source=source, workers=workers)
    if as_json:
        emit_json(report.as_dict())
    else:
        for where, reason in report.rejects:
            click.echo(f"rejected {where}: {reason}", err=True)
        click.echo(f"read {report.read}, stored {report.stored} (exact copies {report.copies}), "
                   f"duplicate {report.duplicate}, rejected {report.rejected}; output in {paths[-1]}")
    ctx.exit(1 if report.rejected else 0)
