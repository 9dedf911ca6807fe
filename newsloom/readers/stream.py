"""Reading one binary stream: gzip unwrapped (size-capped), the format detected, the reader run guarded."""
from __future__ import annotations

import io
import zlib
from collections.abc import Iterator
from typing import BinaryIO

from ..errors import Rejected
from .decode import open_gzip
from .registry import Item, ReadOptions, ReaderInfo, detect_format

__all__ = ["read_stream"]

_GZIP_MAGIC = b"\x1f\x8b"


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
