"""Figures in text (pure): numbers with their unit and what they count ("30,000 migrants", "$57m", "12%").

:func:`find_figures` reads a number (digits, or a number word), an optional scale ("million", "bn"),
a currency or percent sign, and the noun that follows (skipping up to two modifiers: "30,000 Syrian
migrants"); :func:`disagreements` pairs figures of different sources that count the same thing in
similar sentences with values more than 10% apart.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Figure", "find_figures", "disagreements"]

_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
          "eleven": 11, "twelve": 12, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "hundred": 100,
          "dozens": 24, "hundreds": 200, "thousands": 2000, "tens of thousands": 20_000}
_VAGUE = frozenset(("dozens", "hundreds", "thousands", "tens of thousands"))
_SCALE = {"thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "mn": 1e6, "billion": 1e9, "bn": 1e9, "b": 1e9,
          "trillion": 1e12, "tn": 1e12}
_CURRENCY = {"$": "USD", "\u20ac": "EUR", "\u00a3": "GBP", "US$": "USD"}
#: words that are never a modifier of what a figure counts ("ten to drop bombs", "20 and injured dozens")
_FUNCTION = ("(?:the|a|an|to|and|or|but|nor|in|on|at|for|from|by|with|into|onto|than|as|that|which|who|whom|is|are|"
             "was|were|be|been|will|would|could|should|can|may|might|must|has|have|had|do|did|not|no|per|if|so)")
_FIGURE = re.compile(
    r"(?P<cur>US\$|[$\u20ac\u00a3])?\s?"
    r"(?<![A-Za-z])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|tens of thousands|(?:" + "|".join(
        sorted((w for w in _WORDS if " " not in w), key=len, reverse=True)) + r"))"
    r"(?:\s?(?P<scale>thousand|million|billion|trillion|bn|mn|tn|[mbk])\b)?"
    r"(?P<pct>\s?(?:%|per ?cent|percent))?"
    r"(?:\s+(?P<unit>(?:euros?|dollars?|pounds?|roubles?|rubles?|yuan|km|kilometres?|kilometers?|miles?|"
    r"tonnes?|tons?|barrels?|gallons?)\b))?"
    r"(?P<noun>(?:\s+(?P<of>of\s+(?:the\s+)?)?(?:(?!" + _FUNCTION + r"\b)[A-Za-z][a-z\-]+\s+){0,2}?"
    r"(?P<head>[a-z][a-z\-]{2,}s)\b))?", re.I)
_NOT_HEAD = frozenset("years days hours weeks months minutes seconds times others percents decades this thus plus less "
                      "does goes always perhaps across unless besides whereas yes its his hers ours theirs towards "
                      "afterwards".split())
_UNIT_NORM = {"euro": "EUR", "dollar": "USD", "pound": "GBP", "rouble": "RUB", "ruble": "RUB"}


@dataclass(slots=True)
class Figure:
    """One figure: its span, value, unit (currency, %, a measure, or None) and what it counts."""

    start: int
    end: int
    text: str
    value: float
    unit: str | None
    counts: str | None
    approx: bool = False  # a vague quantity ("thousands of", "dozens")

    def as_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text, "value": self.value, "unit": self.unit,
                "counts": self.counts,
                "approx": self.approx}


def _singular(word: str) -> str:
    w = word.lower()
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith("s") and not w.endswith("ss"):
        return w[:-1]
    return w


def find_figures(text: str) -> list[Figure]:
    """Every figure in ``text`` that has a unit or counts something (bare numbers and years are skipped)."""
    out: list[Figure] = []
    for m in _FIGURE.finditer(text):
        num = m.group("num").lower()
        if num in _WORDS:
            value = float(_WORDS[num])
        else:
            value = float(num.replace(",", ""))
            if re.fullmatch(r"(1[5-9]|20)\d\d", num) and not (m.group("cur") or m.group("pct") or m.group("scale")):
                continue  # a year
        scale = (m.group("scale") or "").lower()
        if scale in ("m", "b", "k") and not m.group("cur"):
            scale = ""  # "5 m" without a currency is a distance, not a million
        value *= _SCALE.get(scale, 1.0)
        unit = None
        if m.group("cur"):
            unit = _CURRENCY[m.group("cur")]
        elif m.group("pct"):
            unit = "%"
        elif m.group("unit"):
            u = _singular(m.group("unit"))
            unit = _UNIT_NORM.get(u, u)
        head = m.group("head")
        counts = _singular(head) if head and head.lower() not in _NOT_HEAD else None
        if unit is not None and not m.group("of"):
            counts = None  # "$57m for victims": the money is the figure; "12% of voters" counts voters
        if unit is None and counts is None:
            continue
        end = m.end("head") if counts else m.end("unit") if m.group("unit") else m.end("pct") if m.group("pct") else \
            m.end("scale") if m.group("scale") else m.end("num")
        start = m.start("cur") if m.group("cur") else m.start("num")
        out.append(Figure(start, end, text[start:end], value, unit, counts, num in _VAGUE))
    return out


def disagreements(figures: Iterable[dict[str, Any]], *, tolerance: float = 0.1, min_overlap: float = 0.2,
                  max_ratio: float = 10.0) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Pairs of figures from different outlets that count the same thing with different values.

    Args:
        figures: dicts with ``outlet``, ``value``, ``unit``, ``counts`` and ``context`` (a set of content
            words of the sentence around the figure).
        tolerance: values closer than this share (10%) agree.
        min_overlap: the two sentences must share this Jaccard share of content words (the same thing).
        max_ratio: values further apart than this are taken to be different things.

    Returns:
        (figure, figure) pairs, the smaller value first, each pair once.
    """
    items: Sequence[dict[str, Any]] = list(figures)
    out = []
    seen: set[tuple[Any, ...]] = set()
    for i, a in enumerate(items):
        for b in items[i + 1:]:
            if a["outlet"] == b["outlet"] or (a["counts"], a["unit"]) != (b["counts"], b["unit"]) or \
                    not a["counts"] or a.get("approx") or b.get("approx"):
                continue
            lo, hi = sorted((a["value"], b["value"]))
            if lo <= 0 or (hi - lo) / hi <= tolerance or hi / lo > max_ratio:
                continue
            ca, cb = a["context"], b["context"]
            if len(ca & cb) / max(1, len(ca | cb)) < min_overlap:
                continue
            key = (a["counts"], lo, hi, *sorted((a["outlet"], b["outlet"])))
            if key in seen:
                continue
            seen.add(key)
            out.append((a, b) if a["value"] <= b["value"] else (b, a))
    return out
