"""HTML pages: main text through trafilatura, metadata from the page itself."""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

from ..errors import Rejected
from ..model import Record
from .decode import decode_bytes
from .registry import Item, ReadOptions, reader
from .text import read_capped

__all__ = ["extract_html", "read_html", "MIN_WORDS", "MAX_ELEMENTS"]

#: a page whose main text has fewer words than this is not an article (navigation, an empty shell)
MIN_WORDS = 5
#: the default of ``reader.max_html_elements``: trafilatura's time grows faster than the page (measured:
#: 20,000 paragraphs 4.2 s, 40,000 12.6 s), so a page with more start tags than this is refused
MAX_ELEMENTS = 50_000
#: above this many start tags trafilatura runs without its fallback extractors (half the time)
FAST_ABOVE = 10_000
_START_TAG = re.compile(r"<[A-Za-z]")


def _sniff(head: bytes) -> bool:
    h = head[:2048].lstrip().lower()
    return h.startswith((b"<!doctype html", b"<html")) or b"<html" in h[:512] or b"<body" in h


def _elements(html: str) -> int:
    """The number of start tags in ``html`` (cheap: an upper bound is tried first)."""
    rough = html.count("<")
    return rough if rough <= FAST_ABOVE else sum(1 for _ in _START_TAG.finditer(html))


def extract_html(html: str, where: str, *, url: str | None = None, max_elements: int = MAX_ELEMENTS) -> Record:
    """Extract the main text and metadata of one page.

    Steps: 0. a page with more than ``max_elements`` start tags is refused (E117); 1. trafilatura with
    metadata (without its fallback extractors above ``FAST_ABOVE`` tags); 2. if it finds no main text,
    trafilatura again favouring recall; 3. nothing found: Rejected.
    """
    import trafilatura

    elements = _elements(html)
    if elements > max_elements:
        raise Rejected(where, f"HTML page with {elements:,} elements, more than reader.max_html_elements "
                       f"({max_elements:,}): extraction time grows faster than the page; raise the limit to try",
                       code="E117")
    # the date must come from the page itself, never from the clock
    date_params = {"original_date": True, "extensive_search": False}
    doc = None
    for kwargs in ({"fast": elements > FAST_ABOVE}, {"favor_recall": True, "fast": elements > FAST_ABOVE}):
        try:
            doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False,
                                              include_tables=False, date_extraction_params=date_params, **kwargs)
        except Exception as exc:  # noqa: BLE001 - malformed markup is the input's fault
            raise Rejected(where, f"malformed HTML that the extractor cannot parse: {exc}", code="E107") from exc
        if doc is not None and len((doc.text or "").split()) >= MIN_WORDS:
            break
    if doc is None or len((doc.text or "").split()) < MIN_WORDS:
        raise Rejected(where, f"no main text found in the HTML page (fewer than {MIN_WORDS} words)", code="E108")
    return Record(
        external_id=where, text=doc.text, title=doc.title or None, url=doc.url or url,
        source=doc.sitename or doc.hostname or None, published=doc.date or None,
        author=doc.author or None, language=doc.language or None, format="html",
    )


@reader("html", extensions=(".html", ".htm", ".xhtml"), sniff=_sniff, priority=40)
def read_html(stream: BinaryIO, where: str, options: ReadOptions) -> Iterator[Item]:
    try:
        data = read_capped(stream, where, options)
        if not data.strip():
            raise Rejected(where, "empty file", code="E101")
        yield extract_html(decode_bytes(data, where), where, max_elements=options.max_html_elements)
    except Rejected as exc:
        yield exc
