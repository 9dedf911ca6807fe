"""``newsloom eval facts``: the facts a reader takes from an article, scored against newsfacts.

The newsfacts folder (``bench-data/newsfacts/dev``, format in its README) holds real articles with
hand-annotated quotes (speaker = canonical name), dates (kind and resolved value), entities (canonical
name, type, surface forms) and events (PLOVER-like class, verb, actor, target). The articles go through
the real pipeline into a temporary store (published date = the article's ``date``, source = its
``source``); what the store then holds is scored the way the folder README suggests. A simple baseline
is measured in the same run on a plain spaCy pass over the stored text: quotation marks with the
nearest preceding PERSON; DATE entities resolved by dateparser alone against the publication date;
spaCy's NER with the longest form of a name as the canonical one; a verb lexicon match without parse.

Every gold fragment is located in the stored clean text, ignoring white space and quotation marks; a
fragment that cleaning cut counts as missed. The scorers (``score_*``) are pure: located gold and
predictions in, counts out.
"""
from __future__ import annotations

import bisect
import json
import re
import sys
import tempfile
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..loom import Loom
from ..model import Record
from ..nlp import load_nlp
from ..stages.dates import format_value
from ..stages.events import LEXICON
from ..stages.quotes import find_quote_spans
from . import Table, bench_data_root, evaluation

__all__ = ["eval_facts", "locate", "names_match", "score_quotes", "score_dates", "score_entities", "score_events",
           "GoldQuote", "PredQuote", "GoldDate", "PredDate", "GoldEntity", "PredMention", "GoldEvent", "PredEvent",
           "QuoteCounts", "DateCounts", "EntityCounts", "EventCounts", "newsfacts_folder"]

Span = tuple[int, int]
_MARKS = set("\"'\u201c\u201d\u201e\u00ab\u00bb\u2018\u2019\u201a`\u2032\u2033")
#: words left out of an acronym ("World Health Organization" -> WHO)
_ACRONYM_SKIP = frozenset("of the for and on in de des du la le".split())
#: legal forms that end company names and are no surname ("Novartis AG")
_LEGAL_FORMS = frozenset("ag inc ltd plc sa llc corp co gmbh nv spa".split())
#: spaCy labels that name a place
PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
SCORED_LABELS = frozenset({"PERSON", "ORG"}) | PLACE_LABELS


# -- locating gold text ------------------------------------------------------------------------------------
def _squeeze(text: str) -> tuple[str, list[int]]:
    """``text`` without white space and quotation marks, and each kept character's offset in ``text``."""
    chars, offsets = [], []
    for i, c in enumerate(text):
        if c.isspace() or c in _MARKS:
            continue
        chars.append(c)
        offsets.append(i)
    return "".join(chars), offsets


