"""``show copies ID``: an article's copy group (original, copies, kinds, evidence); the demo's copies section."""
from __future__ import annotations

import json

import click

from ..queries.coverage import distinct_sources
from .common import emit_json, json_option, library_errors, open_loom, print_table
from .demo import demo_sections
from .articles import show


def copy_group(loom, article_id: str) -> dict:
    """The group of one article: its original and every copy of it, with the evidence of each link."""
    art = loom.article(article_id)
    original = art.copy_of or art.id
    ids = [original] + [r[0] for r in loom.store.execute("SELECT id FROM articles WHERE copy_of = ? ORDER BY rowid",
                                                         (original,))]
    group = distinct_sources(loom.store, ids)[0].as_dict()
    evidence = {}
    if "copy_links" in loom.store.tables():
        for r in loom.store.rows("SELECT article_id, matched_id, score, evidence FROM copy_links WHERE original_id = ?",
                                 (original,)):
            evidence[r["article_id"]] = {"matched_id": r["matched_id"], "score": r["score"],
                                         **json.loads(r["evidence"])}
    for c in group["copies"]:
        c["evidence"] = evidence.get(c["id"], {})
    return group


@show.command("copies")
@click.argument("article_id")
@json_option
@click.pass_context
@library_errors
def show_copies(ctx: click.Context, article_id: str, as_json: bool) -> None:
    """The copy group of an article: where its text came from and every copy of it.

    Example:

        newsloom show copies 3f2a9c
    """
    with open_loom(ctx) as loom:
        group = copy_group(loom, article_id)
        if as_json:
            emit_json(group)
            return
        click.echo(click.style(f"original {group['original_id']} ({group['source'] or '-'}, "
                               f"{group['published'] or 'date unknown'}): {group['title']}", bold=True))
        print_table([{"id": c["id"][:12], "kind": c["copy_kind"], "source": c["source"] or "-",
                      "published": c["published"] or "-", "score": c["evidence"].get("score", ""),
                      "evidence": ", ".join(f"{k} {v}" for k, v in c["evidence"].items()
                                            if k in ("containment", "aligned", "anchors", "cosine", "wire_credit")
                                            and v is not None)} for c in group["copies"]],
                    ["id", "kind", "source", "published", "score", "evidence"])
        click.echo(f"outlets: {', '.join(group['outlets']) or 'unknown'}")


def _demo_copies(loom) -> None:
    rows = list(loom.store.rows("SELECT a.id, a.copy_kind, a.copy_of, a.source, o.source AS original_source "
                                "FROM articles a JOIN articles o ON o.id = a.copy_of ORDER BY a.rowid"))
    click.echo()
    click.echo(click.style("copies (an original and its copies count as one source)", bold=True))
    if not rows:
        click.echo("  none")
        return
    print_table([{"copy": r["id"][:12], "kind": r["copy_kind"], "source": r["source"] or "-",
                  "original": r["copy_of"][:12], "original source": r["original_source"] or "-"} for r in rows],
                ["copy", "kind", "source", "original", "original source"])


demo_sections.append(_demo_copies)
