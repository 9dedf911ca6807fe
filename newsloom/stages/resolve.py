"""Store-wide entity resolution (corpus stage "resolve").

An article's mentions, dates and events are stored with it (``storage/tables``). The resolve
stage then links each new article's mentions to entities already in the store, incrementally:

1. an article's mentions are grouped by in-article name (the entities stage already mapped
   "Mr Lukashenko", "Lukashenko's" to "Alexander Lukashenko"); full names go first.
2. a person matches stored people with the same surname key, or the same consonant skeleton
   (Lukashenko/Lukashenka, Liimets/Lemets) or a surname one edit away; first names must be
   compatible (same skeleton, Aleksandr/Alexander, or an initial of it). A surname that is
   not spelled the same must be at most two edits away (one for short names) and needs shared
   context: a name that also occurs with the entity (so "Salman" never joins "Suleiman").
3. a surname alone joins the one full-named person with that surname; with several, the one
   sharing the most context, if one shares more than the rest; else a surname-only entity,
   which a later full name absorbs once it is the only person with that surname.
4. organisations and places (ORG/GPE/LOC/FAC, one group) match on the folded name, or a close
   spelling that shares context ("Belaruse"); groups (NORP) on the folded name.

Ids are a hash of group + name at creation and never change; an entity merged into another
keeps its old id in ``entity_merges``. Aliases keep counts and the articles they come from.
"""
from __future__ import annotations

import hashlib
import re
import sqlite3
from collections import Counter, defaultdict
from typing import Any

from ..pipeline import corpus_stage
from ..settings import stage_settings
from ..storage.sqlite import now
from .entities import HONORIFICS, SUFFIXES, TITLES, edit_distance, fold

__all__ = ["Resolve", "skeleton", "person_parts", "entity_group", "merge_entities"]

_PLACE_ORG = frozenset({"ORG", "GPE", "LOC", "FAC"})
_SKEL_SUBS = (("sch", "sh"), ("x", "ks"), ("ph", "f"), ("kh", "h"), ("ck", "k"), ("q", "k"), ("c", "k"),
              ("w", "v"), ("j", "i"), ("y", "i"))
_VOWELS = frozenset("aeiou")


def entity_group(label: str) -> str:
    """The matching group of a spaCy label: people, organisations-and-places, groups, or the label."""
    if label == "PERSON":
        return "person"
    if label in _PLACE_ORG:
        return "place_org"
    return label.lower()


def skeleton(word: str) -> str:
    """A spelling-tolerant key: folded, transliteration pairs unified, later vowels and doubles dropped.

    "Lukashenko" and "Lukashenka" give "lkshnk"; "Aleksandr" and "Alexander" give "alksndr".
    """
    s = re.sub(r"[^a-z]", "", fold(word))
    for a, b in _SKEL_SUBS:
        s = s.replace(a, b)
    if not s:
        return ""
    out = [s[0]]
    for ch in s[1:]:
        if ch in _VOWELS or ch == out[-1]:
            continue
        out.append(ch)
    return "".join(out)


def person_parts(name: str) -> tuple[str | None, str]:
    """(first name or None, surname) of a person's name; titles, honorifics and middle initials dropped."""
    words = [w for w in name.replace("-", " ").split() if w]
    while len(words) > 1 and w_strip(words[0]) in HONORIFICS | TITLES:
        words = words[1:]
    while len(words) > 1 and w_strip(words[-1]) in SUFFIXES:
        words = words[:-1]
    if not words:
        return None, name
    if len(words) == 1:
        return None, words[0]
    return words[0], words[-1]


def w_strip(word: str) -> str:
    return word.rstrip(".").casefold()


def _first_key(first: str | None) -> str | None:
    if not first:
        return None
    bare = first.rstrip(".")
    return bare[0].lower() if len(bare) == 1 else skeleton(bare)


