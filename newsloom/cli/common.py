"""Shared pieces of the CLI: opening the Loom, output options, error translation, exit codes.

Exit codes (every command):

* ``0`` (EXIT_OK): done; every input record was stored or found already stored;
* ``1`` (EXIT_REJECTED): the run finished, but some inputs were rejected (``newsloom ingest``,
  ``newsloom watch --once``): they are listed, and recorded in ``newsloom export rejects``;
* ``2`` (EXIT_FAILED): the run itself failed: a bad option or setting, the database could not be
  written (full disk, locked, read-only), an error at the boundary, or a bug. One line says why.
"""
from __future__ import annotations

import functools
import json
import logging
import shutil
import sys
from collections.abc import Callable, Sequence
from typing import Any

import click

from ..errors import NewsloomError
from ..loom import Loom
from ..settings import Settings

EXIT_OK, EXIT_REJECTED, EXIT_FAILED = 0, 1, 2
#: ``--limit`` and ``--offset`` values SQLite can take
COUNT = click.IntRange(0, 1_000_000_000)


class Failed(click.ClickException):
    """The run itself failed: one line on stderr, exit code 2 (1 is kept for "some inputs rejected")."""

    exit_code = EXIT_FAILED


def load_settings(ctx: click.Context) -> Settings:
    """The settings in force: defaults < --config (or NEWSLOOM_CONFIG) < NEWSLOOM_* < -s (checked)."""
    obj = ctx.find_root().obj or {}
    try:
        return Settings.load(obj.get("config"), overrides=obj.get("settings") or {})
    except NewsloomError as exc:
        raise Failed(str(exc)) from exc


def open_loom(ctx: click.Context) -> Loom:
    obj = ctx.find_root().obj or {}
    settings = load_settings(ctx)
    try:
        return Loom(obj.get("db", "newsloom.db"), settings=settings)
    except NewsloomError as exc:
        raise Failed(str(exc)) from exc


def library_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn any error into one line on stderr and exit code 2 (no traceback; ``-vv`` logs it)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except NewsloomError as exc:
            raise Failed(str(exc)) from exc
        except OSError as exc:
            raise Failed(f"{exc.filename or 'I/O'}: {exc.strerror or exc}") from exc
        except Exception as exc:  # noqa: BLE001 - the boundary: a user sees one line, never a traceback
            logging.getLogger("newsloom").debug("unexpected error", exc_info=True)
            raise Failed(f"unexpected {type(exc).__name__}: {exc} (a bug: run with -vv for the traceback, and "
                         "please report it)") from exc

    return wrapper


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _cell(value: Any, width: int) -> str:
    text = "" if value is None else " ".join(str(value).split())
    return text if len(text) <= width else text[: max(1, width - 1)] + "\u2026"


def print_table(rows: Sequence[dict[str, Any]], columns: Sequence[str], *, widths: dict[str, int] | None = None) -> None:
    """A plain text table that fits the terminal; the last column takes the room left."""
    if not rows:
        click.echo("(none)")
        return
    total = shutil.get_terminal_size((120, 24)).columns if sys.stdout.isatty() else 160
    widths = dict(widths or {})
    for col in columns[:-1]:
        widths.setdefault(col, min(40, max(len(col), *(len(_cell(r.get(col), 200)) for r in rows))))
    used = sum(widths[c] + 2 for c in columns[:-1])
    widths.setdefault(columns[-1], max(20, total - used))
    click.echo("  ".join(c.ljust(widths[c]) for c in columns).rstrip())
    click.echo("  ".join("-" * widths[c] for c in columns).rstrip())
    for r in rows:
        click.echo("  ".join(_cell(r.get(c), widths[c]).ljust(widths[c]) for c in columns).rstrip())
