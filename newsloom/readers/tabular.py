"""JSONL, JSON and CSV files with the field names news datasets use."""
from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator, Mapping
from typing import Any, BinaryIO

from ..errors import Rejected
from ..model import Record
from .decode import decode_bytes
from .published import parse_published
from .registry import Item, ReadOptions, reader

__all__ = ["record_from_mapping", "FIELDS"]

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


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, Mapping):  # e.g. NewsAPI's {"id": ..., "name": ...}
        value = value.get("name") or value.get("id")
    if isinstance(value, (list, tuple)):
        value = ", ".join(str(v) for v in value if v)
    text = str(value).strip()
    return text or None


def record_from_mapping(row: Mapping[str, Any], where: str, fmt: str) -> Record:
    """Map one dataset row to a Record.

    Raises:
        Rejected: the row has neither text nor html.
    """
    text, html = _as_text(_pick(row, FIELDS["text"])), _as_text(_pick(row, FIELDS["html"]))
    if not text and not html:
        raise Rejected(where, f"no text in any of the fields {', '.join(FIELDS['text'] + FIELDS['html'])}",
                       code="E109")
    rid = _as_text(_pick(row, FIELDS["id"]))
    raw_date = _pick(row, FIELDS["published"])
    return Record(
        external_id=rid or where, text=text, html=html, title=_as_text(_pick(row, FIELDS["title"])),
        url=_as_text(_pick(row, FIELDS["url"])), source=_as_text(_pick(row, FIELDS["source"])),
        published=parse_published(raw_date), language=_as_text(_pick(row, FIELDS["language"])),
        author=_as_text(_pick(row, FIELDS["author"])), format=fmt, extra={"input": where},
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


def _sniff_jsonl(head: bytes) -> bool:
    first = head.lstrip().split(b"\n", 1)[0].strip()
    return first.startswith(b"{") and (first.endswith(b"}") or len(first) > 1000)


@reader("jsonl", extensions=(".jsonl", ".ndjson", ".jsonlines"), sniff=_sniff_jsonl, priority=20)
def read_jsonl(stream: BinaryIO, where: str, options: ReadOptions) -> Iterator[Item]:
    def rows() -> Iterator[tuple[str, Any]]:
        for lineno, raw in enumerate(stream, 1):
            loc = f"{where}:{lineno}"
            if not raw.strip():
                continue
            try:
                line = decode_bytes(raw, loc)
                yield loc, json.loads(line)
            except Rejected as exc:
                yield loc, exc
            except json.JSONDecodeError as exc:
                yield loc, Rejected(loc, f"invalid JSON: {exc.msg} (column {exc.colno})", code="E111")

    yield from _rows_to_items(rows(), "jsonl")


@reader("json", extensions=(".json",), sniff=lambda h: h.lstrip().startswith(b"["), priority=30)
def read_json(stream: BinaryIO, where: str, options: ReadOptions) -> Iterator[Item]:
    try:
        data = json.loads(decode_bytes(stream.read(), where))
    except Rejected as exc:
        yield exc
        return
    except json.JSONDecodeError as exc:
        yield Rejected(where, f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})", code="E111")
        return
    items = data if isinstance(data, list) else data.get("articles", [data]) if isinstance(data, dict) else None
    if items is None:
        yield Rejected(where, "expected a JSON array of objects", code="E110")
        return
    yield from _rows_to_items(((f"{where}[{i}]", row) for i, row in enumerate(items)), "json")


def _sniff_csv(head: bytes) -> bool:
    first = head.split(b"\n", 1)[0].decode("utf-8", "ignore").lower()
    names = [c.strip().strip('"') for c in first.split(",")]
    return len(names) > 1 and any(n in FIELDS["text"] + FIELDS["html"] for n in names)


def _parse_csv(text: str, where: str) -> Iterator[tuple[str, Any]]:
    """Rows of a CSV text; a row with broken quoting is rejected and parsing resumes on the next line."""
    lines = text.splitlines(keepends=True)
    if not lines:
        return
    header = next(csv.reader([lines[0]]))
    i = 1
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        rd = csv.reader((lines[j] for j in range(i, len(lines))), strict=True)
        loc = f"{where}:{i + 1}"
        try:
            row = next(rd)
            consumed = rd.line_num
        except csv.Error as exc:
            yield loc, Rejected(loc, f"broken CSV quoting: {exc}", code="E112")
            i += 1
            continue
        if len(row) != len(header):
            yield loc, Rejected(loc, f"row has {len(row)} fields but the header has {len(header)} "
                                "(broken quoting?)", code="E112")
            i += 1
            continue
        yield loc, dict(zip(header, row))
        i += consumed


@reader("csv", extensions=(".csv",), sniff=_sniff_csv, priority=60)
def read_csv(stream: BinaryIO, where: str, options: ReadOptions) -> Iterator[Item]:
    try:
        text = decode_bytes(stream.read(), where)
    except Rejected as exc:
        yield exc
        return
    yield from _rows_to_items(_parse_csv(text, where), "csv")
