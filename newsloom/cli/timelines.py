"""``newsloom timeline`` and ``newsloom summary``: what happened when, and in a few cited sentences."""
from __future__ import annotations

from typing import Any

import click

from ..queries.timelines import summary as summary_query
from ..queries.timelines import timeline as timeline_query
from .main import cli
from .common import emit_json, library_errors, open_loom

KINDS = ("story", "thread", "entity")
format_option = click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text",
                             show_default=True, help="Output format.")


def scope_options(fn: Any) -> Any:
    """``[KIND ID] [--query TEXT] [--articles ID,ID]``: the articles a timeline or summary is about."""
    for deco in reversed((click.argument("kind", required=False), click.argument("ref", required=False),
                          click.option("--query", help="A full-text search: its hits."),
                          click.option("--articles", help="Comma-separated article ids: exactly these."))):
        fn = deco(fn)
    return fn


def parse_scope(kind: str | None, ref: str | None, query: str | None, articles: str | None) -> tuple[str, Any]:
    """The (kind, value) of a scope from ``KIND ID``, ``--query`` or ``--articles``."""
    given = sum(x is not None for x in (kind, query, articles))
    if given != 1:
        raise click.UsageError("give exactly one of: story|thread|entity ID, --query TEXT, --articles ID,ID")
    if kind is not None:
        if kind not in KINDS:
            raise click.BadParameter(f"{kind!r} is not one of {', '.join(KINDS)}", param_hint="KIND")
        if not ref:
            raise click.UsageError(f"give the {kind} id: newsloom timeline {kind} ID")
        return kind, ref
    if query is not None:
        return "query", query
    return "articles", [a.strip() for a in (articles or "").split(",") if a.strip()]


def _cite(s: dict[str, Any]) -> str:
    return f"[{s['article_id'][:12]}:{s['start']}-{s['end']}]"


def render_timeline(body: dict[str, Any], fmt: str) -> str:
    """The timeline as plain text or Markdown, each sentence followed by its citation."""
    lines = [f"# Timeline of {body['scope']} ({body['articles']} articles)" if fmt == "markdown"
             else f"Timeline of {body['scope']} ({body['articles']} articles)"]
    if not body["days"]:
        lines.append("no dated events found (no article date or resolved day in the text)")
    for day in body["days"]:
        lines.append(f"\n## {day['date']}" if fmt == "markdown" else f"\n{day['date']}")
        for s in day["sentences"]:
            lines.append(f"- {s['text']} {_cite(s)}" if fmt == "markdown" else f"  {s['text']} {_cite(s)}")
    return "\n".join(lines)


def render_summary(body: dict[str, Any], fmt: str) -> str:
    head = body["title"] or body["scope"]
    lines = [f"# {head}" if fmt == "markdown" else head,
             f"({body['articles']} articles, {len(body['articles_cited'])} cited)"]
    for s in body["sentences"]:
        lines.append(f"- {s['text']} {_cite(s)}" if fmt == "markdown" else f"  {s['text']} {_cite(s)}")
    return "\n".join(lines)


@cli.command("timeline")
@scope_options
@click.option("--max-dates", type=click.IntRange(1, 1000), help="At most N days (setting timelines.max_dates, 10).")
@click.option("--per-date", type=click.IntRange(1, 3), help="Sentences per day (setting timelines.per_date, 2).")
@format_option
@click.pass_context
@library_errors
def timeline_cmd(ctx: click.Context, kind: str | None, ref: str | None, query: str | None, articles: str | None,
                 max_dates: int | None, per_date: int | None, fmt: str) -> None:
    """The days that matter in a story, thread, entity or search, each with sentences citing article and span.

    Days come from dates resolved in the text as well as publication dates: an event reported on the
    3rd that happened on the 1st sits on the 1st.

    Example:

    \b
        newsloom timeline story 3f2a9c --max-dates 8 --format markdown
        newsloom timeline entity 7b01 --format json
        newsloom timeline --query '"border crisis"'
    """
    scope = parse_scope(kind, ref, query, articles)
    with open_loom(ctx) as loom:
        body = timeline_query(loom.store, *scope, max_dates=max_dates or loom.settings.get("timelines.max_dates"),
                              per_date=per_date or loom.settings.get("timelines.per_date"))
    if fmt == "json":
        emit_json(body)
    else:
        click.echo(render_timeline(body, fmt))


@cli.command("summary")
@scope_options
@click.option("--sentences", type=click.IntRange(3, 6), help="How many sentences (setting timelines.summary_sentences, 5).")
@format_option
@click.pass_context
@library_errors
def summary_cmd(ctx: click.Context, kind: str | None, ref: str | None, query: str | None, articles: str | None,
                sentences: int | None, fmt: str) -> None:
    """A headline and 3-6 sentences from several sources, in time order, each citing article and span.

    No sentence comes from a copy counted twice, and a spin/MT-flagged article gives way to a clean
    source that says the same.

    Example:

    \b
        newsloom summary story 3f2a9c
        newsloom summary --articles fc205b7a,50f7a068 --format markdown
    """
    scope = parse_scope(kind, ref, query, articles)
    with open_loom(ctx) as loom:
        body = summary_query(loom.store, *scope,
                             sentences=sentences or loom.settings.get("timelines.summary_sentences"))
    if fmt == "json":
        emit_json(body)
    else:
        click.echo(render_summary(body, fmt))
