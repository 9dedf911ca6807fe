"""``newsloom eval`` and ``newsloom bench``."""
from __future__ import annotations

import click

from ..eval import Table, benchmarks, evaluations
from . import cli
from .common import emit_json, library_errors, print_table


def _print_tables(tables: list[Table], as_json: bool) -> None:
    if as_json:
        emit_json([t.as_dict() for t in tables])
        return
    for t in tables:
        click.echo(click.style(t.title, bold=True))
        print_table(t.rows, t.columns, widths={c: max(len(c), 8) for c in t.columns})
        for note in t.notes:
            click.echo(f"  {note}")
        click.echo()


@cli.command("eval")
@click.argument("name")
@click.option("--data", type=click.Path(exists=True, file_okay=False), help="Benchmark data folder.")
@click.option("--json", "as_json", is_flag=True, help="Print the tables as JSON.")
@click.option("-o", "--option", "options", nargs=2, multiple=True, metavar="KEY VALUE",
              help="An option of the evaluation, e.g. -o split dev")
@library_errors
def eval_cmd(name: str, data: str | None, as_json: bool, options: tuple[tuple[str, str], ...]) -> None:
    """Run the quality evaluation NAME on labelled data and print its results table.

    Example:

        newsloom eval quotes --data ../shared/bench-data/polnear
    """
    evals = evaluations()
    if name not in evals:
        raise click.BadParameter(f"unknown evaluation {name!r}; known: {', '.join(sorted(evals))}", param_hint="NAME")
    _print_tables(evals[name][0](data, **dict(options)), as_json)


@cli.command("bench")
@click.argument("names", nargs=-1)
@click.option("-n", "n", type=int, help="How many articles (each benchmark has its own default).")
@click.option("--data", type=click.Path(exists=True, file_okay=False), help="Benchmark data folder.")
@click.option("--json", "as_json", is_flag=True, help="Print the tables as JSON.")
@click.option("-o", "--option", "options", nargs=2, multiple=True, metavar="KEY VALUE",
              help="An option of the benchmark, e.g. -o rounds 5")
@library_errors
def bench_cmd(names: tuple[str, ...], n: int | None, data: str | None, as_json: bool,
              options: tuple[tuple[str, str], ...]) -> None:
    """Measure throughput and peak memory; with no NAME, list the benchmarks.

    Example:

        newsloom bench ingest -n 2000
        newsloom bench annotate -n 50 -o rounds 5
    """
    benches = benchmarks()
    if not names:
        for name, (_, helptext) in sorted(benches.items()):
            click.echo(f"{name:<12} {helptext}")
        return
    for name in names:
        if name not in benches:
            raise click.BadParameter(f"unknown benchmark {name!r}; known: {', '.join(sorted(benches))}")
        kwargs: dict[str, object] = {"data": data, **{k: int(v) if v.isdigit() else v for k, v in options}}
        if n is not None:
            kwargs["n"] = n
        _print_tables(benches[name][0](**kwargs), as_json)
