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
from collections.abc import Iterable
from typing import Any

from ..pipeline import corpus_stage
from ..settings import stage_settings
from ..storage.sqlite import now, tuple_cursor
from ..storage.tables.entities import key_variants
from . import entity_context, entity_counts
from .entity_words import HONORIFICS, REGNAL, SUFFIXES, TITLES, edit_distance, fold, gender_of

__all__ = ["Resolve", "CANDIDATES", "skeleton", "person_parts", "entity_group", "merge_entities", "canonical_name",
           "majority_type", "majority_of", "misspelling", "name_key"]

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
    """(first name or None, surname) of a person's name; titles, honorifics and middle initials dropped.

    A regnal name (one or two names and an ordinal: "John II", "John Paul II", "Elizabeth II") has no
    surname: the whole name is its key, so it never joins a "John" or a "Paul".
    """
    words = [w for w in name.replace("-", " ").split() if w]
    while len(words) > 1 and w_strip(words[0]) in HONORIFICS | TITLES:
        words = words[1:]
    if 1 < len(words) <= 3 and REGNAL.match(words[-1]):  # "Barack Hussein Obama II": a generation
        return None, " ".join(words)
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
    key = skeleton(bare) or bare[0].lower()
    if len(bare) == 1:  # an initial: one letter, compatible with any name it starts
        return key[0]
    # a short name's skeleton is one letter ("Joe" -> "i"): doubled, so it is never taken for an initial
    # ("Joe Jackson" is not "Jermaine Jackson")
    return key * 2 if len(key) == 1 else key


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


class ArticlePeople:
    """The person names of one article, indexed for :meth:`Resolve._split_adjacent` (which asks about each
    two-word name: a scan of the others per name cost the square of the names, and a roll of honour names
    hundreds)."""

    def __init__(self, names: Iterable[str]) -> None:
        self._by_last: dict[str, list[str]] = defaultdict(list)  # folded last word -> names of two words or more
        self._prefixes: Counter[str] = Counter()  # a name's folded words up to each space -> names so beginning
        self._names = set(names)
        for name in sorted(self._names):  # sorted: the lists come out in name order
            words = name.split()
            if len(words) >= 2:
                self._by_last[fold(words[-1])].append(name)
            folded = fold(name)
            self._prefixes.update({folded[:i] for i, ch in enumerate(folded) if ch == " "})

    def full_named(self, last: str, other_than: str) -> list[str]:
        """The names of two words or more whose last word folds to ``last``, but ``other_than``, sorted."""
        return [n for n in self._by_last.get(last, ()) if n != other_than]

    def first_name_of_another(self, first: str, other_than: str) -> bool:
        """Whether a name but ``other_than`` begins with the folded words ``first`` and more."""
        own = other_than in self._names and fold(other_than).startswith(first + " ")
        return self._prefixes[first] > own


def misspelling(key: str, other: str) -> bool:
    """Whether ``other`` may be a misspelling of the key ``key`` ("stoltenburg" of "stoltenberg"): ``key`` has six
    letters or more, ``other`` is another key one edit away that starts with the same two letters."""
    return (len(key) >= 6 and other != key and key[:2] <= other < key[:2] + "\uffff"
            and abs(len(other) - len(key)) <= 1 and edit_distance(other, key, 1) <= 1)


#: a candidate's row (read as a plain tuple, ``storage.sqlite.tuple_cursor``)
CANDIDATES = "SELECT rowid, id, name, key, skel, first, mentions FROM entities"


class _Candidate:
    __slots__ = ("rowid", "id", "name", "key", "skel", "first", "mentions")

    def __init__(self, row: tuple[int, str, str, str, str, str | None, int]) -> None:  # a row of ``CANDIDATES``
        self.rowid, self.id, self.name, self.key, self.skel, self.first, self.mentions = row


