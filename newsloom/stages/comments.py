"""Reader comments kept in an article's text: where they are, and the date each one states.

Crawled blog pages often keep their comment threads after the article. A comment is not the
article's report: the events stage takes no event from it, and the dates stage resolves its
relative dates ("yesterday", "this week") against the comment's own date, not the article's.

A comment is found by its header, the line a blog prints with each comment:

* ``At 07:26 am on 03 Jun 2009, NAME wrote:`` or ``At 12:15 9th Jun 2009, NAME wrote:``
  (the header opens the comment);
* ``February 1, 2011 at 11:09 am |`` (a date and time closed by a bar, the header that
  WordPress-style threads print beside each comment, often with ``Reply``).

This is a pure function of the text (no model), cheap enough for every article.
"""
from __future__ import annotations

import re
from datetime import date
from typing import NamedTuple

__all__ = ["CommentHeader", "comment_headers", "comments_start"]

_MONTH = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                      "dec"), 1)}
_HEADERS = re.compile(
    r"\bAt\s+\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?\s+(?:on\s+)?(?P<d1>\d{1,2})(?:st|nd|rd|th)?\s+(?P<m1>[A-Z][a-z]{2,8})"
    r"\s+(?P<y1>\d{4}),\s*\S+(?:\s+\S+)?\s+wrote:"
    r"|\b(?P<m2>[A-Z][a-z]{2,8})\.?\s+(?P<d2>\d{1,2}),\s+(?P<y2>\d{4})\s+at\s+\d{1,2}:\d{2}\s*[ap]\.?m\.?\s*\|")


class CommentHeader(NamedTuple):
    """A reader comment's header: its span in the text and the date it states (ISO), or None."""

    start: int
    end: int
    date: str | None


#: how each header form ends ("... wrote:", "... 11:09 am |"): found first, the header then looked for before it
_TAIL = re.compile(r"wrote:|[ap]\.?m\.?\s*\|")
_REACH = 120  # a header is shorter than this


def _maybe(text: str) -> bool:
    return "wrote:" in text or "|" in text


def comment_headers(text: str) -> list[CommentHeader]:
    """The reader-comment headers in ``text``, in order (see the module docstring)."""
    out: list[CommentHeader] = []
    if not _maybe(text):
        return out
    for m in _HEADERS.finditer(text):
        day, month, year = (m.group("d1"), m.group("m1"), m.group("y1")) if m.group("d1") else (
            m.group("d2"), m.group("m2"), m.group("y2"))
        number = _MONTH.get(month[:3].lower())
        try:
            stated = date(int(year), number, int(day)).isoformat() if number else None
        except ValueError:
            stated = None
        out.append(CommentHeader(m.start(), m.end(), stated))
    return out


def comments_start(text: str, headers: list[CommentHeader] | None = None) -> int | None:
    """Where the reader comments begin (the first header), or None when the text has none."""
    if headers is not None:
        return headers[0].start if headers else None
    if not _maybe(text):
        return None
    for tail in _TAIL.finditer(text):  # the first tail that ends a header (ten times faster than a full scan)
        found = _HEADERS.search(text, max(0, tail.start() - _REACH), tail.end())
        if found:
            return found.start()
    return None
