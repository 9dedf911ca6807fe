"""Bytes to text: encoding detection, binary refusal and a guard against decompression bombs."""
from __future__ import annotations

import codecs
import gzip
import io
import zlib
from typing import BinaryIO

from ..errors import Rejected

__all__ = ["decode_bytes", "looks_binary", "LimitedReader", "open_gzip", "gunzip_bytes"]

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def looks_binary(head: bytes) -> bool:
    """True for bytes that are not text in any encoding: NUL bytes or many control characters."""
    if not head:
        return False
    if any(head.startswith(bom) for bom, _ in _BOMS[1:]):
        return False
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls / len(head) > 0.05


def decode_bytes(data: bytes, where: str) -> str:
    """Decode text: BOM, then UTF-8, then detected encoding; refuse what cannot be decoded.

    Raises:
        Rejected: binary content, or bytes no detected encoding decodes.
    """
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data.decode(enc, errors="replace")
    if looks_binary(data[:8192]):
        raise Rejected(where, "binary content (NUL or control bytes), not text", code="E102")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[:1_000_000]).best()
    if best is None or best.encoding is None:
        raise Rejected(where, "cannot detect the text encoding; re-encode the file as UTF-8", code="E103")
    try:
        return data.decode(best.encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise Rejected(where, f"undecodable bytes (detected {best.encoding}): {exc}", code="E103") from exc


class LimitedReader(io.RawIOBase):
    """A read-only stream that raises Rejected once more than ``limit`` bytes come out of ``inner``."""

    def __init__(self, inner: BinaryIO, limit: int, where: str) -> None:
        self.inner, self.limit, self.where, self.count = inner, limit, where, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:  # type: ignore[override]
        chunk = self.inner.read(len(buf))
        self.count += len(chunk)
        if self.count > self.limit:
            raise Rejected(self.where, f"decompresses to more than {self.limit:,} bytes (decompression bomb?); "
                           "raise reader.max_decompressed_bytes if it is genuine", code="E104")
        buf[: len(chunk)] = chunk
        return len(chunk)


def open_gzip(raw: BinaryIO, where: str, limit: int) -> io.BufferedReader:
    """A gzip stream whose decompressed size is capped at ``limit`` bytes."""
    return io.BufferedReader(LimitedReader(gzip.GzipFile(fileobj=raw), limit, where), buffer_size=1 << 16)


def gunzip_bytes(data: bytes, where: str, limit: int) -> bytes:
    """Decompress gzip ``data`` in memory, refusing output over ``limit`` or a truncated stream."""
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = d.decompress(data, limit + 1)
    except zlib.error as exc:
        raise Rejected(where, f"corrupt gzip data: {exc}", code="E105") from exc
    if len(out) > limit:
        raise Rejected(where, f"decompresses to more than {limit:,} bytes (decompression bomb?)", code="E104")
    if not d.eof:
        raise Rejected(where, "truncated gzip data", code="E105")
    return out
