"""Readers turn inputs (files, folders, .gz, stdin, and URLs through registered schemes) into Records.

A reader never raises for bad input: it yields a :class:`~newsloom.errors.Rejected` naming the
input (and line) and the reason, and the batch goes on.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..errors import ConfigError, Rejected
from .registry import Item, ReadOptions, ReaderInfo, detect_format, input_handler, input_handlers, reader, readers
from .stream import read_stream

__all__ = ["iter_inputs", "check_inputs", "read_stream", "ReadOptions", "reader", "readers", "detect_format", "Item",
           "ReaderInfo", "input_handler", "input_handlers"]

def _walk(folder: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for f in sorted(files):
            if not f.startswith("."):
                yield Path(root) / f


def iter_inputs(inputs: Iterable[str], *, format: str | None = None,
                options: ReadOptions | None = None) -> Iterator[Item]:
    """Every Record (or Rejected) from paths, folders (recursively), ``-`` (stdin) and handled URLs."""
    options = options or ReadOptions()
    for inp in inputs:
        inp = str(inp)
        handler = next((fn for match, fn in input_handlers() if match(inp)), None)
        if handler is not None:
            yield from handler(inp, format, options)
            continue
        if inp == "-":
            yield from read_stream(sys.stdin.buffer, "<stdin>", format=format, options=options)
            continue
        path = Path(inp)
        if path.is_dir():
            files = list(_walk(path))
            if not files:
                yield Rejected(inp, "folder holds no files", code="E113")
            for f in files:
                yield from _read_file(f, format, options)
        elif path.exists():
            yield from _read_file(path, format, options)
        else:
            yield Rejected(inp, "no such file or folder", code="E114")


def check_inputs(inputs: Iterable[str], *, format: str | None = None) -> None:
    """Refuse, before any model loads, an input path that does not exist or an unknown ``format``.

    Raises:
        Rejected: naming the first missing path (code E114).
        ConfigError: an unknown format (E208).
    """
    if format is not None and format not in readers():
        raise ConfigError(f"unknown format {format!r}; known formats: {', '.join(sorted(readers()))}", code="E208")
    for inp in map(str, inputs):
        if inp != "-" and not any(match(inp) for match, _ in input_handlers()) and not os.path.lexists(inp):
            raise Rejected(inp, "no such file or folder; nothing was ingested (check the path)", code="E114")


def _read_file(path: Path, format: str | None, options: ReadOptions) -> Iterator[Item]:
    try:
        fh = path.open("rb")
    except OSError as exc:
        yield Rejected(str(path), f"cannot open: {exc.strerror or exc}", code="E114")
        return
    with fh:
        if path.stat().st_size == 0:
            yield Rejected(str(path), "empty file", code="E101")
            return
        yield from read_stream(fh, str(path), format=format, options=options)
