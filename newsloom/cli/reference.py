"""Generate docs/cli-reference.md from the commands' ``--help``: ``python -m newsloom.cli.reference``.

Internal helper, not a stable API. tests/test_docs.py checks the file is up to date.
"""
from __future__ import annotations

import sys
from collections.abc import Iterator

import click
from click.testing import CliRunner

from .main import cli


def walk(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    for name in sorted(group.commands):
        cmd = group.commands[name]
        yield path + (name,), cmd
        if isinstance(cmd, click.Group):
            yield from walk(cmd, path + (name,))


def help_text(path: tuple[str, ...]) -> str:
    result = CliRunner().invoke(cli, [*path, "--help"], prog_name="newsloom", terminal_width=100)
    return result.output.rstrip() + "\n"


def render() -> str:
    out = ["# CLI reference\n", "Generated from `--help` by `python -m newsloom.cli.reference > docs/cli-reference.md`;"
           " a test checks it is current.\n", "```", help_text(()).rstrip(), "```\n"]
    for path, _ in walk(cli):
        out += [f"## newsloom {' '.join(path)}\n", "```", help_text(path).rstrip(), "```\n"]
    return "\n".join(out)


if __name__ == "__main__":
    sys.stdout.write(render())
