"""The latest linkable quotes of each speaker, cached across the quote_links stage's batches.

A new quote is compared with its speaker's ``near_candidates`` latest quotes in other articles (with a key, not
its own): the lowest rowid of that window was one index walk back through the speaker's quotes with a table
lookup for each (its article and key), some thousand random reads per quote of a busy speaker in a large file.
So each connection keeps, per speaker asked for (``speaker_entity`` or ``speaker_name``), the rowid, article and
key of its latest keyed quotes, complete above a low mark, up to date by the deltas temp triggers on ``quotes``
log (:mod:`.delta_cache`: a row inserted, deleted, or its rowid, article, key or speaker changed; a row a
REPLACE would displace empties the cache), and finds the window's lowest rowid there.
"""
from __future__ import annotations

import sqlite3
from bisect import bisect_left, insort
from collections import OrderedDict

from .delta_cache import DeltaCache, delta_cache

__all__ = ["SpeakerQuotes", "speaker_quotes"]

#: quote rows kept per connection (the least recently asked speakers go first; a dropped one is read again)
MAX_ROWS = 500_000
_LOG = "newsloom_speaker_quotes_log"
_LOGGED = f"INSERT INTO {_LOG} (entity, name, quote_rowid, article_id, quote_key, sign)"
_TRIGGERS = {
    "insert": f"AFTER INSERT ON main.quotes BEGIN {_LOGGED} VALUES (new.speaker_entity, new.speaker_name, new.rowid, "
              "new.article_id, new.quote_key, 1); END",
    "delete": f"AFTER DELETE ON main.quotes BEGIN {_LOGGED} VALUES (old.speaker_entity, old.speaker_name, old.rowid, "
              "old.article_id, old.quote_key, -1); END",
    "update": "AFTER UPDATE ON main.quotes WHEN old.rowid IS NOT new.rowid OR old.article_id IS NOT new.article_id "
              "OR old.quote_key IS NOT new.quote_key OR old.speaker_entity IS NOT new.speaker_entity OR "
              f"old.speaker_name IS NOT new.speaker_name BEGIN {_LOGGED} VALUES (old.speaker_entity, "
              f"old.speaker_name, old.rowid, old.article_id, old.quote_key, -1); {_LOGGED} VALUES "
              "(new.speaker_entity, new.speaker_name, new.rowid, new.article_id, new.quote_key, 1); END",
    # a REPLACE deletes the row it displaces without a delete trigger: read every speaker again
    "replace": "BEFORE INSERT ON main.quotes WHEN EXISTS (SELECT 1 FROM quotes WHERE id = new.id) BEGIN "
               f"{_LOGGED} VALUES (NULL, NULL, NULL, NULL, NULL, 0); END",
}


class _Window:
    """One speaker's keyed quotes with rowid >= ``low`` (all of them when ``low`` is None), by rowid; and, made when
    a floor is first asked for (a speaker with fewer quotes than the window never needs them), the rowids of each
    article and each key among them, sorted, so the floor is a few binary searches."""

    def __init__(self, rows: list[tuple[int, str, str]], low: int | None) -> None:
        self.rowids = [r[0] for r in rows]
        self.rows = {r[0]: (r[1], r[2]) for r in rows}
        self.low = low
        self._by: tuple[dict[str, list[int]], dict[str, list[int]]] | None = None  # by article, by key

    def _index(self) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
        if self._by is None:
            by_article: dict[str, list[int]] = {}
            by_key: dict[str, list[int]] = {}
            for rowid in self.rowids:
                article, key = self.rows[rowid]
                by_article.setdefault(article, []).append(rowid)
                by_key.setdefault(key, []).append(rowid)
            self._by = (by_article, by_key)
        return self._by

    def add(self, rowid: int, article: str, key: str) -> None:
        self.rows[rowid] = (article, key)
        lists = [self.rowids]
        if self._by is not None:
            lists += [self._by[0].setdefault(article, []), self._by[1].setdefault(key, [])]
        for rowids in lists:
            if rowids and rowid < rowids[-1]:
                insort(rowids, rowid)
            else:
                rowids.append(rowid)

    def remove(self, rowid: int) -> None:
        article, key = self.rows.pop(rowid)
        self.rowids.pop(bisect_left(self.rowids, rowid))
        for index, value in zip(self._by or (), (article, key)):
            rowids = index[value]
            rowids.pop(bisect_left(rowids, rowid))
            if not rowids:
                del index[value]

    def cut(self, count: int) -> None:
        """Forget the ``count`` oldest quotes."""
        for rowid in self.rowids[:count]:
            article, key = self.rows.pop(rowid)
            for index, value in zip(self._by or (), (article, key)):
                rowids = index[value]
                del rowids[0]  # the oldest of its article and of its key
                if not rowids:
                    del index[value]
        del self.rowids[:count]
        self.low = self.rowids[0]

    def latest(self, article: str, key: str, limit: int) -> int | None:
        """The rowid of the ``limit``-th latest quote in an article other than ``article`` with a key other than
        ``key``, or None when the window holds fewer.

        With ``left(i)`` the quotes left out (that article's or that key's) at or above ``rowids[i]``, it is
        ``rowids[i]`` for the largest ``i`` with ``i = n - limit - left(i)``: that ``i`` is reached from
        ``n - limit`` by ``i <- n - limit - left(i)``, which only moves down as ``left`` only grows downwards.
        """
        n = len(self.rowids)
        by_article, by_key = self._index()
        mine, same = by_article.get(article, []), by_key.get(key, [])
        i = n - limit
        while i >= 0:
            low = self.rowids[i]
            at = bisect_left(mine, low)
            left = len(mine) - at + len(same) - bisect_left(same, low) - \
                sum(1 for rowid in mine[at:] if self.rows[rowid][1] == key)  # both the article's and the key's
            if n - limit - left == i:
                return low
            i = n - limit - left
        return None


