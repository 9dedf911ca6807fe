"""The dates stage: temporal expressions resolved against the article's own date, never the clock.

Puts ``article.annotations["dates"]``, a list sorted by start of::

    {"start": int, "end": int, "text": str,
     "kind": "date"|"duration"|"set"|"vague"|"age"|"stamp",
     "value": "YYYY" | "YYYY-MM" | "YYYY-MM-DD" | "YYYY-Www" | None,
     "precision": "day"|"week"|"month"|"year"|None,
     "anchor": "published"|"absolute"|"text:YYYY-MM-DD"|"comment:YYYY-MM-DD"|None}

The expressions are spaCy's DATE entities, the TIME entities that name a day ("last night", "Monday
morning"), and explicit dates spaCy missed or cut (datelines such as "Wed Sep 7, 2011", "Aug 11 (Reuters)",
"25 and 26 May"). An entity never runs past a line break.

Each expression first gets its kind (:func:`kind_of`): a length of time ("for three years", "a 30-year
rule", "four-minute", "the past two weeks") is a ``duration``, a repetition ("every Friday", "a year"
after an amount) a ``set``, "recently" or "in recent years" ``vague``, "65-year-old" or "aged 50" an
``age``. Only a ``date`` gets a value, by a cascade (a date that is the page's own, :func:`is_stamp`: "Last
updated ...", "Mon Jul 18, 2011 7:12 am EDT", "CITY, Aug 11 (Reuters) -", becomes a ``stamp``, value kept):

1. the tense of the clause (:func:`clause_tense`: the verb the expression hangs on in the parse, else
   the nearest tense word before it) decides the direction of what has no year or week of its own.
   Weekdays: past (and unknown) tense gives the latest such day on or before the anchor, future or
   present tense ("will meet on Thursday", "meets on Thursday") the first on or after it; the
   publication day itself counts both ways; "last" and "next" always step away from it. Months and
   days of a month ("in January", "on 4 January"): the latest on or before the anchor for the past,
   the first on or after it for the future, the nearer of the two otherwise (the present too). A weekday written with
   the day ("Saturday 8 October") picks the year in which that day is that weekday. News tells the
   past in the present: reporting ("says Monday"), a chronology item ("May 26 - BP starts ...") and a day
   that names an event ("Monday's bombing", "the April 20 blowout") are the past; a day named without its
   year more than :data:`NAMED_REACH` days back ("the September 11 attacks" in June) stays unresolved, as
   does a word of a title ("The Sunday Times"); a day at most :data:`NEAR_AHEAD` days ahead is meant
   even in a past clause.
2. fast paths for the common shapes: today/yesterday/last night, this/last/next week|month|year
   (a week is an ISO week, ``YYYY-Www``), quarters and "the new year" (their year), datelines, a
   range of months (its year).
3. everything else goes to dateparser (English only, ``RELATIVE_BASE`` = the anchor, past preferred);
   its period gives the precision.
4. a list of days ("October 6, 8, and 9", "25 and 26 May") gives one expression per day; an expression
   that does not resolve but holds an explicit date ("the week to August 16") is narrowed to it.

The anchor is the published date. An article with no date has none, so only expressions that
state their own year resolve ("since 1994", "in 2020"); the rest stay ``None`` unless the text
states a full date, which then becomes the anchor (``"text:YYYY-MM-DD"``). In a reader comment kept
after the article (:mod:`newsloom.stages.comments`) the anchor is the date its header states
(``"comment:YYYY-MM-DD"``), or none. The nlp stage does not parse comments, so their expressions are
found by rule (:func:`comment_expressions`): explicit dates, the words that name a day (weekdays,
today, yesterday, tomorrow, tonight, last night, this morning), (earlier/later) last/this/next week, month or
year and "two weeks ago"; a comment's other
expressions (a month or year named alone, durations, ...) are not kept. The same rule covers the report's
sentences that spaCy's NER skipped for having no name candidate (``stages.nlp.ner = "scoped"``,
:mod:`newsloom.nlp.scoped_ner`; their ranges ride on the Doc).
Expressions relative to the narrative ("six months later", "the day before") are not resolved.
"""
from __future__ import annotations

import bisect
import importlib.util
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, NamedTuple

from ..errors import MissingDependency
from ..model import Article, DateExpression
from ..nlp import doc_text
from ..nlp.scoped_ner import SKIPPED
from ..pipeline import stage
from ..settings import stage_settings
from .comments import comment_headers, comments_start

__all__ = ["Dates", "KINDS", "Resolved", "resolve_expression", "kind_of", "clause_tense", "extract_dates",
           "comment_expressions", "format_value", "is_stamp", "left_open"]

#: the kinds of temporal expression; only a ``date`` gets a value, and a ``stamp`` (the page's own date: "Last
#: updated at ...", "Mon Jul 18, 2011 7:12 am EDT", a comment's "March 9, 2011 at 10:32 am | Reply") keeps the
#: value it resolves to but is no event day
KINDS = ("date", "duration", "set", "vague", "age", "stamp")

_WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAYS = {d: i for i, d in enumerate(_WEEKDAY_NAMES)}
_WEEKDAYS.update({"mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3, "fri": 4, "sat": 5,
                  "sun": 6})
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

_MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
                "november", "december")
_MONTHS = {m: i for i, m in enumerate(_MONTH_NAMES, 1)}
_MONTHS.update({m[:3]: i for m, i in list(_MONTHS.items())})
_MONTHS["sept"] = 9
_MON = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
        r"|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?)")
_WD = (r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)"
       r"\.?")
_ORD = r"(?:st|nd|rd|th)?"
#: explicit dates in the text, which spaCy may miss or cut: "Wed Sep 7, 2011", "Thu Jul 03 2008",
#: "Wednesday 20 July 2005", "Aug 11", "25 and 26 May"
_EXPLICIT = re.compile(
    rf"\b(?:{_WD},?\s+)?(?:{_MON}\s+\d{{1,2}}{_ORD}\b(?:,?\s+\d{{4}}\b)?"
    rf"|\d{{1,2}}{_ORD}(?:\s*(?:,|and|&)\s*\d{{1,2}}{_ORD})*\s+{_MON}(?:,?\s+\d{{4}}\b)?(?![A-Za-z]))")
