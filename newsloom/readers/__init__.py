"""Readers turn inputs (files, folders, .gz, stdin, and URLs through registered schemes) into Records.

A reader never raises for bad input: it yields a :class:`~newsloom.errors.Rejected` naming the
input (and line) and the reason, and the batch goes on.
"""
from __future__ import annotations

import io
import os
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from ..errors import ConfigError, Rejected
from .decode import open_gzip
from .registry import Item, ReadOptions, ReaderInfo, detect_format, reader, readers

__all__ = ["iter_inputs", "check_inputs", "read_stream", "ReadOptions", "reader", "readers", "detect_format", "Item",
           "ReaderInfo", "input_handler"]

_GZIP_MAGIC = b"\x1f\x8b"
_HANDLERS: list[tuple[Callable[[str], bool], Callable[[str, str | None, ReadOptions], Iterator[Item]]]] = []


def input_handler(matches: Callable[[str], bool]):
    """Register a handler for inputs that are not paths (e.g. ``http://`` URLs)."""

    def deco(fn):
        _HANDLERS.append((matches, fn))
        return fn

    return deco


def read_stream(stream: BinaryIO, name: str, *, format: str | None = None,
                options: ReadOptions | None = None) -> Iterator[Item]:
    """Read one binary stream named ``name``; gzip is unwrapped (size-capped) first."""
    options = options or ReadOptions()
    buffered = stream if isinstance(stream, io.BufferedReader) else io.BufferedReader(stream)  # type: ignore[arg-type]
    head = buffered.peek(8192)[:8192]
    inner_name = name
    if head[:2] == _GZIP_MAGIC and format not in ("warc",):
        if _inflate_head(head).startswith(b"WARC/"):  # record-wise gzip: the WARC reader inflates it itself
            yield from _guarded(detect_format(name, b"WARC/", format), buffered, name, options)
            return
        wrapped = open_gzip(buffered, name, options.max_decompressed_bytes)
        inner_name = name[:-3] if name.lower().endswith(".gz") else name
        try:
            inner_head = wrapped.peek(8192)[:8192]
        except (OSError, EOFError) as exc:
            yield Rejected(name, f"corrupt or truncated gzip file: {exc}", code="E105")
            return
        except Rejected as exc:
            yield exc
            return
        info = detect_format(inner_name, inner_head, format)
        if info.name == "warc":  # WARC readers unwrap record-level gzip themselves
            yield from _guarded(info, buffered, name, options)
            return
        yield from _guarded(info, wrapped, name, options)
        return
    info = detect_format(inner_name, head, format)
    yield from _guarded(info, buffered, name, options)


def _inflate_head(head: bytes) -> bytes:
    """The first bytes a gzip ``head`` inflates to, without consuming the stream."""
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 16)
    except zlib.error:
        return b""


def _guarded(info: ReaderInfo, stream: BinaryIO, name: str, options: ReadOptions) -> Iterator[Item]:
    """Run a reader, turning a late failure (truncated gzip, bomb) into one Rejected for the rest."""
    try:
        yield from info.read(stream, name, options)
    except Rejected as exc:
        yield exc
    except (OSError, EOFError) as exc:
        yield Rejected(name, f"unreadable ({type(exc).__name__}: {exc}); the records before it were kept",
                       code="E105")


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
        handler = next((fn for match, fn in _HANDLERS if match(inp)), None)
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
        if inp != "-" and not any(match(inp) for match, _ in _HANDLERS) and not os.path.lexists(inp):
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
from . import urls  # noqa: E402,F401  (registers the http(s) input handler)