class SpeakerQuotes(DeltaCache):
    """Per speaker, the latest keyed quotes (rowid, article, key), for one connection."""

    name = _LOG[:-4]
    columns = "entity TEXT, name TEXT, quote_rowid INTEGER, article_id TEXT, quote_key TEXT, sign INTEGER NOT NULL"
    triggers = _TRIGGERS

    def __init__(self) -> None:
        super().__init__()
        self._windows: OrderedDict[tuple[str, str], _Window] = OrderedDict()
        self._size = 0

    def floor(self, conn: sqlite3.Connection, column: str, value: str, article: str, key: str, limit: int) -> int:
        """The lowest rowid of the ``limit`` latest quotes of the speaker (``column`` = ``value``) with a key
        other than ``key`` in articles other than ``article``; 0 when there are fewer (get the cache anew from
        :func:`speaker_quotes` after a write)."""
        keep = 2 * limit + 16
        while True:
            window = self._window(conn, column, value, keep)
            if window.low is None and len(window.rowids) < limit:  # fewer quotes than the window asks for
                return 0
            rowid = window.latest(article, key, limit)
            if rowid is not None:
                return rowid
            if window.low is None:
                return 0
            keep = 2 * keep  # more of the speaker's quotes are left out than the window holds: read more
            self._drop((column, value))

    def qualifying(self, column: str, value: str, article: str, key: str, rowids: list[int]) -> list[int]:
        """Of these rowids, at or above the :meth:`floor` just found for the same speaker, those of the speaker's
        quotes with a key other than ``key`` in articles other than ``article``."""
        rows = self._windows[(column, value)].rows
        return [r for r in rowids if r in rows and rows[r][0] != article and rows[r][1] != key]

    def _window(self, conn: sqlite3.Connection, column: str, value: str, keep: int) -> _Window:
        window = self._windows.get((column, value))
        if window is None:
            rows = conn.execute(f"SELECT rowid, article_id, quote_key FROM quotes WHERE {column} = ? AND quote_key "
                                f"IS NOT NULL ORDER BY rowid DESC LIMIT ?", (value, keep)).fetchall()
            window = _Window([tuple(r) for r in reversed(rows)], rows[-1][0] if len(rows) == keep else None)
            self._windows[(column, value)] = window
            self._size += len(rows)
            while self._size > MAX_ROWS and len(self._windows) > 1:
                self._drop(next(iter(self._windows)))
        self._windows.move_to_end((column, value))
        if len(window.rowids) > 2 * keep:  # the oldest are no longer needed
            cut = len(window.rowids) - keep
            window.cut(cut)
            self._size -= cut
        return window

    def _drop(self, speaker: tuple[str, str]) -> None:
        window = self._windows.pop(speaker, None)
        if window is not None:
            self._size -= len(window.rowids)

    def clear(self) -> None:
        self._windows.clear()
        self._size = 0

    def apply(self, row: tuple) -> None:
        entity, name, rowid, article, key, sign = row
        if sign == 0:
            self.clear()
            return
        for speaker in (("speaker_entity", entity), ("speaker_name", name)):
            window = self._windows.get(speaker)
            if window is None or speaker[1] is None or (window.low is not None and rowid < window.low):
                continue
            if sign < 0 and rowid in window.rows:
                window.remove(rowid)
                self._size -= 1
            elif sign > 0 and key is not None and rowid not in window.rows:
                window.add(rowid, article, key)
                self._size += 1


def speaker_quotes(conn: sqlite3.Connection) -> SpeakerQuotes:
    """The cache of this connection (made, with its temp log and triggers, on first use), up to date."""
    return delta_cache(conn, SpeakerQuotes)
