"""Quote views: ``newsloom quotes`` and ``newsloom show quote ID``; the demo's quotes section."""
from __future__ import annotations

from typing import Any

import click

from ..errors import QueryError
from ..storage import Store
from . import cli
from .common import emit_json, json_option, library_errors, open_loom, print_table
from .demo import demo_sections
from .articles import show


def _require_quotes(store: Store) -> None:
    if "quotes" not in store.tables():
        raise QueryError("this database has no quotes table: open it with this version of newsloom", code="E420")


def list_quotes(store: Store, *, speaker: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """Stored quotes, oldest stored first; ``speaker`` filters by a part of the speaker's name."""
    _require_quotes(store)
    where, params = "", []
    if speaker:
        where = "WHERE q.speaker_name LIKE ? OR q.speaker_text LIKE ?"
        params = [f"%{speaker}%", f"%{speaker}%"]
    return [dict(r) for r in store.execute(
        "SELECT q.id, q.article_id, q.kind, q.speaker_name, q.speaker_text, q.cue, q.text, q.first_article_id, "
        "CASE WHEN q.quote_key IS NULL THEN 1 ELSE (SELECT count(DISTINCT q2.article_id) FROM quotes q2 "
        "WHERE q2.quote_key = q.quote_key) END AS carriers "
        f"FROM quotes q JOIN articles a ON a.id = q.article_id {where} ORDER BY a.rowid, q.start LIMIT ?",
        [*params, limit])]


def quote_record(store: Store, ref: str) -> dict[str, Any]:
    """One quote (id or unique prefix) with every article that carries the same words."""
    _require_quotes(store)
    qid = store.resolve_id(ref, "quotes")
    row = dict(store.execute("SELECT * FROM quotes WHERE id = ?", (qid,)).fetchone())
    key = row["quote_key"]
    carriers = [dict(r) for r in store.execute(
        "SELECT DISTINCT a.id, a.source, a.published, a.copy_of, a.title FROM quotes q JOIN articles a "
        "ON a.id = q.article_id WHERE q.quote_key = ? ORDER BY a.published IS NULL, a.published, a.rowid",
        (key,))] if key else []
    row["carriers"] = carriers
    return row


@cli.command("quotes")
@click.option("--speaker", help="Only quotes whose speaker name contains this text.")
@click.option("--limit", default=50, show_default=True, help="How many quotes.")
@json_option
@click.pass_context
@library_errors
def quotes_cmd(ctx: click.Context, speaker: str | None, limit: int, as_json: bool) -> None:
    """List stored quotes with their speakers, oldest stored first.

    Example:

        newsloom quotes --speaker Lukashenko
    """
    with open_loom(ctx) as loom:
        rows = list_quotes(loom.store, speaker=speaker, limit=limit)
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
        rec = quote_record(loom.store, quote_id)
    if as_json:
        emit_json(rec)
        return
    click.echo(click.style(rec["text"], bold=True))
    for label in ("id", "kind", "speaker_name", "speaker_text", "speaker_entity", "cue", "article_id",
                  "first_article_id"):
        if rec.get(label):
            click.echo(f"{label.replace('_', ' '):>16}: {rec[label]}")
    if rec["carriers"]:
        click.echo()
        print_table([{**c, "id": c["id"][:12], "copy": "copy" if c["copy_of"] else ""} for c in rec["carriers"]],
                    ["id", "published", "source", "copy", "title"])


def _demo_quotes(loom: Any) -> None:
    if "quotes" not in loom.store.tables():
        return
    rows = list_quotes(loom.store, limit=10)
    click.echo()
    click.echo(click.style("quotes", bold=True))
    print_table([{"speaker": r["speaker_name"] or r["speaker_text"] or "-", "cue": r["cue"] or "-",
                  "carriers": r["carriers"] or 1, "text": r["text"]} for r in rows],
                ["speaker", "cue", "carriers", "text"])


demo_sections.append(_demo_quotes)
