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

from ..model import Article
from ..pipeline import stage

__all__ = ["Entities", "resolve_in_article", "extract_mentions", "fold", "edit_distance", "LABELS"]

#: spaCy labels kept as mentions
LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC"})
HONORIFICS = frozenset({"mr", "mrs", "ms", "miss", "dr", "mx", "sir", "dame", "madam", "mme", "herr", "frau"})
TITLES = frozenset({
    "president", "vice", "chancellor", "prime", "minister", "secretary", "general", "senator", "sen", "rep",
    "representative", "gov", "governor", "mayor", "king", "queen", "prince", "princess", "pope", "lord", "lady",
    "rev", "reverend", "gen", "col", "capt", "sgt", "lt", "prof", "professor", "judge", "justice", "ambassador",
    "premier", "chairman", "chairwoman", "leader", "spokesman", "spokeswoman", "foreign", "defence", "defense",
    "deputy", "former", "pres", "sheikh", "emir", "sultan", "chief", "commissioner", "president-elect", "saint", "st",
    # ranks ("Guardsman Martin McGing", "Cpl Payne", "Lance Corporal")
    "guardsman", "sergeant", "corporal", "cpl", "lance", "private", "pte", "pvt", "maj", "captain", "lieutenant",
    "colonel", "commander", "cmdr", "admiral", "adm", "brigadier", "marshal", "trooper", "rifleman", "gunner",
    "detective", "det", "constable", "inspector", "superintendent", "officer",
})
#: honorifics and titles that tell a person's gender ("Mrs. Mubarak" is not "Mr. Mubarak")
FEMALE = frozenset({"mrs", "ms", "miss", "madam", "mme", "dame", "lady", "queen", "princess", "frau", "duchess"})
MALE = frozenset({"mr", "sir", "herr", "king", "prince", "lord", "duke", "pope"})
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
#: an ordinal after one or two names makes a regnal name ("John Paul II"), not a surname
_REGNAL = re.compile(r"^(?:[ivx]+|[IVX]+)\.?$")
_POSSESSIVE = frozenset({"'s", "\u2019s", "'", "\u2019"})
#: words a tagger takes into a name at its start ("the EU", "Via Twitter", "Hey Jack")
_LEAD_WORDS = frozenset({"the", "via", "hey", "dear", "thanks", "by", "from", "and", "but", "says", "said", "with"})
#: words before a place ("in Houla", "near Bir Shuaib"): a name there tagged PERSON is a place
_PLACE_BEFORE = frozenset("in near outside around across inside into towards toward".split())
#: a role in apposition after a name ("Leo Poon, a microbiologist at ..."): the name is a person's
_ROLES = frozenset("""spokesman spokeswoman spokesperson president minister senator governor leader chief secretary
chancellor mayor director ambassador envoy lawyer attorney businessman chairman chairwoman official officer
commander founder executive manager adviser advisor aide diplomat prosecutor judge professor analyst economist
scholar researcher scientist expert doctor physician surgeon editor correspondent reporter author writer teacher
student father mother son daughter husband wife brother sister presenter singer actor actress councillor
councilor councilman councilwoman""".split())
_APPOSITION = re.compile(r"^\s*,\s+(?:(?:a|an|the|acting|former|deputy|senior|chief|top|assistant|[A-Z][\w.-]*)\s+)"
                         r"{0,4}([a-z][a-z-]+)")
#: a place noun in apposition ("Misrata, a port city"), or words that lead to a place ("a settlement called",
#: "rebel-held", "a trip to")
_PLACE_NOUNS = frozenset("city town village port capital province region district suburb country state island "
                         "settlement county".split())
_PLACE_LEAD = re.compile(r"(?:\b(?:town|city|village|port|suburb|district|province|region|settlement) (?:of|called|"
                         r"named)|-(?:held|controlled|occupied)|\b(?:trip|journey|flight|travelled|traveled|returned|"
                         r"returning) (?:to|from))\s*$", re.I)
