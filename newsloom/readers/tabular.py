"""JSONL, JSON and CSV files with the field names news datasets use."""
from __future__ import annotations

import csv
import itertools
import json
import re
import sys
from collections.abc import Iterator, Mapping
from typing import Any, BinaryIO

from ..errors import Rejected
from ..model import Record
from .decode import decode_bytes, text_chunks
from .published import parse_published
from .registry import Item, ReadOptions, reader

__all__ = ["record_from_mapping", "FIELDS", "json_array", "text_lines"]

FIELDS: dict[str, tuple[str, ...]] = {
    "id": ("id", "article_id", "uid", "guid", "doc_id", "_id"),
    "title": ("title", "headline"),
    "text": ("text", "body", "content", "article", "maintext", "full_text", "description"),
    "html": ("html", "raw_html"),
    "url": ("url", "link", "canonical_url", "source_url"),
    "source": ("source", "outlet", "domain", "site", "sitename", "site_name", "publisher", "source_name"),
    "published": ("date", "published", "published_at", "pubDate", "pubdate", "publish_date", "date_publish",
                  "publication_date", "datetime", "dct"),
    "language": ("language", "lang"),
    "author": ("author", "authors", "byline"),
}

csv.field_size_limit(sys.maxsize // 2 if sys.maxsize < 2**63 else 2**31 - 1)


def _pick(row: Mapping[str, Any], names: tuple[str, ...]) -> Any:
    lowered = {str(k).lower(): v for k, v in row.items()}
    for name in names:
        value = row.get(name, lowered.get(name.lower()))
        if value not in (None, ""):
            return value
    return None


def _as_text(value: Any, field: str, where: str) -> str | None:
    """A field's value as text: strings and numbers as they are, lists joined; an object or a boolean is refused.

    Raises:
        Rejected: E110 when the value is a JSON object (without a name), a boolean or a nested structure.
    """
    if value is None:
        return None
    if isinstance(value, Mapping) and field in ("source", "author"):  # e.g. NewsAPI's {"id": ..., "name": ...}
        value = value.get("name") or value.get("id")
        if value is None:
            raise Rejected(where, f"field {field!r} holds a JSON object without a name or id, not text",
                           code="E110")
    if isinstance(value, (list, tuple)) and field in ("author", "source"):
        parts = [_as_text(v, field, where) for v in value]
        value = ", ".join(p for p in parts if p)
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        kind = "a boolean" if isinstance(value, bool) else \
            "a JSON object" if isinstance(value, Mapping) else "a list" if isinstance(value, (list, tuple)) else \
            type(value).__name__
        raise Rejected(where, f"field {field!r} holds {kind}, not text", code="E110")
    text = str(value).strip()
    return text or None


def record_from_mapping(row: Mapping[str, Any], where: str, fmt: str) -> Record:
    """Map one dataset row to a Record.

    Raises:
        Rejected: the row has neither text nor html (E109), or a field holds an object or boolean (E110).
    """
    def get(name: str) -> str | None:
        return _as_text(_pick(row, FIELDS[name]), name, where)

    text, html = get("text"), get("html")
    if not text and not html:
        raise Rejected(where, f"no text in any of the fields {', '.join(FIELDS['text'] + FIELDS['html'])}",
                       code="E109")
    raw_date = _pick(row, FIELDS["published"])
    return Record(
        external_id=get("id") or where, text=text, html=html, title=get("title"), url=get("url"),
        source=get("source"), published=parse_published(raw_date), language=get("language"),
        author=get("author"), format=fmt, extra={"input": where},
    )


def _rows_to_items(rows: Iterator[tuple[str, Any]], fmt: str) -> Iterator[Item]:
    for where, row in rows:
        if isinstance(row, Rejected):
            yield row
            continue
        if not isinstance(row, Mapping):
            yield Rejected(where, f"expected an object, got {type(row).__name__}", code="E110")
            continue
        try:
            yield record_from_mapping(row, where, fmt)
        except Rejected as exc:
            yield exc
        except (RecursionError, ValueError, TypeError) as exc:  # e.g. a value nested too deep to turn into text
            yield Rejected(where, f"unreadable row ({type(exc).__name__}: {str(exc)[:120]})", code="E110")


def _loads(text: str, where: str) -> Any:
    """``json.loads``, with too-deep nesting and invalid JSON as Rejected (E111)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise Rejected(where, f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
                       code="E111") from None
    except RecursionError:
        raise Rejected(where, "JSON nested too deeply to read", code="E111") from None


def _too_long(where: str, limit: int, what: str = "line") -> Rejected:
    return Rejected(where, f"{what} longer than reader.max_article_bytes ({limit:,} bytes), too large for one "
                    "article; skipped", code="E106")


def _sniff_jsonl(head: bytes) -> bool:
    first = head.lstrip().split(b"\n", 1)[0].strip()
    return first.startswith(b"{") and (first.endswith(b"}") or len(first) > 1000)


@reader("jsonl", extensions=(".jsonl", ".ndjson", ".jsonlines"), sniff=_sniff_jsonl, priority=20)
def read_jsonl(stream: BinaryIO, where: str, options: ReadOptions) -> Iterator[Item]:
    """One record per line, read line by line: a line over ``max_article_bytes`` is skipped, never held whole."""
    limit = options.max_article_bytes

    def rows() -> Iterator[tuple[str, Any]]:
        lineno = 0
        while raw := stream.readline(limit + 1):
            lineno += 1
            loc = f"{where}:{lineno}"
            if len(raw) > limit and not raw.endswith(b"\n"):
                while (rest := stream.readline(1 << 20)) and not rest.endswith(b"\n"):
                    pass
                yield loc, _too_long(loc, limit)
                continue
            if not raw.strip():
                continue
            try:
                yield loc, _loads(decode_bytes(raw, loc), loc)
            except Rejected as exc:
                yield loc, exc

    yield from _rows_to_items(rows(), "jsonl")


@reader("json", extensions=(".json",), sniff=lambda h: h.lstrip().startswith(b"["), priority=30)
def read_json(stream: BinaryIO, where: str, options: ReadOptions) -> Iterator[Item]:
    """A JSON array (read element by element), ``{"articles": [...]}`` or one object (read whole, capped)."""
    try:
        chunks = text_chunks(stream, where)
        first = ""
        for first in chunks:
            if first.strip():
                break
    except Rejected as exc:
        yield exc
        return
    if first.lstrip().startswith("["):
        yield from _rows_to_items(json_array(chunks, first, where, options.max_article_bytes), "json")
        return
    cap = options.max_article_bytes * 10
    parts, size = [first], len(first)
    for part in chunks:
        parts.append(part)
        size += len(part)
        if size > cap:
            yield Rejected(where, f"a JSON document that is not an array, larger than {cap:,} characters (an array "
                           "is read element by element; an object is read whole)", code="E106")
            return
    try:
        data = _loads("".join(parts), where)
    except Rejected as exc:
        yield exc
        return
    items = data.get("articles", [data]) if isinstance(data, dict) else None
    if not isinstance(items, list):
        yield Rejected(where, "expected a JSON array of objects", code="E110")
        return
    yield from _rows_to_items(((f"{where}[{i}]", row) for i, row in enumerate(items)), "json")


_JSON_NEXT = re.compile(r"[^\s,]")
_JSON_TOKEN = re.compile(r'["\[\]{}]')
_JSON_IN_STRING = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*', re.S)
_JSON_SCALAR_END = re.compile(r"[\s,\]]")


def json_array(chunks: Iterator[str], buf: str, where: str, limit: int) -> Iterator[tuple[str, Any]]:
    """The elements of a JSON array read from text ``chunks`` (``buf`` holds the first), one at a time.

    Each element's extent is found by a scan that counts brackets outside strings (no recursion), so an
    element nested too deep or invalid is rejected on its own and the next one is read; an element over
    ``limit`` characters is skipped without being held whole.
    """
    pos = buf.index("[") + 1
    index = 0

    def more() -> bool:
        nonlocal buf
        nxt = next(chunks, None)
        if nxt is None:
            return False
        buf += nxt
        return True

    while True:
        if pos > 65536 and pos > len(buf) // 2:
            buf, pos = buf[pos:], 0
        m = _JSON_NEXT.search(buf, pos)
        if m is None:
            pos = len(buf)
            if more():
                continue
            yield where, Rejected(where, f"the JSON array is not closed (truncated file?); its {index} elements "
                                  "were read", code="E111")
            return
        pos = m.start()
        if buf[pos] == "]":
            return
        loc = f"{where}[{index}]"
        index += 1
        start = pos
        scalar, in_str = buf[start] not in '"[{', buf[start] == '"'
        i, depth, dropped = start + in_str, 0, 0
        while True:  # scan to the end of the element
            if scalar:
                t = _JSON_SCALAR_END.search(buf, i)
                if t:
                    end = t.start()
                    break
                i = len(buf)
            elif in_str:
                j = _JSON_IN_STRING.match(buf, i).end()  # type: ignore[union-attr]
                if j < len(buf) and buf[j] == '"':  # the closing quote
                    i, in_str = j + 1, False
                    if depth == 0:
                        end = i
                        break
                    continue
                i = j  # the end of the text, or a backslash the next chunk completes
            else:
                t = _JSON_TOKEN.search(buf, i)
                if t:
                    i = t.end()
                    if t.group() == '"':
                        in_str = True
                        continue
                    depth += 1 if t.group() in "[{" else -1
                    if depth == 0:
                        end = i
                        break
                    continue
                i = len(buf)
            if dropped + i - start > limit:  # too large to read: keep scanning, let the text go
                dropped += i - start
                buf, start, i = buf[i:], 0, 0
            if not more():
                if scalar:
                    end = len(buf)
                    break
                yield loc, Rejected(loc, "the JSON array ends inside this element (truncated file?)", code="E111")
                return
        pos = end
        if dropped or end - start > limit:
            yield loc, _too_long(loc, limit, "array element")
            continue
        try:
            yield loc, _loads(buf[start:end], loc)
        except Rejected as exc:
            yield loc, exc


def _sniff_csv(head: bytes) -> bool:
    first = head.split(b"\n", 1)[0].decode("utf-8", "ignore").lower()
    names = [c.strip().strip('"') for c in first.split(",")]
    return len(names) > 1 and any(n in FIELDS["text"] + FIELDS["html"] for n in names)


def text_lines(chunks: Iterator[str], limit: int) -> Iterator[str | None]:
    """Lines split on ``\\n`` only (a form feed or U+2028 inside a field is text, not a line end), each
    with its line end; a line over ``limit`` characters is None (its text is let go as it is read)."""
    part, long = "", False
    for chunk in chunks:
        pieces = chunk.split("\n")
        for piece in pieces[:-1]:
            if long or len(part) + len(piece) > limit:
                yield None
            else:
                yield part + piece + "\n"
            part, long = "", False
        part += pieces[-1]
        if len(part) > limit:
            part, long = "", True
    if part or long:
        yield None if long else part


def _parse_csv(lines: Iterator[str | None], where: str, limit: int) -> Iterator[tuple[str, Any]]:
    """Rows of a CSV text; a row with broken quoting is rejected and parsing resumes on the next line."""
    header_line = next(lines, _END)
    if header_line is _END:
        return
    if header_line is None:
        yield where, _too_long(f"{where}:1", limit, "header line")
        return
    header = next(csv.reader([header_line]))
    pending: list[str | None] = []  # lines read ahead, not yet used by a row
    lineno = 1  # the line number of pending[0], less one

    def feed() -> Iterator[str]:
        size = 0
        for j in itertools.count():
            if j == len(pending):
                nxt = next(lines, _END)
                if nxt is _END:
                    return
                pending.append(nxt)
            line = pending[j]
            size += len(line) if line is not None else limit + 1
            if line is None or size > limit:
                raise _RowTooLong(j)
            yield line

    while True:
        if not pending:
            nxt = next(lines, _END)
            if nxt is _END:
                return
            pending.append(nxt)
        loc = f"{where}:{lineno + 1}"
        if pending[0] is not None and not pending[0].strip():
            del pending[0]
            lineno += 1
            continue
        rd = csv.reader(feed(), strict=True)
        try:
            row = next(rd)
            consumed = rd.line_num
        except _RowTooLong as exc:
            skipped = exc.lines + 1
            yield loc, _too_long(loc, limit, "row" if skipped == 1 else f"row (with {skipped} lines)")
            del pending[:skipped]
            lineno += skipped
            continue
        except (csv.Error, StopIteration) as exc:
            yield loc, Rejected(loc, f"broken CSV quoting: {exc or 'unexpected end of data'}", code="E112")
            del pending[0]
            lineno += 1
            continue
        del pending[:consumed]
        lineno += consumed
        if len(row) != len(header):
            yield loc, Rejected(loc, f"row has {len(row)} fields but the header has {len(header)} "
                                "(broken quoting?)", code="E112")
            continue
        yield loc, dict(zip(header, row))


_END = object()


class _RowTooLong(Exception):
    def __init__(self, lines: int) -> None:
        self.lines = lines


@reader("csv", extensions=(".csv",), sniff=_sniff_csv, priority=60)
def read_csv(stream: BinaryIO, where: str, options: ReadOptions) -> Iterator[Item]:
    """CSV rows, read as a stream of lines: quoted fields may hold line breaks, form feeds and U+2028."""
    try:
        chunks = text_chunks(stream, where)
        first = next(chunks, "")
        if "\r" in first and "\n" not in first:  # old Mac line ends
            chunks = (c.replace("\r", "\n") for c in itertools.chain([first], chunks))
        else:
            chunks = itertools.chain([first], chunks)
        lines = text_lines(chunks, options.max_article_bytes)
        yield from _rows_to_items(_parse_csv(lines, where, options.max_article_bytes), "csv")
    except Rejected as exc:
        yield exc
