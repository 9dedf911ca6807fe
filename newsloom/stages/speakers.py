"""Who is speaking: the pure core that turns a quote's speaker phrase into a name (used by the quotes stage).

The phrase is read from its head word, never from any name that happens to sit inside it:

1. a name (the head is inside a named mention, or an appositive names it: "Michael Jackson's father,
   Joe Jackson") is the speaker; a nationality ("the Syrians") is none;
2. a representative (spokesman, aide, lawyer, official, ...) stays unnamed unless the phrase names
   them; the one they speak for ("a spokeswoman for Dr Murray", "Putin spokesman Dmitry Peskov",
   "his spokesperson") is kept as ``on_behalf_of``, never put in their place;
3. a body described by its owner ("Russia's foreign ministry", "the Obama administration") is named
   by that description; a definite body alone ("the central bank", "the group") is the organisation
   named before that it fits (its name holds the word, or for a generic word the organisation that
   was last the subject or the speaker);
4. "the judge", "the spokesman": the person the article names with that role word attached ("Judge
   Michael Pastor", "David Moreau, the spokesman");
5. "he"/"she": the most salient earlier person that agrees: sentences are searched from the nearest
   back, and in each the speaker or main-clause subject comes first, then the leftmost person;
   people inside quotation marks are skipped; gender comes from honorifics and gendered role
   words, from "X said she ...", "X, who ... he", and from the pronouns already resolved to each
   person; "it" is the organisation that spoke or was the subject just before; "they" is never
   one person;
6. a thing ("an official statement issued by BP", "the report") is no speaker: its issuer is, when the
   phrase names one ("by X", "from X", "X's") or an earlier mention of the same thing does ("X said in a
   report", "X issued a statement"); else it stays unnamed;
7. anything else (indefinite or plural nouns: "officials", "a trader in London") stays unnamed:
   no speaker is better than a guessed one.

A pronoun with no antecedent in the window is the last person who spoke, when no other person is named
in between (the speaker of a run of "he said" paragraphs goes on).
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Any

__all__ = ["SpeakerResolver", "REPRESENTATIVES", "INSTITUTIONS", "INANIMATE", "names_thing", "genders"]

_SUBJ = ("nsubj", "nsubjpass")
#: people who speak for someone else: the speaker stays the role, the principal is ``on_behalf_of``
REPRESENTATIVES = frozenset("""
spokesman spokeswoman spokesperson spokespeople spokesmen spokeswomen aide aides lawyer lawyers attorney attorneys
counsel representative representatives adviser advisers advisor advisors official officials officer officers source
sources staffer staffers negotiator negotiators mouthpiece intermediary
""".split())
#: bodies that speak as one: with a named owner they are named by the description
INSTITUTIONS = frozenset("""
ministry government administration military army navy police department office embassy court council committee
commission agency authority parliament cabinet presidency regime company firm bank group organisation organization
party union board service ministry coalition network newspaper channel broadcaster institute foundation
federation league secretariat directorate command prosecutor's tribunal assembly senate congress house
""".split())
#: things that are written, measured or aimed at, never a speaker themselves (lemmas)
INANIMATE = frozenset("""
statement report estimate list goal figure data datum study survey poll document letter memo memorandum filing
analysis research record result evidence number statistic chart map photo photograph video footage image release
announcement message note email e-mail website site article book plan law bill rule decision assessment review
investigation inquiry audit test forecast projection calculation transcript text notice communique
resolution draft proposal ruling verdict finding tally count toll aim objective purpose intention sign indication
trend experience history account version post tweet blog log chronology timeline minute manifest contract
""".split())
#: verbs that make a thing: their subject (or "by" agent) is the issuer of their object
_ISSUE_VERBS = frozenset("issue release publish write sign make send put present submit file deliver post draft "
                         "produce prepare compile commission read".split())
#: verbs of saying that carry a thing: "X said in a report"
_SAY_VERBS = frozenset("say state tell write warn conclude find note argue claim announce add".split())
#: institution words that, alone, refer to the organisation last in focus ("the company said")
_GENERIC_BODIES = frozenset("company firm group organisation organization agency".split())
_PERSON_ROLES = frozenset("""
president minister senator governor candidate nominee leader chief secretary strongman chancellor premier mayor
director ambassador envoy businessman billionaire congressman congresswoman chairman chairwoman general commander
king queen prince princess head founder ceo executive manager diplomat prosecutor judge justice sheriff speaker pope
mogul host anchor star actor actress singer economist analyst professor monarch bishop doctor coroner organiser
organizer boss owner captain coach
""".split())
_NAMED = ("PERSON", "ORG", "GPE", "LOC", "FAC")
_GENDER_WORDS = {
    **dict.fromkeys("mr mr. sir lord king prince spokesman chairman congressman businessman actor father "
                    "husband brother son uncle nephew grandfather".split(), "m"),
    **dict.fromkeys("mrs mrs. ms ms. miss madam dame lady queen princess spokeswoman chairwoman congresswoman "
                    "businesswoman actress mother wife sister daughter aunt niece grandmother".split(), "f"),
}
_QUANTIFIERS = frozenset("one some many several two three four few each any none most all".split())
_WINDOW = 4  # sentences searched back for a pronoun's antecedent (this one and three before)
_CONTINUE_WINDOW = 12  # sentences over which the last speaker goes on as "he"/"she" when no one else is named


@dataclass
class _Said:
    """A resolved speaker: where the speaker phrase starts, the name, and whether it is a person."""

    pos: int
    name: str
    person: bool
    org: bool


def genders(text: str, persons: list[dict[str, Any]]) -> dict[str, set[str]]:
    """Gender marks per name: an honorific or a gendered role word opening the mention or right before it
    ("Mrs. May", "spokeswoman Maria Zakharova", "his wife, Jane")."""
    seen: dict[str, set[str]] = {}
    for m in persons:
        words = re.findall(r"[\w.]+", text[max(0, m["start"] - 40):m["start"]].lower())[-1:]
        words += re.findall(r"[\w.]+", m["text"].lower())[:1]
        seen.setdefault(m["name"], set()).update(_GENDER_WORDS[w] for w in words if w in _GENDER_WORDS)
    return seen


def _plausible_person(name: str) -> bool:
    return not re.search(r"\d", name)


class SpeakerResolver:
    """Resolves the speaker phrases of one article in text order (see the module docstring).

    Args:
        doc: the spaCy Doc (with a parse on the sentences that hold frames).
        mentions: the entities stage's mentions (``start``, ``end``, ``text``, ``label``, ``name``), by start.
        text: the text the Doc was parsed from.
        quoted: spans between quotation marks (people named there are not antecedents of a pronoun outside).
        speaking: the speaker phrases of every attribution frame (their people are in focus).
    """

    def __init__(self, doc: Any, mentions: list[dict[str, Any]], text: str,
                 quoted: list[tuple[int, int]] | None = None, speaking: list[tuple[int, int]] | None = None
                 ) -> None:
        self.doc = doc
        self.text = text
        self.mentions = mentions
        self._starts = [m["start"] for m in mentions]
        self.said: list[_Said] = []
        self._excluded: list[tuple[int, int]] = []
        quoted = sorted(quoted or [])
        self._quoted = quoted
        self.persons = [m for m in mentions if m["label"] == "PERSON" and _plausible_person(m["name"])
                        and not _inside(m["start"], quoted)]
        self.orgs = [m for m in mentions if m["label"] == "ORG" and not _inside(m["start"], quoted)
                     and not (m["text"].isupper() and len(m["text"]) > 5)]  # a dateline ("ZURICH")
        self.gender = genders(text, self.persons)
        self.sent_starts: list[int] = []
        self.roles: dict[int, int] = {}  # mention start -> 0 main-clause subject, 1 other subject, 2 other
        if doc is not None:
            self.sent_starts = [s.start_char for s in doc.sents]
            for m in self.persons + self.orgs:
                self.roles[m["start"]] = self._role_of(m)
            for start, end in speaking or []:  # the subject of any verb of saying is in focus
                for m in self.persons + self.orgs:
                    if start <= m["start"] < end:
                        self.roles[m["start"]] = 0
            self._pronoun_evidence()

    # -- facts about the article ------------------------------------------------------------------------
    def _span(self, start: int, end: int) -> Any:
        return self.doc.char_span(start, end, alignment_mode="expand") if self.doc is not None else None

    def _role_of(self, m: dict[str, Any]) -> int:
        span = self._span(m["start"], m["end"])
        if span is None or not len(span):
            return 2
        root = span.root
        while root.dep_ in ("compound", "appos") and root.head is not root:
            root = root.head
        if root.dep_ not in _SUBJ:
            return 2
        verb = root.head
        main = verb.dep_ == "ROOT" or (verb.dep_ == "conj" and verb.head.dep_ == "ROOT")
        return 0 if main else 1

    def _pronoun_evidence(self) -> None:
        """Gender from "X said she ..." (a subject pronoun of the clause X reports) and "X, who ... he"."""
        for m in self.persons:
            span = self._span(m["start"], m["end"])
            if span is None or not len(span):
                continue
            root = span.root
            clauses = []
            if root.dep_ in _SUBJ:
                clauses += [c for c in root.head.children if c.dep_ == "ccomp"]
            clauses += [c for c in root.children if c.dep_ == "relcl"]
            for clause in clauses:
                for tok in clause.subtree:
                    # a pronoun inside a direct quote is the speaker's word about someone else ("He knew
                    # about this crack," Varga said): no evidence of the speaker's gender
                    if tok.lower_ in ("he", "she") and tok.dep_ in _SUBJ and not _inside(tok.idx, self._quoted):
                        self.gender.setdefault(m["name"], set()).add("m" if tok.lower_ == "he" else "f")
                        break

    def _sentence(self, pos: int) -> int:
        return bisect.bisect_right(self.sent_starts, pos) - 1 if self.sent_starts else 0

    def _mention_at(self, start: int, end: int) -> dict[str, Any] | None:
        i = bisect.bisect_left(self._starts, end)
        hits = [m for m in self.mentions[max(0, i - 8):i] if m["start"] < end and m["end"] > start]
        return max(hits, key=lambda m: (m["label"] == "PERSON", m["end"] - m["start"])) if hits else None

    # -- the cascade ----------------------------------------------------------------------------------
    def resolve(self, speaker: tuple[int, int] | None, head: Any, content: list[tuple[int, int]] | None = None
                ) -> tuple[str | None, str | None]:
        """(speaker name, on_behalf_of) for one speaker phrase; remembers the speaker for later pronouns.

        ``content``: what the frame reports; a name inside it is never the antecedent of the speaker pronoun
        ("Gadhafi is killing his people ..., he said": he is not Gadhafi).
        """
        if speaker is None:
            return None, None
        self._excluded = sorted(content or [])
        name, behalf, person, org = self._resolve(speaker, head)
        if name:
            self.said.append(_Said(speaker[0], name, person, org))
            if person and head is not None and head.lower_ in ("he", "she"):
                self.gender.setdefault(name, set()).add("m" if head.lower_ == "he" else "f")
        return name, behalf

    def _resolve(self, speaker: tuple[int, int], head: Any) -> tuple[str | None, str | None, bool, bool]:
        if head is None:  # a headline "Name: words"
            hit = self._mention_at(*speaker)
            ok = hit is not None and hit["label"] in _NAMED
            return (hit["name"], None, hit["label"] == "PERSON", hit["label"] != "PERSON") if ok else (
                None, None, False, False)
        word = head.lower_
        if head.pos_ == "PRON" or word in ("he", "she", "it", "they"):
            if word in ("he", "she"):
                return self._pronoun(head.idx, "m" if word == "he" else "f"), None, True, False
            if word == "it":
                return self._it(head.idx), None, False, True
            return None, None, False, False
        if names_thing(head):
            return self._issuer(head)
        if word in _QUANTIFIERS or head.pos_ == "NUM":  # "one of the Reuters sources"
            of = next((c for c in head.children if c.dep_ == "prep" and c.lower_ == "of"), None)
            obj = next((c for c in of.children if c.dep_ == "pobj"), None) if of is not None else None
            named = self._appositive(head)
            if named is not None:
                return named["name"], None, True, False
            return None, (self._principal(obj) if obj is not None else None), False, False
        hit = self._mention_at(head.idx, head.idx + len(head))
        if hit is not None and hit["text"].isupper() and len(hit["text"]) > 5:  # "WASHINGTON -- President Obama"
            hit = None
            named = self._phrase_person(speaker)
            if named:
                return named, None, True, False
        if hit is not None:
            if hit["label"] == "NORP":
                return None, None, False, False
            if hit["label"] in _NAMED and hit["label"] != "PERSON" and " " not in hit["name"]:
                known = self._by_part(hit["name"]) or self._fuller(hit["name"])  # "Fukuda" after "Keiji Fukuda"
                if known:
                    return known, None, True, False
            if hit["label"] in _NAMED:
                name = self._checked_name(hit, head)
                behalf = self._principal(head, skip=hit) if self._represents(head) else None
                person = hit["label"] == "PERSON" or _described_as_person(head) or _personlike(hit["name"])
                return name, behalf, person, hit["label"] == "ORG" and not person
        named = self._appositive(head)
        if named is not None:
            behalf = self._principal(head, skip=named) if word in REPRESENTATIVES else None
            return named["name"], behalf, True, False
        if head.pos_ == "PROPN" and head.text[:1].isupper() and word not in INSTITUTIONS | REPRESENTATIVES:
            name = self._bare_name(head) or self._phrase_person(speaker)
            return name, None, True, False
        if head.pos_ not in ("NOUN", "PROPN"):
            return None, None, False, False
        if word in REPRESENTATIVES:
            return self._representative(head), self._principal(head), True, False
        if word in INSTITUTIONS or head.lemma_.lower() in INSTITUTIONS:
            return self._institution(head), None, False, True
        if word in _PERSON_ROLES and head.tag_ == "NN" and _definite(head):
            return self._role_person(head), None, True, False
        return None, None, False, False

    # -- names --------------------------------------------------------------------------------------
    def _checked_name(self, hit: dict[str, Any], head: Any) -> str:
        """The mention's name, unless its in-article name shares no word with what the text says
        ("Chris" named "Jesus Christ"): then a person whose first or last name is that word."""
        if hit["label"] != "PERSON":
            return hit["name"]
        if " " not in hit["name"]:
            return self._fuller(hit["name"]) or hit["name"]
        words = {w.casefold() for w in re.findall(r"[^\W\d_]+", hit["name"])}
        said = [w.casefold() for w in re.findall(r"[^\W\d_]+", hit["text"])]
        if said and not words & set(said):
            other = self._by_part(head.text)
            if other:
                return other
        return hit["name"]

    def _fuller(self, surname: str) -> str | None:
        """The one person-like full name of any type ending in ``surname`` ("Ines Varga", typed ORG)."""
        fuller = {m["name"] for m in self.mentions if m["name"].split()[-1] == surname and _personlike(m["name"])}
        return next(iter(fuller)) if len(fuller) == 1 else None

    def _by_part(self, word: str) -> str | None:
        """The one person of the article whose last (else first) name is ``word``."""
        folded = word.casefold()
        known = [m["name"] for m in self.persons] + [s.name for s in self.said if s.person]
        for index in (-1, 0):
            names = {n for n in known if len(n.split()) > 1 and n.split()[index].casefold() == folded}
            if len(names) == 1:
                return next(iter(names))
        return None

    def _bare_name(self, head: Any) -> str | None:
        """A proper noun the entity recogniser missed: a known person by surname, else the name as written."""
        known = self._by_part(head.text)
        if known:
            return known
        run = [c for c in head.lefts if c.dep_ == "compound" and c.pos_ == "PROPN"] + [head]
        words = [t.text for t in run]
        if all(re.fullmatch(r"[A-Z][a-z]+(?:[-'][A-Za-z]+)?", w) for w in words) and not head.ent_type_ in (
                "DATE", "TIME", "NORP", "CARDINAL"):
            return " ".join(words)
        return None

    def _phrase_person(self, speaker: tuple[int, int]) -> str | None:
        """The last person named in the speaker phrase itself, not behind a preposition or a possessive
        ("Lt. Col. Paddy Ankunda", "Rep. Trey Gowdy (R-S.C.)"; not "a spokesman for Mr Assad")."""
        start, end = speaker
        found = None
        for m in self.persons:
            if start <= m["start"] and m["end"] <= end:
                before = self.text[start:m["start"]].lower()
                if not re.search(r"\b(?:for|of|at|from|with|in|by|to)\b|['\u2019]s\b", before) and \
                        not self.text[m["end"]:m["end"] + 2].startswith(("'s", "\u2019s")):
                    found = m["name"]
        return found

    def _appositive(self, head: Any) -> dict[str, Any] | None:
        """A person named in apposition to the head ("Michael Jackson's father, Joe Jackson")."""
        for child in head.children:
            if child.dep_ == "appos" or (child.dep_ == "compound" and child.i > head.i):
                m = self._mention_at(child.idx, child.idx + len(child))
                if m is not None and m["label"] == "PERSON":
                    return m
        return None

    def _represents(self, head: Any) -> bool:
        return any(c.dep_ in ("compound", "appos") and c.lower_ in REPRESENTATIVES for c in head.children)

    def _principal(self, head: Any, skip: dict[str, Any] | None = None) -> str | None:
        """Whom a representative speaks for: a possessor, a name before the role word, or "for/of/at/from X"."""
        for child in head.children:
            if child.dep_ == "poss" and child.pos_ == "PRON" and child.lower_ in ("his", "her"):
                return self._pronoun(child.idx, "m" if child.lower_ == "his" else "f")
            if child.dep_ in ("poss", "compound", "nmod", "amod") or (
                    child.dep_ == "prep" and child.lower_ in ("for", "of", "at", "from", "to", "with")):
                for tok in child.subtree:
                    m = self._mention_at(tok.idx, tok.idx + len(tok))
                    if m is not None and m["label"] in _NAMED and m is not skip and (
                            skip is None or m["name"] != skip["name"]):
                        return m["name"]
        return None

    def _representative(self, head: Any) -> str | None:
        """"The spokesman said" after "spokesman Jay Carney": the person named with that role, else nobody."""
        if not _definite(head) or head.tag_ != "NN":
            return None
        return self._attached(head.lower_, head.idx)

    def _attached(self, role: str, before: int) -> str | None:
        """The person the article names with ``role`` attached: as a title ("Judge Michael Pastor") or in
        apposition ("David Moreau, the spokesman"); the nearest before ``before``, else the one after."""
        title = re.compile(rf"\b(?i:{re.escape(role)})\b[,\s]*(?:[A-Z][\w.'\u2019-]*\s+){{0,3}}$")
        appos = re.compile(rf"^['\u2019]?s?\s*,\s*(?:the|a|an|its|his|her)?\s*(?:[\w-]+\s+){{0,3}}{re.escape(role)}\b",
                           re.IGNORECASE)
        found = [m for m in self.persons
                 if title.search(self.text, max(0, m["start"] - 60), m["start"])
                 or appos.match(self.text[m["end"]:m["end"] + 60])]
        earlier = [m for m in found if m["start"] < before]
        if earlier:
            return earlier[-1]["name"]
        later = {m["name"] for m in found}
        return next(iter(later)) if len(later) == 1 else None

    def _role_person(self, head: Any) -> str | None:
        return self._attached(head.lower_, head.idx)

    def _institution(self, head: Any) -> str | None:
        """A body: named by its owner's description, else the organisation named before that it fits."""
        owner = [c for c in head.lefts if c.dep_ in ("poss", "compound", "amod", "nmod")
                 and (c.pos_ == "PROPN" or c.ent_type_ in _NAMED + ("NORP",))]
        if owner and head.tag_ in ("NN", "NNP") and head.lower_ not in ("authorities",):
            toks = [t for c in head.lefts if c.dep_ != "det" for t in c.subtree] + [head]
            toks.sort(key=lambda t: t.i)
            phrase = self.text[toks[0].idx:head.idx + len(head)]
            return phrase.rsplit("\n", 1)[-1].strip()  # not a heading the parser ran into the phrase
        if not (_definite(head) or head.lower_ == "police"):
            return None
        word = head.lower_
        fits = [m for m in self.orgs if m["start"] < head.idx and re.search(rf"\b{re.escape(word)}\b",
                                                                            m["name"], re.IGNORECASE)]
        if fits:
            return fits[-1]["name"]
        later = {m["name"] for m in self.orgs if m["start"] > head.idx and word not in _GENERIC_BODIES
                 and re.search(rf"\b{re.escape(word)}\b", m["name"], re.IGNORECASE)}
        if len(later) == 1:  # "Police said ..." before "the Los Angeles Police Department"
            return next(iter(later))
        if word in _GENERIC_BODIES:
            return self._salient(head.idx, org=True)
        return None

    # -- things -------------------------------------------------------------------------------------
    def _issuer(self, head: Any) -> tuple[str | None, str | None, bool, bool]:
        """Who issued the thing ``head`` names: "X's statement", "a statement by/from X", "a statement
        issued by X"; for a definite thing ("the report") also an earlier mention of it."""
        agent = _issuer_token(head)
        if agent is None and _definite(head):
            lemma = head.lemma_.lower()
            earlier = [t for t in head.doc[max(0, head.sent.start - 400):head.sent.start]
                       if t.lemma_.lower() == lemma and t.pos_ == "NOUN"]
            for tok in reversed(earlier[-3:]):
                agent = _issuer_token(tok) or _issuing_subject(tok)
                if agent is not None:
                    break
        if agent is None or agent.i == head.i:
            return None, None, False, False
        if names_thing(agent):
            return None, None, False, False
        found = self._resolve((agent.left_edge.idx, agent.idx + len(agent)), agent)
        return found if found[0] else (None, None, False, False)

    # -- pronouns -------------------------------------------------------------------------------------
    def _fits(self, name: str, gender: str | None) -> bool:
        marks = self.gender.get(name, set())
        return gender is None or len(marks) != 1 or gender in marks

    def _pronoun(self, pos: int, gender: str | None) -> str | None:
        return self._salient(pos, gender=gender)

    def _it(self, pos: int) -> str | None:
        return self._salient(pos, org=True, window=2)

    def _salient(self, pos: int, gender: str | None = None, org: bool = False, window: int = _WINDOW
                 ) -> str | None:
        """The most salient earlier person (or organisation) that agrees, nearest sentence first."""
        here = self._sentence(pos)
        pool = self.orgs if org else self.persons
        lo = self.sent_starts[max(0, here - window + 1)] if self.sent_starts else 0
        cands: list[tuple[int, int, int, str]] = []  # (cost, rank, -position, name)
        for s in self.said:
            if lo <= s.pos < pos and (s.org if org else s.person) and self._fits(s.name, gender):
                cands.append((2 * (here - self._sentence(s.pos)), 0, -s.pos, s.name))
        for m in pool:
            if lo <= m["start"] < pos and self._fits(m["name"], gender) and not _inside(m["start"], self._excluded):
                rank = self.roles.get(m["start"], 2)
                cands.append((2 * (here - self._sentence(m["start"])) + rank, rank, -m["start"], m["name"]))
        # nearer sentences first, a speaker or main-clause subject worth one sentence over an embedded
        # subject and two over any other mention
        if cands:
            return min(cands)[3]
        return None if org else self._last_speaker(pos, gender)

    def _last_speaker(self, pos: int, gender: str | None) -> str | None:
        """The last person who spoke before ``pos``, if no other person is named in between and the gender fits."""
        last = next((s for s in reversed(self.said) if s.pos < pos and s.person), None)
        if last is None or not self._fits(last.name, gender) or \
                self._sentence(pos) - self._sentence(last.pos) > _CONTINUE_WINDOW:
            return None
        between = {m["name"] for m in self.persons if last.pos < m["start"] < pos}
        if not between <= {last.name}:
            return None
        # a person the recogniser missed there ("Hayward has come under fire" after "Tony Hayward")
        others = {m["name"].split()[-1] for m in self.mentions if m["label"] == "PERSON"} - set(last.name.split())
        words = set(re.findall(r"\b[A-Z][\w'-]+", self.text[last.pos:pos]))
        return None if words & others else last.name


