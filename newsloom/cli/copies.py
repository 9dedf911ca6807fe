"""``show copies ID``: an article's copy group (original, copies, kinds, evidence); the demo's copies section."""
from __future__ import annotations

import click

from ..queries.copies import copy_pairs
from .articles import show
from .common import emit_json, json_option, library_errors, open_loom, print_table
from .demo import demo_sections


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
        group = loom.copies(article_id)
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
    rows = copy_pairs(loom.store)
    click.echo()
    click.echo(click.style("copies (an original and its copies count as one source)", bold=True))
    if not rows:
        click.echo("  none")
        return
    print_table([{"copy": r["id"][:12], "kind": r["copy_kind"], "source": r["source"] or "-",
                  "original": r["copy_of"][:12], "original source": r["original_source"] or "-"} for r in rows],
                ["copy", "kind", "source", "original", "original source"])


demo_sections.append(_demo_copies)
