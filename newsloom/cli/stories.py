"""``newsloom stories``, ``show story ID``, ``show thread ID``: printing only, over queries/stories.py."""
from __future__ import annotations

import click

from ..queries import stories as q
from .common import emit_json, json_option, library_errors, open_loom, print_table
from .demo import demo_sections
from .main import cli
from .articles import show


def _row(s: dict) -> dict:
    span = s["first_published"] or "?"
    if s["last_published"] and s["last_published"] != s["first_published"]:
        span += f" .. {s['last_published']}"
    return {"id": s["id"], "articles": s["size"], "originals": s["originals"], "outlets": len(s["sources"]),
            "dates": span,
            "thread": (s["thread_id"] or "-")[:8], "title": s["title"]}


@cli.command()
@click.option("--sort", type=click.Choice(q.SORTS), default="size", show_default=True,
              help="Largest first, or most recent first.")
@click.option("--since", help="With an article published on or after this date (YYYY-MM-DD).")
@click.option("--until", help="With an article published on or before this date (YYYY-MM-DD).")
@click.option("--source", help="With an article from this source.")
@click.option("--entity", help="Mentioning this entity (id or name).")
@click.option("--language", help="With an article in this language (ISO 639-1).")
@click.option("--text", help="With an article matching this full-text query (FTS5 syntax).")
@click.option("--thread", help="Only the stories of this thread.")
@click.option("--limit", default=50, show_default=True, help="How many stories.")
@click.option("--offset", default=0, help="Skip this many first.")
@json_option
@click.pass_context
@library_errors
def stories(ctx: click.Context, sort: str, since: str | None, until: str | None, source: str | None,
            entity: str | None, language: str | None, text: str | None, thread: str | None, limit: int, offset: int,
            as_json: bool) -> None:
    """List stories: the real-world events the stored articles report ("originals" count copies once,
    "outlets" the distinct sources).

    Example:

        newsloom stories --sort recent --since 2021-11-01 --entity "Alexander Lukashenko"
    """
    with open_loom(ctx) as loom:
        rows = loom.stories(sort=sort, since=since, until=until, source=source, entity=entity, language=language,
                            text=text, thread=thread, limit=limit, offset=offset)
        if as_json:
            emit_json(rows)
            return
        print_table([_row(s) for s in rows], ["id", "articles", "originals", "outlets", "dates", "thread", "title"])


@show.command("story")
@click.argument("story_id")
@json_option
@click.pass_context
@library_errors
def show_story(ctx: click.Context, story_id: str, as_json: bool) -> None:
    """One story: its articles, sources (copies counted once), top entities, most-carried quotes, history.

    Example:

        newsloom show story 151dcc05
    """
    with open_loom(ctx) as loom:
        s = loom.story(story_id)
        if as_json:
            emit_json(s)
            return
        click.echo(click.style(s["title"] or "(untitled)", bold=True))
        if not s["id"].startswith(s["requested_id"]):
            click.echo(f"{'merged':>12}: {s['requested_id']} is now {s['id']}")
        for label, value in (("id", s["id"]), ("thread", s["thread_id"]), ("articles", s["size"]),
                             ("originals", f"{s['originals']} (copies counted once)"),
                             ("outlets", f"{len(s['sources'])} ({', '.join(s['sources']) or 'unknown'})"),
                             ("dates", f"{s['first_published'] or '?'} .. {s['last_published'] or '?'}"),
                             ("languages", ", ".join(s["languages"]) or "-")):
            click.echo(f"{label:>12}: {value}")
        click.echo()
        print_table([{"id": a["id"][:12], "published": a["published"] or "-", "source": a["source"] or "-",
                      "how": a["copy_kind"] and f"{a['copy_kind']} copy" or a["reason"], "title": a["title"]}
                     for a in s["article_rows"]], ["id", "published", "source", "how", "title"])
        if s["entities"]:
            click.echo()
            click.echo("entities: " + ", ".join(f"{e['name']} ({e['articles']})" for e in s["entities"]))
        for quote in s["quotes"]:
            click.echo(f"  \u201c{quote['text'][:140]}\u201d \u2014 {quote['speaker'] or '?'} "
                       f"({quote['carriers']} articles)")
        for m in s["merged_from"]:
            click.echo(f"merged in: {m['old_id']} at {m['merged_at']} ({m['reason']})")


@show.command("thread")
@click.argument("thread_id")
@json_option
@click.pass_context
@library_errors
def show_thread(ctx: click.Context, thread_id: str, as_json: bool) -> None:
    """One thread: the stories of a longer narrative, in time order.

    Example:

        newsloom show thread 0a7efb2f
    """
    with open_loom(ctx) as loom:
        t = loom.thread(thread_id)
        if as_json:
            emit_json(t)
            return
        click.echo(click.style(t["title"] or "(untitled)", bold=True))
        click.echo(f"{'id':>12}: {t['id']}")
        click.echo(f"{'articles':>12}: {t['size']} in {len(t['stories'])} stories, "
                   f"{t['first_published'] or '?'} .. {t['last_published'] or '?'}")
        click.echo()
        print_table([_row(s) for s in t["stories"]], ["id", "articles", "originals", "outlets", "dates", "title"])
        if t["merged_from"]:
            click.echo(f"merged in: {len(t['merged_from'])} threads (the last at {t['merged_from'][-1]['merged_at']})")
        for sp in t["splits"]:
            click.echo(f"split off: {sp['new_id']} ({len(sp['stories'])} stories) at {sp['split_at']} ({sp['reason']})"
                       if sp["thread_id"] == t["id"] else
                       f"split from: {sp['thread_id']} at {sp['split_at']} ({sp['reason']})")


def _demo_stories(loom) -> None:
    rows = loom.stories(sort="size", limit=8)
    click.echo()
    click.echo(click.style("stories (articles about one real-world event; originals count copies once)", bold=True))
    if not rows:
        click.echo("  none")
        return
    print_table([{**_row(s), "id": s["id"][:12]} for s in rows],
                ["id", "articles", "originals", "outlets", "dates", "thread", "title"])
    click.echo("  newsloom show story ID, newsloom timeline story ID, newsloom compare story ID; newsloom serve to browse")


demo_sections.insert(0, _demo_stories)