@corpus_stage("resolve", requires=("annotations.mentions",), assigns=("entities",), extra="nlp")
class Resolve:
    """Link new articles' mentions to store-wide entities, merging aliases (incremental)."""

    name = "resolve"

    def __init__(self, settings: Any = None) -> None:
        self.cfg = stage_settings(settings, "resolve")
        self._batch: set[str] = set()  # the articles being resolved (their links are counted after the batch)

    def run(self, store: Any, ids: list[str]) -> None:
        with store.transaction() as conn:
            self._context = entity_context.context_cache(conn, int(self.cfg["context_articles"]))
            self._batch = set(ids)
            try:
                touched: set[str] = set()
                for aid in ids:
                    touched |= self._resolve_article(conn, aid)
                self._refresh(conn, touched, ids)
                store.done(self.name, ids)
            except BaseException:
                entity_context.forget(conn)  # what the cache read is rolled back
                raise

    # -- one article ------------------------------------------------------------------------
    def _resolve_article(self, conn: sqlite3.Connection, aid: str) -> set[str]:
        query = 'SELECT start, text, label, name FROM mentions WHERE article_id = ? AND entity_id IS NULL ORDER BY start'
        rows = conn.execute(query, (aid,)).fetchall()
        if not rows:
            return set()
        if self._split_adjacent(conn, aid, rows):
            rows = conn.execute(query, (aid,)).fetchall()
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
                        self._merge(conn, eid, other[0])
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

    def _merge(self, conn: sqlite3.Connection, keep: str, drop: str) -> None:
        """:func:`merge_entities`, ``drop``'s running counts added to ``keep``'s (``entity_counts.fold``) rather than
        ``keep`` counted anew from all its mentions."""
        if keep == drop:
            return
        folded = entity_counts.fold(conn, keep, drop, self._batch)
        merge_entities(conn, keep, drop)
        if folded:
            conn.execute("DELETE FROM entity_dirty WHERE entity_id = ?", (keep,))

    def _split_adjacent(self, conn: sqlite3.Connection, aid: str, rows: list[sqlite3.Row]) -> bool:
        """Split a two-word person that is two people side by side ("Putin Lukashenko's").

        The second word is the surname of another person named in the article ("Alexander Lukashenko"), the
        first is the surname of a person named in full in other articles ("Vladimir Putin"), and it is
        nobody's first name (in the article or the store). True when a mention was split.
        """
        people = ArticlePeople(r[0] for r in conn.execute("SELECT DISTINCT name FROM mentions WHERE article_id = ?"
                                                          " AND label = 'PERSON'", (aid,)))
        split = False
        for r in rows:
            words = r["name"].split()
            if r["label"] != "PERSON" or len(words) != 2 or gender_of(words) is not None:
                continue
            first, last = fold(words[0]), fold(words[1])
            full = people.full_named(last, r["name"])
            if not full or people.first_name_of_another(first, r["name"]):
                continue
            alone = conn.execute(
                "SELECT 1 FROM entities WHERE grp = 'person' AND key = ? AND first IS NOT NULL LIMIT 1",
                (first,)).fetchone() is not None or conn.execute(
                # or in the batch being resolved (unlinked rows: the entity_id index keeps this to the batch)
                "SELECT 1 FROM mentions WHERE entity_id IS NULL AND label = 'PERSON' AND article_id != ? AND"
                " name LIKE ? LIMIT 1", (aid, "% " + words[0])).fetchone() is not None
            if not alone or conn.execute("SELECT 1 FROM entities WHERE grp = 'person' AND first = ? LIMIT 1",
                                         (_first_key(words[0]),)).fetchone() is not None:
                continue
            at = r["text"].find(words[1], len(words[0]))
            if at < 0:
                continue
            head = r["text"][:at].rstrip()
            conn.execute('UPDATE mentions SET "end" = ?, text = ?, name = ? WHERE article_id = ? AND start = ?',
                         (r["start"] + len(head), head, words[0], aid, r["start"]))
            conn.execute('INSERT OR IGNORE INTO mentions (article_id, start, "end", text, label, name) VALUES'
                         " (?, ?, ?, ?, 'PERSON', ?)", (aid, r["start"] + at, r["start"] + len(r["text"]),
                                                        r["text"][at:], full[0]))
            split = True
        return split

    def _overlap(self, conn: sqlite3.Connection, eid: str, ctx: set[str]) -> int:
        """How many names of the new article also occur in the first ``context_articles`` articles of entity
        ``eid`` (cached across batches, see ``stages/entity_context.py``)."""
        if not ctx:
            return 0
        return len(self._context.names(conn, eid) & ctx)

    def _candidates(self, conn: sqlite3.Connection, grp: str, key: str, skel: str | None) -> list[_Candidate]:
        """The entities of ``grp`` with the key ``key`` or the skeleton ``skel`` (in that order: skeleton, then store
        order), then the misspelt keys (:meth:`_misspelt`); with ``skel`` None, those of the same key alone."""
        # two index lookups (one "key = ? OR skel = ?" query scans every entity of the group), in the order that scan
        # gave them
        lookups = (("key", key),) if skel is None else (("key", key), ("skel", skel))
        same = {r[1]: r for col, value in lookups for r in tuple_cursor(conn).execute(
            f"{CANDIDATES} WHERE grp = ? AND {col} = ?", (grp, value))}
        rows = sorted(same.values(), key=lambda r: (r[4], r[0]))  # skeleton, rowid
        if skel is not None and len(key) >= 6:
            rows += self._misspelt(conn, grp, key, skel)
        return list(map(_Candidate, rows))

    def _misspelt(self, conn: sqlite3.Connection, grp: str, key: str, skel: str) -> list[tuple[Any, ...]]:
        """Entities of ``grp`` whose key is a misspelling of ``key`` (:func:`misspelling`) and whose skeleton is
        not ``skel``, in key order, as rows of :data:`CANDIDATES`. The keys one edit away share one of
        ``key_variants(key)`` (``entity_key_variants`` holds the group's keys' variants). The Spark engine answers
        this from keys blocked on the cluster (``stages/spark_resolve.py``)."""
        variants = sorted(key_variants(key))
        ids = [r[0] for r in conn.execute(f"SELECT DISTINCT entity_id FROM entity_key_variants WHERE grp = ?"
                                          f" AND variant IN ({', '.join('?' for _ in variants)})", (grp, *variants))]
        near = [r for r in tuple_cursor(conn).execute(f"{CANDIDATES} WHERE id IN ({', '.join('?' for _ in ids)})", ids)
                if r[4] != skel and misspelling(key, r[3])]
        return sorted(near, key=lambda r: (r[3], r[0]))  # key, rowid: the order of a scan of the key index

    def _match_person(self, conn: sqlite3.Connection, name: str, ctx: set[str]) -> str | None:
        first, last = person_parts(name)
        key, skel, fkey = fold(last), skeleton(last), _first_key(first)
        gender = gender_of(name.split())
        # a full name with the same surname as a compatible full-named candidate: a variant spelling (whose context
        # is read to tell whether it is close) never outranks it, nor joins a surname-only entity below; so the
        # other candidates (the same skeleton, a misspelt key) are looked up only when there is no such candidate
        exact: list[_Candidate] = []
        if fkey is not None and gender is None:
            cands = self._candidates(conn, "person", key, None)
            exact = [c for c in cands if c.first is not None and c.key == key and _firsts_compatible(fkey, c.first)]
        if not exact:
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

        full = exact or [c for c in cands if c.first is not None and _firsts_compatible(fkey, c.first) and close(c)]
        surname_only = [c for c in cands if c.first is None and (c.key == key if exact else close(c))]
        if gender is not None:
            # "Mrs. Mubarak": never a man's entity; a full-named one only when she is the one with that surname
            # (or is known as "Mrs. X" already)
            surname_only = [c for c in surname_only if self._gender(conn, c.id) == gender]
            known = [c for c in full if self._gender(conn, c.id) == gender]
            if not known and len(full) == 1 and self._gender(conn, full[0].id) is None:
                known = full
            full = known
        else:  # a bare surname does not join a woman named only as "Mrs. X"
            surname_only = [c for c in surname_only if gender_of(c.name.split()) is None]
        if fkey is not None:
            if full:
                # by (same surname, same first name, shared context, mentions): the context (a read of the entity's
                # first articles when not cached) only among the candidates tied on the names
                top = max((c.key == key, c.first == fkey) for c in full)
                tied = [c for c in full if (c.key == key, c.first == fkey) == top]
                best = tied[0] if len(tied) == 1 else max(tied, key=lambda c: (shared(c), c.mentions))
                same_surname = conn.execute("SELECT count(*) FROM entities WHERE grp = 'person' AND key = ? AND"
                                            " first IS NOT NULL", (best.key,)).fetchone()[0]
                if same_surname == 1:  # unambiguous now: surname-only entities of that surname join it
                    for c in surname_only:
                        if c.key == best.key and self._gender(conn, c.id) in (None, self._gender(conn, best.id)):
                            self._merge(conn, best.id, c.id)
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

    @staticmethod
    def _gender(conn: sqlite3.Connection, eid: str) -> str | None:
        """"m" or "f" when an entity's name or aliases carry a gendered honorific or title and none of the other."""
        names = [r[0] for r in conn.execute("SELECT name FROM entities WHERE id = ? UNION SELECT alias FROM aliases"
                                            " WHERE entity_id = ?", (eid, eid))]
        told = {gender_of(n.split()) for n in names} - {None}
        return told.pop() if len(told) == 1 else None

    def _match_other(self, conn: sqlite3.Connection, grp: str, name: str, ctx: set[str]) -> str | None:
        key = name_key(name, grp)
        row = conn.execute("SELECT id FROM entities WHERE grp = ? AND key = ? ORDER BY mentions DESC LIMIT 1",
                           (grp, key)).fetchone()
        if row is not None:
            return row[0]
        # a known surface form of exactly one entity ("EU" written for "European Union" elsewhere)
        hits = self._alias_hits(conn, grp, _alias(name))
        if len(hits) == 1:
            return hits.pop()
        if len(key) < int(self.cfg["min_fuzzy_chars"]) or grp != "place_org":
            return None
        for c in self._candidates(conn, grp, key, skeleton(key)):
            if edit_distance(c.key, key, 2) <= 2 and self._overlap(conn, c.id, ctx) >= 1:
                return c.id
        return None

    def _alias_hits(self, conn: sqlite3.Connection, grp: str, alias: str) -> set[str]:
        """The entities of ``grp`` known under the surface form ``alias``. The Spark engine skips the look-up where
        no earlier mention has that form (``stages/spark_resolve.py``)."""
        return {r[0] for r in conn.execute("SELECT a.entity_id FROM aliases a JOIN entities e ON e.id = a.entity_id"
                                           " WHERE a.alias = ? AND e.grp = ?", (alias, grp))}

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
        conn.executemany("INSERT OR IGNORE INTO entity_key_variants (grp, variant, entity_id) VALUES (?, ?, ?)",
                         [(grp, v, eid) for v in key_variants(key)])
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

    def _refresh(self, conn: sqlite3.Connection, ids: set[str], articles: list[str]) -> None:
        """Re-pick the canonical name and type, and the counts, of entities the batch (``articles``) linked
        mentions to: from running counts the batch's links are added to (``entity_counts``), or counted anew
        from the entity's mentions when they changed otherwise (a merge, a cut paragraph)."""
        links = entity_counts.batch_links(conn, articles)
        for eid in ids:
            row = conn.execute("SELECT name FROM entities WHERE id = ?", (eid,)).fetchone()
            if row is None:
                continue  # merged away meanwhile
            if entity_counts.is_dirty(conn, eid):
                entity_counts.recount(conn, eid)
                if not entity_counts.names(conn, eid):
                    continue
                self._rebuild_aliases(conn, eid)
            else:
                entity_counts.add(conn, eid, links.get(eid, []))
            names = entity_counts.names(conn, eid)
            if not names:
                continue
            votes, labels = entity_counts.kinds(conn, eid)
            name = canonical_name(names)
            if name != row[0]:  # only when it changed: setting the name rewrites its index entry, even to the same
                # value (a page of a large store's name index for each entity a batch links mentions to)
                conn.execute("UPDATE entities SET name = ? WHERE id = ?", (name, eid))
            conn.execute("UPDATE entities SET type = ?, mentions = ?, articles = ? WHERE id = ?",
                         (majority_of(votes, labels), sum(r[3] for r in names), sum(votes.values()), eid))