def _firsts_compatible(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return True
    if len(a) == 1 or len(b) == 1:
        return a[0] == b[0]
    # skeletons one consonant apart are one name spelled two ways (Malcolm / Malcom)
    return a == b or (min(len(a), len(b)) >= 4 and edit_distance(a, b, 1) <= 1)


_ORG_SUFFIXES = frozenset({"inc", "incorporated", "corp", "corporation", "co", "company", "ltd", "limited", "llc",
                           "plc", "ag", "sa", "gmbh", "nv", "bv", "lp", "llp", "group", "holdings"})


def name_key(name: str, grp: str) -> str:
    """The matching key of a non-person name: folded, initials joined ("U. S." -> "us"), company suffix dropped."""
    words = fold(name).split()
    joined: list[str] = []
    run = False  # inside a run of single letters: "u s geological survey" -> "us geological survey"
    for w in words:
        if len(w) == 1 and w.isalpha() and run:
            joined[-1] += w
        else:
            joined.append(w)
            run = len(w) == 1 and w.isalpha()
    while grp == "place_org" and len(joined) > 1 and joined[-1] in _ORG_SUFFIXES:
        joined.pop()
    return " ".join(joined)


def _alias(text: str) -> str:
    return " ".join(text.replace("\u2019", "'").split())


def _new_id(conn: sqlite3.Connection, grp: str, name: str) -> str:
    n = 0
    while True:
        seed = f"{grp}\x1f{name}" + (f"\x1f{n}" if n else "")
        eid = hashlib.sha1(seed.encode()).hexdigest()[:16]
        if conn.execute("SELECT 1 FROM entities WHERE id = ? UNION SELECT 1 FROM entity_merges WHERE old_id = ?",
                        (eid, eid)).fetchone() is None:
            return eid
        n += 1


def merge_entities(conn: sqlite3.Connection, keep: str, drop: str) -> None:
    """Fold entity ``drop`` into ``keep``: mentions, aliases (counts summed), article links, events."""
    if keep == drop:
        return
    conn.execute("UPDATE mentions SET entity_id = ? WHERE entity_id = ?", (keep, drop))
    conn.execute("INSERT INTO aliases (entity_id, alias, count) SELECT ?, alias, count FROM aliases WHERE entity_id = ?"
                 " ON CONFLICT (entity_id, alias) DO UPDATE SET count = count + excluded.count", (keep, drop))
    conn.execute("INSERT INTO alias_articles (entity_id, alias, article_id, count) SELECT ?, alias, article_id, count"
                 " FROM alias_articles WHERE entity_id = ? ON CONFLICT (entity_id, alias, article_id)"
                 " DO UPDATE SET count = count + excluded.count", (keep, drop))
    conn.execute("DELETE FROM aliases WHERE entity_id = ?", (drop,))
    conn.execute("DELETE FROM alias_articles WHERE entity_id = ?", (drop,))
    for col in ("actor_id", "target_id", "place_id"):
        conn.execute(f"UPDATE events SET {col} = ? WHERE {col} = ?", (keep, drop))
    conn.execute("UPDATE entity_merges SET new_id = ? WHERE new_id = ?", (keep, drop))
    conn.execute("INSERT OR REPLACE INTO entity_merges (old_id, new_id, merged_at) VALUES (?, ?, ?)",
                 (drop, keep, now()))
    conn.execute("DELETE FROM entities WHERE id = ?", (drop,))


class _Candidate:
    __slots__ = ("id", "name", "key", "skel", "first", "mentions")

    def __init__(self, row: sqlite3.Row) -> None:
        self.id, self.name, self.key, self.skel = row["id"], row["name"], row["key"], row["skel"]
        self.first, self.mentions = row["first"], row["mentions"]


@corpus_stage("resolve", requires=("annotations.mentions",), assigns=("entities",), extra="nlp")
class Resolve:
    """Link new articles' mentions to store-wide entities, merging aliases (incremental)."""

    name = "resolve"

    def __init__(self, settings: Any = None) -> None:
        self.cfg = stage_settings(settings, "resolve")

    def run(self, store: Any, ids: list[str]) -> None:
        with store.transaction() as conn:
            touched: set[str] = set()
            for aid in ids:
                touched |= self._resolve_article(conn, aid)
            self._refresh(conn, touched)
            store.done(self.name, ids)

    # -- one article ------------------------------------------------------------------------
    def _resolve_article(self, conn: sqlite3.Connection, aid: str) -> set[str]:
        rows = conn.execute('SELECT start, text, label, name FROM mentions WHERE article_id = ? AND entity_id IS NULL'
                            " ORDER BY start", (aid,)).fetchall()
        if not rows:
            return set()
        context = {fold(r["name"]) for r in conn.execute("SELECT DISTINCT name FROM mentions WHERE article_id = ?",
                                                         (aid,))}
        groups: dict[tuple[str, str], list[sqlite3.Row]] = defaultdict(list)
        for r in rows:
            groups[(entity_group(r["label"]), r["name"])].append(r)
        # full names first, so a surname alone can join the person named in full in the same article
        order = sorted(groups, key=lambda g: (g[0] != "person", len(g[1].split()) < 2, g[1]))
        touched = set()
        for grp, name in order:
            rs = groups[(grp, name)]
            label = Counter(r["label"] for r in rs).most_common(1)[0][0]
            ctx = context - {fold(name)}
            eid = self._match_person(conn, name, ctx) if grp == "person" else self._match_other(conn, grp, name, ctx)
            if eid is None:
                eid = self._create(conn, grp, name, label)
            conn.executemany("UPDATE mentions SET entity_id = ? WHERE article_id = ? AND start = ?",
                             [(eid, aid, r["start"]) for r in rs])
            counts = Counter(_alias(r["text"]) for r in rs)
            if grp != "person":  # an entity stored under a form this article spells out ("EU") joins this one
                for form in counts:
                    for other in conn.execute("SELECT id FROM entities WHERE grp = ? AND key = ? AND id != ?",
                                              (grp, name_key(form, grp), eid)).fetchall():
                        merge_entities(conn, eid, other[0])
            conn.executemany("INSERT INTO aliases (entity_id, alias, count) VALUES (?, ?, ?) ON CONFLICT"
                             " (entity_id, alias) DO UPDATE SET count = count + excluded.count",
                             [(eid, a, c) for a, c in counts.items()])
            conn.executemany("INSERT INTO alias_articles (entity_id, alias, article_id, count) VALUES (?, ?, ?, ?)"
                             " ON CONFLICT (entity_id, alias, article_id) DO UPDATE SET count = count + excluded.count",
                             [(eid, a, aid, c) for a, c in counts.items()])
            touched.add(eid)
        for col, field in (("actor_id", "actor"), ("target_id", "target"), ("place_id", "place")):
            conn.execute(f"UPDATE events SET {col} = (SELECT m.entity_id FROM mentions m WHERE m.article_id ="
                         f" events.article_id AND m.name = events.{field} AND m.entity_id IS NOT NULL LIMIT 1)"
                         f" WHERE article_id = ? AND {field} IS NOT NULL", (aid,))
        return touched

    def _overlap(self, conn: sqlite3.Connection, eid: str, ctx: set[str]) -> int:
        """How many names of the new article also occur in recent articles of entity ``eid``."""
        if not ctx:
            return 0
        names = {fold(r[0]) for r in conn.execute(
            "SELECT DISTINCT name FROM mentions WHERE article_id IN (SELECT DISTINCT article_id FROM mentions"
            " WHERE entity_id = ? LIMIT ?) AND (entity_id IS NULL OR entity_id != ?)",
            (eid, int(self.cfg["context_articles"]), eid))}
        return len(names & ctx)

    def _candidates(self, conn: sqlite3.Connection, grp: str, key: str, skel: str) -> list[_Candidate]:
        rows = conn.execute("SELECT id, name, key, skel, first, mentions FROM entities WHERE grp = ? AND"
                            " (key = ? OR skel = ?)", (grp, key, skel)).fetchall()
        if len(key) >= 6:  # one edit away, same first two letters: a misspelling ("Stoltenburg")
            rows += [r for r in conn.execute(
                "SELECT id, name, key, skel, first, mentions FROM entities WHERE grp = ? AND key >= ? AND key < ?"
                " AND length(key) BETWEEN ? AND ? AND key != ? AND skel != ?",
                (grp, key[:2], key[:2] + "\uffff", len(key) - 1, len(key) + 1, key, skel))
                if edit_distance(r["key"], key, 1) <= 1]
        return [_Candidate(r) for r in rows]

    def _match_person(self, conn: sqlite3.Connection, name: str, ctx: set[str]) -> str | None:
        first, last = person_parts(name)
        key, skel, fkey = fold(last), skeleton(last), _first_key(first)
        cands = self._candidates(conn, "person", key, skel)
        if not cands:
            return None
        overlap: dict[str, int] = {}

        def shared(c: _Candidate) -> int:
            if c.id not in overlap:
                overlap[c.id] = self._overlap(conn, c.id, ctx)
            return overlap[c.id]

        def close(c: _Candidate) -> bool:  # same surname, or a variant spelling of it that shares context
            return c.key == key or (edit_distance(c.key, key, 2) <= (2 if len(key) >= 6 else 1) and shared(c) >= 1)

        full = [c for c in cands if c.first is not None and _firsts_compatible(fkey, c.first) and close(c)]
        surname_only = [c for c in cands if c.first is None and close(c)]
        if fkey is not None:
            if full:
                best = max(full, key=lambda c: (c.key == key, c.first == fkey, shared(c), c.mentions))
                same_surname = conn.execute("SELECT count(*) FROM entities WHERE grp = 'person' AND key = ? AND"
                                            " first IS NOT NULL", (best.key,)).fetchone()[0]
                if same_surname == 1:  # unambiguous now: surname-only entities of that surname join it
                    for c in surname_only:
                        if c.key == best.key:
                            merge_entities(conn, best.id, c.id)
                return best.id
            others = [c for c in cands if c.first is not None and c.key == key]
            if surname_only and not others:  # the surname-only entity learns its full name
                target = max(surname_only, key=lambda c: (c.key == key, c.mentions))
                conn.execute("UPDATE entities SET first = ?, name = ? WHERE id = ?", (fkey, name, target.id))
                return target.id
            return None
        if len(full) == 1:
            return full[0].id
        if len(full) > 1:
            ranked = sorted(full, key=lambda c: shared(c), reverse=True)
            if shared(ranked[0]) > shared(ranked[1]):
                return ranked[0].id
        exact_only = [c for c in surname_only if c.key == key]
        return exact_only[0].id if exact_only else None

    def _match_other(self, conn: sqlite3.Connection, grp: str, name: str, ctx: set[str]) -> str | None:
        key = name_key(name, grp)
        row = conn.execute("SELECT id FROM entities WHERE grp = ? AND key = ? ORDER BY mentions DESC LIMIT 1",
                           (grp, key)).fetchone()
        if row is not None:
            return row[0]
        # a known surface form of exactly one entity ("EU" written for "European Union" elsewhere)
        hits = {r[0] for r in conn.execute("SELECT a.entity_id FROM aliases a JOIN entities e ON e.id = a.entity_id"
                                           " WHERE a.alias = ? AND e.grp = ?", (_alias(name), grp))}
        if len(hits) == 1:
            return hits.pop()
        if len(key) < int(self.cfg["min_fuzzy_chars"]) or grp != "place_org":
            return None
        for c in self._candidates(conn, grp, key, skeleton(key)):
            if edit_distance(c.key, key, 2) <= 2 and self._overlap(conn, c.id, ctx) >= 1:
                return c.id
        return None

    def _create(self, conn: sqlite3.Connection, grp: str, name: str, label: str) -> str:
        eid = _new_id(conn, grp, name)
        if grp == "person":
            first, last = person_parts(name)
            key, skel, fkey = fold(last), skeleton(last), _first_key(first)
        else:
            key = name_key(name, grp)
            skel, fkey = skeleton(key), None
        conn.execute("INSERT INTO entities (id, name, type, grp, key, skel, first, created_at) VALUES"
                     " (?, ?, ?, ?, ?, ?, ?, ?)", (eid, name, label, grp, key, skel, fkey, now()))
        return eid

    @staticmethod
    def _rebuild_aliases(conn: sqlite3.Connection, eid: str) -> None:
        """Recount an entity's aliases and their articles from its mention rows.

        The counts stay true when mention rows went away since they were counted (the boilerplate
        stage deletes the spans of paragraphs it cuts, see storage/spans.py).
        """
        per_article: Counter = Counter()
        for text, aid in conn.execute("SELECT text, article_id FROM mentions WHERE entity_id = ?", (eid,)):
            per_article[(_alias(text), aid)] += 1
        totals: Counter = Counter()
        for (alias, _), n in per_article.items():
            totals[alias] += n
        conn.execute("DELETE FROM aliases WHERE entity_id = ?", (eid,))
        conn.execute("DELETE FROM alias_articles WHERE entity_id = ?", (eid,))
        conn.executemany("INSERT INTO aliases (entity_id, alias, count) VALUES (?, ?, ?)",
                         [(eid, a, n) for a, n in totals.items()])
        conn.executemany("INSERT INTO alias_articles (entity_id, alias, article_id, count) VALUES (?, ?, ?, ?)",
                         [(eid, a, aid, n) for (a, aid), n in per_article.items()])

    def _refresh(self, conn: sqlite3.Connection, ids: set[str]) -> None:
        """Recount and re-pick the canonical name and type of entities that changed."""
        for eid in ids:
            if conn.execute("SELECT 1 FROM entities WHERE id = ?", (eid,)).fetchone() is None:
                continue  # merged away meanwhile
            names = conn.execute("SELECT name, count(DISTINCT article_id) AS arts, count(*) AS n, min(rowid) AS seen"
                                 " FROM mentions WHERE entity_id = ? GROUP BY name", (eid,)).fetchall()
            labels = conn.execute("SELECT label, count(*) FROM mentions WHERE entity_id = ? GROUP BY label"
                                  " ORDER BY count(*) DESC, label LIMIT 1", (eid,)).fetchone()
            if not names:
                continue
            best = max(names, key=lambda r: (len(r["name"].split()) >= 2, r["arts"], r["n"], -r["seen"]))
            total = sum(r["n"] for r in names)
            self._rebuild_aliases(conn, eid)
            arts = conn.execute("SELECT count(DISTINCT article_id) FROM mentions WHERE entity_id = ?",
                                (eid,)).fetchone()[0]
            conn.execute("UPDATE entities SET name = ?, type = ?, mentions = ?, articles = ? WHERE id = ?",
                         (best["name"], labels[0], total, arts, eid))
