"""Bytes to text: encoding detection, binary refusal and a guard against decompression bombs.

Encoding steps (:func:`pick_encoding`, on the first megabyte):

1. a byte-order mark (UTF-8, UTF-16 LE/BE) decides;
2. UTF-16 without a BOM is recognised by its zero bytes (every other byte is NUL in mostly-Latin text);
3. NUL or many control bytes otherwise: binary, refused (E102);
4. valid UTF-8 is UTF-8; UTF-8 with a few stray bytes (at least as many valid multi-byte sequences as
   bad bytes: legacy 8-bit text almost never forms one) is still UTF-8, the stray bytes replaced with
   U+FFFD (ingest flags the article);
5. anything else: the encoding charset-normalizer detects, else refused (E103).
"""
from __future__ import annotations

import codecs
import gzip
import io
import re
import zlib
from collections.abc import Iterator
from typing import BinaryIO

from ..errors import Rejected

__all__ = ["decode_bytes", "looks_binary", "pick_encoding", "utf16_without_bom", "text_chunks", "Utf8Recoder",
           "LimitedReader", "open_gzip", "gunzip_bytes"]

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_HEAD = 1 << 20
_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")


def looks_binary(head: bytes) -> bool:
    """True for bytes that are not text in any encoding: NUL bytes or many control characters."""
    if not head:
        return False
    if any(head.startswith(bom) for bom, _ in _BOMS[1:]) or utf16_without_bom(head):
        return False
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls / len(head) > 0.05


def utf16_without_bom(head: bytes) -> str | None:
    """``"utf-16-le"`` or ``"utf-16-be"`` when ``head`` reads as UTF-16 text without a byte-order mark."""
    sample = head[:8192]
    if len(sample) < 8:
        return None
    even, odd = sample[0::2], sample[1::2]
    zeros_even, zeros_odd = even.count(0) / len(even), odd.count(0) / len(odd)
    if zeros_odd >= 0.6 and zeros_even <= 0.05:
        return "utf-16-le"
    if zeros_even >= 0.6 and zeros_odd <= 0.05:
        return "utf-16-be"
    return None


def _stray_bytes(data: bytes) -> bool:
    """True when ``data`` is UTF-8 apart from a few bad bytes (no more than its valid multi-byte sequences)."""
    bad = data.decode("utf-8", "replace").count("\ufffd") - data.count(b"\xef\xbf\xbd")
    return 0 < bad <= len(_MULTIBYTE.findall(data))


def pick_encoding(head: bytes, where: str, *, complete: bool = True) -> str:
    """The encoding of a text whose first bytes are ``head`` (steps in the module docstring).

    Args:
        head: the text's first bytes (up to a megabyte is enough).
        where: names the input in errors.
        complete: ``head`` is the whole text (else a multi-byte sequence cut at its end is not an error).

    Raises:
        Rejected: binary content (E102), an undetectable encoding or UTF-16 that does not decode (E103).
    """
    for bom, enc in _BOMS:
        if head.startswith(bom):
            return enc
    utf16 = utf16_without_bom(head)
    if utf16:
        sample = head[:8192].decode(utf16, "replace")
        bad = sum(1 for ch in sample if ch == "\ufffd" or (ord(ch) < 32 and ch not in "\t\n\r\f"))
        if bad > len(sample) * 0.05:
            raise Rejected(where, f"looks like UTF-16 ({utf16[-2:].upper()}) without a byte-order mark, but does not "
                           "decode as UTF-16; re-encode the file as UTF-8", code="E103")
        return utf16
    if looks_binary(head[:8192]):
        raise Rejected(where, "binary content (NUL or control bytes), not text", code="E102")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=complete)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    if _stray_bytes(head):
        return "utf-8"
    from charset_normalizer import from_bytes

    best = from_bytes(head[:_HEAD]).best()
    if best is None or best.encoding is None:
        raise Rejected(where, "cannot detect the text encoding; re-encode the file as UTF-8", code="E103")
    return best.encoding


def decode_bytes(data: bytes, where: str) -> str:
    """Decode text (encoding by :func:`pick_encoding`); bytes the encoding cannot read become U+FFFD.

    Raises:
        Rejected: binary content, or bytes no detected encoding decodes.
    """
    encoding = pick_encoding(data[:_HEAD], where, complete=len(data) <= _HEAD)
    try:
        return data.decode(encoding, errors="replace")
    except LookupError as exc:  # pragma: no cover - detection names codecs Python has
        raise Rejected(where, f"undecodable bytes (detected {encoding}): {exc}", code="E103") from exc


def text_chunks(stream: BinaryIO, where: str, *, chunk: int = 1 << 16) -> Iterator[str]:
    """The text of a binary stream, decoded piece by piece (encoding picked on its first megabyte).

    Raises:
        Rejected: as :func:`pick_encoding`.
    """
    head = stream.read(_HEAD)
    encoding = pick_encoding(head, where, complete=len(head) < _HEAD)
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    yield decoder.decode(head)
    while block := stream.read(chunk):
        yield decoder.decode(block)
    yield decoder.decode(b"", final=True)


class Utf8Recoder(io.RawIOBase):
    """A binary stream of UTF-8 bytes re-encoded from ``inner`` in ``encoding`` (a BOM is dropped)."""

    def __init__(self, inner: BinaryIO, encoding: str) -> None:
        self.inner = inner
        self.decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        self.pending = b""
        self.first = True
        self.done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:  # type: ignore[override]
        while not self.pending and not self.done:
            block = self.inner.read(1 << 16)
            text = self.decoder.decode(block, final=not block)
            self.done = not block
            if self.first and text:
                text, self.first = text.lstrip("\ufeff"), False
            self.pending = text.encode("utf-8")
        n = min(len(buf), len(self.pending))
        buf[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        return n


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
