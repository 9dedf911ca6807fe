"""Readers turn inputs (files, folders, .gz, stdin, and URLs through registered schemes) into Records.

A reader never raises for bad input: it yields a :class:`~newsloom.errors.Rejected` naming the
input (and line) and the reason, and the batch goes on. A reader that fails in an unexpected way is
contained too: its input gets one Rejected (E116) saying the rest of it was not read, and the next
input is read. Inside a folder, what is not a regular file (a FIFO, a socket, a device) is skipped with
E115 rather than read forever, and a sub-folder that cannot be listed is a Rejected (E114).
"""
from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..errors import ConfigError, Rejected
from .limits import cap_rejects, safe_name
from .registry import Item, ReadOptions, ReaderInfo, detect_format, input_handler, input_handlers, reader, readers
from .stream import read_stream, unexpected

__all__ = ["iter_inputs", "check_inputs", "read_stream", "ReadOptions", "reader", "readers", "detect_format", "Item",
           "ReaderInfo", "input_handler", "input_handlers", "unexpected"]


def _walk(folder: Path, problems: list[Rejected] | None = None) -> Iterator[Path]:
    """Files under ``folder`` in name order, hidden ones skipped; folders that cannot be listed go to ``problems``."""

    def onerror(exc: OSError) -> None:
        where = safe_name(exc.filename or folder)
        if problems is not None:
            problems.append(Rejected(where, f"cannot read the folder: {exc.strerror or exc}", code="E114"))

    for root, dirs, files in os.walk(folder, onerror=onerror):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for f in sorted(files):
            if not f.startswith("."):
                yield Path(root) / f


def not_regular(path: Path) -> Rejected | None:
    """A Rejected when ``path`` is not a regular file (reading a FIFO or a device would never end)."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        return Rejected(safe_name(path), f"cannot open: {exc.strerror or exc}", code="E114")
    if stat.S_ISREG(mode):
        return None
    kind = "a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else \
        "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file"
    return Rejected(safe_name(path), f"skipped: {kind}, not a regular file", code="E115")


def iter_inputs(inputs: Iterable[str], *, format: str | None = None,
                options: ReadOptions | None = None) -> Iterator[Item]:
    """Every Record (or Rejected) from paths, folders (recursively), ``-`` (stdin) and handled URLs."""
    options = options or ReadOptions()
    for inp in inputs:
        inp = str(inp)
        name = safe_name(inp)
        handler = next((fn for match, fn in input_handlers() if match(inp)), None)
        if handler is not None:
            yield from cap_rejects(_contained(handler(inp, format, options), name, "fetching"), name,
                                   options.max_rejects_per_input)
            continue
        if inp == "-":
            yield from cap_rejects(read_stream(sys.stdin.buffer, "<stdin>", format=format, options=options),
                                   "<stdin>", options.max_rejects_per_input)
            continue
        path = Path(inp)
        if path.is_dir():
            problems: list[Rejected] = []
            found = False
            for f in _walk(path, problems):
                yield from problems
                problems.clear()
                found = True
                skip = not_regular(f)
                yield from [skip] if skip else _read_file(f, format, options)
            yield from problems
            if not found:
                yield Rejected(name, "folder holds no files", code="E113")
        elif path.exists():
            yield from _read_file(path, format, options)
        else:
            yield Rejected(name, "no such file or folder", code="E114")


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
    name = safe_name(path)
    try:
        fh = path.open("rb")
    except OSError as exc:
        yield Rejected(name, f"cannot open: {exc.strerror or exc}", code="E114")
        return
    with fh:
        if stat.S_ISREG(os.fstat(fh.fileno()).st_mode) and os.fstat(fh.fileno()).st_size == 0:
            yield Rejected(name, "empty file", code="E101")
            return
        yield from cap_rejects(read_stream(fh, name, format=format, options=options), name,
                               options.max_rejects_per_input)


def _contained(items: Iterator[Item], where: str, what: str) -> Iterator[Item]:
    """``items``, with an unexpected failure turned into one Rejected (E116) for the rest."""
    try:
        yield from items
    except Rejected as exc:
        yield exc
    except Exception as exc:  # noqa: BLE001 - one input's surprise must not stop the others
        yield unexpected(where, what, exc)