_ORG_WORDS = INSTITUTIONS | frozenset("""
institute university association center centre news press times post inc ltd corporation communications
international airways airlines society fund trust partners capital holdings energy oil health reuters nations
watch observatory journal school college hospital church club front movement brigade brigades forces global
""".split())


def _personlike(name: str) -> bool:
    """A name a recogniser may have typed ORG that reads as a person's: two or three capitalised words, none
    of them a word of organisations ("Keiji Fukuda", not "Baxter International")."""
    words = name.split()
    return 2 <= len(words) <= 3 and all(re.fullmatch(r"[A-Z][a-z]+(?:-[A-Z]?[a-z]+)?", w) for w in words) \
        and not any(w.lower() in _ORG_WORDS for w in words)


def _described_as_person(head: Any) -> bool:
    """"Leo Poon, a microbiologist at ...": an appositive common noun that is no body describes a person."""
    return any(c.dep_ == "appos" and c.pos_ == "NOUN" and c.lower_ not in INSTITUTIONS and c.tag_ == "NN"
               for c in head.children)


def names_thing(tok: Any) -> bool:
    """A common noun naming a thing (:data:`INANIMATE`: "the report", "an official statement"), never a speaker."""
    return tok.pos_ == "NOUN" and tok.lemma_.lower() in INANIMATE


