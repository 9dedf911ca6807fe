"""Word document frequencies (``story_terms_df``) kept across the stories and threads stages' batches.

Every batch's :class:`~.stories.Idf` read the count of each word it met from the table: the words of the batch's
articles, of their stories' and threads' profiles and of the re-checks' samples, some ten thousand a batch, the
same words batch after batch (at 100,000 articles among the parts of both stages that grew most). The
counts change only when a batch of the stories stage writes them (``Idf.flush``), so each connection keeps the
committed counts of the words read:

* a batch that wrote counts makes them the kept ones once its transaction has committed
  (:func:`publish_counts`);
* they are dropped when the table's article count (term 0, which every write of counts raises) is not the one
  they were kept at (counts written and rolled back, or written and not yet committed: a benchmark's probes in
  one transaction; the table emptied), or another connection has committed since (``PRAGMA data_version``).
"""
from __future__ import annotations

import sqlite3
from collections import OrderedDict

__all__ = ["TermCounts", "kept_counts", "publish_counts", "MAX_TERMS"]

#: words kept per connection at most (past it the counts are dropped and read again): about 150 MB
MAX_TERMS = 1_000_000


class TermCounts:
    """The committed ``(df, background share)`` of words, for one connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn  # held, so that a new connection never takes this one's id
        self.version: int | None = None
        self.n: int | None = None
        self.counts: dict[int, tuple[int, float]] = {}

    def keep(self, term: int, count: tuple[int, float]) -> None:
        if len(self.counts) >= MAX_TERMS:
            self.counts.clear()
        self.counts[term] = count


_CACHES: OrderedDict[int, TermCounts] = OrderedDict()  # by id(connection); the last few connections


def _cache(conn: sqlite3.Connection) -> TermCounts:
    key = id(conn)
    cache = _CACHES.get(key)
    if cache is None or cache.conn is not conn:
        cache = TermCounts(conn)
        _CACHES[key] = cache
        while len(_CACHES) > 8:
            _CACHES.popitem(last=False)
    _CACHES.move_to_end(key)
    return cache


def kept_counts(conn: sqlite3.Connection, n: int) -> TermCounts:
    """The counts this connection keeps, valid for the table as it is now (``n``: its article count, term 0)."""
    cache = _cache(conn)
    version = conn.execute("PRAGMA data_version").fetchone()[0]
    if version != cache.version or n != cache.n:
        cache.counts.clear()
        cache.version, cache.n = version, n
    return cache


def publish_counts(conn: sqlite3.Connection, n: int, counts: dict[int, tuple[int, float]]) -> None:
    """The transaction that wrote these counts (and the article count ``n``) has committed: keep them."""
    cache = _cache(conn)
    cache.n = n  # the words the batch did not write keep the counts kept before it
    for term, count in counts.items():
        cache.keep(term, count)
