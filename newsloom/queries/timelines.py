"""Timelines and cited summaries read from the store, for a story, a thread, an entity, a search or ids.

The articles of the scope become :class:`~newsloom.stages.timelines.Sent` lists (rule-split sentences,
the day-precise values of the ``dates`` table); a copy whose original (or another copy of it) is in
the scope is left out, so no text counts twice; an article flagged ``spin`` or ``not_article`` keeps
half weight, so a clean source saying the same wins. Results are cached per scope in
``timeline_cache`` under a key of the article ids (with each text's length and copy link) and the
options: a new article invalidates only the scopes it joins.
"""
from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

from ..errors import QueryError
from ..stages.comments import comments_start
from ..stages.sentences import split_sentences
from ..stages.summaries import story_title, summarise
from ..stages.timelines import Sent, Vectorizer, article_sents, build_timeline
from ..storage.sqlite import now
from . import resolve_id
from .articles import search
from .stories import live_id

__all__ = ["scope_articles", "load_sents", "story_view", "timeline", "summary", "FLAG_THRESHOLD"]

#: a quality flag at or above this score halves an article's weight (spin/MT, not an article)
FLAG_THRESHOLD = 0.5
# 2: reader comments are not cited; 3: nor live talk; 4: topical day ranking, lead trimming; 5: labelled talk
_CACHE_VERSION = "5"


def scope_articles(store: Any, kind: str, value: str | Sequence[str], *, limit: int = 2000) -> tuple[str, list[str]]:
    """The article ids of a scope, and its canonical name (``story:ID``, ``entity:ID``, ``query:TEXT``, ...).

    Args:
        store: the :class:`~newsloom.storage.Store`.
        kind: ``story``, ``thread``, ``entity``, ``query`` or ``articles``.
        value: the id (a unique prefix is enough), the search query, or a list of article ids.
        limit: at most this many articles for a search.
    """
    if kind == "articles":
        ids = [resolve_id(store, i) for i in (value if not isinstance(value, str) else value.split(","))]
        return "articles:" + hashlib.sha256(",".join(sorted(ids)).encode()).hexdigest()[:16], ids
    if kind == "query":
        hits = search(store, str(value), limit=limit)
        return f"query:{value}", [h["id"] for h in hits]
    if kind == "entity":
        eid = resolve_id(store, str(value), "entities")
        merged = [r["old_id"] for r in store.rows("SELECT old_id FROM entity_merges WHERE new_id = ?", (eid,))]
        ids = [r["article_id"] for r in store.rows(
            f"SELECT DISTINCT article_id FROM mentions WHERE entity_id IN ({', '.join('?' * (1 + len(merged)))})",
            [eid, *merged])]
        return f"entity:{eid}", ids
    if kind in ("story", "thread"):
        return _story_scope(store, kind, str(value))
    raise QueryError(f"unknown timeline scope {kind!r}: use story, thread, entity, query or articles", code="E412")


def _story_scope(store: Any, kind: str, value: str) -> tuple[str, list[str]]:
    """The articles of a story (``story_articles``) or of a thread's stories (``stories.thread_id``); an id merged
    away names its survivor."""
    full = live_id(store, value, kind)
    stories = [full] if kind == "story" else [r["id"] for r in store.rows(
        "SELECT id FROM stories WHERE thread_id = ?", (full,))]
    ids = [r["article_id"] for r in store.rows(
        "SELECT s.article_id FROM story_articles s JOIN articles a ON a.id = s.article_id "
        f"WHERE s.story_id IN ({', '.join('?' * len(stories))}) ORDER BY a.rowid", stories)]
    if not ids:
        raise QueryError(f"no articles in {kind} {value!r}", code="E411")
    return f"{kind}:{full}", ids


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value and len(value) >= 10 else None
    except ValueError:
        return None


def load_sents(store: Any, ids: Sequence[str]) -> list[Sent]:
    """Every sentence of the scope's articles (copies of an article in the scope left out), with its
    day-precise dates and its article's weight."""
    rows: list[dict[str, Any]] = []
    ids = list(dict.fromkeys(ids))
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        rows += store.rows("SELECT id, text, published, source, copy_of, quality FROM articles "
                           f"WHERE id IN ({', '.join('?' * len(chunk))}) ORDER BY rowid", chunk)
    present = {r["id"] for r in rows}
    seen_groups: set[str] = set()
    kept = []
    for r in sorted(rows, key=lambda r: r["copy_of"] is not None):  # originals first
        group = r["copy_of"] or r["id"]
        if group in seen_groups or (r["copy_of"] and r["copy_of"] in present):
            continue
        seen_groups.add(group)
        kept.append(r)
    dates: dict[str, list[tuple[int, date]]] = defaultdict(list)
    kept_ids = [r["id"] for r in kept]
    for i in range(0, len(kept_ids), 500):
        chunk = kept_ids[i:i + 500]
        for d in store.rows("SELECT article_id, start, value FROM dates WHERE precision = 'day' AND value IS NOT NULL "
                            "AND kind != 'stamp' "
                            f"AND article_id IN ({', '.join('?' * len(chunk))})", chunk):
            day = _day(d["value"])
            if day:
                dates[d["article_id"]].append((d["start"], day))
    out: list[Sent] = []
    for r in kept:
        quality = json.loads(r["quality"] or "{}")
        flagged = any((quality.get(f) or {}).get("score", 0) >= FLAG_THRESHOLD for f in ("spin", "not_article"))
        weight = 0.5 if flagged else 1.0
        pub = _day(r["published"])
        text = r["text"] or ""
        out.extend(article_sents(r["id"], text, pub, dates.get(r["id"], []), split_sentences(text), source=r["source"],
                                 weight=weight, comments_from=comments_start(text)))
    return out


