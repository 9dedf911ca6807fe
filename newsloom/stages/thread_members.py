"""The articles of each thread, cached across the threads stage's batches.

The threads re-check takes a spread sample of each touched thread's articles (copies aside, in the order they
were placed), and the split check reads them all: reading them from the store costs O(thread size) per batch,
and a thread of a long narrative keeps growing with the corpus. So each connection keeps, per thread asked for,
its ``(story_articles rowid, article id, story id)`` rows in rowid order, exactly what the query would return,
up to date by the deltas temp triggers log (:mod:`.delta_cache`): on ``story_articles`` (a row inserted,
updated or deleted; a row a REPLACE displaced goes when its article comes back) and on ``stories`` (a story's thread changed, a story inserted or deleted: its
articles; a story's id changed or a story row replaced: its threads are read again).
"""
from __future__ import annotations

import bisect
import sqlite3
from collections import OrderedDict

from .delta_cache import DeltaCache, delta_cache

__all__ = ["ThreadMembers", "thread_members"]

#: article rows kept per connection (the least recently asked threads go first; a dropped one is read again)
MAX_ROWS = 500_000
_LOG = "newsloom_thread_members_log"
_ROW = "(thread_id, sa_rowid, article_id, story_id, sign)"
_LOGGED = f"INSERT INTO {_LOG} {_ROW}"


def _story_rows(story: str, thread: str, sign: int) -> str:
    """SQL that logs every non-copy article of story ``story`` as a row of thread ``thread`` gained or lost."""
    return (f"{_LOGGED} SELECT {thread}, sa.rowid, sa.article_id, sa.story_id, {sign} "
            f"FROM story_articles sa WHERE {thread} IS NOT NULL AND sa.story_id = {story} "
            f"AND sa.reason != 'copy';")


def _article_row(row: str, sign: int) -> str:
    """SQL that logs story_articles row ``row`` (old or new) as a row its story's thread gained or lost."""
    return (f"{_LOGGED} SELECT s.thread_id, {row}.rowid, {row}.article_id, {row}.story_id, {sign} "
            f"FROM stories s WHERE {row}.reason != 'copy' AND s.id = {row}.story_id "
            f"AND s.thread_id IS NOT NULL;")


_TRIGGERS = {
    # every insert is logged (a thread of NULL: a copy, or a story in no thread), for a REPLACE displaces a row
    # without a delete trigger: that row goes when the cache sees its article again
    "sa_insert": f"AFTER INSERT ON main.story_articles BEGIN {_LOGGED} SELECT CASE WHEN new.reason != 'copy' THEN "
                 "(SELECT thread_id FROM stories WHERE id = new.story_id) END, new.rowid, new.article_id, "
                 "new.story_id, 1; END",
    "sa_delete": f"AFTER DELETE ON main.story_articles BEGIN {_article_row('old', -1)} END",
    "sa_update": "AFTER UPDATE ON main.story_articles WHEN old.story_id IS NOT new.story_id OR old.reason IS NOT "
                 "new.reason OR old.article_id IS NOT new.article_id OR old.rowid IS NOT new.rowid BEGIN "
                 f"{_article_row('old', -1)} {_article_row('new', 1)} END",
    "st_thread": "AFTER UPDATE OF thread_id ON main.stories WHEN old.thread_id IS NOT new.thread_id AND "
                 f"old.id IS new.id BEGIN {_story_rows('old.id', 'old.thread_id', -1)} "
                 f"{_story_rows('new.id', 'new.thread_id', 1)} END",
    "st_insert": f"AFTER INSERT ON main.stories BEGIN {_story_rows('new.id', 'new.thread_id', 1)} END",
    "st_delete": f"AFTER DELETE ON main.stories BEGIN {_story_rows('old.id', 'old.thread_id', -1)} END",
    # rare (a story's id changed, a story row replaced): read the threads (every one, that one) again
    "st_id": f"AFTER UPDATE OF id ON main.stories WHEN old.id IS NOT new.id BEGIN {_LOGGED} "
             "VALUES (NULL, NULL, NULL, NULL, 0); END",
    "st_before_insert": f"BEFORE INSERT ON main.stories BEGIN {_LOGGED} SELECT thread_id, NULL, NULL, NULL, 0 "
                        "FROM stories WHERE id = new.id AND thread_id IS NOT NULL; END",
}


class ThreadMembers(DeltaCache):
    """Each cached thread's non-copy article rows, by story_articles rowid, for one connection."""

    name = _LOG[:-4]
    columns = "thread_id TEXT, sa_rowid INTEGER, article_id TEXT, story_id TEXT, sign INTEGER NOT NULL"
    triggers = _TRIGGERS

    def __init__(self) -> None:
        super().__init__()
        self._threads: OrderedDict[str, list[tuple[int, str, str]]] = OrderedDict()
        self._where: dict[str, tuple[str, int]] = {}  # article -> its cached thread and rowid
        self._size = 0

    def rows(self, conn: sqlite3.Connection, tid: str) -> list[tuple[int, str, str]]:
        """Thread ``tid``'s ``(story_articles rowid, article id, story id)`` rows, copies aside, in rowid order
        (the caller must not change the list; get the cache anew from :func:`thread_members` after a write)."""
        rows = self._threads.get(tid)
        if rows is None:
            rows = [tuple(r) for r in conn.execute(
                "SELECT sa.rowid, sa.article_id, sa.story_id FROM stories s JOIN story_articles sa ON "
                "sa.story_id = s.id WHERE s.thread_id = ? AND sa.reason != 'copy' ORDER BY sa.rowid", (tid,))]
            self._threads[tid] = rows
            self._size += len(rows)
            self._where.update((aid, (tid, rowid)) for rowid, aid, _ in rows)
            while self._size > MAX_ROWS and len(self._threads) > 1:
                self._drop(next(iter(self._threads)))
        self._threads.move_to_end(tid)
        return rows

    def clear(self) -> None:
        self._threads.clear()
        self._where.clear()
        self._size = 0

    def _drop(self, tid: str) -> None:
        for _, aid, _ in self._threads.pop(tid, ()):
            del self._where[aid]
            self._size -= 1

    def apply(self, row: tuple) -> None:
        tid, rowid, aid, sid, sign = row
        if sign == 0:  # read again: this thread, or every one
            if tid is None:
                self.clear()
            else:
                self._drop(tid)
            return
        if sign > 0 and aid in self._where and self._where[aid] != (tid, rowid):
            self._remove(*self._where[aid])  # the row a REPLACE displaced (no delete trigger fires for it)
        if tid not in self._threads:
            return
        rows = self._threads[tid]
        at = bisect.bisect_left(rows, (rowid,))
        if at < len(rows) and rows[at][0] == rowid:
            if sign < 0:
                self._remove(tid, rowid)
        elif sign > 0:
            rows.insert(at, (rowid, aid, sid))
            self._where[aid] = (tid, rowid)
            self._size += 1

    def _remove(self, tid: str, rowid: int) -> None:
        rows = self._threads[tid]
        at = bisect.bisect_left(rows, (rowid,))
        del self._where[rows[at][1]]
        del rows[at]
        self._size -= 1


def thread_members(conn: sqlite3.Connection) -> ThreadMembers:
    """The cache of this connection (made, with its temp log and triggers, on first use), up to date."""
    return delta_cache(conn, ThreadMembers)