#: a list of days written day first: "25 and 26 May", "3, 4 and 5 June 2019"
_DAY_FIRST_LIST = re.compile(rf"^(\d{{1,2}}){_ORD}((?:\s*(?:,|and|&)\s*\d{{1,2}}{_ORD})+)\s+({_MON})(?:,?\s+(\d{{4}}))?$")
_MONTH_DAY_YEAR = re.compile(r"^([A-Za-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?$")
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?([A-Za-z]+)\.?(?:,?\s+(\d{4}))?$")
_MONTH_YEAR = re.compile(r"^([A-Za-z]+)\.?(?:,?\s+(?:of\s+)?(\d{4}))?$")
_MONTH_RANGE = re.compile(r"^([A-Za-z]+)\.?\s*(?:-|\u2013|to|and|through)\s*([A-Za-z]+)\.?(?:,?\s+(\d{4}))?$")
_LEADING_WEEKDAY = re.compile(rf"^({_WD}),?\s+(?=\d|{_MON})", re.I)
_RELATIVE_UNIT = re.compile(r"^(this|last|next|past)\s+(week|month|year)$", re.I)
_QUARTER = re.compile(r"^(?:the\s+)?(first|second|third|fourth|final|1st|2nd|3rd|4th|q[1-4])[\s-]+quarter"
                      r"(?:\s+(?:of\s+)?(\d{4}))?$|^q([1-4])\s+(\d{4})$", re.I)
_QUARTER_NUM = {"first": 1, "1st": 1, "q1": 1, "second": 2, "2nd": 2, "q2": 2, "third": 3, "3rd": 3, "q3": 3,
                "fourth": 4, "4th": 4, "q4": 4, "final": 4}
#: a part of the current period: "the end of the year", "the rest of this month"
_PART_OF = re.compile(r"^(?:(?:by|at|in|until|before|for|over)\s+)?(?:the\s+)?(?:end|start|beginning|middle|rest|"
                      r"remainder|course|close)\s+of\s+(?:the|this)\s+(year|month|week)$", re.I)
_NEW_YEAR = re.compile(r"^(?:the\s+)?new\s+year$", re.I)
_DAY_WORDS = {"today": 0, "yesterday": -1, "tomorrow": 1, "tonight": 0, "last night": -1, "this morning": 0,
              "this afternoon": 0, "this evening": 0, "earlier today": 0, "later today": 0}
_DAY_PART = re.compile(r"^(yesterday|tomorrow|today)\s+(?:morning|afternoon|evening|night)$", re.I)
#: TIME entities that name a day ("last night", "Monday morning"); other times are not dates
_DAY_TIME = re.compile(r"^(?:last\s+night|tonight|this\s+(?:morning|afternoon|evening)|(?:yesterday|tomorrow|today)"
                       r"(?:\s+(?:morning|afternoon|evening|night))?|(?:on\s+)?(?:monday|tuesday|wednesday|"
                       r"thursday|friday|saturday|sunday)\s+(?:morning|afternoon|evening|night))$", re.I)

# --- kinds -----------------------------------------------------------------------------------------

_NUMBER = (r"(?:\d+(?:[.,]\d+)?|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
           r"fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|"
           r"eighty|ninety|hundred|a hundred|several|a few|few|many|some|a couple of|couple of|dozens of|a dozen|"
           r"half an?|one and a half|a half|two and a half)")
_UNIT = r"(?:second|minute|hour|day|night|week|fortnight|month|quarter|year|decade|century|centuries|season|term)s?"
#: a length of time: "three years", "30-year", "two-and-a-half months", "more than a decade", "42 years"
_LENGTH = re.compile(rf"\b{_NUMBER}(?:[\s-]+(?:and[\s-]+a[\s-]+half|odd|plus))?[\s-]+(?:{_NUMBER}[\s-]+)?{_UNIT}\b",
                     re.I)
_AGE = re.compile(r"\b\d+\s*-?\s*(?:year|month|week|day)s?\s*-?\s*old\b|^aged?\s+\d+$", re.I)
_SET = re.compile(rf"^(?:every|each|per)\b|\b(?:daily|weekly|fortnightly|monthly|quarterly|annually|yearly|"
                  rf"nightly|hourly)\b|^(?:once|twice|\w+\s+times)\s+(?:a|an|per|every)\s+{_UNIT}$", re.I)
_VAGUE = re.compile(r"^(?:(?:in|over|during|for|of)\s+)?(?:(?:the|these|those|some|recent|past|coming|many|"
                    r"several|few|a\s+few|long|earlier|later)\s+)*(?:recently|lately|recent|the past|the future|"
                    r"past|future|nowadays|(?:day|week|month|year|decade|centurie|generation)s|a\s+while|some\s+time|"
                    r"the\s+time|these\s+days|those\s+days)$", re.I)
_RANGE_OF_LENGTH = re.compile(r"^(?:(?:in|over|during|for|within)\s+)?the\s+(?:past|last|next|coming|previous|"
                              r"following|first|final)\s+(?:week|fortnight|month|year|decade|century)$", re.I)
_POINT = re.compile(r"\b(?:ago|earlier|later|since|from now)\b", re.I)


