"""The quote_links corpus stage: speaker entities, and the same quote linked across articles.

For the newly stored articles it

1. sets ``quotes.speaker_entity`` from the entities colleague's ``mentions`` table (filled by the
   "resolve" stage): the mention of the article with the speaker's resolved name, the one inside the
   speaker span first (so "he said" gets the entity of the person named before); a quote without a
   resolved name gets none (the principal a spokesman speaks for is never the speaker);
2. links near copies: a quote of those articles and a stored quote of the same speaker (the same
   ``speaker_entity``, else the same ``speaker_name``) in another article are one quote when at
   least ``near_containment`` of the shorter one's word 4-grams are in the other (an excerpt, a
   trimmed or lightly edited version); the group takes the ``quote_key`` of its first stored quote.
   Of the speaker's ``near_candidates`` latest other quotes (the window's lowest rowid found in the
   speaker's latest quotes each connection keeps, :mod:`.quote_window`), only those sharing two 4-grams
   with the new one can be near copies: they are found in ``quote_grams`` (the 4-gram hashes of every
   quote under its speaker), which this stage keeps;
3. for every ``quote_key`` those articles carry, sets ``first_article_id`` to the first of all carriers:
   the earliest published article (unknown dates last), ties by store order. An article that is a
   copy of another (``copy_of`` set) is no independent carrier: it counts only when no original
   carries the quote, and then its original (when stored) is the first carrier. It is found from the
   firsts the key's earlier carriers were given and the batch's carriers (:func:`_link`), else from
   every carrier.

All of it runs in one transaction with ``store.done``, so a crash leaves the queue to finish later.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from ..pipeline import corpus_stage
from ..settings import stage_settings
from ..storage import Store
from ..storage.tables.quotes import quote_words
from .quote_window import SpeakerQuotes, speaker_quotes

__all__ = ["QuoteLinks", "first_carrier", "near_copy"]

_CHUNK = 500
_SHINGLE = 4


def _chunks(ids: Sequence[str]) -> list[Sequence[str]]:
    return [ids[i:i + _CHUNK] for i in range(0, len(ids), _CHUNK)]


def _has_table(store: Store, name: str) -> bool:
    row = store.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone()
    return row is not None


def _set_speaker_entities(store: Store, ids: Sequence[str]) -> None:
    if not _has_table(store, "mentions"):
        return
    for chunk in _chunks(ids):
        marks = ", ".join("?" for _ in chunk)
        store.execute(f"""
            UPDATE quotes SET speaker_entity = coalesce(
                (SELECT m.entity_id FROM mentions m
                  WHERE m.article_id = quotes.article_id AND m.entity_id IS NOT NULL
                    AND m.name = quotes.speaker_name
                    AND m.start < quotes.speaker_end AND m."end" > quotes.speaker_start
                  LIMIT 1),
                (SELECT m.entity_id FROM mentions m
                  WHERE m.article_id = quotes.article_id AND m.entity_id IS NOT NULL
                    AND m.name = quotes.speaker_name
                  ORDER BY m.start LIMIT 1))
            WHERE article_id IN ({marks})""", list(chunk))


def first_carrier(carriers: list[dict[str, Any]]) -> str | None:
    """The first independent carrier of a quote among rows ``{id, published, rowid, copy_of}``.

    Args:
        carriers: the articles that carry one quote_key.

    Returns:
        The article id, or None when there are no carriers.
    """
    if not carriers:
        return None

    def order(row: dict[str, Any]) -> tuple[bool, str, int]:
        return _carrier_order(row["published"], row["rowid"])

    originals = [r for r in carriers if r["copy_of"] is None]
    if originals:
        return min(originals, key=order)["id"]
    earliest_copy = min(carriers, key=order)
    return earliest_copy["original"] or earliest_copy["id"]


def _carrier_order(published: str | None, rowid: int) -> tuple[bool, str, int]:
    """A carrier's place among a quote's carriers: the earliest published first (unknown dates last), ties by store
    order (the ``ORDER BY a.published IS NULL, a.published, a.rowid`` of :func:`_first_of_every_carrier`)."""
    return (published is None, published or "", rowid)


def _shingles(text: str) -> frozenset[tuple[str, ...]]:
    words = quote_words(text)
    return frozenset(tuple(words[i:i + _SHINGLE]) for i in range(len(words) - _SHINGLE + 1))


def near_copy(a: frozenset[tuple[str, ...]], b: frozenset[tuple[str, ...]], containment: float) -> bool:
    """Two quotes' word 4-gram sets: is the shorter one (at least two 4-grams) mostly inside the other?"""
    if containment <= 0 or not a or not b:
        return False
    shared = len(a & b)
    return shared >= 2 and shared >= containment * min(len(a), len(b))