def canonical_name(names: list[tuple[str, int, int, int, int]]) -> str:
    """The canonical name of an entity from its mentions' names: the best-supported full form.

    Spellings of one name (folded alike: "al-Assad", "al Assad") count together and show as their most
    used spelling. A form needs support: seen in at least a fifth of the articles of the best-supported
    form, and in two when that one is in three or more ("4 Egypt" in one reader comment never names
    Egypt). Among those, a full form (two words or more) wins, then the most articles and sources.

    Args:
        names: (name, articles, sources, mentions, first seen) per name the entity's mentions carry.

    Returns:
        The name.
    """
    groups: dict[str, list[tuple[str, int, int, int, int]]] = defaultdict(list)
    for row in names:
        groups[fold(row[0]) or row[0]].append(row)
    forms = []
    for rows in groups.values():
        spelled = max(rows, key=lambda r: (r[3], any(c in r[0] for c in "-&'/"), not r[0].isupper(), -r[4]))[0]
        forms.append((spelled, sum(r[1] for r in rows), sum(r[2] for r in rows), sum(r[3] for r in rows),
                      min(r[4] for r in rows)))
    top = max(f[1] for f in forms)
    need = 1 if top <= 2 else max(2, top / 5)
    supported = [f for f in forms if f[1] >= need]
    return max(supported, key=lambda f: (len(f[0].split()) >= 2, f[1], f[2], f[3], -f[4]))[0]


def majority_type(labels: list[tuple[str, str, int]]) -> str:
    """An entity's type by store-wide evidence: each article votes the label most of its mentions carry,
    places (GPE, LOC, FAC) together; the most voted kind wins (then the most mentions), and a place takes its
    most used place label. "Vilnius" typed ORG all over one article and GPE in two others is a place.

    Args:
        labels: (article id, label, mentions) rows.

    Returns:
        The label.
    """
    per_article: dict[str, Counter] = defaultdict(Counter)
    mentions: Counter = Counter()
    for aid, label, n in labels:
        per_article[aid][label] += n
        mentions[label] += n
    return majority_of(Counter(entity_counts.article_vote(c) for c in per_article.values()), mentions)


def majority_of(votes: Counter, mentions: Counter) -> str:
    """:func:`majority_type` from the articles' votes per kind and the mentions per label."""
    mention_kinds: Counter = Counter()
    for label, n in mentions.items():
        mention_kinds[entity_counts.kind_of(label)] += n
    winner = max(votes, key=lambda k: (votes[k], mention_kinds[k], k))
    if winner != "PLACE":
        return winner
    places = entity_counts.PLACES
    return max((label for label in mentions if label in places), key=lambda label: (mentions[label],
                                                                                  -places.index(label)))
