"""The dates stage: temporal expressions resolved against the article's own date, never the clock.

Puts ``article.annotations["dates"]``, a list sorted by start of::

    {"start": int, "end": int, "text": str, "value": "YYYY[-MM[-DD]]" | None,
     "precision": "day"|"week"|"month"|"year"|None, "anchor": "published"|"absolute"|"text:YYYY-MM-DD"|None}

The expressions are spaCy's DATE entities. Each is resolved by a cascade:

1. weekdays ("Tuesday", "on Monday", "last Friday"): the latest such day on or before the anchor
   (news reports the past; the publication day itself counts), the next one after it when the
   sentence says "will" or "next".
2. everything else goes to dateparser (English only, ``RELATIVE_BASE`` = the anchor,
   ``PREFER_DATES_FROM = "past"``); its period gives the precision.
3. a list of days of one month ("October 6, 8, and 9", also when spaCy's entity stops at "October 6,
   8") gives one expression per day: "October 6", "8" and "9", each resolved as that day of the month.

The anchor is the published date. An article with no date has none, so only expressions that
state their own year resolve ("since 1994", "in 2020"); the rest stay ``None`` unless the text
states a full date, which then becomes the anchor (``"text:YYYY-MM-DD"``). Expressions relative to
the narrative ("six months later", "the day before") are not resolved.
"""
from __future__ import annotations

import bisect
import importlib.util
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from ..errors import MissingDependency
from ..model import Article, DateExpression
from ..nlp import doc_text
from ..pipeline import stage
from ..settings import stage_settings

__all__ = ["Dates", "resolve_expression", "extract_dates", "format_value"]

_WEEKDAYS = {d: i for i, d in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                                          "sunday"))}
_WEEKDAY_RE = re.compile(r"^(?:(last|next|this|past|on|early|late)\s+)?(monday|tuesday|wednesday|thursday|friday"
                         r"|saturday|sunday)(?:\s+(?:morning|afternoon|evening|night))?$", re.I)
_YEAR_RE = re.compile(r"\b(1[5-9]\d\d|20\d\d|21\d\d)\b")
_LEAD_RE = re.compile(r"^(?:(?:the|on|in|since|by|until|till|from|during|as of|at|of|earlier|early|late|mid|"
                      r"end of|the end of|beginning of|the beginning of|start of|the start of|the middle of|"
                      r"middle of)\s+|mid-)+", re.I)
_NARRATIVE = re.compile(r"\b(later|earlier than|before|after|previous|following|prior|ago\s+that)\b", re.I)
_DAY_LIST_RE = re.compile(r"^([A-Za-z]+\.?)\s+(\d{1,2})(?:st|nd|rd|th)?(?:(?:\s*(?:,|and|&|-|\u2013|to))+\s*\d{1,2}"
                          r"(?:st|nd|rd|th)?)+(?:,?\s+(\d{4}))?$")
#: a list of days of one month ("October 6, 8, and 9", "May 3 and 5, 2020"); a range ("6-9") is not a list
_DAY_ENUM = re.compile(r"(?P<month>[A-Za-z]+)\.?\s+(?P<first>\d{1,2})(?:st|nd|rd|th)?\b"
                       r"(?P<rest>(?:\s*,\s*(?:and\s+|&\s*)?\d{1,2}(?:st|nd|rd|th)?\b"
                       r"|\s+(?:and|&)\s+\d{1,2}(?:st|nd|rd|th)?\b)+)"
                       r"(?:,?\s+(?P<year>\d{4})\b)?")
_ENUM_DAY = re.compile(r"\d{1,2}")
_FUTURE_RE = re.compile(r"\b(will|'ll|\u2019ll|shall|is due|are due|plans? to|next)\b", re.I)


def format_value(day: date, precision: str) -> str:
    """ISO text of a date at a precision: YYYY, YYYY-MM or YYYY-MM-DD (a week gives its Monday)."""
    if precision == "year":
        return f"{day.year:04d}"
    if precision == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if precision == "week":
        return (day - timedelta(days=day.weekday())).isoformat()
    return day.isoformat()


_PARSERS: dict[date, Any] = {}


def _parser_for(base: date) -> Any:
    """A DateDataParser whose RELATIVE_BASE is ``base`` (kept per base: building one costs more than parsing)."""
    parser = _PARSERS.get(base)
    if parser is None:
        from dateparser.date import DateDataParser

        if len(_PARSERS) >= 512:
            _PARSERS.clear()
        parser = _PARSERS[base] = DateDataParser(languages=["en"], settings={
            "RELATIVE_BASE": datetime(base.year, base.month, base.day), "PREFER_DATES_FROM": "past",
            "RETURN_AS_TIMEZONE_AWARE": False})
    return parser