def _hash(text: str) -> int:
    """A 64-bit hash (``quote_grams.speaker`` and ``gram``: a collision only adds a candidate, checked on its text)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big", signed=True)


def _gram(words: tuple[str, ...]) -> int:
    return _hash(" ".join(words))


def _speaker(column: str, value: str) -> int:
    return _hash(("e" if column == "speaker_entity" else "n") + value)


def _index_grams(store: Store, ids: Sequence[str]) -> None:
    """Add the ``quote_grams`` rows of the linkable quotes past the mark and of the batch's quotes (whose speaker
    entity is set now); rows already there stay (a stale one only adds a candidate, checked on its text)."""
    mark, last = store.execute("SELECT mark, last_id FROM quote_grams_mark").fetchone()
    at_mark = store.execute("SELECT id FROM quotes WHERE rowid = ?", (mark,)).fetchone()
    if (at_mark[0] if at_mark else None) != last:  # rowids given anew (a VACUUM): index every quote again
        store.execute("DELETE FROM quote_grams")
        mark = 0
    columns = "rowid, text, speaker_entity, speaker_name FROM quotes WHERE quote_key IS NOT NULL"
    quotes = {r[0]: r for r in store.execute(f"SELECT {columns} AND rowid > ?", (mark,))}
    for chunk in _chunks(ids):
        quotes.update((r[0], r) for r in store.execute(
            f"SELECT {columns} AND article_id IN ({', '.join('?' for _ in chunk)})", list(chunk)))
    rows = []
    for rowid, text, entity, name in quotes.values():
        speakers = [_speaker(c, v) for c, v in (("speaker_entity", entity), ("speaker_name", name)) if v is not None]
        if speakers:
            rows += [(speaker, _gram(g), rowid) for g in _shingles(text) for speaker in speakers]
    rows.sort()  # in key order: each page of the index is written once per batch, not again after it left the cache
    with store.transaction() as conn:
        conn.executemany("INSERT OR IGNORE INTO quote_grams (speaker, gram, quote_rowid) VALUES (?, ?, ?)", rows)
    store.execute("UPDATE quote_grams_mark SET mark = coalesce((SELECT max(rowid) FROM quotes), 0),"
                  " last_id = (SELECT id FROM quotes ORDER BY rowid DESC LIMIT 1)")


def _near_candidates(store: Store, q: Any, mine: frozenset[tuple[str, ...]], limit: int,
                     window: SpeakerQuotes) -> list[Any]:
    """The quotes of ``q``'s speaker in other articles, among its ``limit`` latest such ones (most recent first),
    that share at least two 4-grams with it: the only ones :func:`near_copy` can accept."""
    column, value = ("speaker_entity", q["speaker_entity"]) if q["speaker_entity"] else (
        "speaker_name", q["speaker_name"])
    if limit <= 0 or len(mine) < 2:
        return []
    others = f"{column} = ? AND article_id != ? AND quote_key IS NOT NULL AND quote_key != ?"
    mates = (value, q["article_id"], q["quote_key"])
    with store.transaction() as conn:  # the batch's own (re-entrant)
        floor = window.floor(conn, column, value, q["article_id"], q["quote_key"], limit)
        shared = [r[0] for r in conn.execute(
            "SELECT quote_rowid FROM quote_grams WHERE speaker = ? AND quote_rowid >= ? AND gram IN (SELECT value"
            " FROM json_each(?)) GROUP BY quote_rowid HAVING count(*) >= 2",
            (_speaker(column, value), floor, json.dumps(sorted({_gram(g) for g in mine}))))]
    # most are the same quote again (the same key): left out from the speaker's window, not read from the table
    keep = window.qualifying(column, value, q["article_id"], q["quote_key"], shared)
    if not keep:
        return []
    return list(store.rows(f"SELECT id, text, quote_key FROM quotes WHERE rowid IN ({', '.join('?' for _ in keep)})"
                           f" AND {others} ORDER BY rowid DESC", (*keep, *mates)))


def _link_near_copies(store: Store, ids: Sequence[str], containment: float, limit: int) -> None:
    """Give near copies of one quote by one speaker one ``quote_key``: that of the group's first stored quote."""
    if containment <= 0:
        return
    _index_grams(store, ids)
    with store.transaction() as conn:  # the batch's own (re-entrant); nothing is written until the groups are made
        window = speaker_quotes(conn)
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent.get(key, key) != key:
            key = parent[key]
        return key

    shingles: dict[str, frozenset[tuple[str, ...]]] = {}

    def of(quote_id: str, text: str) -> frozenset[tuple[str, ...]]:
        if quote_id not in shingles:
            shingles[quote_id] = _shingles(text)
        return shingles[quote_id]

    for chunk in _chunks(ids):
        marks = ", ".join("?" for _ in chunk)
        new = list(store.rows(f"""
            SELECT id, article_id, text, quote_key, speaker_entity, speaker_name FROM quotes
             WHERE article_id IN ({marks}) AND quote_key IS NOT NULL
               AND (speaker_entity IS NOT NULL OR speaker_name IS NOT NULL)""", list(chunk)))
        for q in new:
            mine = of(q["id"], q["text"])
            for c in _near_candidates(store, q, mine, limit, window):
                if root(c["quote_key"]) != root(q["quote_key"]) and \
                        near_copy(mine, of(c["id"], c["text"]), containment):
                    parent[root(c["quote_key"])] = root(q["quote_key"])
    groups: dict[str, list[str]] = {}
    for key in parent:
        groups.setdefault(root(key), []).append(key)
    for top, members in groups.items():
        keys = sorted({top, *members})
        first = store.execute(f"""
            SELECT quote_key FROM quotes WHERE quote_key IN ({", ".join("?" for _ in keys)})
             ORDER BY rowid LIMIT 1""", keys).fetchone()[0]
        others = [k for k in keys if k != first]
        store.execute(f"UPDATE quotes SET quote_key = ? WHERE quote_key IN ({', '.join('?' for _ in others)})",
                      [first, *others])


