"""The events stage: who did what to whom, where and when, from the dependency parse.

Puts ``article.annotations["events"]``, a list sorted by start of::

    {"start": int, "end": int,            # the sentence span in article.text
     "action": "CONSULT"|"AGREE"|..., "verb": str, "verb_start": int,
     "actor": str|None, "target": str|None, "place": str|None,   # in-article canonical names
     "date": str|None, "precision": str|None}

Steps, per sentence:

1. a verb whose lemma (with its particle or preposition: "call for", "crack down") is in
   :data:`LEXICON` gives an action of a small PLOVER-like set; a negated verb gives none.
2. the actor is the subject (the "by" agent for a passive), the target the object, or the
   object of a preposition the verb takes ("met with X", "sanctions against X"); a clause
   joined to an earlier verb ("and agreed ...") shares that verb's subject. Each is mapped to
   the entities stage's mention inside it, so it carries the in-article canonical name.
3. the place is a GPE/LOC/FAC mention under an "in/at/near/on/from/to" phrase of the verb; the
   date is the dates stage's resolved expression nearest the verb in the sentence.

An event needs its actor or its target to be a named mention, so "it" and "they" alone make none.
"""
from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator
from typing import Any

from ..model import Article, DateExpression, Event, Mention
from ..nlp.scoped_parse import parse_scope
from ..pipeline import stage
from ..settings import stage_settings

__all__ = ["Events", "LEXICON", "ACTIONS", "extract_events"]

#: verb lemma (optionally with its particle/preposition) -> PLOVER-like action
LEXICON: dict[str, str] = {}
_CLASSES = {
    "CONSULT": "meet discuss talk visit consult negotiate host confer phone telephone hold_talks",
    "AGREE": "agree sign accept approve ratify settle pledge promise commit conclude",
    "SUPPORT": "support back praise endorse welcome defend applaud",
    "DEMAND": "demand urge request ask insist appeal press call_for call_on pressure",
    "ACCUSE": "accuse blame condemn criticize criticise denounce charge allege",
    "REJECT": "deny reject refuse veto dismiss oppose rebuff",
    "THREATEN": "threaten warn",
    "SANCTION": "sanction blacklist ban embargo boycott suspend freeze restrict impose expel",
    "AID": "aid help assist provide supply donate fund",
    "RELEASE": "release free pardon",
    "CONCEDE": "lift ease",
    "MOVE": "move send fly travel withdraw evacuate repatriate return leave arrive flee",
    "PROTEST": "protest demonstrate rally march",
    "ASSAULT": "attack kill beat bomb shoot assault rob injure wound crush",
    "MOBILIZE": "deploy mobilize mobilise amass mass station",
    "COERCE": "arrest detain jail imprison deport seize raid divert crack_down",
    "FIGHT": "fight clash battle invade shell",
}
for _action, _words in _CLASSES.items():
    for _w in _words.split():
        LEXICON[_w.replace("_", " ")] = _action
ACTIONS = tuple(_CLASSES)
parse_scope(event=LEXICON)  # the scoped parse parses sentences with an event verb near a name

_TARGET_PREPS = frozenset({"with", "against", "on", "to", "for", "at", "over", "into"})
_PLACE_PREPS = frozenset({"in", "at", "near", "on", "from", "to", "inside", "outside", "across", "into"})
_PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
_SUBJECTS = frozenset({"nsubj", "nsubjpass", "csubj"})
_OBJECTS = frozenset({"dobj", "obj", "attr", "dative"})


def _action_of(verb: Any) -> tuple[str, str] | None:
    lemma = verb.lemma_.lower()
    if lemma == "call":  # "call for/on" is a demand, "X called Y" a phone call, "called it Z" neither
        kids = {c.dep_: c for c in verb.children}
        preps = {c.text.lower() for c in verb.children if c.dep_ == "prep"
                 and not any(g.ent_type_ in ("DATE", "TIME") for g in c.children)}
        if ("for" in preps or "on" in preps) and "dobj" not in kids:
            return "DEMAND", "call " + ("on" if "on" in preps else "for")
        if "dobj" in kids and kids["dobj"].ent_type_ in ("PERSON", "ORG", "GPE") and not (
                {"oprd", "ccomp", "xcomp"} & set(kids)):
            return "CONSULT", "call"
        return None
    for child in verb.children:
        if child.dep_ in ("prt", "prep"):
            phrase = f"{lemma} {child.text.lower()}"
            if phrase in LEXICON:
                return LEXICON[phrase], phrase
    if lemma == "hold" and any(c.dep_ in _OBJECTS and c.lemma_.lower() in ("talk", "call", "meeting")
                               for c in verb.children):
        return "CONSULT", "hold talks"
    if lemma == "impose" and not any("sanction" in c.lemma_.lower() or "ban" in c.lemma_.lower()
                                     for c in verb.subtree):
        return None
    if lemma in LEXICON:
        return LEXICON[lemma], lemma
    return None


class _MentionIndex:
    """Mentions by offset, for mapping a token to the mention that covers it."""

    def __init__(self, mentions: list[Mention]) -> None:
        self.mentions = mentions
        self.starts = [m["start"] for m in mentions]

    def at(self, offset: int) -> Mention | None:
        i = bisect.bisect_right(self.starts, offset) - 1
        if i >= 0 and self.mentions[i]["start"] <= offset < self.mentions[i]["end"]:
            return self.mentions[i]
        return None

    def within(self, start: int, end: int) -> list[Mention]:
        i = bisect.bisect_left(self.starts, start)
        out = []
        while i < len(self.mentions) and self.mentions[i]["start"] < end:
            if self.mentions[i]["end"] <= end:
                out.append(self.mentions[i])
            i += 1
        return out


