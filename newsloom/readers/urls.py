"""``http://`` and ``https://`` inputs: a feed URL gives its items, a page URL gives one article.

The URL is fetched politely (:mod:`newsloom.readers.fetch`: robots.txt, rate limit, size cap, retries,
conditional GET). What came back decides the reader: a feed or sitemap (by content, whatever the
Content-Type says) goes to :mod:`newsloom.readers.feeds`, HTML to the page extractor, anything
else (JSONL, CSV, a WARC, gzip) to the reader its content or ``--format`` picks. Every Record
carries the final URL and the fetch time (``fetched``).
"""
from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from ..errors import Rejected
from ..model import Record
from .feeds import feed_items, fetcher_for, looks_like_feed
from .fetch import FetchError
from .html import _sniff as looks_like_html
from .html import extract_html
from .registry import Item, ReadOptions, input_handler
from .stream import read_stream

__all__ = ["is_url", "read_url", "response_items"]

_HTML_TYPES = ("text/html", "application/xhtml+xml")


def is_url(inp: str) -> bool:
    """True for the inputs this handler takes: ``http://`` and ``https://`` URLs."""
    return inp[:8].lower().startswith(("http://", "https://"))


@input_handler(is_url)
def read_url(url: str, format: str | None, options: ReadOptions) -> Iterator[Item]:
    """Fetch one URL and yield its Records (or one Rejected saying why it could not be fetched)."""
    fetcher, close = fetcher_for(options)
    try:
        try:
            resp = fetcher.get(url)
        except FetchError as exc:
            yield Rejected(url, exc.reason, code=exc.code)
            return
        yield from response_items(resp, url, format, options, fetcher)
    finally:
        if close:
            fetcher.close()


def response_items(resp: Any, where: str, format: str | None, options: ReadOptions, fetcher: Any) -> Iterator[Item]:
    """The Records of one fetched response (see the module docstring for how the reader is chosen)."""
    body: bytes = resp.content
    if not body.strip():
        yield Rejected(where, f"empty response (HTTP {resp.status})", code="E101")
        return
    ctype = (resp.content_type or "").split(";", 1)[0].strip().lower()
    head = body[:16384]
    if format == "feed" or (format is None and looks_like_feed(head)):
        yield from feed_items(body, where, options, fetcher=fetcher, fetched=resp.fetched, base_url=resp.url)
        return
    if format == "html" or (format is None and (ctype in _HTML_TYPES or looks_like_html(head))):
        try:
            record = extract_html(resp.text(), where, url=resp.url, max_elements=options.max_html_elements)
        except Rejected as exc:
            yield exc
            return
        record.url = record.url or resp.url
        record.fetched = resp.fetched
        yield record
        return
    for item in read_stream(io.BytesIO(body), _name_for(resp.url), format=format, options=options):
        if isinstance(item, Record):
            item.fetched = item.fetched or resp.fetched
            item.extra.setdefault("input", where)
        elif isinstance(item, Rejected) and not item.where.startswith(("http://", "https://")):
            item = Rejected(where + item.where[len(_name_for(resp.url)):], item.reason, code=item.code)
        yield item


def _name_for(url: str) -> str:
    """The URL without query and fragment, so that readers pick a format by its extension."""
    return url.split("#", 1)[0].split("?", 1)[0]