def kind_of(text: str, before: str = "") -> str:
    """The kind of a temporal expression: date, duration, set, vague or age.

    Args:
        text: the expression as written.
        before: a few words of text right before it ("aged", "twice", "$5bn").

    Returns:
        One of :data:`KINDS`.
    """
    clean = " ".join(text.replace("\u2019", "'").split()).strip(" ,.")
    prev = before.split()[-1].lower().strip(" ,.") if before.split() else ""
    if _AGE.search(clean) or prev in ("aged", "age"):
        return "age"
    if _SET.search(clean):
        return "set"
    if re.fullmatch(rf"(?:a|an|per)\s+{_UNIT}", clean, re.I) and (
            prev in ("times", "once", "twice", "per") or re.search(r"\d|bn|million|billion", prev)):
        return "set"  # "twice a year", "$5bn a year"
    if _VAGUE.match(clean):
        return "vague"
    if _RANGE_OF_LENGTH.match(clean):
        return "duration"  # "the past week": a span ending now, not a calendar week
    if _LENGTH.search(clean) and not _POINT.search(clean) and not _YEAR_RE.search(clean) \
            and not re.search(rf"\b{_MON}\s+\d|\d\s+{_MON}", clean):
        return "duration"
    return "date"


# --- values ----------------------------------------------------------------------------------------

def format_value(day: date, precision: str) -> str:
    """ISO text of a date at a precision: YYYY, YYYY-MM, YYYY-MM-DD, or the ISO week YYYY-Www."""
    if precision == "year":
        return f"{day.year:04d}"
    if precision == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if precision == "week":
        year, week, _ = day.isocalendar()
        return f"{year:04d}-W{week:02d}"
    return day.isoformat()


class Resolved(NamedTuple):
    """One expression resolved: value None when it cannot be without inventing a date; ``absolute``
    says it states its own year (needs no anchor)."""

    value: str | None
    precision: str | None
    absolute: bool
    kind: str = "date"


_NONE = Resolved(None, None, False)
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


def _year_of(anchor: date | None, month: int, day: int | None, tense: str | None) -> int | None:
    """The year of a month (or a day of a month) written without one, by the tense of its clause.

    The past: the latest on or before the anchor; the future: the first on or after it; the present
    or unknown: the nearer of the two (news mostly reports the recent past and the near future, and tells
    both in the present: "BP starts a pressure test on July 14", "the season runs to November 30").
    """
    if anchor is None:
        return None
    at = (anchor.month, anchor.day if day is not None else 1)
    this = (month, day if day is not None else 1)
    past = anchor.year if this <= at or (day is None and month == anchor.month) else anchor.year - 1
    future = anchor.year if this >= at or (day is None and month == anchor.month) else anchor.year + 1
    if past == future:
        return past
    if tense == "past":  # unless the day is days ahead and near a year back: "advised it to shut until 7 June"
        near = day is not None and (date(future, month, min(day, 28)) - anchor).days <= NEAR_AHEAD
        return future if near and (anchor - date(past, month, min(day, 28))).days > 300 else past
    if tense == "future":
        return future
    if day is None:  # a whole month: nearer in months (August is 5 months before January 31, not 183 days)
        back = (anchor.year - past) * 12 + anchor.month - month
        ahead = (future - anchor.year) * 12 + month - anchor.month
    else:
        back = (anchor - date(past, month, min(day, 28))).days
        ahead = (date(future, month, min(day, 28)) - anchor).days
    return past if back <= ahead else future


#: how many days ahead a day written without its year is taken as meant even in a past clause, rather than
#: the same day almost a year back (journalists write the year of a day that long ago)
NEAR_AHEAD = 14


def _weekday_year(anchor: date | None, month: int, day: int, weekday: int) -> int | None:
    """The year, next to the anchor's, in which ``day`` of ``month`` falls on ``weekday`` (nearest first)."""
    if anchor is None:
        return None
    for year in sorted((anchor.year - 1, anchor.year, anchor.year + 1), key=lambda y: abs(y - anchor.year)):
        try:
            if date(year, month, day).weekday() == weekday:
                return year
        except ValueError:
            continue
    return None


def _weekday(anchor: date, want: int, which: str, tense: str | None) -> date:
    """A weekday near the anchor: "last"/"next" step away from it; otherwise the tense gives the direction."""
    ahead = (want - anchor.weekday()) % 7
    back = (anchor.weekday() - want) % 7
    if which == "next":
        return anchor + timedelta(days=ahead or 7)
    if which in ("last", "past"):
        return anchor - timedelta(days=back or 7)
    if tense in ("future", "present"):
        return anchor + timedelta(days=ahead)
    return anchor - timedelta(days=back)


#: "... last year" after a day or month ("25 June last year"): the year the words name
_OF_RELATIVE_YEAR = re.compile(r"\s*,?\s*\b(?:of\s+)?(this|last|next|past)\s+year$", re.I)
#: how many units "this/last/past/next <unit>" steps from the anchor
_STEP = {"this": 0, "last": -1, "past": -1, "next": 1}


def _fast_path(clean: str, anchor: date | None, tense: str | None) -> tuple[str, str] | None:
    """The common shapes, without dateparser: "today", "this week", "March 3, 2020", "March", ...

    Returns (value, precision), or None to hand the expression to dateparser.
    """
    low = clean.lower()
    m = _DAY_PART.match(clean)
    low = m.group(1).lower() if m else low
    if low in _DAY_WORDS:
        return None if anchor is None else ((anchor + timedelta(days=_DAY_WORDS[low])).isoformat(), "day")
    m = _RELATIVE_UNIT.match(clean)
    if m and anchor is not None:
        which, unit = m.group(1).lower(), m.group(2).lower()
        step = _STEP[which]
        if unit == "year":
            return f"{anchor.year + step:04d}", "year"
        if unit == "month":
            y, mo = divmod(anchor.year * 12 + anchor.month - 1 + step, 12)
            return f"{y:04d}-{mo + 1:02d}", "month"
        return format_value(anchor + timedelta(days=7 * step), "week"), "week"
    if _NEW_YEAR.match(clean) and anchor is not None:  # the nearest first of January
        return f"{anchor.year + (anchor.month >= 7):04d}", "year"
    m = _QUARTER.match(clean)
    if m:
        return _quarter(m, anchor, tense)
    weekday = None
    m = _LEADING_WEEKDAY.match(clean)
    if m:  # "Saturday 8 October", "Thu Jul 03 2008": the weekday can pick the year
        weekday = _WEEKDAYS.get(m.group(1).lower().rstrip("."))
        clean = clean[m.end():]
    for rx, order in ((_MONTH_DAY_YEAR, "mdy"), (_DAY_MONTH_YEAR, "dmy")):
        m = rx.match(clean)
        if m:
            month_word, day_text = (m.group(1), m.group(2)) if order == "mdy" else (m.group(2), m.group(1))
            month = _MONTHS.get(month_word.lower())
            if month is None:
                return None
            year = int(m.group(3)) if m.group(3) else None
            if year is None and weekday is not None:
                year = _weekday_year(anchor, month, int(day_text), weekday)
            if year is None:
                year = _year_of(anchor, month, int(day_text), tense)
            if year is None:
                return None
            try:
                return date(year, month, int(day_text)).isoformat(), "day"
            except ValueError:
                return None
    m = _MONTH_YEAR.match(clean)
    if m and m.group(1).lower() in _MONTHS:
        month = _MONTHS[m.group(1).lower()]
        year = int(m.group(2)) if m.group(2) else _year_of(anchor, month, None, tense)
        return None if year is None else (f"{year:04d}-{month:02d}", "month")
    m = _MONTH_RANGE.match(clean)
    if m and m.group(1).lower() in _MONTHS and m.group(2).lower() in _MONTHS:  # "April-June": its year
        year = int(m.group(3)) if m.group(3) else _year_of(anchor, _MONTHS[m.group(2).lower()], None, tense)
        return None if year is None else (f"{year:04d}", "year")
    return None


