"""Names and the words around them: what entity names are made of (internal helper of the entities and
resolve stages, not a stable API).

Folding and edit distance for comparing names; honorifics, titles and ranks, with the gender some of them
tell; the base name of a mention (titles, honorifics, possessives stripped) and the name as written
("Bashar al-Assad"); surnames, regnal names ("John Paul II") and the word lists the span repairs read.
"""
from __future__ import annotations

import functools
import re
import unicodedata

__all__ = ["LABELS", "HONORIFICS", "TITLES", "FEMALE", "MALE", "PARTICLES", "SUFFIXES", "REGNAL", "EXPANSIONS",
           "fold", "edit_distance", "is_honorific", "is_title", "base_name", "display_name", "surname",
           "gender_of"]

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
REGNAL = re.compile(r"^(?:[ivx]+|[IVX]+)\.?$")
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
#: a name before one of these names a disease ("Swine flu"), not the place or body
_DISEASES = frozenset("flu influenza virus fever disease syndrome".split())
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


def is_honorific(word: str) -> bool:
    return word.rstrip(".").casefold() in HONORIFICS


@functools.lru_cache(maxsize=1 << 14)
def is_title(word: str) -> bool:
    """A title word, or one misspelt by a letter ("Presidendt", "Presiden"); cached, as every word of every
    mention is asked."""
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
        if j - i > 1 and (is_honorific(words[i]) or (label == "PERSON" and is_title(words[i]))):
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


def display_name(words: list[str], spaces: list[str], label: str, *, keep_the: bool) -> str:
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


def surname(words: list[str]) -> str:
    """The folded surname of a full name; of a regnal name ("John II", "John Paul II"), the whole name."""
    if 1 < len(words) <= 3 and REGNAL.match(words[-1]):
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
        if not (bare in HONORIFICS or is_title(w)):
            return None
    return None

