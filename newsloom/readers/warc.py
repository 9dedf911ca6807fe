"""WARC and WARC.gz archives (as Common Crawl's news crawl ships them): HTML responses become articles.

Steps for one archive:

1. record-wise gzip is inflated here, member by member, so that every member's output is capped
   (``reader.max_decompressed_bytes``: a record that inflates beyond it is a decompression bomb,
   refused with E104, and the archive is not read further) and a file cut inside a member is
   noticed (warcio itself reads a cut member as a short record without a word);
2. warcio parses the records; ``response`` records with a 2xx HTML answer and ``resource``
   records of HTML become Records with their target URL, the WARC-Date as ``fetched`` and the
   WARC-Record-ID as external id. Every other record (requests, metadata, redirects, images,
   revisits) is skipped and counted by kind: the counts are logged and left in
   ``options.extra["skipped"][archive]``. A response record without ``WARC-Target-URI`` (which
   warcio itself cannot parse) is one Rejected (E158) and the archive goes on;
3. a record that ends early (truncated file) is not used; one Rejected names the archive and the
   byte offset of the cut (E157) after the records before it were yielded. Bytes that are no WARC
   record give E158, again after the records before them.
"""
from __future__ import annotations

import bisect
import io
import logging
import zlib
from collections import Counter
from collections.abc import Iterator
from typing import Any, BinaryIO

from ..errors import MissingDependency, Rejected
from .decode import decode_bytes
from .html import extract_html
from .registry import Item, ReadOptions, reader

__all__ = ["read_warc", "MemberReader"]

log = logging.getLogger(__name__)

_GZIP_MAGIC = b"\x1f\x8b"
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_CHUNK = 1 << 16


class MemberReader(io.RawIOBase):
    """The decompressed bytes of a multi-member gzip stream, each member capped at ``cap`` bytes.

    ``truncated_at`` is set (to the compressed offset of the member) when the input ends inside a
    member; ``starts`` maps decompressed offsets to the compressed offset of their member.
    """

    def __init__(self, raw: BinaryIO, where: str, cap: int) -> None:
        self.raw, self.where, self.cap = raw, where, cap
        self.consumed = 0  # compressed bytes fed to zlib so far
        self.produced = 0  # decompressed bytes handed out so far
        self.member_start = 0
        self.member_out = 0
        self.truncated_at: int | None = None
        self.starts: list[tuple[int, int]] = []  # (decompressed offset, compressed offset) per member
        self._d: Any = None
        self._pending = b""
        self._done = False

    def readable(self) -> bool:
        return True

    def compressed_offset(self, decompressed: int) -> int:
        """The compressed offset of the member holding decompressed byte ``decompressed``."""
        i = bisect.bisect_right(self.starts, (decompressed, float("inf"))) - 1
        return self.starts[i][1] if i >= 0 else 0

    def _more(self) -> bool:
        if not self._pending:
            self._pending = self.raw.read(_CHUNK)
        return bool(self._pending)

    def readinto(self, buf: Any) -> int:  # type: ignore[override]
        while not self._done:
            if self._d is None:
                if not self._more():
                    self._done = True
                    break
                if not self._pending.startswith(_GZIP_MAGIC[: len(self._pending)]):
                    if not self._pending.strip(b"\x00\r\n \t") and not self.raw.read(1):
                        self._done = True  # padding at the end
                        break
                    raise Rejected(self.where, f"bytes at offset {self.consumed} are not a gzip member "
                                   "(corrupt archive); the records before it were kept", code="E158")
                self._d = zlib.decompressobj(16 + zlib.MAX_WBITS)
                self.member_start, self.member_out = self.consumed, 0
                self.starts.append((self.produced, self.consumed))
            if not self._more():
                self.truncated_at = self.member_start
                self._done = True
                break
            data = self._pending
            try:
                out = self._d.decompress(data, len(buf))
            except zlib.error as exc:
                raise Rejected(self.where, f"corrupt gzip member at offset {self.member_start}: {exc}; the records "
                               "before it were kept", code="E158") from exc
            rest = self._d.unused_data if self._d.eof else self._d.unconsumed_tail
            self.consumed += len(data) - len(rest)
            self._pending = rest
            if self._d.eof:
                self._d = None
            self.member_out += len(out)
            if self.member_out > self.cap:
                raise Rejected(self.where, f"the gzip member at offset {self.member_start} inflates to more than "
                               f"{self.cap:,} bytes (decompression bomb?); the rest of the archive is not read. "
                               "Raise reader.max_decompressed_bytes if it is genuine", code="E104")
            if out:
                buf[: len(out)] = out
                self.produced += len(out)
                return len(out)
        return 0


