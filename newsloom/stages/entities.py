"""The entities stage: named-entity mentions with in-article canonical names.

Reads the spaCy ``Doc`` the nlp stage left on ``article.annotations["doc"]`` and puts
``article.annotations["mentions"]``: a list of dicts sorted by ``start``::

    {"start": int, "end": int, "text": str, "label": "PERSON"|"ORG"|"GPE"|..., "name": str}

Offsets index ``article.text``. ``name`` is the in-article canonical name: a later short form
resolves to the full name used in the article ("Mr. Markov" -> "Sergei Markov",
"Lukashenko's" -> "Alexander Lukashenko"), with titles, honorifics and possessives stripped.

The cleanup runs as a cascade over spaCy's entities, each step cheap:

1. keep the useful labels; extend a span over an honorific before it ("Mr", "Mrs.") and over a
   name particle it stops at ("Ursula von der" + "Leyen"); cut a span at an inner possessive
   ("Lukashenko's Belarus" -> "Lukashenko's"); trim leading lowercase words ("force the EU").
2. strip titles, honorifics, possessives and a leading "the" to get each mention's base name.
3. a one-word person resolves to a full name in the article with the same surname (nearest
   earlier one, else the first later one), allowing one edit for misspellings (Limets/Lemets);
   an ORG/GPE equal to such a surname becomes that PERSON ("Stoltenberg" tagged ORG);
   a one-word person that is the first name of exactly one full name in the article takes it
   ("Laci" -> "Laci Peterson"); an acronym resolves to a longer name whose initials it is
   ("EU" -> "European Union").
4. each name takes the majority label of its mentions ("Belarus" tagged PERSON once).
"""
from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from ..model import Article, Mention
from ..nlp.scoped_parse import parse_scope
from ..pipeline import stage
from ..settings import stage_settings

__all__ = ["Entities", "resolve_in_article", "extract_mentions", "fold", "edit_distance", "LABELS"]

#: spaCy labels kept as mentions
LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC"})
parse_scope(labels=LABELS)  # the names the scoped parse looks for beside an event verb
HONORIFICS = frozenset({"mr", "mrs", "ms", "miss", "dr", "mx", "sir", "dame", "madam", "mme", "herr", "frau"})
TITLES = frozenset({
    "president", "vice", "chancellor", "prime", "minister", "secretary", "general", "senator", "sen", "rep",
    "representative", "gov", "governor", "mayor", "king", "queen", "prince", "princess", "pope", "lord", "lady",
    "rev", "reverend", "gen", "col", "capt", "sgt", "lt", "prof", "professor", "judge", "justice", "ambassador",
    "premier", "chairman", "chairwoman", "leader", "spokesman", "spokeswoman", "foreign", "defence", "defense",
    "deputy", "former", "pres", "sheikh", "emir", "sultan", "chief", "commissioner", "president-elect", "saint", "st",
})
#: titles a letter off still count ("Presidendt"); names close to other titles ("Justine") do not
_LONG_TITLES = ("president", "chancellor", "minister", "secretary", "senator", "governor", "ambassador",
                "spokesman", "spokeswoman", "commissioner", "chairman")
PARTICLES = frozenset({"von", "van", "der", "den", "de", "del", "della", "di", "da", "la", "le", "du", "bin", "ibn",
                       "al", "el", "ter", "dos", "das", "y"})
#: parts of speech a person's or organisation's name does not start with
_NOT_NAME_POS = frozenset({"ADV", "ADP", "SCONJ", "CCONJ", "VERB", "AUX", "PART", "DET", "PRON", "INTJ"})
#: generational suffixes, never the surname ("Barack Hussein Obama II")
_NOT_NAME_END_POS = _NOT_NAME_POS | {"NOUN", "NUM"}
SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})
_POSSESSIVE = frozenset({"'s", "\u2019s", "'", "\u2019"})
#: words a tagger takes into a name at its start ("the EU", "Via Twitter", "Hey Jack")
_LEAD_WORDS = frozenset({"the", "via", "hey", "dear", "thanks", "by", "from", "and", "but", "says", "said", "with"})
_ACRONYM_SKIP = frozenset({"of", "the", "and", "for", "on", "in", "&"})
_APOS = str.maketrans({"\u2019": "'", "\u2018": "'"})


