"""Entity views: ``newsloom entities`` and ``newsloom show entity ID``; the demo's entities section."""
from __future__ import annotations

from typing import Any

import click

from ..queries.entities import top_entities
from ..queries.events import earliest_events
from .articles import show
from .common import COUNT, emit_json, json_option, library_errors, open_loom, print_table
from .demo import demo_sections
from .main import cli


@cli.command("entities")
@click.option("--type", "etype", help="Only this type (PERSON, ORG, GPE, LOC, NORP, ...).")
@click.option("--name", help="Only entities whose name or an alias contains this text.")
@click.option("--article", "article_id", metavar="ID",
              help="Only the entities of this article (id or unique prefix), most mentioned there first.")
@click.option("--limit", default=50, show_default=True, type=COUNT, help="How many entities.")
@json_option
@click.pass_context
@library_errors
def entities_cmd(ctx: click.Context, etype: str | None, name: str | None, article_id: str | None, limit: int,
                 as_json: bool) -> None:
    """List entities (people, organisations, places), most mentioned first.

    Example:

        newsloom entities --type PERSON --limit 20

        newsloom entities --article 3f2a9c
    """
    with open_loom(ctx) as loom:
        rows = loom.entities(type=etype, name=name, article=article_id, limit=limit)
        if as_json:
            emit_json(rows)
            return
        print_table([{**r, "id": r["id"][:12]} for r in rows],
                    ["id", "type", *(["in_article"] if article_id else []), "mentions", "articles", "aliases", "name"])


@show.command("entity")
@click.argument("entity_id")
@click.option("--limit", default=20, show_default=True, type=COUNT, help="How many articles and events to list.")
@json_option
@click.pass_context
@library_errors
def show_entity(ctx: click.Context, entity_id: str, limit: int, as_json: bool) -> None:
    """One entity: its aliases with counts and articles, the articles it is in, and its events.

    ENTITY_ID is an id, a unique prefix of one (4+ characters) or an exact canonical name.

    Example:

        newsloom show entity "Alexander Lukashenko"
    """
    with open_loom(ctx) as loom:
        ent = loom.entity(entity_id, limit=limit)
        if as_json:
            emit_json(ent)
            return
        click.echo(click.style(f"{ent['name']} ({ent['type']})", bold=True))
        click.echo(f"{'id':>10}: {ent['id']}" + (f"  (merged from {ent['merged_from']})" if ent["merged_from"] else ""))
        click.echo(f"{'mentions':>10}: {ent['mentions']} in {ent['articles']} articles")
        click.echo()
        click.echo(click.style("aliases", bold=True))
        print_table(ent["aliases"], ["count", "articles", "alias"])
        click.echo()
        click.echo(click.style("articles", bold=True))
        print_table([{**a, "id": a["id"][:12], "published": a["published"] or "-"} for a in ent["article_list"]],
                    ["id", "published", "mentions", "title"])
        if ent["events"]:
            click.echo()
            click.echo(click.style("events", bold=True))
            print_table([{**e, "date": e["date"] or "-"} for e in ent["events"]],
                        ["date", "action", "actor", "target", "place", "sentence"])


def _demo_entities(loom: Any) -> None:
    rows = top_entities(loom.store)
    if not rows:
        return
    click.echo()
    click.echo(click.style("entities (most mentioned, with merged aliases)", bold=True))
    print_table([{**r, "id": r["id"][:12]} for r in rows], ["id", "type", "mentions", "name", "aliases"])
    events = earliest_events(loom.store)
    if events:
        click.echo()
        click.echo(click.style("events", bold=True))
        print_table([{**e, "date": e["date"] or "-"} for e in events], ["date", "action", "actor", "target", "place"])


demo_sections.append(_demo_entities)
