"""Article reads: listing with filters, one article with everything stored about it, full-text search,
rejected inputs and counts."""
from __future__ import annotations

import re
import sqlite3
from typing import Any

from ..errors import QueryError
from ..storage import Store
from ..storage.tables.articles import decode_article_row
from . import copies, dates, entities, events, has_table, page, quotes, resolve_id

__all__ = ["list_articles", "page_articles", "article_row", "article_record", "article_extras", "search", "page_search",
           "fts_search", "words_query", "distinct_values", "rejects", "counts"]

#: what a listing leaves out (the text before cleaning is only for export and debugging)
_HIDDEN = ("raw_text", "ingested_at")
#: control characters end an FTS5 query string early (a NUL) or mean nothing in one
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_WORD = re.compile(r"[^\W_]+")
_POSSESSIVE = re.compile(r"(?<=\w)['\u2019]s\b")


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


#: the listing columns of a page (no text)
_LISTED = "id, external_id, source, url, title, published, language, author, copy_of, copy_kind"


def page_articles(store: Store, *, limit: int = 50, offset: int = 0, source: str | None = None,
                  language: str | None = None, story: str | None = None) -> dict[str, Any]:
    """A page of articles (listing columns, no text), newest published first (undated last), with the total that
    match. The order is the ``articles_published`` index's, so a deep page costs what a first page does."""
    where, params = [], []
    for column, value in (("source", source), ("language", language)):
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    if story and has_table(store, "story_articles"):
        where.append("id IN (SELECT article_id FROM story_articles WHERE story_id = ?)")
        params.append(story)
    from_where = "FROM articles" + (" WHERE " + " AND ".join(where) if where else "")
    return page(store, select=_LISTED, from_where=from_where, params=params,
                order="published DESC, rowid DESC", limit=limit, offset=offset)  # walks articles_published


def distinct_values(store: Store, column: str, *, limit: int = 500) -> list[str]:
    """The distinct non-empty values of ``source`` or ``language``, most frequent first."""
    if column not in ("source", "language"):
        raise QueryError(f"not a listable column: {column!r}", code="E401")
    return [r[0] for r in store.execute(f"SELECT {column} FROM articles WHERE {column} IS NOT NULL AND {column} != ''"
                                        f" GROUP BY {column} ORDER BY count(*) DESC, {column} LIMIT ?", (limit,))]


def article_row(store: Store, ref: str) -> dict[str, Any]:
    """One article's fields (``ref``: an id or a unique prefix of 4+ characters)."""
    full = resolve_id(store, ref)
    return decode_article_row(store.execute("SELECT * FROM articles WHERE id = ?", (full,)).fetchone())


def article_extras(store: Store, article_id: str) -> dict[str, Any]:
    """What other stages keep about one article: the article it copies (``original``, or None), its copies,
    entities, dates, events and quotes."""
    original = store.execute("SELECT o.id, o.source, o.published, o.title FROM articles a JOIN articles o"
                             " ON o.id = a.copy_of WHERE a.id = ?", (article_id,)).fetchone()
    return {"original": dict(original) if original else None, "copies": copies.copies_of(store, article_id),
            "entities": entities.article_entities(store, article_id),
            "dates": dates.article_dates(store, article_id), "events": events.article_events(store, article_id),
            "quotes": quotes.article_quotes(store, article_id)}


def article_record(store: Store, ref: str) -> dict[str, Any]:
    """One article (id or unique prefix) with :func:`article_extras` merged in; ``raw_text`` left out."""
    row = {k: v for k, v in article_row(store, ref).items() if k not in _HIDDEN}
    row.update(article_extras(store, row["id"]))
    return row


def words_query(text: str) -> str:
    """An FTS5 query that finds every word of ``text``, wherever it is: each run of letters and digits
    quoted (``Belarus-Poland`` -> ``"Belarus" "Poland"``), a possessive dropped (``Lukashenko's`` ->
    ``"Lukashenko"``, which finds the possessive too)."""
    return " ".join(f'"{word}"' for word in _WORD.findall(_POSSESSIVE.sub("", text)))


