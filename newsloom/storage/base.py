"""What every store is: the :class:`Store` protocol, the input-fate record, and the per-capability row producers.

A store keeps articles, the fate of every input record, the corpus-stage queue and what the stages computed.
What the stages computed reaches it as plain rows: each ``storage/tables/<capability>.py`` registers a pure
``rows(article) -> {table: [row dict, ...]}`` with :func:`article_rows`, and a store writes those rows its own
way (SQLite inserts them in the article's transaction; a Parquet writer can consume the same rows).
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol, runtime_checkable

from .. import plugins
from ..model import Article

__all__ = ["Store", "InputRow", "Rows", "article_rows", "ARTICLE_ROWS", "annotation_rows", "default_store"]

#: what a row producer returns: table name -> rows (column name -> value)
Rows = dict[str, list[dict[str, Any]]]

#: pure functions ``rows(article) -> Rows`` for what per-article stages put on ``article.annotations``
ARTICLE_ROWS: list[Callable[[Article], Rows]] = plugins.registry([])


def article_rows(fn: Callable[[Article], Rows]) -> Callable[[Article], Rows]:
    """Register ``rows(article) -> {table: [row, ...]}``: what to store with each new article."""
    if fn not in ARTICLE_ROWS:
        ARTICLE_ROWS.append(fn)
    return fn


def annotation_rows(article: Article) -> Rows:
    """Every registered producer's rows for one article, merged by table."""
    out: Rows = {}
    for produce in ARTICLE_ROWS:
        for table, rows in produce(article).items():
            if rows:
                out.setdefault(table, []).extend(rows)
    return out


class InputRow(tuple):
    """(input, external_id, article_id, status, code, reason): one input record's fate."""

    __slots__ = ()

    def __new__(cls, input: str, external_id: str | None, article_id: str | None, status: str,
                code: str | None = None, reason: str | None = None) -> "InputRow":
        return super().__new__(cls, (input, external_id, article_id, status, code, reason))

    @property
    def key(self) -> str:
        inp, _, art, status, _, reason = self
        return hashlib.sha256(f"{inp}\x1f{art or ''}\x1f{reason if status == 'rejected' else ''}".encode()).hexdigest()[:24]


_DEFAULT: list[type] = []


def default_store(cls: type) -> type:
    """Make ``cls`` the implementation that ``Store(...)`` opens (``storage/sqlite.py`` registers SQLite)."""
    _DEFAULT[:] = [cls]
    return cls


@runtime_checkable
class Store(Protocol):
    """A newsloom database. ``Store(path)`` opens the default implementation,
    :class:`newsloom.storage.sqlite.SQLiteStore` (``Store(":memory:")``: a private in-memory one).

    The engine uses the article, input and queue methods; the queries layer and the corpus stages read and
    write with SQL through ``transaction``, ``execute`` and ``rows``.
    """

    path: str

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        if cls is Store:  # the protocol called as a constructor: open the default implementation
            return _DEFAULT[0](*args, **kwargs)
        return super().__new__(cls)

    # -- articles, inputs and the corpus queue (the engine) ---------------------------------------
    def add_batch(self, articles: Iterable[Article], inputs: Iterable[InputRow], *,
                  queue: Sequence[str] = ()) -> list[str]:
        """Store new articles with their rows and the fate of every input in one transaction; queue each new
        article for the corpus stages named in ``queue``; return the new ids."""
        ...

    def has_article(self, article_id: str) -> bool: ...

    def known_input(self, row: InputRow) -> bool: ...

    def article(self, article_id: str) -> Article: ...

    def articles(self, *, ids: Sequence[str]) -> list[Article]: ...

    def iter_articles(self, batch: int = 500) -> Iterator[Article]: ...

    def update_article(self, article_id: str, **fields: Any) -> None: ...

    def pending(self, stage: str) -> list[str]: ...

    def done(self, stage: str, ids: Iterable[str]) -> None: ...

    # -- SQL (queries/ and the corpus stages) -------------------------------------------------------
    def transaction(self) -> AbstractContextManager[Any]: ...

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any: ...

    def rows(self, sql: str, params: Sequence[Any] = ()) -> Iterator[dict[str, Any]]: ...

    def tables(self) -> list[str]: ...

    def close(self) -> None: ...
