"""``newsloom watch``."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import click

from ..engine.watch import SourceRound, Watcher, forget_sources, watch_status
from .common import EXIT_OK, EXIT_REJECTED, emit_json, library_errors, open_loom, print_table
from .main import cli


@cli.command()
@click.argument("sources", nargs=-1)
@click.option("--interval", type=float, help="Seconds between rounds [default: the setting watch.interval].")
@click.option("--once", is_flag=True, help="Poll every source once and exit.")
@click.option("--max-rounds", type=click.IntRange(min=1), help="Stop after this many rounds.")
@click.option("--fetch", is_flag=True, help="Fetch the linked pages of summary-only feed items and sitemap pages.")
@click.option("--status", "show_status", is_flag=True, help="List the stored sources and exit.")
@click.option("--forget", is_flag=True, help="Stop watching SOURCES: drop them and their seen items, then exit.")
@click.option("--json", "as_json", is_flag=True, help="One JSON line per round instead of text.")
@click.pass_context
@library_errors
def watch(ctx: click.Context, sources: tuple[str, ...], interval: float | None, once: bool,
          max_rounds: int | None, fetch: bool, show_status: bool, forget: bool, as_json: bool) -> None:
    """Poll feeds, URLs, files and folders and ingest new items as they appear.

    The sources and the items already ingested are kept in the database: with no SOURCES the
    stored ones are resumed, and nothing is ingested twice across restarts. Ctrl-C (SIGINT) or
    SIGTERM stops after the item in hand (a fetch in flight is cancelled). A source failing the same
    way round after round is quarantined for a while (watch.quarantine_after, --status shows it).
    Exit codes: with --once, 1 when a source failed or an item was rejected; 2 when the watch
    itself failed (a bad option or setting, the database cannot be written).

    Example:

        newsloom watch https://example.org/feed.xml inbox/ --interval 600

        newsloom watch --once          # one more round over the stored sources

        newsloom watch --forget inbox/ # stop watching a source
    """
    loom = open_loom(ctx)
    failed = False
    with loom:
        if show_status:
            data = watch_status(loom.store)
            if as_json:
                emit_json(data)
            else:
                print_table(data, ["kind", "rounds", "items", "seen", "last_polled", "quarantined_until", "last_error",
                                   "source"])
            return
        if forget:
            if not sources:
                raise click.UsageError("--forget needs the SOURCES to forget")
            click.echo(f"forgot {forget_sources(loom.store, sources)} of {len(sources)} source(s)")
            return
        watcher = Watcher(loom, list(sources), fetch=fetch)
        every = float(interval if interval is not None else loom.settings.get("watch.interval"))

        def on_round(n: int, results: list[SourceRound]) -> None:
            nonlocal failed
            failed = any(r.error or r.rejected for r in results)
            stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
            if as_json:
                click.echo(json.dumps({"round": n, "at": stamp, "sources": [r.as_dict() for r in results]}))
                return
            stored = sum(r.stored for r in results)
            click.echo(f"round {n} at {stamp}: {stored} stored from {len(results)} source(s)")
            for r in results:
                line = f"  {r.kind or '?':>8} {r.source}: new {r.new}, stored {r.stored}, " \
                       f"duplicate {r.duplicate}, rejected {r.rejected}"
                click.echo(line + (f"  ERROR {r.error}" if r.error else ""))
                for where, reason in r.rejects[:20]:
                    click.echo(f"    rejected {where}: {reason}", err=True)

        rounds = watcher.run(interval=every, max_rounds=1 if once else max_rounds, on_round=on_round)
        if watcher.stopping.is_set() and not as_json:
            click.echo(f"stopped after {rounds} round(s)", err=True)
    ctx.exit(EXIT_REJECTED if once and failed else EXIT_OK)
