"""``newsloom eval`` and ``newsloom bench``."""
from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

import click

from ..eval import Table, benchmarks, evaluations
from ..eval.progress import show_progress
from .common import emit_json, library_errors, print_table
from .main import cli


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


def _list(registry: dict, command: str, what: str) -> None:
    click.echo(f"{what} (run one: newsloom {command} NAME):")
    for name, (_, helptext) in sorted(registry.items()):
        click.echo(f"  {name:<12} {helptext}")


def _pick(registry: dict, name: str, what: str) -> None:
    if name not in registry:
        raise click.BadParameter(f"unknown {what} {name!r}; known: {', '.join(sorted(registry))}", param_hint="NAME")


silent_option = click.option("--silent", is_flag=True,
                             help="No progress on stderr (with --json: only a bar, on a terminal).")


@contextlib.contextmanager
def _progress(silent: bool, as_json: bool) -> Iterator[None]:
    """Progress on stderr while the command runs: lines when stderr is not a terminal, except with --json
    (stdout and stderr are often read together by machines)."""
    show_progress(not silent and (not as_json or sys.stderr.isatty()))
    try:
        yield
    finally:
        show_progress(False)


@cli.command("eval")
@click.argument("name", required=False)
@click.option("--data", type=click.Path(exists=True, file_okay=False), help="Benchmark data folder.")
@click.option("--json", "as_json", is_flag=True, help="Print the tables as JSON.")
@click.option("-o", "--option", "options", nargs=2, multiple=True, metavar="KEY VALUE",
              help="An option of the evaluation, e.g. -o split dev")
@silent_option
@library_errors
def eval_cmd(name: str | None, data: str | None, as_json: bool, options: tuple[tuple[str, str], ...],
             silent: bool) -> None:
    """Run the quality evaluation NAME on labelled data and print its results table; with no NAME, list the
    evaluations. Progress goes to stderr (a bar on a terminal, a line every 10 s otherwise).

    Example:

        newsloom eval

        newsloom eval quotes --data ../shared/bench-data/polnear
    """
    evals = evaluations()
    if not name:
        _list(evals, "eval", "evaluations")
        return
    _pick(evals, name, "evaluation")
    with _progress(silent, as_json):
        tables = evals[name][0](data, **dict(options))
    _print_tables(tables, as_json)


@cli.command("bench")
@click.argument("names", nargs=-1)
@click.option("-n", "n", type=int, help="How many articles (each benchmark has its own default).")
@click.option("--data", type=click.Path(exists=True, file_okay=False), help="Benchmark data folder.")
@click.option("--json", "as_json", is_flag=True, help="Print the tables as JSON.")
@click.option("-o", "--option", "options", nargs=2, multiple=True, metavar="KEY VALUE",
              help="An option of the benchmark, e.g. -o rounds 5")
@silent_option
@library_errors
def bench_cmd(names: tuple[str, ...], n: int | None, data: str | None, as_json: bool,
              options: tuple[tuple[str, str], ...], silent: bool) -> None:
    """Measure throughput and peak memory; with no NAME, list the benchmarks.

    Example:

        newsloom bench

        newsloom bench ingest -n 2000

        newsloom bench annotate -n 50 -o rounds 5
    """
    benches = benchmarks()
    if not names:
        _list(benches, "bench", "benchmarks")
        return
    for name in names:
        _pick(benches, name, "benchmark")
    for name in names:
        kwargs: dict[str, object] = {"data": data, **{k: int(v) if v.isdigit() else v for k, v in options}}
        if n is not None:
            kwargs["n"] = n
        with _progress(silent, as_json):
            tables = benches[name][0](**kwargs)
        _print_tables(tables, as_json)