#: common nouns for things: a one-word name beside one names a product, a work or a benchmark, not a person
#: or a body ("the vaccine Aflunov", "an anesthetic, Propofol", "Grad rockets", "Brent crude")
_THINGS = frozenset("""vaccine vaccines drug drugs medicine medicines anesthetic anaesthetic antiviral antivirals pill
pills tablet tablets treatment song songs single album albums film films movie movies novel book series show
programme program ship ships vessel vessels rocket rockets missile missiles aircraft jet jets helicopter helicopters
tank tanks rifle rifles crude brand brands phone phones app apps game games index""".split())
_FROM_TO = re.compile(r"\bfrom ([A-Z][\w.'-]*(?: [A-Z][\w.'-]*){0,2}) to\s*$")
_CREDIT = re.compile(r"\b(?:reporting|editing|writing|compiled|produced) by\s*$", re.I)
_WIRE_AFTER = re.compile(r"^\s*\((?:Reuters|AP|AFP|dpa|UPI|Xinhua)\)")
#: a company's legal form ends its name ("Novartis AG" tagged PERSON is a company)
_COMPANY = frozenset("ag inc corp ltd plc llc gmbh sa nv spa bv".split())
#: last words of bodies whose names hold a possessive ("Queen's Lancashire Regiment")
_BODY_WORDS = frozenset("""association regiment school college hospital church cathedral club society union
university institute council guild foundation fund trust league""".split())
#: time zones of a dateline ("4:46pm BST NEW YORK"): never part of a name
_TIME_ZONES = frozenset("bst gmt utc est edt cst cdt mst mdt pst pdt cet cest eet eest ist jst aest aedt et".split())
_CALENDAR = frozenset("""mon tue tues wed thu thur thurs fri sat sun monday tuesday wednesday thursday friday saturday
sunday jan feb mar apr jun jul aug sep sept oct nov dec january february march april june july august september
october november december""".split())
#: indefinite pronouns a tagger runs into a name ("Beirut Anybody")
_INDEFINITE = frozenset("anybody anyone anything everybody everyone everything nobody nothing somebody someone "
                        "something".split())
#: a code, not a name: letters and digits alternating (H1N1, H5N1), or a long number inside (NSC89853)
_CODE = re.compile(r"^(?:[A-Za-z]+\d+){2,}[A-Za-z]*$|\d{4,}")
#: the abbreviations of a few countries and unions, spelled out: a reader looks for the full name
EXPANSIONS = {"us": "United States", "usa": "United States", "uk": "United Kingdom", "un": "United Nations",
              "eu": "European Union", "uae": "United Arab Emirates", "ussr": "Soviet Union"}
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


def _name_range(words: list[str], label: str, *, keep_the: bool = False) -> tuple[int, int]:
    """The token range ``[i, j)`` of a mention's name: honorifics, titles, a leading "the", possessives and
    stray punctuation at either end left out. ``keep_the``: a capitalised "The" mid-sentence is part of the
    name ("in The Hague")."""
    i, j = 0, len(words)

    def bare(k: int) -> bool:
        return not any(c.isalnum() for c in words[k])

    while j > i and (words[j - 1] in _POSSESSIVE or bare(j - 1) or (j - i > 1 and words[j - 1] in _PLACE_NOUNS)):
        j -= 1  # "Aceh province": the province is Aceh
    while i < j and bare(i):
        i += 1
    while True:
        if j - i > 1 and (_is_honorific(words[i]) or (label == "PERSON" and _is_title(words[i]))):
            i += 1
        elif j - i > 1 and words[i].casefold() in _LEAD_WORDS and not (keep_the and words[i] == "The"):
            i += 1
        elif i < j and bare(i):
            i += 1
        else:
            return i, j


def base_name(words: list[str], label: str, *, keep_the: bool = False) -> list[str]:
    """The words of a mention with honorifics, titles, possessives and a leading "the" stripped."""
    i, j = _name_range(words, label, keep_the=keep_the)
    words = [w for w in words[i:j] if w not in _POSSESSIVE and any(c.isalnum() for c in w)]
    if words and words[-1].translate(_APOS).endswith("'s"):
        words[-1] = words[-1].translate(_APOS)[:-2]
    return [w for w in words if w]