_CHILD_ORDER = {"appos": 0, "compound": 1, "pobj": 2, "prep": 2, "conj": 3, "poss": 5, "amod": 6}


def _named(token: Any, index: _MentionIndex) -> Mention | None:
    """The mention for a phrase headed by ``token``: the one covering its head, else the one nearest it in the tree.

    Walks the phrase breadth-first from its head, appositions first and possessors last, so
    "Belarus' ally, President Vladimir Putin" gives Putin; a group adjective (NORP) only counts
    when it is the head itself.
    """
    hit = index.at(token.idx)
    if hit is not None:
        return hit
    queue = sorted(token.children, key=lambda t: _CHILD_ORDER.get(t.dep_, 4))
    seen = 0
    while queue and seen < 40:
        tok = queue.pop(0)
        seen += 1
        if tok.dep_ in ("relcl", "acl", "ccomp", "advcl"):
            continue
        hit = index.at(tok.idx)
        if hit is not None and hit["label"] != "NORP":
            return hit
        queue.extend(sorted(tok.children, key=lambda t: _CHILD_ORDER.get(t.dep_, 4)))
    return None


def _subject(verb: Any) -> tuple[Any | None, bool]:
    """(subject token, passive?) of a verb, borrowing it from the verb a conjunct hangs on."""
    node = verb
    for _ in range(4):
        for child in node.children:
            if child.dep_ in _SUBJECTS:
                return child, child.dep_ == "nsubjpass"
        if node.dep_ in ("conj", "xcomp", "advcl") and node.head is not node:
            node = node.head
            continue
        break
    return None, False


def _agent(verb: Any) -> Any | None:
    for child in verb.children:
        if child.dep_ == "agent":
            for grand in child.children:
                if grand.dep_ == "pobj":
                    return grand
    return None


def _objects(verb: Any) -> list[Any]:
    found = [c for c in verb.children if c.dep_ in _OBJECTS]
    for child in verb.children:
        if child.dep_ == "prep" and child.text.lower() in _TARGET_PREPS:
            found.extend(g for g in child.children if g.dep_ == "pobj")
    return found


def _place(verb: Any, index: _MentionIndex, used: set[int]) -> Mention | None:
    for tok in verb.subtree:
        if tok.dep_ == "pobj" and tok.head.text.lower() in _PLACE_PREPS:
            m = index.at(tok.idx)
            if m is not None and m["label"] in _PLACE_LABELS and m["start"] not in used:
                return m
    return None


def extract_events(doc: Any, mentions: list[Mention], dates: list[DateExpression]) -> list[Event]:
    """The events of one parsed article (see the module docstring).

    Args:
        doc: the spaCy Doc (with a dependency parse).
        mentions: the entities stage's mentions.
        dates: the dates stage's expressions.

    Returns:
        Event dicts sorted by start.
    """
    if not doc.has_annotation("DEP"):
        return []
    index = _MentionIndex(mentions)
    resolved = [d for d in dates if d.get("value")]
    out: list[Event] = []
    for sent in doc.sents:
        for verb in sent:
            if verb.pos_ != "VERB":
                continue
            got = _action_of(verb)
            if got is None or any(c.dep_ == "neg" for c in verb.children):
                continue
            action, phrase = got
            subj, passive = _subject(verb)
            objs = _objects(verb)
            if passive:
                actor_tok, target_toks = _agent(verb), [subj] if subj is not None else []
            else:
                actor_tok, target_toks = subj, objs
            actor = _named(actor_tok, index) if actor_tok is not None else None
            target = next((m for m in (_named(t, index) for t in target_toks) if m is not None), None)
            if actor is None and target is None:
                continue
            if actor is not None and target is not None and actor["name"] == target["name"]:
                target = None
            used = {m["start"] for m in (actor, target) if m is not None}
            place = _place(verb, index, used)
            in_sent = [d for d in resolved if sent.start_char <= d["start"] < sent.end_char]
            when = min(in_sent, key=lambda d: abs(d["start"] - verb.idx)) if in_sent else None
            out.append({
                "start": sent.start_char, "end": sent.end_char, "action": action, "verb": phrase,
                "verb_start": verb.idx,
                "actor": actor["name"] if actor else None, "target": target["name"] if target else None,
                "place": place["name"] if place else None,
                "date": when["value"] if when else None, "precision": when["precision"] if when else None,
            })
    return out


@stage("events", requires=("annotations.doc", "annotations.mentions", "annotations.dates"),
       assigns=("annotations.events",), extra="nlp")
class Events:
    """Actor-action-target events with place and date, from the dependency parse and a verb lexicon."""

    def __init__(self, settings: Any = None) -> None:
        self.cfg = stage_settings(settings, "events")

    def __call__(self, article: Article) -> Article:
        doc = article.annotations.get("doc")
        article.annotations["events"] = [] if doc is None else extract_events(
            doc, article.annotations.get("mentions") or [], article.annotations.get("dates") or [])
        return article

    def pipe(self, articles: Iterable[Article], *, batch_size: int = 64) -> Iterator[Article]:
        for art in articles:
            yield self(art)
