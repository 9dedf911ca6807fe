"""Span repairs and context types for the entities stage (internal helper, not a stable API).

Each spaCy entity of a kept label becomes a :class:`Span` with its edges repaired (honorifics, peers'
titles, possessives, brackets, lists, particles, datelines), or is dropped when it is no name at all
(dates, codes, tickers, titles alone, terms, products); :func:`context_type` reads the words around a
span for its type (a role in apposition, a wire credit, a dateline, a place preposition).
"""
from __future__ import annotations

import re
from typing import Any

from .entity_words import (_ACRONYM_SKIP, _APOS, _APPOSITION, _BODY_WORDS, _CALENDAR, _CODE, _DISEASES, _COMPANY, _CREDIT,
                           _INDEFINITE, _NOT_NAME_END_POS, _NOT_NAME_POS, _PLACE_BEFORE, _PLACE_LEAD, _PLACE_NOUNS,
                           _POSSESSIVE, _ROLES, _THINGS, _TIME_ZONES, _WIRE_AFTER, EXPANSIONS, HONORIFICS, LABELS,
                           PARTICLES, REGNAL, TITLES, is_honorific)

__all__ = ["Span", "raw_spans", "is_thing", "context_type"]


class Span:
    __slots__ = ("start", "end", "label", "words", "spaces", "tok_start", "tok_end", "keep_the")

    def __init__(self, start: int, end: int, label: str, words: list[str], spaces: list[str], tok_start: int,
                 tok_end: int, keep_the: bool) -> None:
        self.start, self.end, self.label, self.words, self.spaces = start, end, label, words, spaces
        self.tok_start, self.tok_end, self.keep_the = tok_start, tok_end, keep_the


def _junk(doc: Any, text: str, s: int, e: int, label: str) -> bool:
    """True when the span ``doc[s:e]`` is not a name: a disease, a date, a code, a ticker, a title alone."""
    words = [t.text for t in doc[s:e] if any(c.isalnum() for c in t.text)]
    if not words:
        return True
    folded = [w.rstrip(".").casefold() for w in words]
    if e < len(doc) and doc[e].lower_ in _DISEASES:
        return True  # "Swine flu", "Hong Kong flu": the name of a disease
    if all(w in _CALENDAR for w in folded) and (len(words) > 1 or label != "PERSON"):
        return True  # "Mon Aug", "Tue Jun": a dateline
    if any(_CODE.search(w) for w in words) or (label == "PERSON" and any(c.isdigit() for w in words for c in w)):
        return True  # "H1N1", "NSC89853"; a person's name has no digits
    if all(w in _TIME_ZONES for w in folded):
        return True  # "GMT"
    if label != "PERSON" and len(words) > 1 and REGNAL.match(words[-1]) and words[-1] not in ("I", "i"):
        return True  # "Phase II", "World War II": a phase or an event, not a body or a place

    if all(w in HONORIFICS or w in TITLES for w in folded) and (len(words) > 1 or label != "PERSON"):
        return True  # "Lance Corporal", "Defense"
    start, end = doc[s].idx, doc[e - 1].idx + len(doc[e - 1].text)
    if re.fullmatch(r"[A-Z]{3}(?:/[A-Z]{3})?", text[start:end]) and (
            "/" in text[start:end] or re.match(r"/[A-Z]{3}\b", text[end:end + 4])
            or re.search(r"\b[A-Z]{3}/$", text[max(0, start - 4):start])):
        return True  # a currency pair: "EUR/USD"
    if label == "GPE" and re.search(r"\d:\d\d\s*(?:[ap]\.?m\.?\s*)?$", text[max(0, start - 12):start]):
        return True  # a clock time's zone: "15:47 UK"
    if text[start - 1:start] not in ("(", "<"):
        return False
    # a stock ticker: "Barclays (BARC.L)", "<LLOY. L>"
    if re.match(r"\.\s?[A-Z]{1,3}\s?[)>]", text[end:end + 7]):
        return True
    # a term's abbreviation after the term in lower case: "recovery and resolution plans (RRP)"
    letters = words[0] if len(words) == 1 and words[0].isupper() else ""
    before = re.findall(r"[\w'-]+", text[max(0, start - 120):start])
    before = [w for w in before if w.casefold() not in _ACRONYM_SKIP][-len(letters):] if letters else []
    return bool(before) and all(w[:1].islower() for w in before[1:]) and \
        "".join(w[0] for w in before).casefold() == letters.casefold()


def _sentence_start(doc: Any, s: int) -> bool:
    if s == 0:
        return True
    prev = doc[s - 1]
    return prev.text in (".", "!", "?", ":", "\"", "\u201c") or "\n" in prev.text_with_ws or prev.is_space


