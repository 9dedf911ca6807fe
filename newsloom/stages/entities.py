"""The entities stage: named-entity mentions with in-article canonical names.

Reads the spaCy ``Doc`` the nlp stage left on ``article.annotations["doc"]`` and puts
``article.annotations["mentions"]``: a list of dicts sorted by ``start``::

    {"start": int, "end": int, "text": str, "label": "PERSON"|"ORG"|"GPE"|..., "name": str}

Offsets index ``article.text``. ``name`` is the in-article canonical name: a later short form
resolves to the full name used in the article ("Mr. Markov" -> "Sergei Markov",
"Lukashenko's" -> "Alexander Lukashenko"), with titles, honorifics and possessives stripped.

The cleanup runs as a cascade over spaCy's entities, each step cheap:

1. span repairs and junk (``entity_spans.raw_spans``): edges mended (honorifics, peers' titles, inner
   possessives, brackets, lists, particles, numbers, time zones, trailing lower-case words); dates,
   codes, tickers, titles alone, terms and currency pairs dropped; "U.S." split off a long body name.
2. types from the words around a span (``entity_spans.context_type``): a company form, a role in
   apposition or before the name, a wire credit, a dateline, a place preposition; a one-word name
   beside a noun for a thing is a product and is dropped (``entity_spans.is_thing``).
3. base names (``entity_words.base_name``): titles, honorifics, possessives and a leading "the"
   stripped; the name shown keeps its inner punctuation (``entity_words.display_name``).
4. a one-word person resolves to a full name in the article with the same surname (nearest earlier
   one, else the first later one), else to the one full name it is the first name of ("Laci" ->
   "Laci Peterson"), else to a surname one edit away (Limets/Lemets); the gender an honorific tells
   must agree ("Mrs. Mubarak" is not "Mr. Mubarak"); an ORG/GPE equal to such a surname becomes that
   PERSON ("Stoltenberg" tagged ORG); an acronym resolves to a longer name whose initials it is ("EU"
   -> "European Union"), and a few country abbreviations are spelled out ("UK" -> "United Kingdom").
5. each name takes the majority label of its mentions ("Belarus" tagged PERSON once), a place where
   the words around it say so and nothing says person, and its most used spelling.
"""
from __future__ import annotations

import bisect
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from ..model import Article, Mention
from ..nlp.scoped_parse import parse_scope
from ..pipeline import stage
from ..settings import stage_settings
from .entity_spans import Span, context_type, is_thing, raw_spans
from .entity_words import (_ACRONYM_SKIP, _FROM_TO, _POSSESSIVE, _THINGS, EXPANSIONS, LABELS, REGNAL, base_name, display_name,
                           edit_distance, fold, gender_of, is_title, surname)

__all__ = ["Entities", "resolve_in_article", "extract_mentions", "fold", "edit_distance", "base_name", "LABELS"]

parse_scope(labels=LABELS)  # the names the scoped parse looks for beside an event verb

def _acronym(words: list[str]) -> str:
    return "".join(w[0] for w in words if w.casefold() not in _ACRONYM_SKIP and w[:1].isupper())