@lru_cache(maxsize=20_000)
def _dateparser(text: str, base: date) -> tuple[str, str] | None:
    """dateparser on one cleaned expression, relative to ``base``; (value, precision) or None."""
    try:
        data = _parser_for(base).get_date_data(text)
    except Exception:  # noqa: BLE001 - dateparser raises assorted errors on odd strings
        return None
    if data is None or data.date_obj is None:
        return None
    period = data.period if data.period in ("day", "week", "month", "year") else "day"
    return format_value(data.date_obj.date(), period), period


_MONTHS = {m: i for i, m in enumerate(("january", "february", "march", "april", "may", "june", "july", "august",
                                        "september", "october", "november", "december"), 1)}
_MONTHS.update({m[:3]: i for m, i in list(_MONTHS.items())})
_MONTHS["sept"] = 9
_MONTH_DAY_YEAR = re.compile(r"^([A-Za-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?$")
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]+)\.?(?:,?\s+(\d{4}))?$")
_MONTH_YEAR = re.compile(r"^([A-Za-z]+)\.?(?:,?\s+(\d{4}))?$")
_RELATIVE_UNIT = re.compile(r"^(this|last|next|past)\s+(week|month|year)$", re.I)
_DAY_WORDS = {"today": 0, "yesterday": -1, "tomorrow": 1, "tonight": 0}


def _fast_path(clean: str, anchor: date | None) -> tuple[str, str] | None:
    """The common shapes, without dateparser: "today", "this week", "March 3, 2020", "March", ...

    Returns (value, precision), or None to hand the expression to dateparser.
    """
    low = clean.lower()
    if low in _DAY_WORDS:
        return (None if anchor is None else ((anchor + timedelta(days=_DAY_WORDS[low])).isoformat(), "day"))
    m = _RELATIVE_UNIT.match(clean)
    if m and anchor is not None:
        which, unit = m.group(1).lower(), m.group(2).lower()
        step = {"this": 0, "last": -1, "past": -1, "next": 1}[which]
        if unit == "year":
            return f"{anchor.year + step:04d}", "year"
        if unit == "month":
            y, mo = divmod(anchor.year * 12 + anchor.month - 1 + step, 12)
            return f"{y:04d}-{mo + 1:02d}", "month"
        return format_value(anchor + timedelta(days=7 * step), "week"), "week"
    for rx, order in ((_MONTH_DAY_YEAR, "mdy"), (_DAY_MONTH_YEAR, "dmy")):
        m = rx.match(clean)
        if m:
            month_word, day_text = (m.group(1), m.group(2)) if order == "mdy" else (m.group(2), m.group(1))
            month = _MONTHS.get(month_word.lower())
            if month is None:
                return None
            year = int(m.group(3)) if m.group(3) else _past_year(anchor, month, int(day_text))
            if year is None:
                return None
            try:
                return date(year, month, int(day_text)).isoformat(), "day"
            except ValueError:
                return None
    m = _MONTH_YEAR.match(clean)
    if m and m.group(1).lower() in _MONTHS:
        month = _MONTHS[m.group(1).lower()]
        year = int(m.group(2)) if m.group(2) else _past_year(anchor, month, 1)
        return None if year is None else (f"{year:04d}-{month:02d}", "month")
    return None


def _past_year(anchor: date | None, month: int, day: int) -> int | None:
    """The year of a month/day without one: the latest on or before the anchor (news reports the past)."""
    if anchor is None:
        return None
    return anchor.year if (month, min(day, 28)) <= (anchor.month, anchor.day) else anchor.year - 1


def resolve_expression(text: str, anchor: date | None, *, future: bool = False) -> tuple[str | None, str | None, bool]:
    """Resolve one temporal expression.

    Args:
        text: the expression as written ("on Tuesday", "last year", "October 6, 8, and 9").
        anchor: the date relative expressions count from, or None when there is none.
        future: the sentence speaks of the future ("will meet on Thursday").

    Returns:
        (value, precision, absolute): value None when it cannot be resolved without inventing a
        date; ``absolute`` says the expression states its own year (needs no anchor).
    """
    clean = " ".join(text.replace("\u2019", "'").split())
    if _NARRATIVE.search(clean):
        return None, None, False
    m = _WEEKDAY_RE.match(clean)
    if m:
        if anchor is None:
            return None, None, False
        want = _WEEKDAYS[m.group(2).lower()]
        which = (m.group(1) or "").lower()
        if which == "next" or (future and which != "last"):
            delta = (want - anchor.weekday()) % 7 or 7
            return (anchor + timedelta(days=delta)).isoformat(), "day", False
        delta = (anchor.weekday() - want) % 7
        if which == "last" and delta == 0:
            delta = 7
        return (anchor - timedelta(days=delta)).isoformat(), "day", False
    clean = _LEAD_RE.sub("", clean).strip(" ,.")
    days = _DAY_LIST_RE.match(clean)
    if days:  # "October 6, 8, and 9" -> "October 6"
        clean = f"{days.group(1)} {days.group(2)}" + (f" {days.group(3)}" if days.group(3) else "")
    if not clean or not re.search(r"[A-Za-z0-9]", clean):
        return None, None, False
    years = _YEAR_RE.findall(clean)
    absolute = bool(years)
    if not absolute and anchor is None:
        return None, None, False
    if re.fullmatch(r"\d{4}s?", clean) and not absolute:
        return None, None, False
    if re.fullmatch(r"\d{4}", clean):  # a bare year is itself, whatever the anchor
        return clean, "year", True
    if re.fullmatch(r"\d{1,3}|\d{4}s|\d{2}s", clean):  # a number or a decade is not a date
        return None, None, False
    fast = _fast_path(clean, anchor)
    if fast is not None:
        return fast[0], fast[1], absolute
    base = anchor if anchor is not None else date(int(years[0]), 1, 1)
    got = _dateparser(clean, base)
    if got is None:
        return None, None, absolute
    value, precision = got
    if absolute and not value.startswith(years[0]):
        return None, None, absolute
    return value, precision, absolute