def _quarter(m: re.Match[str], anchor: date | None, tense: str | None) -> tuple[str, str] | None:
    """The year of a quarter ("the first quarter", "Q2 2011"): the format has no finer value."""
    if m.group(3):
        return m.group(4), "year"
    if m.group(2):
        return m.group(2), "year"
    if anchor is None:
        return None
    number = _QUARTER_NUM[m.group(1).lower()]
    current = (anchor.month - 1) // 3 + 1
    if number == current:
        return f"{anchor.year:04d}", "year"
    year = _year_of(anchor, 3 * number - 2, None, tense)
    return None if year is None else (f"{year:04d}", "year")


def resolve_expression(text: str, anchor: date | None, *, tense: str | None = None, before: str = "") -> Resolved:
    """Resolve one temporal expression.

    Args:
        text: the expression as written ("on Tuesday", "last year", "October 6, 8, and 9").
        anchor: the date relative expressions count from, or None when there is none.
        tense: the tense of its clause, "past", "present", "future" or None (unknown): see
            :func:`clause_tense`.
        before: a few words right before it, for its kind ("aged" 50, "twice" a year).

    Returns:
        A :class:`Resolved`: value None when it cannot be resolved without inventing a date, or when its
        kind is not ``date``.
    """
    clean = " ".join(text.replace("\u2019", "'").split())
    kind = kind_of(clean, before)
    if kind != "date":
        return Resolved(None, None, False, kind)
    if _NARRATIVE.search(clean):
        return _NONE
    m = _PART_OF.match(clean)
    if m:
        return _NONE if anchor is None else Resolved(format_value(anchor, m.group(1).lower()), m.group(1).lower(), False)
    m = _WEEKDAY_RE.match(clean)
    if m:
        if anchor is None:
            return _NONE
        day = _weekday(anchor, _WEEKDAYS[m.group(2).lower()], (m.group(1) or "").lower(), tense)
        return Resolved(day.isoformat(), "day", False)
    clean = _LEAD_RE.sub("", clean).strip(" ,.")
    days = _DAY_LIST_RE.match(clean)
    if days:  # "October 6, 8, and 9" -> "October 6"
        clean = f"{days.group(1)} {days.group(2)}" + (f" {days.group(3)}" if days.group(3) else "")
    days = _DAY_FIRST_LIST.match(clean)
    if days:  # "25 and 26 May" -> "25 May"
        clean = f"{days.group(1)} {days.group(3)}" + (f" {days.group(4)}" if days.group(4) else "")
    rel = _OF_RELATIVE_YEAR.search(clean)
    if rel and anchor is not None and rel.start() and clean.split()[0].lower() != rel.group(1).lower():
        # "25 June last year", "June of next year": the day or month in the year the words name
        clean = f"{clean[:rel.start()].strip(' ,.')} {anchor.year + _STEP[rel.group(1).lower()]}"
    if not clean or not re.search(r"[A-Za-z0-9]", clean):
        return _NONE
    years = _YEAR_RE.findall(clean)
    absolute = bool(years)
    if not absolute and anchor is None:
        return _NONE
    if re.fullmatch(r"\d{4}s?", clean) and not absolute:
        return _NONE
    if re.fullmatch(r"\d{4}", clean):  # a bare year is itself, whatever the anchor
        return Resolved(clean, "year", True)
    if re.fullmatch(r"\d{1,3}|\d{4}s|\d{2}s", clean):  # a number or a decade is not a date
        return _NONE
    fast = _fast_path(clean, anchor, tense)
    if fast is not None:
        return Resolved(fast[0], fast[1], absolute)
    base = anchor if anchor is not None else date(int(years[0]), 1, 1)
    got = _dateparser(clean, base)
    if got is None:
        return Resolved(None, None, absolute)
    value, precision = got
    if absolute and not value.startswith(years[0]):
        return Resolved(None, None, absolute)
    return Resolved(value, precision, absolute)


# --- tense -----------------------------------------------------------------------------------------

_FUTURE_AUX = frozenset({"will", "'ll", "shall", "wo", "would", "'d"})
_MODAL = frozenset({"could", "can", "may", "might", "must", "should", "ought"})
_HAVE = frozenset({"have", "has", "had", "'ve", "'d"})
#: words that put what follows them in the future: "is expected to", "due on", "plans to", "next"
_FUTURE_HEADS = frozenset("""expect schedule due set plan intend aim hope prepare propose want seek promise pledge
vow threaten poise slate likely about go""".split())
_FUTURE_WORDS = re.compile(r"\b(?:will|'ll|shall|would|is due|are due|due (?:to|on|in)|scheduled|expected to|"
                           r"(?:is|are|was|were) set to|plans? to|plans|planning|planned|intends? to|going to|"
                           r"(?:is|are) to|upcoming|next|(?:the|in the) coming|forthcoming)\b", re.I)