def extract_mentions(doc: Any, text: str) -> list[Mention]:
    """The mentions of one parsed article (see the module docstring for the steps).

    Args:
        doc: the spaCy Doc of ``text`` (offsets must index ``text``).
        text: the article text.

    Returns:
        Mention dicts sorted by ``start``.
    """
    spans = raw_spans(doc, text)
    if not spans:
        return []
    placed: set[str] = set()  # names written after "in", "near" ...: places if nothing says person
    places = {text[sp.start:sp.end] for sp in spans if sp.label in ("GPE", "LOC")}
    for sp in spans:
        told = context_type(doc, text, sp)
        route = _FROM_TO.search(text[max(0, sp.start - 60):sp.start])
        if told is None and route and route.group(1) in places:
            told = "GPE"  # "from Athens to Vilnius"
        if told in ("PERSON", "ORG"):
            sp.label = told
        elif told == "GPE":
            placed.add(fold(" ".join(base_name(sp.words, sp.label))))
    things = {fold(sp.words[0]) for sp in spans if is_thing(doc, sp, spans)}
    for word in {sp.words[0] for sp in spans if sp.label == "PERSON" and len(sp.words) == 1}:
        # the name written beside a thing where the tagger did not tag it ("Brent crude fell")
        for m in re.finditer(rf"\b{re.escape(word)}\s+([a-z]+)\b", text):
            if m.group(1) in _THINGS:
                things.add(fold(word))
                break
    names = [base_name(sp.words, sp.label, keep_the=sp.keep_the) for sp in spans]
    shown = [display_name(sp.words, sp.spaces, sp.label, keep_the=sp.keep_the) for sp in spans]
    # surfaces that are places or groups somewhere in the article: a PERSON ending in one is a tagging slip
    placeish = {fold(" ".join(n)) for sp, n in zip(spans, names) if sp.label in ("NORP", "GPE", "LOC") and n}
    full_people: dict[str, list[_Full]] = defaultdict(list)  # surname -> full names with it, in text order
    for sp, n, name in zip(spans, names, shown):
        if sp.label == "PERSON" and len(n) >= 2 and fold(n[-1]) not in placeish:
            full_people[surname(n)].append(_Full(sp.start, n, name, gender_of(sp.words)))
    by_first: dict[str, dict[str, _Full]] = defaultdict(dict)  # first name -> full names that start with it
    for people in full_people.values():
        for full in people:
            if not REGNAL.match(full.words[-1]):  # "John" is not short for "John II"
                by_first[fold(full.words[0])][fold(full.name)] = full
    # a surname with "Mr." is a man's: the full name it resolves to is not "Mrs. X" (step 3)
    for sp, n in zip(spans, names):
        if sp.label == "PERSON" and len(n) == 1 and (g := gender_of(sp.words)) is not None:
            full = _full_name_for(fold(n[0]), sp.start, full_people, fuzzy=False, gender=g)
            if full is not None and full.gender is None:
                for same in full_people[surname(full.words)]:
                    if fold(same.name) == fold(full.name):
                        same.gender = g
    long_names = {_acronym(n): name for sp, n, name in zip(spans, names, shown)
                  if sp.label in ("ORG", "GPE", "LOC", "FAC") and len(n) >= 2 and len(_acronym(n)) >= 2}

    out: list[tuple[Span, str, str]] = []  # (span, label, name)
    for sp, n, name in zip(spans, names, shown):
        if not n:
            continue
        label = sp.label
        key = fold(" ".join(n))
        if label == "PERSON" and fold(n[-1]) in placeish and len(n) >= 1 and not full_people.get(surname(n)):
            continue  # "Exiled Belarusian" tagged PERSON
        if label != "PERSON" and len(n) == 2 and is_title(n[0]) and full_people.get(fold(n[1])):
            n, key, label = n[1:], fold(n[1]), "PERSON"  # "Cpl Payne" tagged ORG after "Donald Payne"
        if label == "PERSON" and len(n) == 1 and not full_people.get(key) and sp.words[0] in ("Lord", "Lady"):
            out.append((sp, label, f"{sp.words[0]} {name}"))  # "Lord Goldsmith", "Lady Gaga": a peer's name
            continue
        if len(n) == 1 and label in ("PERSON", "ORG", "GPE"):
            gender = gender_of(sp.words)
            full = _full_name_for(key, sp.start, full_people, fuzzy=False, gender=gender)
            if full is None and label == "PERSON" and key.endswith("s"):  # "Lukashenkos": a possessive
                full = _full_name_for(key[:-1], sp.start, full_people, fuzzy=False, gender=gender)
            if full is None and label == "PERSON" and len(by_first.get(key, ())) == 1:  # "Laci" of "Laci Peterson"
                full = next(iter(by_first[key].values()))
            if full is None and label == "PERSON":  # "Limets" of "Eva Maria Lemets"; "Chris" above is not "Christ"
                full = _full_name_for(key, sp.start, full_people, fuzzy=True, gender=gender)
            if full is not None:
                out.append((sp, "PERSON", full.name))
                continue
            if gender == "f" and full_people.get(key):  # "Mrs. Mubarak" beside men named Mubarak: not one of them
                out.append((sp, "PERSON", " ".join(sp.words[:len(sp.words) - (sp.words[-1] in _POSSESSIVE)])))
                continue
        if len(n) == 1 and n[0].replace(".", "").isupper() and 2 <= len(n[0]) <= 6:
            if n[0] in long_names:  # "EU" after "European Union"
                out.append((sp, label, long_names[n[0]]))
                continue
            spelled = EXPANSIONS.get(n[0].replace(".", "").casefold())
            if spelled is not None:  # "UK", "U.S.": the name a reader looks for
                out.append((sp, label if label != "PERSON" else "GPE", spelled))
                continue
        out.append((sp, label, name))

    # step 4: one label per name, by majority (PERSON wins a tie: names of people are what matters most); one
    # spelling per folded name, the most used ("al-Assad" over "al Assad")
    votes: dict[str, Counter] = defaultdict(Counter)
    spellings: dict[str, Counter] = defaultdict(Counter)
    for sp, label, name in out:
        votes[fold(name)][label] += 1
        spellings[fold(name)][name] += 1
    best = {k: max(c.items(), key=lambda kv: (kv[1], kv[0] == "PERSON"))[0] for k, c in votes.items()}
    personal = {fold(name) for sp, label, name in out if gender_of(sp.words) or (sp.words and is_title(sp.words[0]))}
    # a name beside a thing ("the vaccine Aflunov") is a product wherever it stands, unless a title or a full
    # name says it is a person
    out = [(sp, label, name) for sp, label, name in out
           if fold(name) not in things or fold(name) in personal or fold(name) in full_people]
    for k in placed:  # "in Misrata" and never "Mr Misrata" nor a first name with it: a place
        if best.get(k) not in (None, "GPE", "LOC", "FAC") and k not in personal and k not in full_people \
                and not by_first.get(k):
            best[k] = "GPE"
    spelled = {k: max(c.items(), key=lambda kv: (kv[1], not kv[0].isupper(), "-" in kv[0]))[0]
               for k, c in spellings.items()}
    mentions: list[Mention] = [{"start": sp.start, "end": sp.end, "text": text[sp.start:sp.end],
                                "label": best[fold(name)], "name": spelled[fold(name)]} for sp, _, name in out]
    mentions.sort(key=lambda m: m["start"])
    return mentions