def _issuer_token(head: Any) -> Any:
    """The issuer inside a thing's phrase: a possessor ("BP's statement"), "by/from X", or "issued by X"."""
    for child in head.children:
        if child.dep_ == "poss" and child.pos_ in ("PROPN", "NOUN"):
            return child
        if child.dep_ == "prep" and child.lower_ in ("by", "from"):
            obj = next((c for c in child.children if c.dep_ == "pobj"), None)
            if obj is not None and obj.pos_ in ("PROPN", "NOUN"):
                return obj
        if child.dep_ == "acl" and child.lemma_.lower() in _ISSUE_VERBS:
            agent = next((c for c in child.children if c.dep_ == "agent"), None)
            obj = next((c for c in agent.children if c.dep_ == "pobj"), None) if agent is not None else None
            if obj is not None:
                return obj
    return None


def _issuing_subject(tok: Any) -> Any:
    """The subject who made an earlier mention of a thing: "X issued a statement", "X said in a report"."""
    verb = tok.head
    if tok.dep_ == "pobj" and verb.dep_ == "prep" and verb.lower_ == "in":
        verb = verb.head
        if verb.lemma_.lower() not in _ISSUE_VERBS | _SAY_VERBS:
            return None
    elif tok.dep_ != "dobj" or verb.lemma_.lower() not in _ISSUE_VERBS:
        return None
    if verb.pos_ not in ("VERB", "AUX"):
        return None
    return next((c for c in verb.children if c.dep_ == "nsubj"), None)


def _definite(head: Any) -> bool:
    return any(t.lower_ in ("the", "this", "that") or t.dep_ == "poss" for t in head.lefts)


def _inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    i = bisect.bisect_right(spans, (pos, float("inf"))) - 1
    return i >= 0 and spans[i][0] <= pos < spans[i][1]