def _earlier_firsts(store: Store, keys: list[str], batch: set[str]) -> dict[str, dict[str, bool]]:
    """Per quote key, the firsts its carriers outside the batch were given (when the key was last linked, or
    themselves when stored), each with whether it still carries the key. A batch article's own rows start as their
    own first: a first that only they name is left out."""
    out: dict[str, dict[str, bool]] = {}
    for chunk in _chunks(keys):
        for key, first, low, high, carries in store.execute(f"""
                SELECT q.quote_key, q.first_article_id, min(q.article_id), max(q.article_id),
                       EXISTS (SELECT 1 FROM quotes c WHERE c.quote_key = q.quote_key
                                                         AND c.article_id = q.first_article_id)
                  FROM quotes q WHERE q.quote_key IN ({", ".join("?" for _ in chunk)})
                 GROUP BY q.quote_key, q.first_article_id""", list(chunk)):
            if not (first in batch and low == high == first):
                out.setdefault(key, {})[first] = bool(carries)
    return out


def _article_order(store: Store, ids: set[str]) -> dict[str, tuple[bool, tuple[bool, str, int]]]:
    """Per article: whether it is an original (no ``copy_of``), and its place in :func:`first_carrier`'s order."""
    out = {}
    for chunk in _chunks(sorted(ids)):
        for aid, original, published, rowid in store.execute(
                f"SELECT id, copy_of IS NULL, published, rowid FROM articles WHERE id IN"
                f" ({', '.join('?' for _ in chunk)})", list(chunk)):
            out[aid] = (bool(original), _carrier_order(published, rowid))
    return out