_PAST_WORDS = re.compile(r"\b(?:said|told|was|were|had|did|ago|last|met|held|took|gave|came|went|left|fell|rose|"
                         r"began|made|won|lost|saw|sent|fled|fought|shot|struck|spoke|wrote|found|brought|caught|"
                         r"kept|led|paid|ran|stood|broke|chose|drove|flew|grew|knew|threw|became|hit|killed|"
                         r"died|sued|tied|sank|sold|bought|built|drew|stole|swore|taught|tore|woke|wore|spent|"
                         r"[a-z]{3,}ed)\b",
                         re.I)
_PRESENT_WORDS = re.compile(r"\b(?:is|are|meets|starts|begins|opens|takes place)\b", re.I)
#: verbs of reporting: news reports what happened, so a day that "says", "tells" or "confirms" names is before
_REPORTING_LEMMAS = frozenset("""say tell claim insist confirm deny admit add warn accuse believe reveal show
acknowledge""".split())
_REPORTING_WORDS = re.compile(r"\b(?:says|say|tells|claims|insists|confirms|denies|admits|adds|warns|"
                              r"accuses|believes|reveals|shows|acknowledges)\b", re.I)
#: a month that names a delivery ("October crude", "the September and October contracts") is never past
_DELIVERY = re.compile(r"(?:\s*(?:,|and|or|-)\s*[A-Z][a-z]+\.?)*\s+(?:crude|contracts?|futures|delivery|deliveries|"
                       r"options|expiry|expiries|Brent|WTI|gasoline|gas|wheat|corn|soybeans?|gold|copper)\b")
_CLAUSE_END = re.compile(r"[,;:.!?()]|\s(?:and|but|while|whereas|as|because)\s")
_NOT_PAST = frozenset("need speed indeed hundred bed red seed feed breed proceed exceed succeed bred shed".split())


def clause_tense(span: Any, text: str, sent_start: int, start: int, end: int) -> str | None:
    """The tense of the clause a temporal expression stands in: "past", "present", "future" or None.

    In a parsed sentence, the verb the expression hangs on (through nouns and prepositions) with its
    auxiliaries: "will"/"would"/"shall", a modal, or an infinitive under expect/schedule/plan/due/..., is
    the future; a past form or "has" + participle the past; a present form the present; "due",
    "scheduled", "upcoming" on the way to it the future. Otherwise (an unparsed sentence, or no verb),
    the nearest tense word before it in the sentence, else the first in the clause it opens. The present
    of reporting ("says", "tells") is the past: news reports what happened.

    Some words fix the direction whatever the verb: "since" the past, a delivery month ("October crude")
    the future; an item of a chronology ("May 26 - BP starts ...") is the past unless it says "will",
    "must", ...; a day that names an event ("Monday's bombing", "the April 20 blowout") is the past unless
    the event is something scheduled ("the June 12 election", "Friday's jobs report").

    Args:
        span: the expression's spaCy Span, or None (an expression found by pattern: the text alone).
        text: the article text.
        sent_start: the character offset of the expression's sentence.
        start: the expression's start offset.
        end: its end offset.
    """
    fixed = _fixed_direction(text, start, end)
    if fixed is not None:
        return fixed
    item = _ITEM_DASH.match(text, end) if not text[sent_start:start].strip() else None
    if item:  # "May 26 - A top kill starts": a chronology tells the past in the present tense
        clause = text[item.end():item.end() + 200]
        clause = clause[:m.start()] if (m := _CLAUSE_END.search(clause)) else clause
        return "future" if _FUTURE_WORDS.search(clause) or _MUST.search(clause) else "past"
    got = None
    if span is not None and span.root.dep_ not in ("dep", "") and span.root.pos_:
        got = _parsed_tense(span.root)
    if got is None:
        got = _text_tense(text[sent_start:start], text[end:end + 80])
    if _names_event(text, start, end):  # "says ... Monday's bombing", "will study the April 20 blowout"
        return "past"
    return got


def left_open(text: str, start: int, end: int, value: str | None, anchor: date | None) -> bool:
    """Should the expression be left without a value though it resolves to ``value``? When it is part of a
    title ("The Sunday Times", "Piers Morgan Tonight", "USA Today"), or a day without its year that names an
    event ("the September 11 attacks") more than :data:`NAMED_REACH` days before the anchor: its year is then
    as likely some older one as the one before the anchor's."""
    if _in_title(text, start, end):
        return True
    if not value or anchor is None or len(value) != 10 or _YEAR_RE.search(text, start, end):
        return False
    return (anchor - date.fromisoformat(value)).days > NAMED_REACH and _names_event(text, start, end)


#: what follows a weekday in a title: "The Sunday Times", "Saturday Night Live"
_TITLE_AFTER = re.compile(r"\s+(?:Times|Telegraph|Mirror|Express|Herald|Post|Mail|Tribune|Independent|Observer|"
                          r"Star|People|Sport|Politics|Edition|Show|Programme|Magazine|Night\s+Live)\b")


def _in_title(text: str, start: int, end: int) -> bool:
    """Is the expression a word of a title: a weekday before "Times", "Telegraph", ... or a capitalised
    "Today"/"Tonight" inside a sentence ("BBC Radio 4's Today programme", "Piers Morgan Tonight")?"""
    words = text[start:end].split()
    if words and words[-1].rstrip(".,").lower() in _WEEKDAYS and _TITLE_AFTER.match(text, end):
        return True
    return bool(re.fullmatch(r"(?:Today|Tonight)", text[start:end].strip())
                and re.search(r"[A-Za-z0-9'\u2019]\s+$", text[max(0, start - 3):start]))


#: how far back (days) a day named without its year ("the April 20 blowout") is taken to be the latest such day
NAMED_REACH = 183