def _future_flags(doc: Any, ents: list[Any]) -> list[bool]:
    """Per expression: does its sentence speak of the future before it ("will meet on Thursday")?"""
    if not ents:
        return []
    starts = [s.start_char for s in doc.sents] if doc.has_annotation("SENT_START") else [0]
    text = doc_text(doc)
    out = []
    for e in ents:
        i = bisect.bisect_right(starts, e.start_char) - 1
        before = text[starts[max(i, 0)]: e.start_char]
        out.append(bool(_FUTURE_RE.search(before)) or e.text.lower().startswith("next"))
    return out


def _published(article: Article) -> date | None:
    try:
        return date.fromisoformat((article.published or "")[:10]) if article.published else None
    except ValueError:
        return None


def extract_dates(doc: Any, published: date | None) -> list[DateExpression]:
    """The temporal expressions of one parsed article, resolved (see the module docstring).

    Args:
        doc: the spaCy Doc of the article text.
        published: the article's own date, or None.

    Returns:
        Date dicts sorted by start.
    """
    ents = [e for e in doc.ents if e.label_ == "DATE"]
    anchor, anchor_name = published, "published" if published else None
    if anchor is None:  # anchor only on a full date the text itself states
        for e in ents:
            value, precision, absolute = resolve_expression(e.text, None)
            if absolute and precision == "day" and value:
                anchor, anchor_name = date.fromisoformat(value), f"text:{value}"
                break
    text = doc_text(doc)
    out: list[DateExpression] = []
    taken = -1  # the end of a list of days already expanded past its entity
    for e, future in zip(ents, _future_flags(doc, ents)):
        if e.start_char < taken:
            continue
        listed = _day_list(text, e.start_char, e.end_char)
        parts = listed or [(e.start_char, e.end_char, e.text)]
        for start, end, expression in parts:
            value, precision, absolute = resolve_expression(expression, anchor, future=future)
            out.append({"start": start, "end": end, "text": text[start:end], "value": value,
                        "precision": precision if value else None,
                        "anchor": None if value is None else "absolute" if absolute else anchor_name})
        taken = parts[-1][1] if listed else taken
    return out


def _day_list(text: str, start: int, end: int) -> list[tuple[int, int, str]] | None:
    """A list of days in the DATE entity text[start:end] (spaCy may stop before its last day): one
    (start, end, expression to resolve) per day, e.g. "October 6" and "8" -> "October 8"; else None."""
    for m in _DAY_ENUM.finditer(text, start, min(len(text), end + 40)):
        if m.start() >= end:
            break
        if m.group("month").lower() not in _MONTHS:
            continue
        if m.end("rest") > end and not re.search(r"\band\b|&", m.group("rest")):
            continue  # past the entity only a list closed by "and": "October 6, 12 protesters" is no list
        year = f", {m.group('year')}" if m.group("year") else ""
        month = m.group("month")
        out = [(m.start(), m.end("first"), f"{month} {m.group('first')}{year}")]
        for d in _ENUM_DAY.finditer(text, m.start("rest"), m.end("rest")):
            out.append((d.start(), d.end(), f"{month} {d.group()}{year}"))
        return out
    return None


@stage("dates", requires=("annotations.doc", "published"), assigns=("annotations.dates",), extra="nlp")
class Dates:
    """Temporal expressions resolved against the article's published date (dateparser, no clock)."""

    def __init__(self, settings: Any = None) -> None:
        self.cfg = stage_settings(settings, "dates")
        if importlib.util.find_spec("dateparser") is None:
            raise MissingDependency("dateparser", "pip install 'dateparser==1.5.0'  (or: pip install 'newsloom[nlp]')")

    def __call__(self, article: Article) -> Article:
        doc = article.annotations.get("doc")
        article.annotations["dates"] = extract_dates(doc, _published(article)) if doc is not None else []
        return article

    def pipe(self, articles: Iterable[Article], *, batch_size: int = 64) -> Iterator[Article]:
        for art in articles:
            yield self(art)