@functools.lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """Case-, accent- and punctuation-folded form of a name, for comparing names (cached: resolve folds
    the same names hundreds of thousands of times)."""
    text = unicodedata.normalize("NFKD", text.translate(_APOS))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def edit_distance(a: str, b: str, limit: int = 2) -> int:
    """Levenshtein distance of ``a`` and ``b``, cut off at ``limit + 1``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        if min(cur) > limit:
            return limit + 1
        prev = cur
    return prev[-1]


def _is_honorific(word: str) -> bool:
    return word.rstrip(".").casefold() in HONORIFICS


def _is_title(word: str) -> bool:
    """A title word, or one misspelt by a letter ("Presidendt", "Presiden")."""
    bare = word.rstrip(".").casefold()
    return bare in TITLES or (len(bare) >= 6 and any(edit_distance(bare, t, 1) <= 1 for t in _LONG_TITLES))


def base_name(words: list[str], label: str) -> list[str]:
    """The words of a mention with honorifics, titles, possessives and a leading "the" stripped."""
    words = [w for w in words if w not in _POSSESSIVE and any(c.isalnum() for c in w)]
    if words and words[-1].translate(_APOS).endswith("'s"):
        words[-1] = words[-1].translate(_APOS)[:-2]
    while len(words) > 1 and (_is_honorific(words[0]) or (label == "PERSON" and _is_title(words[0]))):
        words = words[1:]
    while len(words) > 1 and words[0].casefold() in _LEAD_WORDS:
        words = words[1:]
    return [w for w in words if w]


def _surname(words: list[str]) -> str:
    while len(words) > 1 and words[-1].rstrip(".").casefold() in SUFFIXES:
        words = words[:-1]
    return fold(words[-1]) if words else ""


class _Span:
    __slots__ = ("start", "end", "label", "words", "tok_start", "tok_end")

    def __init__(self, start: int, end: int, label: str, words: list[str], tok_start: int, tok_end: int) -> None:
        self.start, self.end, self.label, self.words = start, end, label, words
        self.tok_start, self.tok_end = tok_start, tok_end


def _raw_spans(doc: Any) -> list[_Span]:
    """Step 1: spaCy entities of the kept labels, with their spans repaired."""
    spans: list[_Span] = []
    ents = [e for e in doc.ents if e.label_ in LABELS]
    taken_until = -1
    for ent in ents:
        s, e = ent.start, ent.end
        if s < taken_until:  # swallowed by an earlier extended span
            continue
        # cut at an inner possessive ("Lukashenko's Belarus" -> "Lukashenko's")
        for i in range(s + 1, e - 1):
            if doc[i].text.translate(_APOS) in ("'s", "'"):
                e = i + 1
                break
        # trim leading lowercase words ("force the European Union") and words a name never starts
        # with, such as verbs and adverbs of a title-case headline ("Once Mubarak", "Buys SeaMicro")
        while s < e - 1 and (doc[s].text[:1].islower() and doc[s].text.casefold() not in PARTICLES
                             or doc[s].pos_ in _NOT_NAME_POS and not _is_honorific(doc[s].text)):
            s += 1
        if ent.label_ == "PERSON":
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
        # take in a possessive just after it ("Lukashenko" + "'s"), so aliases keep the form written
        if e < len(doc) and doc[e].text.translate(_APOS) == "'s" and doc[e - 1].text.translate(_APOS) != "'s":
            e += 1
        # take in an honorific just before the span ("Mr", "Mrs.")
        if s > 0 and _is_honorific(doc[s - 1].text) and (
                doc[s - 1].text[:1].isupper() or doc[s - 1].text.casefold() in ("mr.", "mrs.", "ms.", "dr.", "mr")):
            s -= 1
        words = [t.text for t in doc[s:e]]
        if not any(w[:1].isupper() or w[:1].isdigit() for w in words):
            continue
        spans.append(_Span(doc[s].idx, doc[e - 1].idx + len(doc[e - 1].text), ent.label_, words, s, e))
        taken_until = e
    return spans


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
    spans = _raw_spans(doc)
    if not spans:
        return []
    names = [base_name(sp.words, sp.label) for sp in spans]
    # surfaces that are places or groups somewhere in the article: a PERSON ending in one is a tagging slip
    placeish = {fold(" ".join(n)) for sp, n in zip(spans, names) if sp.label in ("NORP", "GPE", "LOC") and n}
    full_people: dict[str, list[tuple[int, list[str]]]] = defaultdict(list)  # surname -> [(start, words)]
    for sp, n in zip(spans, names):
        if sp.label == "PERSON" and len(n) >= 2 and fold(n[-1]) not in placeish:
            full_people[_surname(n)].append((sp.start, n))
    by_first: dict[str, set[tuple[str, ...]]] = defaultdict(set)  # first name -> full names that start with it
    for people in full_people.values():
        for _, n in people:
            by_first[fold(n[0])].add(tuple(n))
    long_names = {_acronym(n): n for sp, n in zip(spans, names)
                  if sp.label in ("ORG", "GPE", "LOC", "FAC") and len(n) >= 2 and len(_acronym(n)) >= 2}

    out: list[tuple[_Span, str, str]] = []  # (span, label, name)
    for sp, n in zip(spans, names):
        if not n:
            continue
        label = sp.label
        key = fold(" ".join(n))
        if label == "PERSON" and fold(n[-1]) in placeish and len(n) >= 1 and not full_people.get(_surname(n)):
            continue  # "Exiled Belarusian" tagged PERSON
        if len(n) == 1 and label in ("PERSON", "ORG", "GPE"):
            full = _full_name_for(key, sp.start, full_people, fuzzy=label == "PERSON")
            if full is not None:
                out.append((sp, "PERSON", " ".join(full)))
                continue
            if label == "PERSON" and key.endswith("s"):  # "Lukashenkos": a possessive without apostrophe
                full = _full_name_for(key[:-1], sp.start, full_people, fuzzy=False)
                if full is not None:
                    out.append((sp, "PERSON", " ".join(full)))
                    continue
            if label == "PERSON" and len(by_first.get(key, ())) == 1:  # "Laci" after "Laci Peterson"
                out.append((sp, "PERSON", " ".join(next(iter(by_first[key])))))
                continue
        if len(n) == 1 and n[0].isupper() and 2 <= len(n[0]) <= 6 and n[0] in long_names:
            out.append((sp, label, " ".join(base_name(long_names[n[0]], label))))
            continue
        out.append((sp, label, " ".join(n)))

    # step 4: one label per name, by majority (PERSON wins a tie: names of people are what matters most)
    votes: dict[str, Counter] = defaultdict(Counter)
    for sp, label, name in out:
        votes[name][label] += 1
    best = {name: max(c.items(), key=lambda kv: (kv[1], kv[0] == "PERSON"))[0] for name, c in votes.items()}
    mentions: list[Mention] = [{"start": sp.start, "end": sp.end, "text": text[sp.start:sp.end], "label": best[name], "name": name}
                for sp, _, name in out]
    mentions.sort(key=lambda m: m["start"])
    return mentions


def _full_name_for(key: str, start: int, full_people: dict[str, list[tuple[int, list[str]]]],
                   *, fuzzy: bool) -> list[str] | None:
    """The full name in the article a one-word form refers to: nearest earlier one, else the first later one."""
    cands = full_people.get(key)
    if not cands and fuzzy and len(key) >= 5:
        close = [s for s in full_people if s[:1] == key[:1] and edit_distance(s, key, 1) <= 1]
        if len(close) == 1:
            cands = full_people[close[0]]
    if not cands:
        return None
    before = [c for c in cands if c[0] < start]
    return (before[-1] if before else cands[0])[1]


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