def _names_event(text: str, start: int, end: int) -> bool:
    """Does the expression name an event by its day: "Monday's bombing", "the April 20 blowout" (a day of
    a month after "the" and before a noun), not something scheduled ("the June 12 election")?"""
    if _SCHEDULED_NOUN.match(text, end):
        return False
    if re.match(r"'s|\u2019s", text[end:end + 2]):
        return bool(_NAMES_EVENT.match(text, end + 2))
    return bool(_THE_BEFORE.search(text, max(0, start - 5), start) and re.search(r"\d", text[start:end])
                and _NAMES_EVENT.match(text, end))


#: the expression names an event by its day: "Monday's bombing", "the April 20 blowout" (a lower-case word that
#: is not a function word or a verb form after it)
_NAMES_EVENT = re.compile(r"\s+(?!(?:of|to|and|or|in|on|at|by|for|from|with|as|that|which|who|when|"
                          r"while|after|before|until|the|a|an|is|are|was|were|will|would|has|have|had|said|says|"
                          r"night|morning|afternoon|evening|this|last|next)\b)[a-z]{3,}(?<!ed)\b")
#: nouns of what is scheduled, which a day can name ahead of time: "the June 12 election", "Friday's deadline"
_SCHEDULED_NOUN = re.compile(r"(?:'s|\u2019s)?\s+(?:[\w-]+\s+){0,3}?(?:deadline|elections?|vote|polls?|summit|meeting|talks|"
                             r"referendum|hearing|trial|conference|launch|match|game|final|session|debate|visit|"
                             r"ballot|runoff|run-off|inauguration|ceremony|opening|kick-off|start|concert|festival|"
                             r"show|race|parade|date|target|report|results|earnings|liftoff|committee|announcement|"
                             r"release)\b", re.I)
#: a dash or colon after a day that opens its sentence: an item of a chronology ("May 26 - ...")
_ITEM_DASH = re.compile(r"(?:,?\s+\d{4})?\s*(?:-{1,2}|\u2013|\u2014|:)\s")
_MUST = re.compile(r"\b(?:must|should|to be)\b", re.I)
_THE_BEFORE = re.compile(r"\b(?:the|a|this|that)\s+$", re.I)
_SINCE = re.compile(r"\bsince\s+(?:the\s+)?$", re.I)
#: inside a live blog's update stamp, before the expression: "(Update 1:12 a.m. Tuesday in Cairo, 6:12 p.m. ET
#: Monday)"; an update is never older than the page it updates
_UPDATE_STAMP = re.compile(r"\(\s*(?:Update|Updated|UPDATE|UPDATED)\b[^()]{0,80}$")


def _fixed_direction(text: str, start: int, end: int) -> str | None:
    """The direction some words give whatever the verb: "since January" is before, "October crude" ahead,
    a live blog's "(Update 1:12 a.m. Tuesday ...)" on or after the page's date."""
    if _SINCE.search(text, max(0, start - 12), start) or text[start:start + 6].lower() == "since ":
        return "past"
    if _UPDATE_STAMP.search(text, max(0, start - 90), start):
        return "future"
    if _DELIVERY.match(text, end) and _MONTH_YEAR.match(text[start:end].strip()):
        return "future"
    return None


#: words on the way from an expression to its verb that put it in the future: "due on", "the upcoming vote"
_FUTURE_ON_PATH = frozenset({"due", "upcoming", "coming", "forthcoming", "schedule", "plan"})


def _parsed_tense(token: Any) -> str | None:
    tok = token
    for _ in range(8):
        if tok is not token and tok.lemma_.lower() in _FUTURE_ON_PATH and tok.pos_ in ("ADJ", "VERB"):
            return "future"
        if tok.pos_ in ("VERB", "AUX") and tok.dep_ not in ("amod", "compound"):
            return _verb_tense(tok)
        if tok.head is tok:
            return None
        tok = tok.head
    return None


def _verb_tense(verb: Any) -> str | None:
    auxes = [c for c in verb.children if c.dep_ in ("aux", "auxpass")]
    words = {a.lower_ for a in auxes}
    if words & _FUTURE_AUX:
        return "past" if words & _HAVE and "would" in words else "future"
    if words & _MODAL:
        return "past" if words & _HAVE else "future"
    # an infinitive: "is expected to endorse", "is to stand", also passive: "is due to be sentenced"
    if "to" in words and (verb.tag_ == "VB" or "be" in words):
        head = verb.head
        if head is not verb and (head.lemma_.lower() in _FUTURE_HEADS or head.lemma_.lower() == "be"):
            return "future"
        return None
    if words & _HAVE or verb.tag_ == "VBD" or any(a.tag_ == "VBD" for a in auxes):
        return "past"
    if verb.tag_ == "VBN":
        return "past"
    if verb.tag_ in ("VBZ", "VBP") or any(a.tag_ in ("VBZ", "VBP") for a in auxes):
        return "past" if verb.lemma_.lower() in _REPORTING_LEMMAS else "present"  # "says Monday": reported
    return None


def _text_tense(before: str, after: str) -> str | None:
    """The tense of the nearest tense word before an expression (else after it), by word lists."""
    best: tuple[int, str] | None = None
    for rx, name in ((_FUTURE_WORDS, "future"), (_PAST_WORDS, "past"), (_REPORTING_WORDS, "past"),
                     (_PRESENT_WORDS, "present")):
        for m in rx.finditer(before):
            if name == "past" and m.group().lower() in _NOT_PAST:
                continue
            if best is None or m.end() > best[0]:
                best = (m.end(), name)
    if best is not None:
        return best[1]
    after = after.lstrip(" ,")  # "On Thursday, the council will meet": the clause it opens
    end = _CLAUSE_END.search(after)
    after = after[:end.start()] if end else after
    for rx, name in ((_FUTURE_WORDS, "future"), (_PAST_WORDS, "past"), (_REPORTING_WORDS, "past"),
                     (_PRESENT_WORDS, "present")):
        m = rx.search(after)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), name)
    return best[1] if best else None


