"""Entity views: ``newsloom entities`` and ``newsloom show entity ID``; the demo's entities section."""
from __future__ import annotations

from typing import Any

import click

from ..errors import QueryError
from ..storage import Store
from . import cli
from .common import emit_json, json_option, library_errors, open_loom, print_table
from .demo import demo_sections
from .articles import show


def entity_record(store: Store, ref: str, *, limit: int = 20) -> dict[str, Any]:
    """One entity with its aliases (counts, articles), recent mentions and events.

    Args:
        store: the store.
        ref: an entity id, a unique id prefix, an id merged into another, or an exact canonical name.
        limit: how many articles and events to list.

    Returns:
        The entity as a dict (``merged_from`` tells when ``ref`` was an old id).
    """
    if "entities" not in store.tables():
        raise QueryError("this database has no entities yet: ingest with the nlp, entities and resolve stages",
                         code="E410")
    merged = store.execute("SELECT new_id FROM entity_merges WHERE old_id = ?", (ref,)).fetchone()
    by_name = store.execute("SELECT id FROM entities WHERE name = ? ORDER BY mentions DESC LIMIT 1", (ref,)).fetchone()
    if merged or by_name:
        eid = (merged or by_name)[0]
    else:
        try:
            eid = store.resolve_id(ref, "entities")
        except QueryError as exc:
            if exc.code != "E402":
                raise
            raise QueryError(f"no entity with id or name {ref!r}; list them with: newsloom entities --name TEXT",
                             code="E402") from exc
    ent = dict(store.execute("SELECT id, name, type, mentions, articles, created_at FROM entities WHERE id = ?",
                             (eid,)).fetchone())
    ent["merged_from"] = ref if merged else None
    ent["aliases"] = [dict(r) for r in store.execute(
        "SELECT a.alias, a.count, (SELECT count(*) FROM alias_articles x WHERE x.entity_id = a.entity_id AND"
        " x.alias = a.alias) AS articles FROM aliases a WHERE a.entity_id = ? ORDER BY a.count DESC, a.alias", (eid,))]
    ent["article_list"] = [dict(r) for r in store.execute(
        "SELECT a.id, a.published, a.title, count(*) AS mentions FROM mentions m JOIN articles a ON a.id = m.article_id"
        " WHERE m.entity_id = ? GROUP BY a.id ORDER BY a.published DESC, a.rowid DESC LIMIT ?", (eid, limit))]
    ent["events"] = [dict(r) for r in store.execute(
        "SELECT id, article_id, date, action, actor, target, place, sentence FROM events WHERE actor_id = ? OR"
        " target_id = ? ORDER BY date IS NULL, date DESC LIMIT ?", (eid, eid, limit))]
    return ent


@cli.command("entities")
@click.option("--type", "etype", help="Only this type (PERSON, ORG, GPE, LOC, NORP, ...).")
@click.option("--name", help="Only entities whose name or an alias contains this text.")
@click.option("--limit", default=50, show_default=True, help="How many entities.")
@json_option
@click.pass_context
@library_errors
def entities_cmd(ctx: click.Context, etype: str | None, name: str | None, limit: int, as_json: bool) -> None:
    """List entities (people, organisations, places), most mentioned first.

    Example:

        newsloom entities --type PERSON --limit 20
    """
    with open_loom(ctx) as loom:
        store = loom.store
        if "entities" not in store.tables():
            raise QueryError("this database has no entities yet", code="E410")
        where, params = [], []
        if etype:
            where.append("type = ?")
            params.append(etype.upper())
        if name:
            where.append("(name LIKE ? OR id IN (SELECT entity_id FROM aliases WHERE alias LIKE ?))")
            params += [f"%{name}%", f"%{name}%"]
        sql = ("SELECT id, name, type, mentions, articles, (SELECT count(*) FROM aliases a WHERE a.entity_id ="
               " entities.id) AS aliases FROM entities" + (" WHERE " + " AND ".join(where) if where else "")
               + " ORDER BY mentions DESC, name LIMIT ?")
        rows = list(store.rows(sql, [*params, limit]))
        if as_json:
            emit_json(rows)
            return
        print_table([{**r, "id": r["id"][:12]} for r in rows],
                    ["id", "type", "mentions", "articles", "aliases", "name"])


@show.command("entity")
@click.argument("entity_id")
@click.option("--limit", default=20, show_default=True, help="How many articles and events to list.")
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
        ent = entity_record(loom.store, entity_id, limit=limit)
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
    store = loom.store
    if "entities" not in store.tables() or not store.execute("SELECT 1 FROM entities LIMIT 1").fetchone():
        return
    click.echo()
    click.echo(click.style("entities (most mentioned, with merged aliases)", bold=True))
    rows = list(store.rows("SELECT id, name, type, mentions, articles FROM entities ORDER BY mentions DESC LIMIT 8"))
    for r in rows:
        r["aliases"] = ", ".join(a[0] for a in store.execute(
            "SELECT alias FROM aliases WHERE entity_id = ? ORDER BY count DESC LIMIT 5", (r["id"],)))
        r["id"] = r["id"][:12]
    print_table(rows, ["id", "type", "mentions", "name", "aliases"])
    events = list(store.rows("SELECT e.date, e.action, e.actor, e.target, e.place FROM events e JOIN articles a"
                             " ON a.id = e.article_id WHERE a.copy_of IS NULL ORDER BY e.date IS NULL, e.date LIMIT 8"))
    if events:
        click.echo()
        click.echo(click.style("events", bold=True))
        print_table([{**e, "date": e["date"] or "-"} for e in events], ["date", "action", "actor", "target", "place"])


demo_sections.append(_demo_entities)