class _Counting(io.RawIOBase):
    """An uncompressed stream that counts what it hands out (offsets for messages)."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw, self.produced, self.truncated_at = raw, 0, None

    def readable(self) -> bool:
        return True

    def readinto(self, buf: Any) -> int:  # type: ignore[override]
        data = self.raw.read(len(buf))
        buf[: len(data)] = data
        self.produced += len(data)
        return len(data)

    def compressed_offset(self, decompressed: int) -> int:
        return decompressed


def _sniff(head: bytes) -> bool:
    return head.startswith(b"WARC/")


def _is_html(ctype: str | None) -> bool:
    return bool(ctype) and ctype.split(";", 1)[0].strip().lower() in _HTML_TYPES


def _charset(ctype: str | None) -> str | None:
    for part in (ctype or "").split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'")
    return None


def _skip_reason(rec: Any) -> str | None:
    """Why a record is not an article (None: it is an HTML page)."""
    if rec.rec_type == "resource":
        return None if _is_html(rec.rec_headers.get_header("Content-Type")) else "non-HTML resource"
    if rec.rec_type != "response":
        return rec.rec_type or "unknown"
    if rec.http_headers is None:
        return "non-HTTP response"
    status = rec.http_headers.get_statuscode() or ""
    if not status.startswith("2"):
        return f"HTTP {status[:1] or '?'}xx response"
    if not _is_html(rec.http_headers.get_header("Content-Type")):
        return "non-HTML response"
    return None


def _decode(data: bytes, ctype: str | None, where: str) -> str:
    charset = _charset(ctype)
    if charset:
        try:
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_bytes(data, where)


@reader("warc", extensions=(".warc", ".warc.gz"), sniff=_sniff, priority=10)
def read_warc(stream: BinaryIO, where: str, options: ReadOptions) -> Iterator[Item]:
    """Every HTML page of a WARC or record-wise gzipped WARC archive."""
    try:
        from warcio.archiveiterator import ArchiveIterator
        from warcio.exceptions import ArchiveLoadFailed
        from warcio.limitreader import LimitReader
    except ImportError as exc:  # pragma: no cover - the feeds extra is missing
        raise MissingDependency("warcio (WARC archives)", "pip install 'newsloom[feeds]'") from exc

    peek = getattr(stream, "peek", None)
    head = peek(2)[:2] if peek else b""
    if not peek:
        stream = io.BufferedReader(stream)  # type: ignore[arg-type]
        head = stream.peek(2)[:2]
    source: MemberReader | _Counting
    source = MemberReader(stream, where, options.max_decompressed_bytes) if head == _GZIP_MAGIC else _Counting(stream)
    body = io.BufferedReader(source, buffer_size=_CHUNK)
    stats: Counter[str] = Counter()
    options.extra.setdefault("skipped", {})[where] = stats
    cut: int | None = None
    last_end = 0
    try:
        it = ArchiveIterator(body)
        _tolerate_missing_uri(it.loader)
        for rec in it:
            if rec.rec_type == "response" and rec.rec_headers.get_header("WARC-Target-URI") is None:
                offset = source.compressed_offset(it.get_record_offset())  # drains the record
                last_end = it.get_record_offset() + it.get_record_length()
                yield Rejected(f"{where}@{offset}", "a response record without WARC-Target-URI (the URL it "
                               "answers); skipped", code="E158")
                continue
            reason = _skip_reason(rec)
            data = b""
            if reason is None:
                data = rec.content_stream().read(options.max_article_bytes + 1)
            offset = source.compressed_offset(it.get_record_offset())  # drains the record
            raw = rec.raw_stream
            if isinstance(raw, LimitReader) and raw.limit > 0:
                cut = offset  # the archive ends inside this record
                break
            if rec.rec_type is None or rec.rec_headers.get_header("Content-Length") is None:
                if not body.peek(1):
                    cut = offset  # headers cut short at the end of the file
                    break
                yield Rejected(where, f"a record without WARC-Type or Content-Length at offset {offset} (corrupt "
                               "archive); the records before it were kept", code="E158")
                return
            last_end = it.get_record_offset() + it.get_record_length()
            loc = f"{where}@{offset}"
            if reason is not None:
                stats[reason] += 1
                continue
            if len(data) > options.max_article_bytes:
                stats["too large"] += 1
                yield Rejected(loc, f"HTML record larger than {options.max_article_bytes:,} bytes", code="E106")
                continue
            url = rec.rec_headers.get_header("WARC-Target-URI")
            ctype = rec.http_headers.get_header("Content-Type") if rec.http_headers else \
                rec.rec_headers.get_header("Content-Type")
            try:
                record = extract_html(_decode(data, ctype, loc), loc, url=url, max_elements=options.max_html_elements)
            except Rejected as exc:
                stats["no main text"] += 1
                yield exc
                continue
            stats["html"] += 1
            record.url = record.url or url
            record.external_id = rec.rec_headers.get_header("WARC-Record-ID") or url or loc
            record.fetched = rec.rec_headers.get_header("WARC-Date")
            record.format = "warc"
            record.extra = {"input": loc, "warc_target_uri": url}
            yield record
    except ArchiveLoadFailed as exc:
        if body.peek(1):
            offset = source.compressed_offset(last_end)
            first = " ".join(str(exc).split())[:200]
            yield Rejected(where, f"not a WARC record near offset {offset}: {first}; the records before it were kept",
                           code="E158")
            return
        cut = source.compressed_offset(last_end)  # a record header cut short at the end of the file
    except Rejected as exc:
        yield exc
        return
    finally:
        _log_stats(where, stats)
    if cut is None and isinstance(source, MemberReader) and source.truncated_at is not None:
        cut = source.truncated_at
    elif cut is None and isinstance(source, _Counting) and source.produced > last_end + 4:
        cut = last_end  # an uncompressed archive cut inside the headers of its last record
    if cut is not None:
        yield Rejected(where, f"truncated: the archive ends inside the record at byte offset {cut}; the "
                       f"{stats['html']} articles before it were kept", code="E157")


def _tolerate_missing_uri(loader: Any) -> None:
    """Let warcio parse a record without WARC-Target-URI (it calls ``None.startswith`` otherwise)."""
    parse = loader.load_http_headers

    def load_http_headers(rec_type: str, uri: str | None, stream: Any, length: int) -> Any:
        return parse(rec_type, "" if uri is None else uri, stream, length)

    loader.load_http_headers = load_http_headers


def _log_stats(where: str, stats: Counter[str]) -> None:
    skipped = {k: v for k, v in stats.items() if k != "html"}
    if skipped:
        detail = ", ".join(f"{k} {v}" for k, v in sorted(skipped.items()))
        log.info("%s: %d HTML pages read; skipped %d records (%s)", where, stats["html"], sum(skipped.values()), detail)
