"""Streamed, capped undoing of HTTP content codings (``Content-Encoding: gzip``, ``deflate``, stacked).

httpx inflates each received chunk in one call, so a small chunk of a response coded
``gzip, gzip`` (1.8 KB on the wire) inflates to gigabytes before any size check sees it.
:class:`Inflater` undoes the codings itself, layer by layer, asking each layer for at most
``CHUNK`` bytes at a time, and raises :class:`TooLarge` as soon as the output passes the cap: memory
stays within the cap plus a few chunks whatever the layering.
"""
from __future__ import annotations

import zlib
from collections.abc import Iterator

__all__ = ["Inflater", "TooLarge", "UnsupportedCoding", "codings", "MAX_LAYERS"]

CHUNK = 1 << 16
#: more content codings than this on one response is refused (no server needs three)
MAX_LAYERS = 3


class TooLarge(Exception):
    """The decoded body passed the cap."""


class UnsupportedCoding(Exception):
    """A content coding newsloom does not undo (it only asks for gzip and deflate)."""


def codings(header: str | None) -> list[str]:
    """The content codings of a ``Content-Encoding`` header, in the order they were applied."""
    names = [c.strip().lower() for c in (header or "").split(",")]
    return [c for c in names if c and c != "identity"]


class _Layer:
    def __init__(self, coding: str) -> None:
        if coding in ("gzip", "x-gzip"):
            self.wbits: int | None = 16 + zlib.MAX_WBITS
        elif coding == "deflate":
            self.wbits = None  # zlib-wrapped or raw: decided by the first bytes
        else:
            raise UnsupportedCoding(coding)
        self.d: zlib._Decompress | None = None  # type: ignore[name-defined]
        self.done = False

    def _start(self, data: bytes) -> None:
        wbits = self.wbits
        if wbits is None:  # RFC 9110 deflate is zlib-wrapped; some servers send raw deflate
            zlib_header = len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
            wbits = zlib.MAX_WBITS if zlib_header else -zlib.MAX_WBITS
        self.d = zlib.decompressobj(wbits)

    def feed(self, data: bytes) -> Iterator[bytes]:
        """Decoded pieces of ``data``, each at most CHUNK bytes."""
        while data and not self.done:
            if self.d is None:
                self._start(data)
            assert self.d is not None
            out = self.d.decompress(data, CHUNK)
            data = self.d.unconsumed_tail
            if out:
                yield out
            while not data and len(out) == CHUNK and not self.d.eof:  # output still held inside zlib
                out = self.d.decompress(b"", CHUNK)
                if out:
                    yield out
            if self.d.eof:
                data = self.d.unused_data + data
                self.d = None
                # a gzip body may hold several members; anything else after the end is ignored (as httpx does)
                self.done = self.wbits is None or not data.startswith(b"\x1f\x8b")

    def flush(self) -> Iterator[bytes]:
        if self.d is not None:
            out = self.d.flush()
            if out:
                yield out


class Inflater:
    """Undo ``codings`` (as applied, first to last) chunk by chunk, capping the output at ``limit`` bytes.

    Raises:
        UnsupportedCoding: a coding other than gzip or deflate, or more than MAX_LAYERS of them.
        TooLarge: (from :meth:`feed` and :meth:`flush`) the output passed ``limit``.
        zlib.error: corrupt data.
    """

    def __init__(self, codings: list[str], limit: int) -> None:
        if len(codings) > MAX_LAYERS:
            raise UnsupportedCoding(f"{len(codings)} content codings ({', '.join(codings)})")
        self.layers = [_Layer(c) for c in reversed(codings)]
        self.limit = limit
        self.size = 0

    def _through(self, i: int, data: bytes) -> Iterator[bytes]:
        if i == len(self.layers):
            self.size += len(data)
            if self.size > self.limit:
                raise TooLarge(f"more than {self.limit:,} bytes after decoding")
            yield data
            return
        for piece in self.layers[i].feed(data):
            yield from self._through(i + 1, piece)

    def feed(self, data: bytes) -> Iterator[bytes]:
        """The decoded bytes of the next ``data`` received."""
        yield from self._through(0, data)

    def flush(self) -> Iterator[bytes]:
        """The decoded bytes still held by the layers at the end of the body."""
        for i, layer in enumerate(self.layers):
            for piece in layer.flush():
                yield from self._through(i + 1, piece)