def _display(words: list[str], spaces: list[str], label: str, *, keep_the: bool) -> str:
    """The name as written, its inner punctuation kept ("Bashar al-Assad", "Allen & Overy", "AC/DC"); a
    place or body named for a saint keeps its possessive ("St. Paul's")."""
    i, j = _name_range(words, label, keep_the=keep_the)
    saint = label != "PERSON" and i < j and fold(words[i]) in ("st", "saint")
    if saint and j < len(words) and words[j].translate(_APOS) in ("'s", "'"):
        j += 1
    text = " ".join("".join(w + sp for w, sp in zip(words[i:j], spaces[i:j])).split())
    if text.translate(_APOS).endswith("'s") and not saint:
        text = text[:-2]
    return text if saint else text.rstrip("'\u2019 ")


def _surname(words: list[str]) -> str:
    """The folded surname of a full name; of a regnal name ("John II", "John Paul II"), the whole name."""
    if 1 < len(words) <= 3 and _REGNAL.match(words[-1]):
        return fold(" ".join(words))
    while len(words) > 1 and words[-1].rstrip(".").casefold() in SUFFIXES:
        words = words[:-1]
    return fold(words[-1]) if words else ""


def gender_of(words: list[str]) -> str | None:
    """"f" or "m" when a mention's honorific or title tells the gender ("Mrs. Mubarak", "King Abdullah")."""
    for w in words:
        bare = w.rstrip(".").casefold()
        if bare in FEMALE:
            return "f"
        if bare in MALE:
            return "m"
        if not (bare in HONORIFICS or _is_title(w)):
            return None
    return None


class _Span:
    __slots__ = ("start", "end", "label", "words", "spaces", "tok_start", "tok_end", "keep_the")

    def __init__(self, start: int, end: int, label: str, words: list[str], spaces: list[str], tok_start: int,
                 tok_end: int, keep_the: bool) -> None:
        self.start, self.end, self.label, self.words, self.spaces = start, end, label, words, spaces
        self.tok_start, self.tok_end, self.keep_the = tok_start, tok_end, keep_the


def _junk(doc: Any, s: int, e: int, label: str) -> bool:
    """True when the span ``doc[s:e]`` is not a name: a date, a code, a ticker, a title alone."""
    words = [t.text for t in doc[s:e] if any(c.isalnum() for c in t.text)]
    if not words:
        return True
    folded = [w.rstrip(".").casefold() for w in words]
    if all(w in _CALENDAR for w in folded) and (len(words) > 1 or label != "PERSON"):
        return True  # "Mon Aug", "Tue Jun": a dateline
    if any(_CODE.search(w) for w in words) or (label == "PERSON" and any(c.isdigit() for w in words for c in w)):
        return True  # "H1N1", "NSC89853"; a person's name has no digits
    if all(w in _TIME_ZONES for w in folded):
        return True  # "GMT"
    if label != "PERSON" and len(words) > 1 and _REGNAL.match(words[-1]) and words[-1] not in ("I", "i"):
        return True  # "Phase II", "World War II": a phase or an event, not a body or a place

    if all(w in HONORIFICS or w in TITLES for w in folded) and (len(words) > 1 or label != "PERSON"):
        return True  # "Lance Corporal", "Defense"
    text = doc.text
    start, end = doc[s].idx, doc[e - 1].idx + len(doc[e - 1].text)
    if re.fullmatch(r"[A-Z]{3}(?:/[A-Z]{3})?", text[start:end]) and (
            "/" in text[start:end] or re.match(r"/[A-Z]{3}\b", text[end:end + 4])
            or re.search(r"\b[A-Z]{3}/$", text[max(0, start - 4):start])):
        return True  # a currency pair: "EUR/USD"
    if label == "GPE" and re.search(r"\d:\d\d\s*(?:[ap]\.?m\.?\s*)?$", text[max(0, start - 12):start]):
        return True  # a clock time's zone: "15:47 UK"
    if len(words) == 1 and words[0].isupper() and 2 <= len(words[0]) <= 5 and _spelled_lower(text, words[0]):
        return True  # "QE" in an article that writes "quantitative easing": a term
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