class _Full:
    """A full name of a person in the article: where, its words, as written, the gender its title tells."""

    __slots__ = ("start", "words", "name", "gender")

    def __init__(self, start: int, words: list[str], name: str, gender: str | None) -> None:
        self.start, self.words, self.name, self.gender = start, words, name, gender


def _full_name_for(key: str, start: int, full_people: dict[str, list[_Full]], *, fuzzy: bool,
                   gender: str | None = None) -> _Full | None:
    """The full name in the article a one-word form refers to: nearest earlier one, else the first later one.

    With a ``gender``: a full name known to be of that gender; else, for "Mr. X", any not known to be a
    woman; for "Mrs. X", only the one person of that surname in the article, if not known to be a man.
    """
    cands = full_people.get(key)
    if not cands and fuzzy and len(key) >= 5:
        close = [s for s in full_people if s[:1] == key[:1] and edit_distance(s, key, 1) <= 1]
        if len(close) == 1:
            cands = full_people[close[0]]
    if not cands:
        return None
    if gender is not None:
        same = [c for c in cands if c.gender == gender]
        unknown = [c for c in cands if c.gender is None]
        alone = len({fold(c.name) for c in cands}) == 1
        cands = same or (unknown if alone or gender == "m" else [])
        if not cands:
            return None
    before = [c for c in cands if c.start < start]
    return before[-1] if before else cands[0]


def resolve_in_article(mentions: list[Mention], start: int, end: int) -> Mention | None:
    """The mention covering the span ``[start, end)``, if any.

    A mention that contains the span wins; otherwise the one overlapping it most (e.g. the span
    "Mr Lukashenko said" and the mention "Mr Lukashenko").

    Args:
        mentions: ``article.annotations["mentions"]``, sorted by start.
        start: span start offset in ``article.text``.
        end: span end offset.

    Returns:
        The mention dict, or None when no mention overlaps the span.
    """
    if not mentions or end <= start:
        return None
    starts = [m["start"] for m in mentions]
    i = bisect.bisect_right(starts, start) - 1
    best, best_overlap = None, 0
    for m in mentions[max(0, i - 2): bisect.bisect_left(starts, end)]:
        if m["start"] <= start and m["end"] >= end:
            return m
        overlap = min(end, m["end"]) - max(start, m["start"])
        if overlap > best_overlap:
            best, best_overlap = m, overlap
    return best


@stage("entities", requires=("annotations.doc",), assigns=("annotations.mentions",), extra="nlp")
class Entities:
    """Named-entity mentions with in-article canonical names (short forms resolved to full names)."""

    def __init__(self, settings: Any = None) -> None:
        self.cfg = stage_settings(settings, "entities")

    def __call__(self, article: Article) -> Article:
        doc = article.annotations.get("doc")
        article.annotations["mentions"] = extract_mentions(doc, article.text) if doc is not None else []
        return article

    def pipe(self, articles: Iterable[Article], *, batch_size: int = 64) -> Iterator[Article]:
        for art in articles:
            yield self(art)