class Locator:
    """Finds gold fragments in one text, white space and quotation marks ignored."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.squeezed, self.offsets = _squeeze(text)

    def find(self, fragment: str, within: Span | None = None) -> Span | None:
        """The first (start, end) of ``fragment`` in the text (inside ``within`` when given), or None."""
        needle, _ = _squeeze(fragment)
        if not needle:
            return None
        lo, hi = 0, len(self.squeezed)
        if within is not None:
            lo = bisect.bisect_left(self.offsets, within[0])
            hi = bisect.bisect_left(self.offsets, within[1])
        at = self.squeezed.find(needle, lo, hi)
        if at < 0:
            return None
        return self.offsets[at], self.offsets[at + len(needle) - 1] + 1

    def find_all(self, form: str) -> list[Span]:
        """Every occurrence of a surface form as whole words (not "Syria" inside "Syrian")."""
        pattern = re.compile(rf"(?<!\w){re.escape(form)}(?!\w)")
        found = [(m.start(), m.end()) for m in pattern.finditer(self.text)]
        if not found:  # spelled with other spacing or marks in the text
            span = self.find(form)
            found = [span] if span else []
        return found


def locate(text: str, fragment: str) -> Span | None:
    """(start, end) of ``fragment`` in ``text``, ignoring white space and quotation marks; None when absent."""
    return Locator(text).find(fragment)


# -- names --------------------------------------------------------------------------------------------------
def _words(name: str) -> list[str]:
    name = unicodedata.normalize("NFKD", name)
    name = "".join(c for c in name if not unicodedata.combining(c)).casefold()
    name = re.sub(r"['\u2019]s\b", "", name)
    return re.findall(r"[^\W_]+", name)


def _one_edit(a: str, b: str) -> bool:
    """Are two words the same but for one substituted letter?"""
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b)) == 1


def _acronym(name: str) -> str:
    words = [w for w in re.findall(r"[^\W_]+", name) if w.casefold() not in _ACRONYM_SKIP]
    return "".join(w[0] for w in words).casefold() if len(words) >= 2 else ""


def names_match(gold: str | None, pred: str | None) -> bool:
    """Is ``pred`` the gold speaker/actor? Surname (the gold name's last word) or acronym match.

    A gold "A and B" (joint speakers) matches a name of either. None never matches.
    """
    if not gold or not pred:
        return False
    parts = [gold] + [p for p in re.split(r"\s+and\s+", gold) if p != gold]
    pred_words = _words(pred)
    pred_flat = "".join(pred_words)
    for g in parts:
        words = _words(g)
        while len(words) > 1 and words[-1] in _LEGAL_FORMS:
            words.pop()
        if not words:
            continue
        if words == pred_words or words[-1] in pred_words:
            return True
        if len(words[-1]) >= 6 and any(_one_edit(words[-1], w) for w in pred_words):  # Organisation/-ization
            return True
        if _acronym(g) and _acronym(g) == pred_flat:
            return True
        if _acronym(pred) and _acronym(pred) == "".join(words):
            return True
    return False


def _overlap(a: Span, b: Span) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


# -- quotes -------------------------------------------------------------------------------------------------
@dataclass
class GoldQuote:
    span: Span | None  # None: not found in the stored text (cut by cleaning)
    speaker: str | None
    fragment: str = ""


@dataclass
class PredQuote:
    parts: list[Span]
    speaker: str | None  # the name users see (None: no speaker shown)
    text: str = ""


@dataclass
class _Counts:
    def add(self, other: "_Counts") -> None:
        for f in fields(self):
            value = getattr(other, f.name)
            if isinstance(value, list):
                getattr(self, f.name).extend(value)
            else:
                setattr(self, f.name, getattr(self, f.name) + value)


@dataclass
class QuoteCounts(_Counts):
    gold: int = 0
    found: int = 0  # gold quotes overlapped by a prediction on at least half the fragment
    pred: int = 0
    pred_matched: int = 0  # predictions overlapping a gold quote
    shown: int = 0  # matched predictions shown with a speaker
    shown_right: int = 0
    gold_named: int = 0
    named_found_right: int = 0  # gold quotes with a named speaker, found with that speaker
    errors: list[str] = field(default_factory=list)

    def row(self) -> dict[str, Any]:
        return {"recall": _ratio(self.found, self.gold), "precision": _ratio(self.pred_matched, self.pred),
                "attr precision": _ratio(self.shown_right, self.shown),
                "attr recall": _ratio(self.named_found_right, self.gold_named),
                "counts": f"found {self.found}/{self.gold}, matched {self.pred_matched}/{self.pred}, "
                          f"right speaker {self.shown_right}/{self.shown}, named found right "
                          f"{self.named_found_right}/{self.gold_named}"}


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 3) if b else None


def _quote_overlap(q: PredQuote, span: Span) -> int:
    return sum(_overlap(p, span) for p in q.parts)


def score_quotes(gold: list[GoldQuote], preds: list[PredQuote]) -> QuoteCounts:
    """Counts for one article (see the README's definitions).

    A gold quote is found when one prediction covers at least half its fragment; a prediction matches
    the gold quote it overlaps most. Attributed precision: of the matched predictions shown with a
    speaker, those naming the gold speaker (a name for a gold null speaker is wrong). Attributed recall:
    of the gold quotes with a named speaker, those found by a prediction naming that speaker.
    """
    c = QuoteCounts(gold=len(gold), pred=len(preds), gold_named=sum(1 for g in gold if g.speaker))
    for g in gold:
        if g.span is None:
            c.errors.append(f"quote cut or not found: {g.fragment!r}")
            continue
        half = (g.span[1] - g.span[0]) / 2
        covering = [p for p in preds if _quote_overlap(p, g.span) >= half]
        if covering:
            c.found += 1
            if g.speaker and any(names_match(g.speaker, p.speaker) for p in covering):
                c.named_found_right += 1
        else:
            c.errors.append(f"quote missed ({g.speaker}): {g.fragment!r}")
    for p in preds:
        best = max((g for g in gold if g.span is not None and _quote_overlap(p, g.span) > 0),
                   key=lambda g: _quote_overlap(p, g.span), default=None)  # type: ignore[arg-type]
        if best is None:
            c.errors.append(f"quote not in gold ({p.speaker}): {p.text[:90]!r}")
            continue
        c.pred_matched += 1
        if p.speaker:
            c.shown += 1
            if names_match(best.speaker, p.speaker):
                c.shown_right += 1
            else:
                c.errors.append(f"speaker {p.speaker!r}, gold {best.speaker!r}: {best.fragment!r}")
    return c


# -- dates --------------------------------------------------------------------------------------------------
@dataclass
class GoldDate:
    span: Span | None
    kind: str  # date / duration / set / vague
    value: str | None
    expression: str = ""


@dataclass
class PredDate:
    start: int
    end: int
    value: str | None


@dataclass
class DateCounts(_Counts):
    dates: int = 0
    right: int = 0
    others: int = 0  # durations, sets, vague expressions
    false_values: int = 0
    errors: list[str] = field(default_factory=list)

    def row(self) -> dict[str, Any]:
        return {"value acc": _ratio(self.right, self.dates), "false-value rate": _ratio(self.false_values, self.others),
                "counts": f"right {self.right}/{self.dates}, valued {self.false_values}/{self.others} "
                          "durations/sets/vague"}


def value_matches(gold: str, pred: str | None) -> bool:
    """Same ISO value; for a gold ISO week ("2011-W04") any day of that week (or the week itself)."""
    if not pred:
        return False
    week = re.fullmatch(r"(\d{4})-W(\d{2})", gold)
    if week is None:
        return pred == gold
    if pred == gold:
        return True
    try:
        day = date.fromisoformat(pred)
    except ValueError:
        return False
    monday = date.fromisocalendar(int(week.group(1)), int(week.group(2)), 1)
    return monday <= day <= monday + timedelta(days=6)


def score_dates(gold: list[GoldDate], preds: list[PredDate]) -> DateCounts:
    """Value accuracy over kind=date (a prediction overlapping the expression with the gold value), and the
    share of durations, sets and vague expressions that a prediction overlapping them gives a value."""
    c = DateCounts()
    for g in gold:
        over = [p for p in preds if g.span is not None and _overlap((p.start, p.end), g.span) > 0]
        if g.kind == "date":
            c.dates += 1
            if g.value and any(value_matches(g.value, p.value) for p in over):
                c.right += 1
            else:
                c.errors.append(f"date {g.expression!r}: gold {g.value}, predicted "
                                f"{[p.value for p in over] if over else 'nothing'}")
        else:
            c.others += 1
            valued = [p.value for p in over if p.value]
            if valued:
                c.false_values += 1
                c.errors.append(f"{g.kind} {g.expression!r} given a value: {valued}")
    return c


# -- entities -----------------------------------------------------------------------------------------------
@dataclass
class GoldEntity:
    name: str
    type: str  # PERSON / ORG / PLACE
    spans: list[Span]  # every occurrence of every form


@dataclass
class PredMention:
    start: int
    end: int
    label: str
    entity: str | None  # entity id (per article for the baseline)
    name: str  # the entity's canonical name


@dataclass
class EntityCounts(_Counts):
    gold: int = 0
    found: int = 0  # a form overlapped by a mention of any scored label
    found_typed: int = 0  # ... of the right type
    canonical_exact: int = 0  # among found: the entity's canonical name is the gold name
    mentions: int = 0
    mentions_right: int = 0
    merges: int = 0  # predicted entities holding forms of two or more gold entities
    splits: int = 0  # gold entities whose forms went to two or more predicted entities
    errors: list[str] = field(default_factory=list)

    def row(self) -> dict[str, Any]:
        return {"found": _ratio(self.found, self.gold), "found typed": _ratio(self.found_typed, self.gold),
                "canonical exact": _ratio(self.canonical_exact, self.found),
                "mention P": _ratio(self.mentions_right, self.mentions), "wrong merges": self.merges,
                "wrong splits": self.splits,
                "counts": f"typed {self.found_typed}/{self.gold}, exact {self.canonical_exact}/{self.found}, "
                          f"mentions {self.mentions_right}/{self.mentions}"}


def _type_ok(gold_type: str, label: str) -> bool:
    return label in PLACE_LABELS if gold_type == "PLACE" else label == gold_type


def score_entities(gold: list[GoldEntity], preds: list[PredMention]) -> EntityCounts:
    """Counts for one article: found, found with the right type, canonical name exact (the entity most of the
    overlapping mentions belong to), mention precision over PERSON/ORG/GPE/LOC/FAC mentions, wrong merges
    and splits within the article."""
    c = EntityCounts(gold=len(gold))
    scored = [m for m in preds if m.label in SCORED_LABELS]
    holders: dict[str, set[int]] = defaultdict(set)  # predicted entity -> gold entities it holds
    for i, g in enumerate(gold):
        over = [m for m in scored if any(_overlap((m.start, m.end), s) > 0 for s in g.spans)]
        if not over:
            c.errors.append(f"entity missed: {g.name} ({g.type})")
            continue
        c.found += 1
        if any(_type_ok(g.type, m.label) for m in over):
            c.found_typed += 1
        else:
            c.errors.append(f"entity {g.name} ({g.type}) typed {sorted({m.label for m in over})}")
        ids = Counter(m.entity or f"name:{m.name}" for m in over)
        top = ids.most_common(1)[0][0]
        name = next(m.name for m in over if (m.entity or f"name:{m.name}") == top)
        if name.casefold() == g.name.casefold():
            c.canonical_exact += 1
        else:
            c.errors.append(f"entity {g.name!r} named {name!r}")
        if len(ids) > 1:
            c.splits += 1
            c.errors.append(f"entity {g.name!r} split into {sorted({m.name for m in over})}")
        for key in ids:
            holders[key].add(i)
    for key, held in holders.items():
        if len(held) > 1:
            c.merges += 1
            c.errors.append(f"entities merged: {sorted(gold[i].name for i in held)}")
    all_spans = [s for g in gold for s in g.spans]
    c.mentions = len(scored)
    for m in scored:
        if any(_overlap((m.start, m.end), s) > 0 for s in all_spans):
            c.mentions_right += 1
        else:
            c.errors.append(f"mention not a gold form: {m.name!r} ({m.label})")
    return c


# -- events -------------------------------------------------------------------------------------------------
@dataclass
class GoldEvent:
    verb_span: Span | None
    verb_lemma: str  # the gold verb's lemma ("denied" -> "deny"); the word itself when unknown
    verb: str
    action: str
    actor: str | None
    target: str | None
    fragment: str = ""


@dataclass
class PredEvent:
    start: int  # the sentence
    end: int
    verb: str  # lemma or phrase ("call for")
    action: str
    actor: str | None
    target: str | None


@dataclass
class EventCounts(_Counts):
    gold: int = 0
    found: int = 0
    pred: int = 0
    pred_matched: int = 0
    actor_right: int = 0
    target_right: int = 0
    errors: list[str] = field(default_factory=list)

    def row(self) -> dict[str, Any]:
        return {"precision": _ratio(self.pred_matched, self.pred), "recall": _ratio(self.found, self.gold),
                "actor acc": _ratio(self.actor_right, self.found), "target acc": _ratio(self.target_right, self.found),
                "counts": f"found {self.found}/{self.gold}, matched {self.pred_matched}/{self.pred}, "
                          f"actor {self.actor_right}, target {self.target_right}"}


def _same_verb(gold: GoldEvent, pred: PredEvent) -> bool:
    first = pred.verb.split()[0].casefold() if pred.verb else ""
    return first in (gold.verb_lemma.casefold(), gold.verb.casefold())


def _event_match(gold: GoldEvent, pred: PredEvent) -> bool:
    return (gold.verb_span is not None and pred.start <= gold.verb_span[0] < pred.end
            and _same_verb(gold, pred) and pred.action == gold.action)


def _role_right(gold: str | None, pred: str | None) -> bool:
    return names_match(gold, pred) if gold else pred is None


def score_events(gold: list[GoldEvent], preds: list[PredEvent]) -> EventCounts:
    """A prediction matches a gold event when its sentence holds the gold verb, its verb is the same word and
    its class the same. Actor/target accuracy is over found gold events (a null gold role needs none)."""
    c = EventCounts(gold=len(gold), pred=len(preds))
    for g in gold:
        hits = [p for p in preds if _event_match(g, p)]
        if not hits:
            c.errors.append(f"event missed: {g.action} {g.verb!r} in {g.fragment!r}")
            continue
        c.found += 1
        c.actor_right += any(_role_right(g.actor, p.actor) for p in hits)
        c.target_right += any(_role_right(g.target, p.target) for p in hits)
        if not any(_role_right(g.actor, p.actor) for p in hits):
            c.errors.append(f"event {g.verb!r}: actor {hits[0].actor!r}, gold {g.actor!r}")
    for p in preds:
        if any(_event_match(g, p) for g in gold):
            c.pred_matched += 1
        else:
            c.errors.append(f"event not in gold: {p.action} {p.verb!r} ({p.actor} -> {p.target})")
    return c


# -- loading ------------------------------------------------------------------------------------------------
def newsfacts_folder(data: str | None) -> Path:
    """The folder with the newsfacts files: ``--data`` itself, its ``newsfacts/dev``, or bench-data/newsfacts/dev."""
    if data:
        root = Path(data)
        for cand in (root, root / "dev", root / "newsfacts" / "dev"):
            if (cand / "articles.jsonl").is_file():
                return cand
        raise ConfigError(f"{root}: not a newsfacts folder (expected articles.jsonl, quotes.jsonl, dates.jsonl, "
                          "entities.jsonl, events.jsonl)", code="E213")
    return bench_data_root(None) / "newsfacts" / "dev"


def _read(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise ConfigError(f"{path}: missing (a newsfacts folder needs articles, quotes, dates, entities and events "
                          ".jsonl files)", code="E215")
    out = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    out.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise ConfigError(f"{path}:{n}: not JSON ({exc.msg})", code="E216") from exc
    return out


def _by_doc(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        out[r["doc"]].append(r)
    return out


def _gold(folder: Path) -> tuple[list[dict[str, Any]], dict[str, dict[str, list[dict[str, Any]]]]]:
    articles = _read(folder / "articles.jsonl")
    return articles, {kind: _by_doc(_read(folder / f"{kind}.jsonl")) for kind in ("quotes", "dates", "entities",
                                                                                     "events")}


def _entity_spans(loc: Locator, rows: list[dict[str, Any]]) -> list[GoldEntity]:
    """Gold entities with every occurrence of their forms, except inside a longer form of another entity
    ("Michael" of Michael Jackson inside "J Michael Flanagan")."""
    spans = [sorted({s for f in e["forms"] for s in loc.find_all(f)}) for e in rows]
    out = []
    for i, e in enumerate(rows):
        others = [s for j, ss in enumerate(spans) if j != i for s in ss]
        keep = [s for s in spans[i] if not any(o[0] <= s[0] and s[1] <= o[1] and o != s for o in others)]
        out.append(GoldEntity(e["name"], e["type"], keep))
    return out


def _locate_gold(text: str, doc: Any, gold: dict[str, list[dict[str, Any]]]) -> dict[str, list[Any]]:
    """The gold of one article located in its stored text."""
    loc = Locator(text)
    quotes = [GoldQuote(loc.find(q["fragment"]), q.get("speaker"), q["fragment"]) for q in gold["quotes"]]
    dates = []
    for d in gold["dates"]:
        ctx = loc.find(d["context"])
        dates.append(GoldDate(loc.find(d["expression"], ctx) if ctx else None, d["kind"], d.get("value"),
                              d["expression"]))
    entities = _entity_spans(loc, gold["entities"])
    events = []
    for e in gold["events"]:
        frag = loc.find(e["fragment"])
        verb = loc.find(e["verb"], frag) if frag else None
        lemma = e["verb"]
        if verb is not None and doc is not None:
            span = doc.char_span(verb[0], verb[1], alignment_mode="expand")
            if span is not None and len(span):
                lemma = span[0].lemma_
        events.append(GoldEvent(verb, lemma, e["verb"], e["action"], e.get("actor"), e.get("target"), e["fragment"]))
    return {"quotes": quotes, "dates": dates, "entities": entities, "events": events}


# -- predictions: the store ---------------------------------------------------------------------------------
def _store_predictions(store: Any, article_id: str) -> dict[str, list[Any]]:
    quotes = [PredQuote([tuple(p) for p in json.loads(r["parts"])],
                        r["speaker_name"] or r["entity_name"], r["text"])
              for r in store.rows("SELECT q.parts, q.text, q.speaker_name, e.name AS entity_name FROM quotes q "
                                  "LEFT JOIN entities e ON e.id = q.speaker_entity WHERE q.article_id = ? "
                                  "ORDER BY q.start", (article_id,))]
    dates = [PredDate(r["start"], r["end"], r["value"])
             for r in store.rows('SELECT start, "end", value FROM dates WHERE article_id = ?', (article_id,))]
    mentions = [PredMention(r["start"], r["end"], r["label"], r["entity_id"], r["entity_name"] or r["name"])
                for r in store.rows('SELECT m.start, m."end", m.label, m.name, m.entity_id, e.name AS entity_name '
                                    "FROM mentions m LEFT JOIN entities e ON e.id = m.entity_id "
                                    "WHERE m.article_id = ?", (article_id,))]
    events = [PredEvent(r["start"], r["end"], r["verb"], r["action"], r["actor"], r["target"])
              for r in store.rows('SELECT start, "end", verb, action, actor, target FROM events WHERE article_id = ?',
                                  (article_id,))]
    return {"quotes": quotes, "dates": dates, "entities": mentions, "events": events}


# -- predictions: the baseline ------------------------------------------------------------------------------
def _baseline_quotes(doc: Any) -> list[PredQuote]:

    persons = [e for e in doc.ents if e.label_ == "PERSON"]
    out = []
    for s, e in find_quote_spans(doc.text):
        before = [p for p in persons if p.end_char <= s]
        out.append(PredQuote([(s, e)], before[-1].text if before else None, doc.text[s:e]))
    return out


def _baseline_dates(doc: Any, published: str | None) -> list[PredDate]:
    from datetime import datetime

    from dateparser.date import DateDataParser


    settings: dict[str, Any] = {"RETURN_AS_TIMEZONE_AWARE": False}
    if published:
        base = date.fromisoformat(published[:10])
        settings["RELATIVE_BASE"] = datetime(base.year, base.month, base.day)
    parser = DateDataParser(languages=["en"], settings=settings)
    out = []
    for ent in doc.ents:
        if ent.label_ != "DATE":
            continue
        data = parser.get_date_data(ent.text)
        value = None
        if data and data.date_obj is not None:
            precision = {"day": "day", "week": "week", "month": "month", "year": "year"}.get(data.period or "day",
                                                                                             "day")
            value = format_value(data.date_obj.date(), precision)
        out.append(PredDate(ent.start_char, ent.end_char, value))
    return out


def _baseline_mentions(doc: Any) -> list[PredMention]:
    ents = [e for e in doc.ents if e.label_ in SCORED_LABELS]
    groups: list[tuple[str, list[Any]]] = []  # (longest form, members)
    for ent in sorted(ents, key=lambda e: -len(e.text)):
        words = _words(ent.text)
        home = next((g for g in groups if words and set(words) <= set(_words(g[0])) and
                     g[1][0].label_ == ent.label_), None)
        if home is None:
            groups.append((ent.text, [ent]))
        else:
            home[1].append(ent)
    out = []
    for n, (name, members) in enumerate(groups):
        out.extend(PredMention(e.start_char, e.end_char, e.label_, f"b{n}", name) for e in members)
    return out


def _baseline_events(doc: Any) -> list[PredEvent]:

    out = []
    for sent in doc.sents:
        named = [e for e in sent.ents if e.label_ in SCORED_LABELS]
        for tok in sent:
            action = LEXICON.get(tok.lemma_.lower()) if tok.pos_ == "VERB" else None
            if action is None:
                continue
            before = [e for e in named if e.end <= tok.i]
            after = [e for e in named if e.start > tok.i]
            out.append(PredEvent(sent.start_char, sent.end_char, tok.lemma_.lower(), action,
                                 before[-1].text if before else None, after[0].text if after else None))
    return out


def _baseline(doc: Any, published: str | None) -> dict[str, list[Any]]:
    return {"quotes": _baseline_quotes(doc), "dates": _baseline_dates(doc, published),
            "entities": _baseline_mentions(doc), "events": _baseline_events(doc)}


# -- the evaluation -----------------------------------------------------------------------------------------
_SCORERS = {"quotes": (score_quotes, QuoteCounts), "dates": (score_dates, DateCounts),
            "entities": (score_entities, EntityCounts), "events": (score_events, EventCounts)}
_COLUMNS = {
    "quotes": ["system", "recall", "precision", "attr precision", "attr recall"],
    "dates": ["system", "value acc", "false-value rate"],
    "entities": ["system", "found", "found typed", "canonical exact", "mention P", "wrong merges", "wrong splits"],
    "events": ["system", "precision", "recall", "actor acc", "target acc"],
}


def ingest_articles(articles: list[dict[str, Any]], db: Path) -> Any:
    """Run the articles through the default pipeline into a new store at ``db``; return the Loom (open)."""

    loom = Loom(db)
    loom.ingest(items=[Record(external_id=a["id"], text=a["text"], title=a.get("title") or "",
                              published=a.get("date"), source=a.get("source"), url=a.get("url"))
                       for a in articles])
    return loom


@evaluation("facts", help="Quotes, speakers, dates, entities and events against the newsfacts gold (dev).")
def eval_facts(data: str | None = None, limit: str | int | None = None, show: str | None = None,
               **_: Any) -> list[Table]:
    """Score what the store holds after ingesting the newsfacts articles, beside a simple baseline.

    Args:
        data: the newsfacts folder (``--data``); default ``bench-data/newsfacts/dev``.
        limit: score only the first N articles.
        show: "errors" prints every mismatch of newsloom (per article) to stderr; "baseline" those of the
            baseline too.

    Returns:
        One table per kind of fact (quotes, dates, entities, events).
    """

    folder = newsfacts_folder(data)
    articles, gold = _gold(folder)
    if limit not in (None, ""):
        articles = articles[:int(limit)]
    totals = {system: {kind: cls() for kind, (_, cls) in _SCORERS.items()} for system in ("newsloom", "baseline")}
    nlp = load_nlp()
    cut = 0
    with tempfile.TemporaryDirectory() as tmp:
        loom = ingest_articles(articles, Path(tmp) / "facts.db")
        try:
            stored = {r["external_id"]: r for r in loom.store.rows(
                "SELECT id, external_id, text, published FROM articles")}
            for art in articles:
                row = stored.get(art["id"])
                if row is None:
                    raise ConfigError(f"{folder}: article {art['id']} was not stored (see `newsloom inputs`)",
                                      code="E217")
                doc = nlp(row["text"])
                located = _locate_gold(row["text"], doc, {k: gold[k].get(art["id"], []) for k in gold})
                cut += sum(1 for q in located["quotes"] if q.span is None)
                systems = {"newsloom": _store_predictions(loom.store, row["id"]),
                           "baseline": _baseline(doc, row["published"])}
                for system, preds in systems.items():
                    for kind, (scorer, _) in _SCORERS.items():
                        counts = scorer(located[kind], preds[kind])
                        totals[system][kind].add(counts)
                        if show and (system == "newsloom" or show == "baseline") and counts.errors:
                            for err in counts.errors:
                                print(f"[{system}] {art['id']} {kind}: {err}", file=sys.stderr)
        finally:
            loom.close()
    tables = []
    for kind in _SCORERS:
        rows = [{"system": system, **totals[system][kind].row()} for system in ("newsloom", "baseline")]
        counts = [f"{r['system']}: {r['counts']}" for r in rows]
        tables.append(Table(f"newsfacts {kind}", _COLUMNS[kind], rows, [*_NOTES[kind], *counts]))
    tables[-1].notes = [*tables[-1].notes, f"data: {folder} ({len(articles)} articles; {cut} gold quote fragments "
                        "not found in the stored text count as missed)",
                        "baseline: quotation marks + nearest preceding PERSON; DATE entities by dateparser alone "
                        "against the publication date; spaCy NER, longest form canonical; verb lexicon without "
                        "parse (actor/target = nearest name before/after in the sentence)"]
    return tables


_NOTES = {
    "quotes": ["recall: gold quotes a prediction covers on at least half the fragment; precision: predictions "
               "overlapping a gold quote; attr precision: of matched predictions shown with a speaker, the right "
               "person (a name for a gold null speaker is wrong); attr recall: gold quotes with a named speaker "
               "found with that speaker; names match on the surname or an acronym"],
    "dates": ["value acc: kind=date expressions overlapped by a prediction with the gold value (ISO week: any "
              "day of it); false-value rate: durations, sets and vague expressions given a value"],
    "entities": ["found typed: a form overlapped by a mention of the right type (PLACE = GPE/LOC/FAC); canonical "
                 "exact: over found entities, the canonical name of the entity most overlapping mentions belong "
                 "to; mention P over PERSON/ORG/GPE/LOC/FAC mentions; merges/splits within each article"],
    "events": ["match: the prediction's sentence holds the gold verb, same verb lemma, same class; actor/target "
               "accuracy over found gold events (a null gold role wants none)"],
}