def _spelled_lower(text: str, acronym: str) -> bool:
    """True when the text spells ``acronym`` out in lower-case words ("quantitative easing" for QE)."""
    pattern = r"\b" + r"[a-z]+[ -]".join(re.escape(c.lower()) for c in acronym) + r"[a-z]+\b"
    return re.search(pattern, text) is not None


def _sentence_start(doc: Any, s: int) -> bool:
    if s == 0:
        return True
    prev = doc[s - 1]
    return prev.text in (".", "!", "?", ":", "\"", "\u201c") or "\n" in prev.text_with_ws or prev.is_space


def _raw_spans(doc: Any) -> list[_Span]:
    """Step 1: spaCy entities of the kept labels, with their spans repaired."""
    spans: list[_Span] = []
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
            if label in ("ORG", "PERSON") and doc[i].text in (",", "\u2013", "\u2014"):
                if i + 1 < e:  # the name after the comma is a span of its own ("Macworld, Apple Inc.")
                    ents.insert(k, (i + 1, e, label))
                e = i
                break
        # trim leading lowercase words ("force the European Union"), words a name never starts with, such as
        # verbs and adverbs of a title-case headline ("Once Mubarak", "Buys SeaMicro"), numbers ("4 Egypt")
        # and the time zone of a dateline ("BST NEW YORK")
        while s < e - 1 and (doc[s].text[:1].islower() and doc[s].text.casefold() not in PARTICLES
                             or doc[s].pos_ in _NOT_NAME_POS and not _is_honorific(doc[s].text)
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
        if _junk(doc, s, e, label):
            continue
        letters = doc[s].text.replace(".", "")
        if label == "ORG" and e - s >= 4 and letters.isupper() and letters.casefold() in EXPANSIONS:
            # "U.S. Centers for Disease Control and Prevention": the country, then the body's own name
            spans.append(_Span(doc[s].idx, doc[s].idx + len(doc[s].text), "GPE", [doc[s].text],
                               [doc[s].whitespace_], s, s + 1, False))
            s += 1
        # take in a possessive just after it ("Lukashenko" + "'s"), so aliases keep the form written
        if e < len(doc) and doc[e].text.translate(_APOS) == "'s" and doc[e - 1].text.translate(_APOS) != "'s":
            e += 1
        # take in an honorific just before the span ("Mr", "Mrs."), or a peer's title ("Lord Goldsmith")
        if s > 0 and label == "PERSON" and doc[s - 1].text in ("Lord", "Lady") and e - s == 1:
            s -= 1
        elif s > 0 and _is_honorific(doc[s - 1].text) and (
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
        spans.append(_Span(doc[s].idx + lead, doc[e - 1].idx + len(doc[e - 1].text), label, words, spaces, s, e,
                           keep_the))
        taken_until = e
    return spans


def _is_thing(doc: Any, sp: _Span, spans: list[_Span]) -> bool:
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


def _context_type(doc: Any, sp: _Span) -> str | None:
    """The type the words around a span tell: "ORG" for a name ending in a company's legal form; "PERSON" for a role in apposition after a name of two or
    more words ("Keiji Fukuda, acting WHO assistant director-general"), a role before it ("councillor Ines
    Varga") or a wire credit ("Editing by Toby
    Chopra"); "GPE" for a capitalised dateline before a wire credit ("ZURICH (Reuters)") or a name after
    "in", "near", ... (a person is rarely "in Houla")."""
    text = doc.text
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


def _acronym(words: list[str]) -> str:
    return "".join(w[0] for w in words if w.casefold() not in _ACRONYM_SKIP and w[:1].isupper())


def extract_mentions(doc: Any, text: str) -> list[dict[str, Any]]:
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
    placed: set[str] = set()  # names written after "in", "near" ...: places if nothing says person
    places = {doc.text[sp.start:sp.end] for sp in spans if sp.label in ("GPE", "LOC")}
    for sp in spans:
        told = _context_type(doc, sp)
        route = _FROM_TO.search(doc.text[max(0, sp.start - 60):sp.start])
        if told is None and route and route.group(1) in places:
            told = "GPE"  # "from Athens to Vilnius"
        if told in ("PERSON", "ORG"):
            sp.label = told
        elif told == "GPE":
            placed.add(fold(" ".join(base_name(sp.words, sp.label))))
    things = {fold(sp.words[0]) for sp in spans if _is_thing(doc, sp, spans)}
    for word in {sp.words[0] for sp in spans if sp.label == "PERSON" and len(sp.words) == 1}:
        # the name written beside a thing where the tagger did not tag it ("Brent crude fell")
        for m in re.finditer(rf"\b{re.escape(word)}\s+([a-z]+)\b", text):
            if m.group(1) in _THINGS:
                things.add(fold(word))
                break
    names = [base_name(sp.words, sp.label, keep_the=sp.keep_the) for sp in spans]
    shown = [_display(sp.words, sp.spaces, sp.label, keep_the=sp.keep_the) for sp in spans]
    # surfaces that are places or groups somewhere in the article: a PERSON ending in one is a tagging slip
    placeish = {fold(" ".join(n)) for sp, n in zip(spans, names) if sp.label in ("NORP", "GPE", "LOC") and n}
    full_people: dict[str, list[_Full]] = defaultdict(list)  # surname -> full names with it, in text order
    for sp, n, name in zip(spans, names, shown):
        if sp.label == "PERSON" and len(n) >= 2 and fold(n[-1]) not in placeish:
            full_people[_surname(n)].append(_Full(sp.start, n, name, gender_of(sp.words)))
    by_first: dict[str, dict[str, _Full]] = defaultdict(dict)  # first name -> full names that start with it
    for people in full_people.values():
        for full in people:
            if not _REGNAL.match(full.words[-1]):  # "John" is not short for "John II"
                by_first[fold(full.words[0])][fold(full.name)] = full
    # a surname with "Mr." is a man's: the full name it resolves to is not "Mrs. X" (step 3)
    for sp, n in zip(spans, names):
        if sp.label == "PERSON" and len(n) == 1 and (g := gender_of(sp.words)) is not None:
            full = _full_name_for(fold(n[0]), sp.start, full_people, fuzzy=False, gender=g)
            if full is not None and full.gender is None:
                for same in full_people[_surname(full.words)]:
                    if fold(same.name) == fold(full.name):
                        same.gender = g
    long_names = {_acronym(n): name for sp, n, name in zip(spans, names, shown)
                  if sp.label in ("ORG", "GPE", "LOC", "FAC") and len(n) >= 2 and len(_acronym(n)) >= 2}

    out: list[tuple[_Span, str, str]] = []  # (span, label, name)
    for sp, n, name in zip(spans, names, shown):
        if not n:
            continue
        label = sp.label
        key = fold(" ".join(n))
        if label == "PERSON" and fold(n[-1]) in placeish and len(n) >= 1 and not full_people.get(_surname(n)):
            continue  # "Exiled Belarusian" tagged PERSON
        if label != "PERSON" and len(n) == 2 and _is_title(n[0]) and full_people.get(fold(n[1])):
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
    personal = {fold(name) for sp, label, name in out if gender_of(sp.words) or (sp.words and _is_title(sp.words[0]))}
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
    mentions = [{"start": sp.start, "end": sp.end, "text": text[sp.start:sp.end], "label": best[fold(name)],
                 "name": spelled[fold(name)]} for sp, _, name in out]
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


def resolve_in_article(mentions: list[dict[str, Any]], start: int, end: int) -> dict[str, Any] | None:
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
        self.cfg = dict(settings.stage("entities") if settings else {})

    def __call__(self, article: Article) -> Article:
        doc = article.annotations.get("doc")
        article.annotations["mentions"] = extract_mentions(doc, article.text) if doc is not None else []
        return article

    def pipe(self, articles: Iterable[Article], *, batch_size: int = 64) -> Iterator[Article]:
        for art in articles:
            yield self(art)
