"""Read views: ``articles``, ``show article``, ``search``."""
from __future__ import annotations

import click

from . import cli
from .common import emit_json, json_option, library_errors, open_loom, print_table


@cli.command()
@click.option("--limit", default=50, show_default=True, help="How many articles.")
@click.option("--offset", default=0, help="Skip this many first.")
@click.option("--source", help="Only this source.")
@click.option("--language", help="Only this language (ISO 639-1).")
@json_option
@click.pass_context
@library_errors
def articles(ctx: click.Context, limit: int, offset: int, source: str | None, language: str | None,
             as_json: bool) -> None:
    """List stored articles, oldest stored first.

    Example:

        newsloom articles --language en --limit 10
    """
    with open_loom(ctx) as loom:
        rows = loom.articles(limit=limit, offset=offset, source=source, language=language)
        if as_json:
            emit_json([{k: v for k, v in a.as_dict().items() if k not in ("raw_text", "annotations")} for a in rows])
            return
        print_table([{"id": a.id[:12], "published": a.published or "-", "lang": a.language or "-",
                      "copy": (a.copy_kind or "") + (f" of {a.copy_of[:8]}" if a.copy_of else ""),
                      "source": a.source or "-", "title": a.title} for a in rows],
                    ["id", "published", "lang", "source", "copy", "title"])


@cli.group()
def show() -> None:
    """Show one record in full: an article, entity, quote, or the copies of an article.

    Example:

        newsloom show article 3f2a9c
    """


@show.command("article")
@click.argument("article_id")
@click.option("--removed/--no-removed", default=True, help="List what cleaning cut, with reasons.")
@json_option
@click.pass_context
@library_errors
def show_article(ctx: click.Context, article_id: str, removed: bool, as_json: bool) -> None:
    """One article: metadata, clean text, copy link and what cleaning removed.

    Example:

        newsloom show article 3f2a9c
    """
    with open_loom(ctx) as loom:
        rec = loom.article_record(article_id)
        if as_json:
            emit_json(rec)
            return
        click.echo(click.style(rec["title"], bold=True))
        for label, key in (("id", "id"), ("external id", "external_id"), ("source", "source"), ("url", "url"),
                           ("published", "published"), ("language", "language"), ("author", "author")):
            value = rec[key] or ("unknown" if key == "published" else None)
            if value:
                click.echo(f"{label:>12}: {value}")
        if rec["copy_of"]:
            orig = loom.article(rec["copy_of"])
            click.echo(f"{'copy':>12}: {rec['copy_kind']} copy of {orig.id} ({orig.source or '-'}: {orig.title})")
        flags = {k: v for k, v in rec["quality"].items() if isinstance(v, dict)}
        for name, flag in flags.items():
            click.echo(f"{'quality':>12}: {name} {flag.get('score', '')}")
        for label in ("copies", "entities", "dates", "events", "quotes"):
            if rec[label]:
                click.echo(f"{label:>12}: {len(rec[label])}")
        click.echo()
        click.echo(rec["text"])
        if removed and rec["removed"]:
            click.echo()
            click.echo(click.style(f"removed by cleaning ({len(rec['removed'])}):", bold=True))
            for cut in rec["removed"]:
                click.echo(f"  - [{cut['reason']}] {cut['text'][:160]}")


@cli.command()
@click.argument("query")
@click.option("--limit", default=20, show_default=True)
@json_option
@click.pass_context
@library_errors
def search(ctx: click.Context, query: str, limit: int, as_json: bool) -> None:
    """Full-text search over titles and texts (SQLite FTS5 syntax: "a phrase", AND, OR, NOT, prefix*).

    Example:

        newsloom search '"border crisis" AND sanctions'
    """
    with open_loom(ctx) as loom:
        hits = loom.search(query, limit=limit)
        if as_json:
            emit_json(hits)
            return
        print_table([{**h, "id": h["id"][:12]} for h in hits], ["id", "published", "title", "snippet"],
                    widths={"title": 50})
