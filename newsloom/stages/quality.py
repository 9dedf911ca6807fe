"""The quality stage: per-article flags, each ``{"score": 0..1, "evidence": [...]}`` on ``Article.quality``.

Flags:

* ``spin``: machine-translation or spinning artefacts in English text: Dutch (or other foreign)
  function words used as English ones ("continues met back", "the EU - die considers him") and
  broken capitalisation (a sentence starting in lower case, a capitalised function word mid-sentence),
  and a paragraph cleaning cut as a reworded repeat of another (two renderings of one passage).
  Not evidence: the dots of abbreviations ("U.S.", "p.m.", "Inc."), web addresses ("CNN.com"),
  link labels in brackets ("(learn more)"), labels ("updated:"), names after "The" ("The Atlantic"),
  and writers who type in lower case throughout (reader comments);
* ``truncated``: the text stops mid-sentence (or with an ellipsis / "read more");
* ``boilerplate``: the share of the input that cleaning cut (``Article.removed``);
* ``not_article``: an index page or list of links: mostly short line-like paragraphs, little prose.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ..model import Article
from ..pipeline import stage
from ..settings import stage_settings

__all__ = ["Quality", "spin_artefacts", "truncation", "boilerplate_share", "not_an_article"]

# web addresses and domains ("CNN.com", "wp.me/x"), dotted abbreviations ("U.S.", "p.m."), words with digits
# ("2", "H1N1"), words, an ellipsis, punctuation: an address or abbreviation is one token, so its dots end
# no sentence
_TOKEN = re.compile(r"https?://\S+|www\.\S+|[\w.-]+/[\w./?=&%#-]+|[A-Za-z0-9-]+(?:\.(?:com|org|net|gov|edu|co|uk|me|ly|tv|fm|io)\b)"
                    r"(?:/\S*)?|(?:[A-Za-z]\.){2,}|[A-Za-z\u00c0-\u024f'0-9]+|\.{3}|\u2026|"
                    r"[.!?;:,()\[\]\u2013\u2014\"\u201c\u201d]")
# words whose full stop is an abbreviation's, not a sentence end ("Inc. and", "Sen. Kerry", "Jan. 25")
_ABBREVIATIONS = frozenset("""mr mrs ms dr prof sr jr st mt ft inc co corp ltd llc bros no nos vs etc approx dept
est fig gen lt col sgt capt cmdr adm gov sen rep rev hon pres ave blvd rd jan feb mar apr jun jul aug sep sept oct
nov dec mon tue tues wed thu thur thurs fri sat sun""".split())
# Dutch words that are not English words: any occurrence in English prose is an artefact
_DUTCH_ONLY = frozenset("het een van zijn niet ook wordt werd naar voor maar omdat deze dit wij zij hun haar heeft "
                        "hebben worden waren werden tegen tussen onder zoals wanneer".split())
# English readings of "die" and "met": the words around them when they are English
_DIE_BEFORE = frozenset("to will would could can may might must should shall did does do not never let 'll people "
                        "who and or they we you i soldiers patients".split())
_DIE_AFTER = frozenset("in of from out off down at on for after before when if because alone young soon as with "
                       "without and or but than hard instantly every each here there this tomorrow today yesterday".split())
_MET_AFTER = frozenset("with the a an his her their its our my your him them us me on in at by for to this that these "
                       "those some several many all both officials leaders again up privately separately briefly "
                       "virtually face resistance".split())
_FUNCTION_CAPS = frozenset("And Or But Of With For To In On At By From The A An Is Are Was Were That Which".split())
_WORDS = re.compile(r"\w+")
_BULLET = re.compile(r"^\W+")
#: a reworded repeat of a paragraph this long (distinct words) counts ...
_REWORDED_MIN_WORDS = 20
#: ... as this many artefacts
_REWORDED_WEIGHT = 5
_SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019)\]]*$")
_ELLIPSIS = re.compile(r"(\.\.\.|\u2026|\[\.\.\.\]|read more|continue reading)\W*$", re.I)
_LINKISH = re.compile(r"https?://|www\.|\s[|\u00bb\u203a]\s|^\W*[\u2022\u25aa*\-]\s")


def _squash(x: float) -> float:
    return round(x / (1.0 + x), 3)


def _ends_sentence(tokens: list[str], i: int) -> bool:
    """True when ``tokens[i]`` is a full stop, "!" or "?" that ends a sentence (not an abbreviation's dot)."""
    if tokens[i] not in (".", "!", "?"):
        return False
    before = tokens[i - 1] if i else ""
    return tokens[i] != "." or not (before.lower() in _ABBREVIATIONS or (len(before) == 1 and before.isalpha()))


def _context(tokens: list[str], i: int) -> str:
    """The words around ``tokens[i]``, quoted in the evidence."""
    return " ".join(tokens[max(0, i - 3):i + 4])


def _has_capitals(tokens: list[str], i: int) -> bool:
    """True when the sentence starting at ``tokens[i]`` capitalises a later word: a writer who types all in
    lower case ("thats why i understand") has a style, not a translation's broken casing."""
    for j in range(i + 1, len(tokens)):
        if _ends_sentence(tokens, j):
            return False
        if tokens[j][0].isupper() and tokens[j] != "I":
            return True
    return False


def spin_artefacts(text: str, language: str | None = "en", removed: list[dict[str, Any]] | None = None,
                   ) -> dict[str, Any]:
    """Foreign function words, broken capitalisation and reworded repeats in English text, per 1,000 words.

    Args:
        text: the cleaned text.
        language: its language; only English is checked.
        removed: what cleaning cut (``Article.removed``): a paragraph cut as a reworded repeat of another
            is two renderings of one passage, a sign of machine translation or spinning.

    Returns:
        ``{"score": 0..1, "evidence": [...]}``.
    """
    if language not in (None, "en"):
        return {"score": 0.0, "evidence": [f"not checked: language {language}"]}
    evidence: list[str] = []
    words = 0
    for par in (p for p in text.split("\n") if p.strip()):
        tokens = _TOKEN.findall(par)
        first_word = next((t for t in tokens if t[0].isalnum()), "")
        if first_word and first_word[0].islower() and not first_word.startswith(("iP", "e")) \
                and "." not in first_word:
            evidence.append(f"paragraph starts in lower case: {par[:40]!r}")
        for i, tok in enumerate(tokens):
            if not tok[0].isalpha():
                continue
            words += 1
            if "." in tok or "/" in tok:  # an address or an abbreviation: its case says nothing
                continue
            low = tok.lower()
            prev = tokens[i - 1] if i else "."
            nxt = tokens[i + 1] if i + 1 < len(tokens) else "."
            if tok in _DUTCH_ONLY:
                evidence.append(f"Dutch word {tok!r}: {_context(tokens, i)!r}")
            elif low == "die" and tok == "die" and prev.lower() not in _DIE_BEFORE and nxt.lower() not in _DIE_AFTER \
                    and nxt[0].isalpha():
                evidence.append(f"Dutch 'die' (who/that): {_context(tokens, i)!r}")
            elif tok == "met" and nxt[0].isalpha() and nxt[0].islower() and nxt not in _MET_AFTER \
                    and not (nxt.endswith("ly") and nxt not in ("especially", "particularly", "notably")):
                evidence.append(f"Dutch 'met' (with): {_context(tokens, i)!r}")
            elif i and _ends_sentence(tokens, i - 1) and tok[0].islower() and nxt != ":" \
                    and _has_capitals(tokens, i):
                evidence.append(f"sentence starts in lower case: {_context(tokens, i)!r}")
            elif i and tok in _FUNCTION_CAPS and prev[0].isalpha() and prev[0].islower() and "." not in prev \
                    and prev not in ("am", "pm") \
                    and not nxt[0].isupper():  # "The Atlantic", "A Tunisian protester": a name or a heading;
                # "8:06 am The ...": a time stamp starts a new item
                evidence.append(f"capitalised function word mid-sentence: {_context(tokens, i)!r}")
    hits = len(evidence)
    for par in _reworded_repeats(text, removed or ()):
        # two renderings of one passage weigh like a dense run of artefacts
        evidence.append(f"paragraph repeated in other words: {par[:40]!r}")
        hits += _REWORDED_WEIGHT
    rate = 1000 * hits / max(words, 1)
    # a handful of hits per thousand words is noise in real prose; ten is a spun text
    return {"score": _squash(max(0.0, rate - 1.5) / 4.0), "evidence": evidence[:20]}


def _reworded_repeats(text: str, removed: Iterable[dict[str, Any]]) -> list[str]:
    """Paragraphs cleaning cut as repeats that say the same in other words (not a verbatim copy)."""
    out = []
    kept = [set(_WORDS.findall(p.lower())) for p in text.split("\n") if p.strip()]
    for r in removed:
        if r.get("rule") != "repeated_paragraph":
            continue
        bag = set(_WORDS.findall(_BULLET.sub("", r.get("text", "")).lower()))
        if len(bag) < _REWORDED_MIN_WORDS:
            continue
        best = max((len(bag & k) / len(bag | k) for k in kept if len(k) >= _REWORDED_MIN_WORDS), default=1.0)
        if best < 0.95:
            out.append(r["text"])
    return out


def truncation(text: str) -> dict[str, Any]:
    """Score 1 when the text stops mid-sentence or with an ellipsis / 'read more'."""
    last = next((p.strip() for p in reversed(text.split("\n")) if p.strip()), "")
    if not last:
        return {"score": 0.0, "evidence": []}
    tail = last[-60:]
    if _ELLIPSIS.search(last):
        return {"score": 1.0, "evidence": [f"ends with an ellipsis or 'read more': {tail!r}"]}
    if _SENTENCE_END.search(last):
        return {"score": 0.0, "evidence": []}
    if len(last.split()) <= 6:  # a short last line without a full stop: a sign-off, byline or caption
        return {"score": 0.3, "evidence": [f"last line has no final punctuation: {tail!r}"]}
    return {"score": 1.0, "evidence": [f"ends mid-sentence: {tail!r}"]}


def boilerplate_share(article: Article) -> dict[str, Any]:
    """The share of the input's characters that cleaning removed, with the rules that removed them."""
    cut = sum(len(r.get("text", "")) for r in article.removed)
    share = cut / max(cut + len(article.text), 1)
    rules: dict[str, int] = {}
    for r in article.removed:
        rules[r.get("rule", "?")] = rules.get(r.get("rule", "?"), 0) + 1
    return {"score": round(share, 3), "evidence": [f"{n} x {rule}" for rule, n in sorted(rules.items())]}


def not_an_article(text: str) -> dict[str, Any]:
    """An index page or list of links: short link-like lines and little running prose."""
    lines = [p.strip() for p in text.split("\n") if p.strip()]
    if not lines:
        return {"score": 1.0, "evidence": ["no text"]}
    short = [ln for ln in lines if len(ln.split()) <= 12 and not _SENTENCE_END.search(ln)]
    links = [ln for ln in lines if _LINKISH.search(ln)]
    prose_words = sum(len(ln.split()) for ln in lines if len(ln.split()) > 12 and _SENTENCE_END.search(ln))
    share = (len(short) + len(links)) / (2 * len(lines)) + 0.5 * len(short) / len(lines)
    score = min(1.0, share) * (1.0 if prose_words < 150 else 0.3) if len(lines) >= 5 else 0.0
    evidence = [f"{len(short)} of {len(lines)} paragraphs are short lines without a full stop",
                f"{len(links)} link-like lines", f"{prose_words} words of running prose"]
    return {"score": round(score, 3), "evidence": evidence if score >= 0.3 else []}


@stage("quality", requires=("text", "language", "removed"), assigns=("quality",))
class Quality:
    """Score spin/MT artefacts, truncation, boilerplate share and not-an-article, with evidence."""

    def __init__(self, settings: Any = None) -> None:
        self.cfg = stage_settings(settings, "quality")

    def __call__(self, article: Article) -> Article:
        article.quality["spin"] = spin_artefacts(article.text, article.language, article.removed)
        article.quality["truncated"] = truncation(article.text)
        article.quality["boilerplate"] = boilerplate_share(article)
        article.quality["not_article"] = not_an_article(article.text)
        return article