def _cached(store: Any, scope: str, kind: str, key: str) -> dict[str, Any] | None:
    row = store.execute("SELECT key, body FROM timeline_cache WHERE scope = ? AND kind = ?", (scope, kind)).fetchone()
    return json.loads(row["body"]) if row is not None and row["key"] == key else None


def _store_cache(store: Any, scope: str, kind: str, key: str, body: dict[str, Any]) -> None:
    with store.transaction() as conn:
        conn.execute("INSERT INTO timeline_cache (scope, kind, key, body, built_at) VALUES (?, ?, ?, ?, ?) "
                     "ON CONFLICT(scope, kind) DO UPDATE SET key = excluded.key, body = excluded.body, "
                     "built_at = excluded.built_at", (scope, kind, key, json.dumps(body), now()))


def _key(store: Any, ids: Sequence[str], **options: Any) -> str:
    """The cache key of a scope: its articles with what changes a citation (the text's length, moved when the
    boilerplate stage cuts a paragraph; the copy link, which decides what counts once) and the options."""
    h = hashlib.sha256(_CACHE_VERSION.encode())
    state: list[tuple[str, int, str]] = []
    ids = sorted(set(ids))
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        state += [(r["id"], r["n"], r["copy_of"] or "") for r in store.rows(
            f"SELECT id, length(text) AS n, copy_of FROM articles WHERE id IN ({', '.join('?' * len(chunk))})", chunk)]
    for row in sorted(state):
        h.update("\x1f".join(map(str, row)).encode())
    h.update(json.dumps(options, sort_keys=True).encode())
    return h.hexdigest()


def story_view(store: Any, kind: str, value: str | Sequence[str], *, max_dates: int = 10, per_date: int = 2,
               sentences: int = 5, cache: bool = True) -> dict[str, Any]:
    """The timeline and the cited summary of a scope, built together (one read, one TF-IDF) and cached.

    Returns:
        ``{"timeline": {"scope", "articles", "days": [{date, score, sentences: [cited]}]},
        "summary": {"scope", "articles", "title", "sentences": [cited], "articles_cited"}}``; a sentence is
        cited as ``{article_id, start, end, text, source, published}`` (``text`` = ``articles.text[start:end]``).
    """
    scope, ids = scope_articles(store, kind, value)
    tkey = _key(store, ids, max_dates=max_dates, per_date=per_date)
    skey = _key(store, ids, sentences=sentences)
    tl = _cached(store, scope, "timeline", tkey) if cache else None
    sm = _cached(store, scope, "summary", skey) if cache else None
    if tl is not None and sm is not None:
        return {"timeline": tl, "summary": sm}
    sents = load_sents(store, ids)
    vec = Vectorizer(s.text for s in sents)
    if tl is None:
        days = build_timeline(sents, max_dates=max_dates, per_date=per_date, vectorizer=vec)
        tl = {"scope": scope, "articles": len(ids), "days": [d.as_dict() for d in days]}
        if cache:
            _store_cache(store, scope, "timeline", tkey, tl)
    if sm is None:
        titles = {r["id"]: r["title"] for r in _titles(store, ids)}
        picked = summarise(sents, sentences, vectorizer=vec)
        sm = {"scope": scope, "articles": len(ids), "title": story_title(sents, titles, vectorizer=vec),
              "sentences": [s.cite() for s in picked], "articles_cited": sorted({s.article_id for s in picked})}
        if cache:
            _store_cache(store, scope, "summary", skey, sm)
    return {"timeline": tl, "summary": sm}


def timeline(store: Any, kind: str, value: str | Sequence[str], *, cache: bool = True, max_dates: int = 10,
             per_date: int = 2) -> dict[str, Any]:
    """The timeline of a scope (see :func:`story_view`)."""
    return story_view(store, kind, value, max_dates=max_dates, per_date=per_date, cache=cache)["timeline"]


def summary(store: Any, kind: str, value: str | Sequence[str], *, sentences: int = 5, cache: bool = True
            ) -> dict[str, Any]:
    """A cited summary of a scope: a headline-like title and 3-6 sentences in time order (see :func:`story_view`)."""
    return story_view(store, kind, value, sentences=sentences, cache=cache)["summary"]


def _titles(store: Any, ids: Sequence[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    ids = list(ids)
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        out += store.rows(f"SELECT id, title FROM articles WHERE id IN ({', '.join('?' * len(chunk))})", chunk)
    return out