def raw_spans(doc: Any, text: str) -> list[Span]:
    """Step 1: spaCy entities of the kept labels, with their spans repaired (``text`` is the Doc's text:
    ``Doc.text`` is rebuilt from every token on each access)."""
    spans: list[Span] = []
    ents = [(ent.start, ent.end, ent.label_) for ent in doc.ents if ent.label_ in LABELS]
    taken_until = -1
    k = 0
    while k < len(ents):
        s, e, label = ents[k]
        k += 1
        if s < taken_until:  # swallowed by an earlier extended span
            continue
        # cut at an inner possessive ("Lukashenko's Belarus" -> "Lukashenko's"), unless the name is a body named
        # so ("Queen's Lancashire Regiment", "British Bankers' Association")
        if not (label in ("ORG", "FAC") and doc[e - 1].text.casefold() in _BODY_WORDS):
            for i in range(s + 1, e - 1):
                if doc[i].text.translate(_APOS) in ("'s", "'"):
                    e = i + 1
                    break
        # cut at a bracket ("Barclays (BARC"); two bodies or people in a list ("Sky, Channel 4") or a heading
        # ("Circus - Take That") are two names
        for i in range(s + 1, e):
            if doc[i].text in ("(", ")", "[", "]", "<", ">"):
                e = i
                break
            if label in ("ORG", "PERSON") and doc[i].text in (",", "\u2013", "\u2014", "--") or (
                    label == "PERSON" and doc[i].text == "-" and doc[i - 1].whitespace_):  # "Amre Moussa -- Mubarak"
                if i + 1 < e:  # the name after the comma is a span of its own ("Macworld, Apple Inc.")
                    ents.insert(k, (i + 1, e, label))
                e = i
                break
        # trim leading lowercase words ("force the European Union"), words a name never starts with, such as
        # verbs and adverbs of a title-case headline ("Once Mubarak", "Buys SeaMicro"), numbers ("4 Egypt")
        # and the time zone of a dateline ("BST NEW YORK")
        while s < e - 1 and (doc[s].text[:1].islower() and doc[s].text.casefold() not in PARTICLES
                             or doc[s].pos_ in _NOT_NAME_POS and not is_honorific(doc[s].text)
                             or doc[s].like_num or doc[s].text.casefold() in _TIME_ZONES):
            s += 1
        # nor does a name end in a lower-case word or an indefinite pronoun ("Islamic Relief and", "Beirut
        # Anybody"); a place noun stays in the span, out of the name ("Muntinlupa city", "Aceh province")
        while e - 1 > s and (doc[e - 1].text[:1].islower() and doc[e - 1].text.casefold() not in PARTICLES
                             and doc[e - 1].text not in _PLACE_NOUNS
                             or doc[e - 1].text.casefold() in _INDEFINITE or not doc[e - 1].text[:1].isalnum()):
            e -= 1
        # take in a capitalised "The" before a body or place mid-sentence ("in The Hague", "at The Hall School")
        if label != "PERSON" and s > 0 and doc[s].text != "The" and doc[s - 1].text == "The" \
                and not _sentence_start(doc, s - 1):
            s -= 1
        if label == "PERSON":
            # a name does not end in a verb or a common noun either ("Obama Did", "Mubarak Regime")
            while e - 1 > s and doc[e - 1].pos_ in _NOT_NAME_END_POS and (
                    doc[e - 1].text[:1].isupper() or doc[e - 1].pos_ == "NUM"):
                e -= 1
            # a name that stops at a particle ("Ursula von der") takes the capitalised word after it
            while e < len(doc) and doc[e - 1].text.casefold() in PARTICLES:
                if doc[e].text[:1].isupper():
                    e += 1
                    break
                if doc[e].text.casefold() in PARTICLES:
                    e += 1
                    continue
                break
        if _junk(doc, text, s, e, label):
            continue
        letters = doc[s].text.replace(".", "")
        if label == "ORG" and e - s >= 4 and letters.isupper() and letters.casefold() in EXPANSIONS:
            # "U.S. Centers for Disease Control and Prevention": the country, then the body's own name
            spans.append(Span(doc[s].idx, doc[s].idx + len(doc[s].text), "GPE", [doc[s].text],
                               [doc[s].whitespace_], s, s + 1, False))
            s += 1
        # take in a possessive just after it ("Lukashenko" + "'s"), so aliases keep the form written
        if e < len(doc) and doc[e].text.translate(_APOS) == "'s" and doc[e - 1].text.translate(_APOS) != "'s":
            e += 1
        # take in an honorific just before the span ("Mr", "Mrs."), or a peer's title ("Lord Goldsmith")
        if s > 0 and label == "PERSON" and doc[s - 1].text in ("Lord", "Lady") and e - s == 1:
            s -= 1
        elif s > 0 and is_honorific(doc[s - 1].text) and (
                doc[s - 1].text[:1].isupper() or doc[s - 1].text.casefold() in ("mr.", "mrs.", "ms.", "dr.", "mr")):
            s -= 1
        words = [t.text for t in doc[s:e]]
        if not any(w[:1].isupper() or w[:1].isdigit() for w in words):
            continue
        spaces = [t.whitespace_ for t in doc[s:e]]
        keep_the = label != "PERSON" and doc[s].text == "The" and not _sentence_start(doc, s)
        lead = len(words[0]) - len(words[0].lstrip("-\u2013\u2014'\"\u2018\u201c"))  # "-Kremlin" of "pro-Kremlin"
        if lead and len(words[0]) > lead:
            words[0] = words[0][lead:]
        spans.append(Span(doc[s].idx + lead, doc[e - 1].idx + len(doc[e - 1].text), label, words, spaces, s, e,
                           keep_the))
        taken_until = e
    return spans