def search(store: Store, query: str, *, limit: int = 20) -> list[dict[str, Any]]:
    """Full-text search over titles and texts, best first (the hits of :func:`page_search`)."""
    return page_search(store, query, limit=limit)["items"]


def page_search(store: Store, query: str, *, limit: int = 20, offset: int = 0) -> dict[str, Any]:
    """A page of full-text hits over titles and texts, best first, with the total that match.

    A query that is valid FTS5 (``"border crisis" AND sanctions``, ``NEAR(a b, 5)``, ``sanc*``,
    ``title:minsk``) runs as it is; any other text (``Belarus-Poland``, ``Lukashenko's``, a stray quote,
    ``3:0``) searches for its words (:func:`words_query`): SQLite decides what is valid, so no text fails.
    A query with no words finds nothing.
    """
    text = _CONTROL.sub(" ", query).strip()
    if text:
        try:
            return fts_search(store, text, limit=limit, offset=offset)
        except QueryError as exc:
            if exc.code != "E404":
                raise
        words = words_query(text)
        if words:
            return fts_search(store, words, limit=limit, offset=offset)
    return {"items": [], "total": 0, "limit": limit, "offset": offset, "ranked": 0}


#: a query matching more articles than this ranks only its newest this many (bm25 costs about 1 us per match)
RANK_CAP = 20_000


def fts_search(store: Store, query: str, *, limit: int = 20, offset: int = 0,
               rank_cap: int = RANK_CAP) -> dict[str, Any]:
    """A page of FTS5 hits over title and text with the query as given, best first, and the total that match;
    malformed FTS5 raises QueryError (E404).

    When more than ``rank_cap`` articles match and the page lies within the first ``rank_cap`` hits, only the
    ``rank_cap`` newest matches are ranked (``ranked`` in the result says how many were): a word in nearly every
    article of a 100k store ranks in about 16 ms instead of 100. Otherwise every match is ranked.
    """
    try:
        total = store.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?", (query,)).fetchone()[0]
        capped = total > rank_cap >= offset + limit
        ranked = store.execute(
            "SELECT rowid, rank FROM (SELECT rowid, rank FROM articles_fts WHERE articles_fts MATCH ? "
            "ORDER BY rowid DESC LIMIT ?) ORDER BY rank, rowid DESC LIMIT ? OFFSET ?" if capped else
            "SELECT rowid, rank FROM articles_fts WHERE articles_fts MATCH ? ORDER BY rank LIMIT ? OFFSET ?",
            (query, rank_cap, limit, offset) if capped else (query, limit, offset)).fetchall()  # FTS5 ranks (bm25)
        order = {r[0]: (i, r[1]) for i, r in enumerate(ranked)}
        rows = store.execute(
            "SELECT a.rowid AS rid, a.id, a.title, a.source, a.published, "
            "snippet(articles_fts, 1, '[', ']', ' ... ', 12) AS snippet "
            "FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid "
            f"WHERE articles_fts MATCH ? AND articles_fts.rowid IN ({', '.join('?' for _ in order)})",
            (query, *order)).fetchall() if order else []
    except sqlite3.OperationalError as exc:
        raise QueryError(f"malformed search query {query!r}: {exc}. Quote phrases with double quotes; "
                         "operators are AND, OR, NOT, NEAR and prefix*", code="E404") from exc
    items = []
    for r in sorted(rows, key=lambda r: order[r["rid"]][0]):
        item = {k: r[k] for k in ("id", "title", "source", "published", "snippet")}
        item["rank"] = order[r["rid"]][1]
        items.append(item)
    return {"items": items, "total": total, "limit": limit, "offset": offset,
            "ranked": min(total, rank_cap) if capped else total}


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
