"""Read views: ``articles``, ``show article``, ``search``."""
from __future__ import annotations

import click

from .common import COUNT, emit_json, json_option, library_errors, open_loom, print_table
from .main import cli


@cli.command()
@click.option("--limit", default=50, show_default=True, type=COUNT, help="How many articles.")
@click.option("--offset", default=0, type=COUNT, help="Skip this many first.")
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
    """One article: metadata, copy links, its entities, quotes, dates and events, the clean text, and what
    cleaning removed.

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
    if rec["original"]:
        orig = rec["original"]
        click.echo(f"{'copy':>12}: {rec['copy_kind']} copy of {orig['id']} ({orig['source'] or '-'}: {orig['title']})")
    for name, flag in rec["quality"].items():
        if isinstance(flag, dict):
            click.echo(f"{'quality':>12}: {name} {flag.get('score', '')}")
    _section("copies of it", rec["copies"], ["id", "copy_kind", "source", "published", "title"])
    _section("entities", rec["entities"], ["type", "mentions", "name", "forms"])
    _section("quotes", rec["quotes"], ["speaker", "kind", "cue", "text"],
             lambda q: {**q, "speaker": q["speaker_name"] or q["speaker_text"] or "-"})
    _section("dates", rec["dates"], ["text", "value", "precision"])
    _section("events", rec["events"], ["date", "action", "actor", "target", "place"],
             lambda e: {**e, "date": e["date"] or "-"})
    click.echo()
    click.echo(rec["text"])
    if removed and rec["removed"]:
        click.echo()
        click.echo(click.style(f"removed by cleaning ({len(rec['removed'])}):", bold=True))
        for cut in rec["removed"]:
            click.echo(f"  - [{cut['reason']}] {cut['text'][:160]}")


def _section(title: str, rows: list[dict], columns: list[str], shape=None) -> None:
    """A titled table of an article's records; nothing when there are none (or the stage did not run)."""
    if not rows:
        return
    click.echo()
    click.echo(click.style(f"{title} ({len(rows)})", bold=True))
    print_table([shape(r) if shape else {**r, "id": r["id"][:12]} if "id" in r else r for r in rows], columns)


@cli.command()
@click.argument("query")
@click.option("--limit", default=20, show_default=True, type=COUNT, help="How many hits.")
@json_option
@click.pass_context
@library_errors
def search(ctx: click.Context, query: str, limit: int, as_json: bool) -> None:
    """Full-text search over titles and texts, best match first.

    QUERY is words as you would type them (Belarus-Poland, Lukashenko's: every word must be there), or
    SQLite FTS5 syntax: "a phrase", AND, OR, NOT, NEAR(a b, 5), prefix*, title:word. Text that is not
    valid FTS5 is searched as words.

    Example:

        newsloom search Belarus-Poland

        newsloom search '"border crisis" AND sanctions'
    """
    with open_loom(ctx) as loom:
        hits = loom.search(query, limit=limit)
        if as_json:
            emit_json(hits)
            return
        print_table([{**h, "id": h["id"][:12]} for h in hits], ["id", "published", "title", "snippet"],
                    widths={"title": 50})
