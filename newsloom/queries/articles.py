"""Article reads: listing with filters, one article with everything stored about it, full-text search,
rejected inputs and counts."""
from __future__ import annotations

import sqlite3
from typing import Any

from ..errors import QueryError
from ..storage import Store
from ..storage.sqlite import decode_article_row
from . import copies, dates, entities, events, quotes, resolve_id

__all__ = ["list_articles", "article_row", "article_record", "article_extras", "search", "rejects", "counts"]

#: what a listing leaves out (the text before cleaning is only for export and debugging)
_HIDDEN = ("raw_text", "ingested_at")


def list_articles(store: Store, *, limit: int | None = None, offset: int = 0, source: str | None = None,
                  language: str | None = None) -> list[dict[str, Any]]:
    """Stored articles, oldest stored first, as dicts of the article fields (with ``raw_text``)."""
    where, params = [], []
    if source:
        where.append("source = ?")
        params.append(source)
    if language:
        where.append("language = ?")
        params.append(language)
    sql = "SELECT * FROM articles" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY rowid"
    sql += " LIMIT ? OFFSET ?"
    params += [-1 if limit is None else limit, offset]
    return [decode_article_row(r) for r in store.execute(sql, params)]


def article_row(store: Store, ref: str) -> dict[str, Any]:
    """One article's fields (``ref``: an id or a unique prefix of 4+ characters)."""
    full = resolve_id(store, ref)
    return decode_article_row(store.execute("SELECT * FROM articles WHERE id = ?", (full,)).fetchone())


def article_extras(store: Store, article_id: str) -> dict[str, list[dict[str, Any]]]:
    """What other stages keep about one article: its copies, entities, dates, events and quotes."""
    return {"copies": copies.copies_of(store, article_id), "entities": entities.article_entities(store, article_id),
            "dates": dates.article_dates(store, article_id), "events": events.article_events(store, article_id),
            "quotes": quotes.article_quotes(store, article_id)}


def article_record(store: Store, ref: str) -> dict[str, Any]:
    """One article (id or unique prefix) with :func:`article_extras` merged in; ``raw_text`` left out."""
    row = {k: v for k, v in article_row(store, ref).items() if k not in _HIDDEN}
    row.update(article_extras(store, row["id"]))
    return row


def search(store: Store, query: str, *, limit: int = 20) -> list[dict[str, Any]]:
    """FTS5 search over title and text, best first; a malformed query raises QueryError (E404)."""
    try:
        rows = store.execute(
            "SELECT a.id, a.title, a.source, a.published, "
            "snippet(articles_fts, 1, '[', ']', ' ... ', 12) AS snippet, bm25(articles_fts) AS rank "
            "FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid "
            "WHERE articles_fts MATCH ? ORDER BY rank LIMIT ?", (query, limit)).fetchall()
    except sqlite3.OperationalError as exc:
        raise QueryError(f"malformed search query {query!r}: {exc}. Quote phrases with double quotes; "
                         "operators are AND, OR, NOT, NEAR and prefix*", code="E404") from exc
    return [dict(r) for r in rows]


def rejects(store: Store) -> list[dict[str, Any]]:
    """Every rejected input record: input, external id, error code and reason, when seen."""
    return list(store.rows("SELECT input, external_id, code, reason, seen_at FROM inputs WHERE status = 'rejected'"
                           " ORDER BY rowid"))


def counts(store: Store) -> dict[str, int]:
    """Articles stored, originals, copies, and rejected inputs."""
    one = lambda sql: store.execute(sql).fetchone()[0]  # noqa: E731
    return {
        "articles": one("SELECT count(*) FROM articles"),
        "originals": one("SELECT count(*) FROM articles WHERE copy_of IS NULL"),
        "copies": one("SELECT count(*) FROM articles WHERE copy_of IS NOT NULL"),
        "rejected_inputs": one("SELECT count(*) FROM inputs WHERE status='rejected'"),
    }
