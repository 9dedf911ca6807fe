"""Reading one binary stream: gzip unwrapped (size-capped), UTF-16 re-encoded as UTF-8, the format detected,
the reader run guarded (a failure nobody foresaw is one Rejected, E116, for the rest of the stream)."""
from __future__ import annotations

import io
import logging
import zlib
from collections.abc import Iterator
from typing import BinaryIO

from ..errors import Rejected
from .decode import Utf8Recoder, open_gzip, pick_encoding, utf16_without_bom
from .registry import Item, ReadOptions, ReaderInfo, detect_format

__all__ = ["read_stream", "unexpected"]

log = logging.getLogger(__name__)

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