# --- page stamps -----------------------------------------------------------------------------------

_CLOCK = r"\d{1,2}[:.]\d\d(?:\s*[ap]\.?m\.?)?"
_ZONE = r"(?-i:GMT|UTC|[A-Z]{1,3}T)\b"  # GMT, UTC, BST, EDT, CEST, ET, ... (capitals only: not "at", "that")
#: the words a page puts before its own date: "Last updated at 12:32 GMT, Monday, 11 January 2010", "Posted: ",
#: "This article was published on" (not "the report was published on Monday", an event)
_STAMP_BEFORE = re.compile(rf"(?:\b(?:last|first)\s+(?:updated|published|modified)|\bthis\s+article\s+was\s+"
                           rf"(?:first\s+)?published|\b(?:updated|published|posted|created|modified)\s*:|"
                           rf"\b(?:updated|published|posted)\s+at\s+{_CLOCK})\s*(?:on|at)?\s*:?\s*"
                           rf"(?:{_CLOCK}\s*(?:{_ZONE})?\s*,?\s*)?(?:on\s+)?(?:{_WD},?\s*)?$", re.I)
#: a clock time with a zone or a comment's "| Reply" right after a date that states its year: "Mon Jul 18, 2011
#: 7:12 am EDT", "07 February 12 00:35 GMT", "March 9, 2011 at 10:32 am | Reply", "February 4, 2011 - 16:00:00
#: ET"; or a byline's "Friday, July 23, 2010; 7:07 AM"
_STAMP_AFTER = re.compile(rf"\s*(?:[,\-\u2013]\s*)?(?:at\s+)?{_CLOCK}(?::\d\d)?\s*(?:{_ZONE}|\|)|\s*;\s*{_CLOCK}", re.I)
_DATE_TAIL = re.compile(rf",?\s+(?:\d{{1,2}}{_ORD}\s+{_MON}|{_MON}\s+\d{{1,2}}{_ORD}),?\s+\d{{4}}\b")
#: a day, a month and a year of two digits, as pages stamp themselves: "07 February 12"
_SHORT_YEAR = re.compile(rf"\d{{1,2}}\s+{_MON}\s+\d\d\b")

#: a clock with a zone right before a date with its year: "on p30 at 10.02 BST on Thursday 3 June 2010"
_CLOCK_BEFORE = re.compile(rf"{_CLOCK}\s*{_ZONE},?\s*(?:on\s+)?$")
#: a news agency's dateline: "SHALGHOUDA, Libya, Aug 11 (Reuters) - "
_DATELINE_AFTER = re.compile(r"(?:,?\s+\d{4})?\s*\((?:[A-Z][A-Za-z.&]*\s?){1,3}\)\s*(?:-|\u2013|\u2014)")


def is_stamp(text: str, start: int, end: int) -> bool:
    """Is text[start:end] the page's own date (a byline stamp, "last updated", a comment's date), not an event's?"""
    if _STAMP_BEFORE.search(text, max(0, start - 60), start) or _DATELINE_AFTER.match(text, end):
        return True
    tail = _DATE_TAIL.match(text, end)  # a weekday the pattern took alone: "Monday" of "Monday 11 March 2024"
    end = tail.end() if tail else end
    year = _YEAR_RE.search(text, start, end) or _SHORT_YEAR.match(text, start, end + 4)
    if year is None:
        return False  # a clock after a day without its year is an event's time: "on Monday at 10:00 GMT"
    return bool(_STAMP_AFTER.match(text, year.end()) or _CLOCK_BEFORE.search(text, max(0, start - 30), start))


# --- the stage -------------------------------------------------------------------------------------

def _published(article: Article) -> date | None:
    try:
        return date.fromisoformat((article.published or "")[:10]) if article.published else None
    except ValueError:
        return None


class _Expr(NamedTuple):
    start: int
    end: int
    span: Any  # the spaCy span it came from, or None for a regex match


def _expressions(doc: Any, text: str) -> list[_Expr]:
    """DATE entities, day-naming TIME entities and explicit dates spaCy missed or cut, by start.

    An entity is cut at a line break; an explicit date overlapping entities replaces them by their union.
    """
    found: list[_Expr] = []
    for e in doc.ents:
        if e.label_ == "DATE" or (e.label_ == "TIME" and _DAY_TIME.match(e.text.strip())):
            end = e.end_char
            cut = text.find("\n", e.start_char, end)
            found.append(_Expr(e.start_char, cut if cut > 0 else end, e))
    for m in _EXPLICIT.finditer(text):
        if not re.search(r"\d", m.group()):
            continue
        over = [x for x in found if x.start < m.end() and x.end > m.start()]
        if over and all(m.start() >= x.start and m.end() <= x.end for x in over):
            continue  # inside an entity already
        start, end = min([m.start(), *(x.start for x in over)]), max([m.end(), *(x.end for x in over)])
        found = [x for x in found if x not in over]
        found.append(_Expr(start, end, over[0].span if len(over) == 1 and over[0].start == start
                           and over[0].end == end else None))
    found.sort()
    return found


#: words that name a day, a week, month or year near the anchor, found by rule in text spaCy's NER did not see:
#: the reader comments the nlp stage does not parse, and the report's sentences with no name candidate
#: (:mod:`newsloom.nlp.scoped_ner`)
_COMMENT_DATE = re.compile(
    r"\b(?:(?:(?:last|next|this|on)\s+)?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
    r"(?:\s+(?:morning|afternoon|evening|night))?|(?:yesterday|today|tomorrow)(?:\s+(?:morning|afternoon|evening|night))?"
    r"|tonight|last\s+night|this\s+(?:morning|afternoon|evening)|(?:(?:earlier|later)\s+)?(?:last|this|next)\s+"
    r"(?:week|month|year)|(?:a|one|two|three|four|five|six|seven|eight|nine|ten|a\s+few)\s+(?:days?|weeks?|months?|years?)"
    r"\s+ago)\b", re.I)
_SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019)\]]*\s+|\n")


