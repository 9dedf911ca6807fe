"""Reads of articles: one article with everything the stages found in it, and full-text search."""
from __future__ import annotations

import re
from typing import Any

from ..errors import QueryError
from ..storage import Store

__all__ = ["article_record", "search", "words_query"]

#: control characters end an FTS5 query string early (a NUL) or mean nothing in one
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_WORD = re.compile(r"[^\W_]+")
_POSSESSIVE = re.compile(r"(?<=\w)['\u2019]s\b")


def article_record(store: Store, ref: str) -> dict[str, Any]:
    """One article (id or unique prefix) with its entities, quotes, dates, events and copies.

    Returns:
        The article's fields (no raw text) plus ``original`` (the article it copies, or None),
        ``copies`` (articles that copy it) and, when those stages ran, ``entities`` (one row per
        entity with its mention count), ``quotes``, ``dates`` and ``events`` in text order.
    """
    art = store.article(ref)
    out = {k: v for k, v in art.as_dict().items() if k not in ("raw_text", "annotations")}
    original = store.execute("SELECT id, source, published, title FROM articles WHERE id = ?",
                             (art.copy_of,)).fetchone() if art.copy_of else None
    out["original"] = dict(original) if original else None
    out["copies"] = list(store.rows("SELECT id, source, published, copy_kind, title FROM articles WHERE copy_of = ?"
                                    " ORDER BY rowid", (art.id,)))
    tables = set(store.tables())
    if "mentions" in tables:
        out["entities"] = list(store.rows(
            "SELECT m.entity_id, coalesce(e.name, m.name) AS name, coalesce(e.type, m.label) AS type,"
            " count(*) AS mentions, group_concat(DISTINCT m.name) AS forms FROM mentions m"
            " LEFT JOIN entities e ON e.id = m.entity_id WHERE m.article_id = ?"
            " GROUP BY coalesce(m.entity_id, m.name) ORDER BY mentions DESC, min(m.start)", (art.id,)))
        out["dates"] = list(store.rows(
            'SELECT start, "end", text, value, precision, anchor FROM dates WHERE article_id = ? ORDER BY start',
            (art.id,)))
        out["events"] = list(store.rows(
            "SELECT id, date, action, actor, target, place, start FROM events WHERE article_id = ? ORDER BY start",
            (art.id,)))
    if "quotes" in tables:
        out["quotes"] = list(store.rows(
            "SELECT id, kind, speaker_name, speaker_text, speaker_entity, cue, text, first_article_id FROM quotes"
            " WHERE article_id = ? ORDER BY start", (art.id,)))
    return out


def words_query(text: str) -> str:
    """An FTS5 query that finds every word of ``text``, wherever it is: each run of letters and digits
    quoted (``Belarus-Poland`` -> ``"Belarus" "Poland"``), a possessive dropped (``Lukashenko's`` ->
    ``"Lukashenko"``, which finds the possessive too)."""
    return " ".join(f'"{word}"' for word in _WORD.findall(_POSSESSIVE.sub("", text)))


def search(store: Store, query: str, *, limit: int = 20) -> list[dict[str, Any]]:
    """Full-text search over titles and texts.

    A query that is valid FTS5 (``"border crisis" AND sanctions``, ``NEAR(a b, 5)``, ``sanc*``,
    ``title:minsk``) runs as it is; any other text (``Belarus-Poland``, ``Lukashenko's``, a stray quote,
    ``3:0``) searches for its words (:func:`words_query`). A query with no words finds nothing.
    """
    text = _CONTROL.sub(" ", query).strip()
    if not text:
        return []
    try:
        return store.search(text, limit=limit)
    except QueryError as exc:
        if exc.code != "E404":
            raise
    words = words_query(text)
    return store.search(words, limit=limit) if words else []