def _link(store: Store, ids: Sequence[str]) -> None:
    """Set ``first_article_id`` for every quote key the articles carry. Without reading every carrier when it can:
    each earlier first was the earliest independent carrier of its part of the key's carriers, and a carrier never
    turns from a copy into an original nor changes its date, so when every earlier first still carries the key as
    an original, the earliest of them and of the batch's independent carriers is the earliest of all. Else (a first
    that became a copy or lost its quote, none, or the fallback to a copy's original) every carrier is read."""
    carriers: dict[str, set[str]] = {}  # each quote_key the batch carries -> its carriers in the batch
    for chunk in _chunks(ids):
        marks = ", ".join("?" for _ in chunk)
        for key, article in store.execute(f"SELECT quote_key, article_id FROM quotes WHERE quote_key IS NOT NULL AND"
                                          f" article_id IN ({marks})", list(chunk)):
            carriers.setdefault(key, set()).add(article)
    keys = sorted(carriers)
    earlier = _earlier_firsts(store, keys, set(ids))
    order = _article_order(store, {a for k in keys for a in (*carriers[k], *earlier.get(k, ()))})
    for key in keys:
        first = _earliest(earlier.get(key, {}), carriers[key], order) or _first_of_every_carrier(store, key)
        store.execute("UPDATE quotes SET first_article_id = ? WHERE quote_key = ? AND first_article_id IS NOT ?",
                      (first and first[0], key, first and first[0]))


def _earliest(firsts: dict[str, bool], carriers: set[str],
              order: dict[str, tuple[bool, tuple[bool, str, int]]]) -> tuple[str] | None:
    """The earliest independent carrier of the earlier ``firsts`` and the batch's ``carriers``, when every earlier
    first still carries the key as an original (see :func:`_link`); else None."""
    if not firsts or not all(carries and f in order and order[f][0] for f, carries in firsts.items()):
        return None
    return (min((a for a in {*firsts, *carriers} if a in order and order[a][0]), key=lambda a: order[a][1]),)


def _first_of_every_carrier(store: Store, key: str) -> tuple[str] | None:
    """:func:`first_carrier` of every carrier of ``key``, in SQL."""
    every = "FROM articles a WHERE a.id IN (SELECT article_id FROM quotes WHERE quote_key = ?)"
    by = "ORDER BY a.published IS NULL, a.published, a.rowid LIMIT 1"
    return store.execute(f"SELECT a.id {every} AND a.copy_of IS NULL {by}", (key,)).fetchone() or \
        store.execute(f"SELECT coalesce((SELECT o.id FROM articles o WHERE o.id = a.copy_of), a.id) {every} {by}",
                      (key,)).fetchone()


@corpus_stage("quote_links", requires=("annotations.quotes",), assigns=("quotes.first_article_id",))
class QuoteLinks:
    """Set each quote's speaker entity and link the same quote across articles to its first carrier."""

    def __init__(self, settings: Any = None) -> None:
        self.cfg = stage_settings(settings, "quote_links")

    def run(self, store: Store, ids: Sequence[str]) -> None:
        ids = list(ids)
        with store.transaction():
            if _has_table(store, "quotes"):
                _set_speaker_entities(store, ids)
                _link_near_copies(store, ids, float(self.cfg["near_containment"]), int(self.cfg["near_candidates"]))
                _link(store, ids)
            store.done("quote_links", ids)
