"""``newsloom compare`` and ``newsloom sources``: who covered a story, when, what only they carried."""
from __future__ import annotations

from typing import Any

import click

from ..queries.compare import compare as compare_query
from ..queries.sources import blindspots, import_sources, list_sources
from .main import cli
from .common import emit_json, json_option, library_errors, open_loom, print_table
from .timelines import format_option, parse_scope


def render_compare(body: dict[str, Any], fmt: str) -> str:
    """The comparison as text or Markdown."""
    md = fmt == "markdown"
    h = (lambda t: f"\n## {t}") if md else (lambda t: f"\n{t.upper()}")
    out = [f"# Sources of {body['scope']}" if md else f"Sources of {body['scope']}",
           f"{body['articles']} articles, {body['distinct_reports']} distinct reports "
           "(an original and its copies count once)", h("Outlets")]
    for o in body["outlets"]:
        mark = " (first reporter)" if o["first_reporter"] else ""
        line = f"- {o['outlet']}{mark}: first {o['first_published'] or 'undated'}, {o['originals']} original(s)"
        if o["copies"]:
            froms = sorted({c["original_outlet"] for c in o.get("copied_from", [])})
            line += f", {o['copies']} copies of {', '.join(froms)}"
        out.append(line)
    out.append(h("Coverage by day"))
    for d in body["coverage_by_day"]:
        out.append(f"- {d['day']}: " + ", ".join(f"{k} {v}" for k, v in sorted(d["outlets"].items())))
    out.append(h("Only here"))
    if not body["only_here"]:
        out.append("- every original report is one outlet's: nothing to set apart")
    for outlet, only in sorted(body["only_here"].items()):
        if not any(only.values()):
            continue
        out.append(f"- {outlet}")
        for q in only["quotes"]:
            out.append(f"    quote ({q['speaker']}): {q['text']} [{q['article_id'][:12]}:{q['start']}-{q['end']}]")
        if only["entities"]:
            out.append("    names: " + ", ".join(e["name"] for e in only["entities"]))
        for f in only["figures"]:
            what = f" ({f['counts']})" if f["counts"] else ""
            out.append(f"    figure: {f['text']}{what} [{f['article_id'][:12]}:{f['start']}-{f['end']}]")
    out.append(h("Figures that disagree"))
    if not body["disagreements"]:
        out.append("- none found")
    for d in body["disagreements"]:
        a, b = d["a"], d["b"]
        out.append(f"- {d['counts']}: {a['outlet']} says {a['text']} [{a['article_id'][:12]}:{a['start']}-{a['end']}]"
                   f", {b['outlet']} says {b['text']} [{b['article_id'][:12]}:{b['start']}-{b['end']}]")
    if body.get("split"):
        out.append(h(f"Coverage by {body['split']['by']}"))
        for g in body["split"]["groups"]:
            out.append(f"- {g['group']}: {g['articles']} articles, first {g['first_published'] or 'undated'}, "
                       f"outlets {', '.join(g['outlets'])}")
    return "\n".join(out)


@cli.command("compare")
@click.argument("story_id", required=False)
@click.option("--entity", help="Compare the coverage of an entity instead of a story.")
@click.option("--query", help="Compare the coverage of a full-text search's hits.")
@click.option("--articles", help="Comma-separated article ids.")
@click.option("--by", help="A column of the sources table to split coverage by (country, lean, ...).")
@format_option
@click.pass_context
@library_errors
def compare_cmd(ctx: click.Context, story_id: str | None, entity: str | None, query: str | None,
                articles: str | None, by: str | None, fmt: str) -> None:
    """How the outlets covered a story: who first, copies attributed, what only each carried, figures that disagree.

    Example:

    \b
        newsloom compare 3f2a9c --by lean
        newsloom compare --articles fc205b7a,50f7a068 --format markdown
    """
    if story_id is not None and entity is None:
        scope = parse_scope("story", story_id, query, articles)
    else:
        scope = parse_scope("entity" if entity else None, entity, query, articles)
    with open_loom(ctx) as loom:
        body = compare_query(loom.store, *scope, by=by)
    if fmt == "json":
        emit_json(body)
    else:
        click.echo(render_compare(body, fmt))


@cli.group("sources", invoke_without_command=True)
@json_option
@click.pass_context
@library_errors
def sources_cmd(ctx: click.Context, as_json: bool) -> None:
    """Your own table of outlets (country, owner, lean, ...): with no subcommand, list it.

    Example:

    \b
        newsloom sources import outlets.csv
        newsloom sources
    """
    if ctx.invoked_subcommand is not None:
        return
    with open_loom(ctx) as loom:
        rows = list_sources(loom.store)
    if as_json:
        emit_json(rows)
        return
    cols = ["source"] + sorted({k for r in rows for k in r} - {"source", "articles"}) + ["articles"]
    print_table(rows, cols, widths={c: min(40, max([len(c)] + [len(str(r.get(c, ""))) for r in rows])) for c in cols})


@sources_cmd.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
@click.pass_context
@library_errors
def sources_import(ctx: click.Context, path: str) -> None:
    """Load a CSV of outlets: any columns, the outlet named by a source/outlet/name/domain column.

    Example:

        newsloom sources import outlets.csv
    """
    with open_loom(ctx) as loom:
        report = import_sources(loom.store, path)
    click.echo(f"imported {report['imported']} outlets (key column {report['key']!r}; "
               f"attributes: {', '.join(report['columns']) or 'none'})")
    for r in report["rejected"]:
        click.echo(f"  {path}:{r['line']}: rejected: {r['reason']}", err=True)
    if report["rejected"]:
        ctx.exit(1)


@sources_cmd.command("blindspots")
@click.option("--by", required=True, help="The sources column that makes the groups (lean, country, ...).")
@click.option("--min-articles", default=2, show_default=True, help="Skip stories with fewer articles.")
@json_option
@click.pass_context
@library_errors
def sources_blindspots(ctx: click.Context, by: str, min_articles: int, as_json: bool) -> None:
    """Stories covered by only one group of outlets (your grouping, e.g. --by lean).

    Example:

        newsloom sources blindspots --by lean
    """
    with open_loom(ctx) as loom:
        rows = blindspots(loom.store, by, min_articles=min_articles)
    if as_json:
        emit_json(rows)
        return
    print_table([{**r, "outlets": ", ".join(r["outlets"]), "missing": ", ".join(r["missing"])} for r in rows],
                ["scope", "group", "articles", "outlets", "missing"])
