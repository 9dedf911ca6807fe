"""Published dates from metadata strings, normalised to ISO ``YYYY-MM-DD``.

Only absolute dates are accepted: nothing here reads the clock, so a relative string
("yesterday", "2 hours ago") gives None rather than a date made up from today.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from email.utils import parsedate_to_datetime

__all__ = ["parse_published"]

_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%d %B %Y", "%d %b %Y", "%B %d, %Y", "%b %d, %Y", "%B %d %Y",
            "%d.%m.%Y", "%Y.%m.%d", "%A, %B %d, %Y", "%a, %d %b %Y")
_LEADING_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


def _valid(y: int, m: int, d: int) -> str | None:
    try:
        return date(y, m, d).isoformat() if 1800 <= y <= 2200 else None
    except ValueError:
        return None


def parse_published(value: object) -> str | None:
    """Return the date of an absolute date/datetime value as ``YYYY-MM-DD``, else None.

    Accepts ISO 8601 (with or without time and zone), RFC 2822 (RSS ``pubDate``), Unix
    timestamps (numbers) and a few written forms ("16 November 2021", "Nov 16, 2021").
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        ts = float(value) / (1000 if value > 1e11 else 1)
        try:
            return datetime.utcfromtimestamp(ts).date().isoformat()
        except (OverflowError, OSError, ValueError):
            return None
    s = str(value).strip()
    m = _LEADING_ISO.match(s)
    if m:
        return _valid(int(m[1]), int(m[2]), int(m[3]))
    try:
        return parsedate_to_datetime(s).date().isoformat()
    except (TypeError, ValueError, IndexError):
        pass
    cleaned = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", s)
    for fmt in _FORMATS:
        try:
            return datetime.strptime(cleaned, fmt).date().isoformat()
        except ValueError:
            continue
    return None
