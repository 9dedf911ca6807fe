"""Readers turn inputs (files, folders, .gz, stdin, and URLs through registered schemes) into Records.

A reader never raises for bad input: it yields a :class:`~newsloom.errors.Rejected` naming the
input (and line) and the reason, and the batch goes on. A reader that fails in an unexpected way is
contained too: its input gets one Rejected (E116) saying the rest of it was not read, and the next
input is read. Inside a folder, what is not a regular file (a FIFO, a socket, a device) is skipped with
E115 rather than read forever, and a sub-folder that cannot be listed is a Rejected (E114).
"""
from __future__ import annotations

import io
import logging
import os
import stat
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from ..errors import ConfigError, Rejected
from .decode import Utf8Recoder, open_gzip, pick_encoding, utf16_without_bom
from .limits import cap_rejects, safe_name
from .registry import Item, ReadOptions, ReaderInfo, detect_format, reader, readers

__all__ = ["iter_inputs", "check_inputs", "read_stream", "ReadOptions", "reader", "readers", "detect_format", "Item",
           "unexpected",
           "ReaderInfo", "input_handler"]

log = logging.getLogger(__name__)

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
        yield from _read_text_or_utf16(wrapped, inner_head, inner_name, name, format, options)
        return
    yield from _read_text_or_utf16(buffered, head, inner_name, name, format, options)


def _read_text_or_utf16(stream: io.BufferedReader, head: bytes, inner_name: str, name: str, format: str | None,
                        options: ReadOptions) -> Iterator[Item]:
    """Detect the format and read; UTF-16 (with or without a BOM) is re-encoded as UTF-8 first."""
    utf16 = "utf-16" if head[:2] in (b"\xff\xfe", b"\xfe\xff") else utf16_without_bom(head)
    if utf16 and format != "warc":
        try:
            pick_encoding(head, name, complete=False)  # refuses zero-patterned bytes that are no UTF-16 text
        except Rejected as exc:
            yield exc
            return
        stream = io.BufferedReader(Utf8Recoder(stream, utf16), buffer_size=1 << 16)
        head = stream.peek(8192)[:8192]
    yield from _guarded(detect_format(inner_name, head, format), stream, name, options)


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
    except Exception as exc:  # noqa: BLE001 - one input's surprise must not stop the others
        yield unexpected(name, f"the {info.name} reader", exc)


def unexpected(where: str, what: str, exc: BaseException) -> Rejected:
    """The Rejected for an unexpected failure of ``what`` on input ``where`` (logged with its traceback)."""
    log.warning("%s failed on %s", what, where, exc_info=exc)
    detail = " ".join(str(exc).split())[:200]
    return Rejected(where, f"{what} failed unexpectedly ({type(exc).__name__}: {detail}); the rest of this input "
                    "was not read (the records before it were kept)", code="E116")


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
        handler = next((fn for match, fn in _HANDLERS if match(inp)), None)
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
        if inp != "-" and not any(match(inp) for match, _ in _HANDLERS) and not os.path.lexists(inp):
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
from . import urls  # noqa: E402,F401  (registers the http(s) input handler)
