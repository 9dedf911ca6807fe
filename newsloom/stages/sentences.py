"""Sentences and the dates they mention, from plain text, without a parse (pure functions).

The timelines, summaries and source comparison cite sentences by character span. Stored articles
keep no sentence table, so sentences are split here by rule (fast enough to run at read time), and
the dates of a sentence come from the store's ``dates`` table when the article was annotated, or
from :func:`find_dates` (a regular expression for the usual shapes of a date, resolved by the dates
stage's own :func:`~newsloom.stages.dates.resolve_expression`) when it was not, as in the Timeline17
evaluation, where a spaCy pass over 4,350 articles would take most of the run.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from .comments import comment_headers, comments_start
from .dates import clause_tense, is_stamp, left_open, resolve_expression

__all__ = ["split_sentences", "report_sentences", "find_dates", "is_item"]

# a sentence ends at . ! ? (closing quotes/brackets kept), before a space and an upper-case start;
# a known abbreviation, an initial ("G.") or a single-letter chain ("U.S.") does not end one
_END = re.compile(r"[.!?]+[\"'\u201d\u2019)\]]*(?=\s+[\"'\u201c\u2018(\[]?[A-Z0-9])|\n\s*\n|\n(?=\s*[A-Z\"\u201c])")
_MONTH_WORD = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|"
               r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
#: a dated list item ("March 5 - ", "Feb 15/16, 2011 - ") starts a sentence; a wire dateline ends one
_ITEM_START = rf"\s(?={_MONTH_WORD}\s\d{{1,2}}(?:/\d{{1,2}})?(?:,\s\d{{4}})?\s+(?:-{{1,2}}|\u2013|\u2014)\s)"
_DATELINE = r"\((?:Reuters|AP|AFP|CNN|Xinhua|dpa|UPI)\)\s+(?:-{1,2}|\u2013|\u2014)(?=\s)"
_BREAK = re.compile(rf"{_END.pattern}|{_ITEM_START}|{_DATELINE}")
_ABBREV = frozenset("mr mrs ms dr prof gen col lt sgt capt cmdr adm gov sen rep rev st jr sr no vs etc inc ltd co corp "
                    "jan feb mar apr jun jul aug sep sept oct nov dec mt ft pres supt insp det maj brig".split())
_TOKEN_BEFORE = re.compile(r"(\S+)$")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans (start, end) of ``text``, stripped of surrounding space; every character of
    prose falls in one span. Besides sentence ends, an item of a dated list ("March 5 - The council
    meets ...") starts a sentence, and a wire dateline ("TRIPOLI (Reuters) - ") ends one.

    Example:
        >>> split_sentences("Mr. Smith came. He left.")
        [(0, 15), (16, 24)]
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _BREAK.finditer(text):
        end = m.end()
        if text[m.start()].isspace() and _parenthetical(text, end):
            continue
        if text[m.start()] == ".":
            before = _TOKEN_BEFORE.search(text, max(0, m.start() - 30), m.start())
            word = before.group(1).lower().lstrip("(\"'\u201c") if before else ""
            if word in _ABBREV or (len(word) == 1 and word.isalpha()) or re.fullmatch(r"(?:[a-z]\.)+[a-z]", word):
                continue
        _add(text, start, end, spans)
        start = end
    _add(text, start, len(text), spans)
    return spans


def report_sentences(text: str) -> list[tuple[int, int]]:
    """The sentence spans of the article's own report: those before its reader comments, if it keeps any
    (:func:`newsloom.stages.comments.comments_start`). A comment is no source to cite in a timeline, a
    summary or a comparison of outlets (on Timeline17, 115 pages keep comment threads that are most of their
    text).

    Example:
        >>> report_sentences("Troops moved in. Great post! February 1, 2011 at 11:09 am | I disagree.")
        [(0, 16), (17, 28)]
    """
    cut = comments_start(text)
    return split_sentences(text if cut is None else text[:cut])


def _parenthetical(text: str, pos: int) -> bool:
    """Is the dated item that seems to start at ``pos`` a date with an aside between dashes ("picked January 25
    -- Police Day and a national holiday -- to hold protests"), the same dash closing it in the sentence?"""
    item = _ITEM_AT.match(text, pos)
    if item is None:
        return False
    dash = item.group(0).split()[-1]
    rest = text[item.end():item.end() + 160]
    stop = re.search(r"[.!?](?:\s|$)", rest)
    rest = rest[:stop.start() if stop else len(rest)]
    at = rest.find(f" {dash} ")
    while at >= 0:
        if not _DATE_BEFORE.search(rest, 0, at):  # the dash of the next item ("Jan 28 - ") closes nothing
            return True
        at = rest.find(f" {dash} ", at + 1)
    return False


def _add(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


_MONTH = (r"(?:Jan(?:uary|\.)?|Feb(?:ruary|\.)?|Mar(?:ch|\.)?|Apr(?:il|\.)?|May|June?|July?|Aug(?:ust|\.)?|"
          r"Sep(?:t(?:ember)?)?\.?|Oct(?:ober|\.)?|Nov(?:ember|\.)?|Dec(?:ember|\.)?)")
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_DATE_RE = re.compile(
    r"\b(?:"
    rf"(?:(?:last|next|this|on|early|late)\s+)?{_WEEKDAY}(?:\s*,?\s+{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?)?"
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:/\d{{1,2}}\b)?(?:,?\s+\d{{4}})?"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\b(?:,?\s+\d{{4}})?"
    r"|\d{4}-\d{2}-\d{2}"
    r"|(?:yesterday|today|tonight|tomorrow)"
    r")", re.I)
#: the second day of a day range ("Feb 15/16, 2011"): the range is dated by its first day
_RANGE_END = re.compile(r"/\d{1,2}\b")
_LOWER_STARTS = ("yesterday", "today", "tonight", "tomorrow", "last", "next", "this", "on", "early", "late")
_DATED_WEEKDAY = re.compile(rf"^(?:(?:last|next|this|on|early|late)\s+)?{_WEEKDAY}\s*,?\s+(?={_MONTH})", re.I)


def find_dates(text: str, anchor: date | None, spans: list[tuple[int, int]] | None = None
               ) -> Iterator[tuple[int, int, str, str]]:
    """Day-precise date expressions in ``text`` resolved against ``anchor`` (the article's date).

    Args:
        text: the article text.
        anchor: its publication date (None: only expressions that state their year resolve).
        spans: its sentence spans (for the tense of the clause); split here when not given.

    Yields:
        (start, end, value "YYYY-MM-DD", precision "day") for each expression that resolves to a day, but
        not a page's stamp or a comment header's date (:func:`newsloom.stages.dates.is_stamp`), nor one left
        open (a title's word, a day naming an event long before: :func:`newsloom.stages.dates.left_open`).
    """
    spans = spans if spans is not None else split_sentences(text)
    headers = [(h.start, h.end) for h in comment_headers(text)]
    si = 0
    for m in _DATE_RE.finditer(text):
        expr = m.group(0)
        if expr[0].isdigit() and len(expr) == 10 and expr[4] == "-":
            try:
                yield m.start(), m.end(), date.fromisoformat(expr).isoformat(), "day"
            except ValueError:
                pass
            continue
        if expr[:1].islower() and not expr.lower().startswith(_LOWER_STARTS):
            continue  # "we march 5 miles": a month name needs its capital
        while si + 1 < len(spans) and spans[si][1] <= m.start():
            si += 1
        sent_start = spans[si][0] if spans else 0
        tense = clause_tense(None, text, sent_start, m.start(), m.end())
        resolved = _RANGE_END.sub("", _DATED_WEEKDAY.sub("", expr))  # "Feb 15/16, 2011": its first day
        got = resolve_expression(resolved, anchor, tense=tense, before=text[max(sent_start, m.start() - 20):m.start()])
        value, precision = got.value, got.precision
        if value and precision == "day" and not is_stamp(text, m.start(), m.end()) \
                and not left_open(text, m.start(), m.end(), value, anchor) \
                and not any(a <= m.start() < b for a, b in headers):  # a comment header's date is its stamp
            yield m.start(), m.end(), value, "day"


_ITEM = re.compile(rf"^{_MONTH_WORD}\s\d{{1,2}}(?:/\d{{1,2}})?(?:,\s\d{{4}})?\s+(?:-{{1,2}}|\u2013|\u2014)\s")
_ITEM_AT = re.compile(_ITEM.pattern[1:])
_DATE_BEFORE = re.compile(rf"{_MONTH_WORD}\s\d{{1,2}}(?:/\d{{1,2}})?(?:,\s\d{{4}})?$")


def is_item(sentence: str) -> bool:
    """Is the sentence an item of a dated list ("March 5 - The council meets ..."), a journalist's timeline?"""
    return bool(_ITEM.match(sentence))
