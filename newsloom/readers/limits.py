"""What every record passes before it becomes an article: safe strings, a size cap, a cap on listed rejects.

* :func:`safe_text` turns what SQLite cannot store (lone UTF-16 surrogates, from a JSON ``"\\udc80"``
  escape or a file name that is not UTF-8) into U+FFFD;
* :func:`check_record` refuses a record whose fields together pass ``reader.max_article_bytes`` (E106),
  whatever reader made it (a JSONL row, a CSV row, a feed item: title and id included);
* :func:`cap_rejects` lists the first ``reader.max_rejects_per_input`` rejects of one input in full and
  counts the rest in one :class:`RejectSummary` (E118), so a flood of bad lines cannot grow the database
  without bound.
"""
from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterator

from ..errors import Rejected
from ..model import Record

__all__ = ["safe_text", "safe_name", "safe_record", "check_record", "cap_rejects", "RejectSummary"]

_SURROGATE = re.compile("[\ud800-\udfff]")
_TEXT_FIELDS = ("external_id", "text", "html", "title", "url", "source", "published", "language", "author", "fetched")


def safe_text(value: str | None) -> str | None:
    """``value`` with lone surrogates (which no UTF-8 store accepts) replaced by U+FFFD."""
    if value is None or not _SURROGATE.search(value):
        return value
    return _SURROGATE.sub("\ufffd", value)


def safe_name(path: str | os.PathLike) -> str:
    """A path as printable text: bytes of a file name that are not UTF-8 become U+FFFD."""
    return os.fsencode(path).decode("utf-8", "replace")


def safe_record(record: Record) -> Record:
    """Replace lone surrogates in every text field of ``record`` (in place); returns it."""
    for name in _TEXT_FIELDS:
        value = getattr(record, name)
        if isinstance(value, str):
            setattr(record, name, safe_text(value))
    if isinstance(record.extra.get("input"), str):
        record.extra["input"] = safe_text(record.extra["input"])
    return record


def check_record(record: Record, where: str, max_bytes: int) -> None:
    """Refuse a record whose text fields together hold more than ``max_bytes`` bytes of UTF-8.

    Raises:
        Rejected: E106, naming the largest field.
    """
    chars = {name: len(value) for name in _TEXT_FIELDS if isinstance(value := getattr(record, name), str)}
    if sum(chars.values()) * 4 <= max_bytes:  # no character takes more than 4 bytes
        return
    sizes = {name: len(getattr(record, name).encode("utf-8", "surrogatepass")) for name in chars}
    total = sum(sizes.values())
    if total > max_bytes:
        largest = max(sizes, key=sizes.__getitem__)
        raise Rejected(where, f"record holds {total:,} bytes ({largest} {sizes[largest]:,}), more than "
                       f"reader.max_article_bytes ({max_bytes:,}); split it, or raise the limit", code="E106")


class RejectSummary(Rejected):
    """Stands for ``count`` rejected records of one input that are counted but not listed one by one."""

    def __init__(self, where: str, count: int, codes: Counter[str], listed: int) -> None:
        self.count = count
        detail = ", ".join(f"{code} x{n:,}" for code, n in codes.most_common())
        super().__init__(where, f"{count:,} more records rejected ({detail}), not listed one by one: the first "
                         f"{listed:,} rejects of this input are (reader.max_rejects_per_input)", code="E118")


def cap_rejects(items: Iterator[Record | Rejected], where: str, limit: int) -> Iterator[Record | Rejected]:
    """Pass ``items`` on, but after ``limit`` rejects count further ones into one closing RejectSummary."""
    shown = 0
    more: Counter[str] = Counter()
    for item in items:
        if isinstance(item, Rejected):
            if shown >= limit:
                more[item.code] += getattr(item, "count", 1)
                continue
            shown += 1
        yield item
    if more:
        yield RejectSummary(where, sum(more.values()), more, limit)
