"""Quote views: ``newsloom quotes`` and ``newsloom show quote ID``; the demo's quotes section."""
from __future__ import annotations

from typing import Any

import click

from ..queries import has_table
from .articles import show
from .common import COUNT, emit_json, json_option, library_errors, open_loom, print_table
from .demo import demo_sections
from .main import cli


@cli.command("quotes")
@click.option("--speaker", help="Only the quotes of the person this name stands for, under any of their aliases "
              "(\"Lukashenko\" finds those attributed to \"Alexander Lukashenko\" too).")
@click.option("--article", "article_id", metavar="ID", help="Only the quotes of this article (id or unique prefix).")
@click.option("--limit", default=50, show_default=True, type=COUNT, help="How many quotes.")
@json_option
@click.pass_context
@library_errors
def quotes_cmd(ctx: click.Context, speaker: str | None, article_id: str | None, limit: int, as_json: bool) -> None:
    """List stored quotes with their speakers, oldest stored first.

    Example:

        newsloom quotes --speaker Lukashenko

        newsloom quotes --article 3f2a9c
    """
    with open_loom(ctx) as loom:
        rows = loom.quotes(speaker=speaker, article=article_id, limit=limit)
        if as_json:
            emit_json(rows)
            return
        print_table([{**r, "id": r["id"][:12], "speaker": r["speaker_name"] or r["speaker_text"] or "-",
                      "first": "yes" if r["first_article_id"] == r["article_id"] else r["first_article_id"][:8]}
                     for r in rows], ["id", "kind", "speaker", "cue", "carriers", "first", "text"])


@show.command("quote")
@click.argument("quote_id")
@json_option
@click.pass_context
@library_errors
def show_quote(ctx: click.Context, quote_id: str, as_json: bool) -> None:
    """One quote: its words, speaker, cue, and every article that carries it (first one first).

    Example:

        newsloom show quote 9c2e41
    """
    with open_loom(ctx) as loom:
        rec = loom.quote(quote_id)
    if as_json:
        emit_json(rec)
        return
    click.echo(click.style(rec["text"], bold=True))
    for label in ("id", "kind", "speaker_name", "speaker_text", "speaker_entity", "on_behalf_of", "cue",
                  "article_id", "first_article_id"):
        if rec.get(label):
            click.echo(f"{label.replace('_', ' '):>16}: {rec[label]}")
    if rec["carriers"]:
        click.echo()
        print_table([{**c, "id": c["id"][:12], "copy": "copy" if c["copy_of"] else ""} for c in rec["carriers"]],
                    ["id", "published", "source", "copy", "title"])


def _demo_quotes(loom: Any) -> None:
    if not has_table(loom.store, "quotes"):
        return
    rows = loom.quotes(limit=20)
    click.echo()
    click.echo(click.style("quotes", bold=True))
    print_table([{"speaker": r["speaker_name"] or r["speaker_text"] or "-", "cue": r["cue"] or "-",
                  "carriers": r["carriers"] or 1, "text": r["text"]} for r in rows],
                ["speaker", "cue", "carriers", "text"])


demo_sections.append(_demo_quotes)