def comment_expressions(text: str, start: int, found: list[_Expr], end: int | None = None) -> list[_Expr]:
    """The date words (:data:`_COMMENT_DATE`) in ``text[start:end]``, text NER did not see (the reader comments
    the nlp stage left unparsed, a sentence with no name candidate), that no expression of ``found`` overlaps."""
    out = []
    for m in _COMMENT_DATE.finditer(text, start, len(text) if end is None else end):
        if not any(x.start < m.end() and x.end > m.start() for x in found):
            out.append(_Expr(m.start(), m.end(), None))
    return out


def _sentence_start(text: str, pos: int, floor: int) -> int:
    """Where the sentence holding ``pos`` starts, by punctuation alone (for unparsed text), not before ``floor``."""
    last = floor
    for m in _SENTENCE_END.finditer(text, max(floor, pos - 400), pos):
        last = m.end()
    return last


def extract_dates(doc: Any, published: date | None, text: str | None = None) -> list[DateExpression]:
    """The temporal expressions of one parsed article, resolved (see the module docstring).

    Args:
        doc: the spaCy Doc of the article's report (the nlp stage parses the text before its reader comments).
        published: the article's own date, or None.
        text: the whole article text, when the parse stops where its reader comments start: the comments
            get the dates found by rule (:func:`comment_expressions`). Ignored unless the parsed text is
            exactly the text before the first comment header.

    Returns:
        Date dicts sorted by start.
    """
    parsed = doc_text(doc)
    if text is None or len(text) <= len(parsed) or comments_start(text) != len(parsed) or not text.startswith(parsed):
        text = parsed
    exprs = _expressions(doc, text)
    for start, end in doc.user_data.get(SKIPPED, ()):  # sentences NER did not see (no name candidate)
        exprs = sorted(exprs + comment_expressions(text, start, exprs, end))
    if len(text) > len(parsed):
        exprs = sorted(exprs + comment_expressions(text, len(parsed), exprs))
    anchor, anchor_name = published, "published" if published else None
    if anchor is None:  # anchor only on a full date the text itself states
        for x in exprs:
            got = resolve_expression(text[x.start:x.end], None)
            if got.absolute and got.precision == "day" and got.value:
                anchor, anchor_name = date.fromisoformat(got.value), f"text:{got.value}"
                break
    starts = [s.start_char for s in doc.sents] if doc.has_annotation("SENT_START") else [0]
    headers = comment_headers(text)
    header_ends = [h.end for h in headers]
    out: list[DateExpression] = []
    taken = -1  # the end of a list of days already expanded past its entity
    for x in exprs:
        if x.start < taken:
            continue
        base, base_name = anchor, anchor_name
        h = bisect.bisect_right(header_ends, x.start) - 1
        if h >= 0:  # in a reader comment: its own date, if its header states one
            base = date.fromisoformat(headers[h].date) if headers[h].date else None
            base_name = f"comment:{headers[h].date}" if headers[h].date else None
        sent_start = starts[max(bisect.bisect_right(starts, x.start) - 1, 0)] if x.start < len(parsed) else \
            _sentence_start(text, x.start, max(len(parsed), headers[h].end if h >= 0 else 0))
        tense = clause_tense(x.span, text, sent_start, x.start, x.end)
        before = text[max(0, x.start - 30):x.start]
        listed = _day_list(text, x.start, x.end)
        parts = listed or [(x.start, x.end, text[x.start:x.end])]
        for start, end, expression in parts:
            got = resolve_expression(expression, base, tense=tense, before=before)
            if got.value is None and got.kind == "date" and not listed:
                start, end, got = _narrowed(text, start, end, base, tense, got)
            if left_open(text, start, end, got.value, base):
                got = Resolved(None, None, False)
            in_header = any(c.start <= start < c.end for c in headers[h + 1:h + 2])  # "At 4:32 pm on 28 May ..."
            kind = "stamp" if got.value and (in_header or is_stamp(text, start, end)) else got.kind
            out.append({"start": start, "end": end, "text": text[start:end], "kind": kind, "value": got.value,
                        "precision": got.precision if got.value else None,
                        "anchor": None if got.value is None else "absolute" if got.absolute else base_name})
        taken = parts[-1][1] if listed else taken
    return out


def _narrowed(text: str, start: int, end: int, anchor: date | None, tense: str | None,
              got: Resolved) -> tuple[int, int, Resolved]:
    """An unresolved expression narrowed to an explicit date or leading weekday inside it ("the week to
    August 16" -> "August 16"; "Wednesday Ninety-five" -> "Wednesday"); else as it was."""
    m = _EXPLICIT.search(text, start, end)
    if m is None or (m.start(), m.end()) == (start, end):
        m = re.compile(rf"{_WD[:-3]}\b", re.I).match(text, start, end)
    if m is None or (m.start(), m.end()) == (start, end):
        return start, end, got
    inner = resolve_expression(m.group(), anchor, tense=tense)
    return (m.start(), m.end(), inner) if inner.value else (start, end, got)


def _day_list(text: str, start: int, end: int) -> list[tuple[int, int, str]] | None:
    """A list of days in the expression text[start:end] (spaCy may stop before its last day): one
    (start, end, expression to resolve) per day, e.g. "October 6" and "8" -> "October 8", "25" and "26 May"
    -> "25 May" and "26 May"; else None."""
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
    m = _DAY_FIRST_LIST.match(text[start:end].strip())
    if m:
        offset = start + len(text[start:end]) - len(text[start:end].lstrip())
        month, year = m.group(3), f" {m.group(4)}" if m.group(4) else ""
        return [(offset + d.start(), offset + d.end(), f"{d.group()} {month}{year}")
                for d in _ENUM_DAY.finditer(m.group(0), 0, m.end(2))]
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
        article.annotations["dates"] = extract_dates(doc, _published(article), article.text) if doc is not None \
            else []
        return article

    def pipe(self, articles: Iterable[Article], *, batch_size: int = 64) -> Iterator[Article]:
        for art in articles:
            yield self(art)