def is_thing(doc: Any, sp: Span, spans: list[Span]) -> bool:
    """A one-word name that names a thing: after a noun for one ("the vaccine Aflunov", "an anesthetic,
    Propofol"), or, tagged PERSON, before one ("Zorvax tablets") or owned by a body or a person
    ("GlaxoSmithKline's Relenza", "Michael Jackson's Autopsy"). An ORG before a noun for a thing is the
    maker or the user ("Hamas rockets", "OPEC crude"), so that alone says nothing."""
    if sp.label not in ("PERSON", "ORG") or len(sp.words) != 1:
        return False
    s, e = sp.tok_start, sp.tok_end
    after = doc[e].text if e < len(doc) else ""
    before = doc[s - 1].text if s > 0 else ""
    if before == "," and s > 1:
        before = doc[s - 2].text
    if before in _THINGS and before.islower():
        return True
    if sp.label != "PERSON":
        return False
    owned = s > 1 and doc[s - 1].text.translate(_APOS) == "'s" and any(
        o is not sp and o.tok_start < s - 1 and o.tok_end in (s - 1, s) for o in spans)  # the owner keeps its 's
    return after in _THINGS or owned


def _is_role(word: str) -> bool:
    """A lower-case word naming what a person does ("councillor", "microbiologist", "director-general")."""
    return word[:1].islower() and (word.split("-")[0] in _ROLES or (word.endswith("ist") and len(word) > 5))


def context_type(doc: Any, text: str, sp: Span) -> str | None:
    """The type the words around a span tell: "ORG" for a name ending in a company's legal form; "PERSON" for a role in apposition after a name of two or
    more words ("Keiji Fukuda, acting WHO assistant director-general"), a role before it ("councillor Ines
    Varga") or a wire credit ("Editing by Toby
    Chopra"); "GPE" for a capitalised dateline before a wire credit ("ZURICH (Reuters)") or a name after
    "in", "near", ... (a person is rarely "in Houla")."""
    before = text[max(0, sp.start - 30):sp.start]
    after = text[sp.end:sp.end + 80]
    if len(sp.words) >= 2 and sp.words[-1].rstrip(".").casefold() in _COMPANY:
        return "ORG"
    if sp.label != "PERSON" and len(sp.words) >= 2 and all(w[:1].isupper() for w in sp.words):
        m = _APPOSITION.match(after)
        role_before = sp.tok_start > 0 and _is_role(doc[sp.tok_start - 1].text)
        if m and _is_role(m.group(1)) or role_before or _CREDIT.search(before):
            return "PERSON"  # "Leo Poon, a microbiologist", "councillor Ines Varga", "Editing by Toby Chopra"
    if sp.label != "PERSON" and all(w.isupper() for w in sp.words if w[:1].isalpha()) and (
            _WIRE_AFTER.match(after) or (not text[:sp.start].strip() and after.lstrip().startswith("|"))):
        return "GPE"  # a dateline: "ZURICH (Reuters)", "ZURICH | Thu Apr 30, 2009"
    if sp.label != "PERSON" or sp.words[-1] in _POSSESSIVE or after.startswith(("'s", "\u2019s")):
        return None
    m = _APPOSITION.match(after)
    if (sp.tok_start > 0 and doc[sp.tok_start - 1].text in _PLACE_BEFORE) or _PLACE_LEAD.search(before) or (
            m and m.group(1) in _PLACE_NOUNS):
        return "GPE"
    return None


