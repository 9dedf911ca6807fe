"""Plain-text articles: one file is one article.

The title is chosen later by the clean stage (first line that is not boilerplate). A header
line `` date 2021-11-16 <title>`` gives the published date and the title.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

from ..errors import Rejected
from ..model import Record
from .decode import decode_bytes
from .registry import Item, ReadOptions, reader

_HEADER = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2})(?:[ T][\d:]+)?\s+(\S.*)$")


def read_capped(stream: BinaryIO, where: str, options: ReadOptions) -> bytes:
    """Read a whole one-article input, refusing it when it is over the article size limit."""
    data = stream.read(options.max_article_bytes + 1)
    if len(data) > options.max_article_bytes:
        raise Rejected(where, f"larger than {options.max_article_bytes:,} bytes, too large for one article; "
                       "split it, or raise reader.max_article_bytes", code="E106")
    return data


def split_header(text: str) -> tuple[str | None, str | None, str]:
    """Return (published, title, rest) from a `` date YYYY-MM-DD title`` first line, if there is one."""
    first, _, rest = text.lstrip("\ufeff").partition("\n")
    m = _HEADER.match(first)
    if not m:
        return None, None, text
    return m.group(1), m.group(2).strip(), rest


@reader("text", extensions=(".txt", ".text", ".md"), priority=99)
def read_text(stream: BinaryIO, where: str, options: ReadOptions) -> Iterator[Item]:
    try:
        data = read_capped(stream, where, options)
        if not data.strip():
            raise Rejected(where, "empty file", code="E101")
        text = decode_bytes(data, where)
    except Rejected as exc:
        yield exc
        return
    if not text.strip():
        yield Rejected(where, "no text after decoding (only white space)", code="E101")
        return
    published, title, body = split_header(text)
    yield Record(external_id=where, text=body, title=title, published=published, format="text")
