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
        art = loom.article(article_id)
        extra = article_extras(loom, art.id)
        if as_json:
            data = {k: v for k, v in art.as_dict().items() if k not in ("raw_text", "annotations")}
            data.update(extra)
            emit_json(data)
            return
        click.echo(click.style(art.title, bold=True))
        for label, value in (("id", art.id), ("external id", art.external_id), ("source", art.source),
                             ("url", art.url), ("published", art.published or "unknown"), ("language", art.language),
                             ("author", art.author)):
            if value:
                click.echo(f"{label:>12}: {value}")
        if art.copy_of:
            orig = loom.article(art.copy_of)
            click.echo(f"{'copy':>12}: {art.copy_kind} copy of {orig.id} ({orig.source or '-'}: {orig.title})")
        flags = {k: v for k, v in art.quality.items() if isinstance(v, dict)}
        for name, flag in flags.items():
            click.echo(f"{'quality':>12}: {name} {flag.get('score', '')}")
        for label, lines in extra.items():
            if lines:
                click.echo(f"{label:>12}: {len(lines)}")
        click.echo()
        click.echo(art.text)
        if removed and art.removed:
            click.echo()
            click.echo(click.style(f"removed by cleaning ({len(art.removed)}):", bold=True))
            for cut in art.removed:
                click.echo(f"  - [{cut['reason']}] {cut['text'][:160]}")


def article_extras(loom, article_id: str) -> dict:
    """Records other stages keep about one article (copies of it, and what later modules add)."""
    copies = [dict(r) for r in loom.store.execute(
        "SELECT id, source, copy_kind, title FROM articles WHERE copy_of = ? ORDER BY rowid", (article_id,))]
    extras = {"copies": copies}
    tables = set(loom.store.tables())
    if "mentions" in tables:  # entities area (newsloom/cli/entities.py)
        extras["entities"] = [dict(r) for r in loom.store.execute(
            "SELECT m.entity_id, m.name, m.label, count(*) AS mentions FROM mentions m WHERE m.article_id = ?"
            " GROUP BY m.name, m.entity_id ORDER BY mentions DESC", (article_id,))]
        extras["dates"] = [dict(r) for r in loom.store.execute(
            'SELECT start, "end", text, value, precision, anchor FROM dates WHERE article_id = ? ORDER BY start',
            (article_id,))]
        extras["events"] = [dict(r) for r in loom.store.execute(
            "SELECT id, date, action, actor, target, place, start FROM events WHERE article_id = ? ORDER BY start",
            (article_id,))]
    if "quotes" in tables:  # quotes area (newsloom/cli/quotes.py)
        extras["quotes"] = [dict(r) for r in loom.store.execute(
            "SELECT id, kind, speaker_name, cue, text, first_article_id FROM quotes WHERE article_id = ? ORDER BY start",
            (article_id,))]
    return extras


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
