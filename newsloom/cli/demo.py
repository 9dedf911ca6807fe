"""``newsloom demo``: ingest the shipped fictional sample corpus and show what came out."""
from __future__ import annotations

from importlib import resources

import click

from .common import library_errors, open_loom, print_table
from .main import cli


def sample_path() -> str:
    """Folder of the sample corpus shipped inside the package (fictional articles)."""
    return str(resources.files("newsloom").joinpath("data", "sample"))


@cli.command()
@click.pass_context
@library_errors
def demo(ctx: click.Context) -> None:
    """Ingest the bundled sample corpus (fictional articles) into the database and print the result.

    The sample holds a wire copy, boilerplate, an HTML page, a Spanish article and one broken
    JSONL line, so every part of the pipeline shows. Running it twice stores nothing new.

    Example:

        newsloom demo && newsloom articles
    """
    loom = open_loom(ctx)
    with loom:
        click.echo(f"ingesting the sample corpus (fictional articles) from {sample_path()}", err=True)
        report = loom.ingest(sample_path())
        click.echo(f"read {report.read}, stored {report.stored} (exact copies {report.copies}), "
                   f"duplicate {report.duplicate}, rejected {report.rejected}")
        for where, reason in report.rejects:
            click.echo(f"  rejected (on purpose, to show it) {where}: {reason}")
        click.echo()
        click.echo(click.style("articles", bold=True))
        print_table([{"id": a.id[:12], "published": a.published or "-", "lang": a.language or "-",
                      "source": a.source or "-", "copy": f"{a.copy_kind} of {a.copy_of[:8]}" if a.copy_of else "",
                      "title": a.title} for a in loom.articles()],
                    ["id", "published", "lang", "source", "copy", "title"])
        for section in demo_sections:
            section(loom)
        click.echo(f"\ndatabase: {loom.store.path}   next: newsloom show article ID, newsloom search QUERY")


#: later stages append ``fn(loom)`` here to show their records (stories, entities, ...)
demo_sections: list = []
