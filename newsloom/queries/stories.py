"""Reads of stories and threads, as plain dicts (the CLI, the Python API and the web use these).

``story(store, id)`` accepts any id a story ever had (or a unique prefix): a merged-away id resolves
to the survivor. Copies are counted once (``coverage.group_sources``).
"""
from __future__ import annotations

import json
import sqlite3
from typing import Any

from ..errors import QueryError
from ..stages.headlines import headline
from ..storage.tables.stories import resolve_story, resolve_thread
from .articles import words_query
from .coverage import group_sources, originals_meta

__all__ = ["stories", "summaries", "story", "thread", "article_story", "page_stories", "story_record", "thread_record",
           "entity_stories", "SORTS"]

SORTS = ("size", "recent")


def live_id(store: Any, ident: str, kind: str) -> str:
    """The live id of a story or thread (``kind``): the id, a unique prefix, or any id it had before a merge."""
    resolve = resolve_story if kind == "story" else resolve_thread
    table, merges = ("stories", "story_merges") if kind == "story" else ("threads", "thread_merges")
    found = resolve(store, ident)
    if found is not None:
        return found
    if len(ident) >= 4:  # a prefix of a live id or of an old one
        rows = store.execute(f"SELECT id FROM {table} WHERE id LIKE ? || '%' UNION "
                                  f"SELECT old_id FROM {merges} WHERE old_id LIKE ? || '%' LIMIT 2",
                                  (ident, ident)).fetchall()
        if len(rows) == 1:
            return resolve(store, rows[0][0])  # type: ignore[return-value]
        if len(rows) > 1:
            raise QueryError(f"id prefix {ident!r} matches more than one {kind}; give more characters", code="E403")
    raise QueryError(f"no {kind} with id {ident!r}", code="E402")


def stories(store: Any, *, sort: str = "size", limit: int = 50, offset: int = 0, since: str | None = None,
            until: str | None = None, source: str | None = None, entity: str | None = None,
            language: str | None = None, text: str | None = None, thread: str | None = None) -> list[dict[str, Any]]:
    """Stories, largest (``sort="size"``) or most recent (``"recent"``) first, filtered.

    Args:
        since, until: keep stories with an article published in ``[since, until]`` (``YYYY-MM-DD``).
        source: with an article from this source. entity: mentioning this entity (id or name).
        language: with an article in this language. text: with an article matching this FTS5 query.
        thread: in this thread.
    """
    return summaries(store, _story_ids(store, sort, limit, offset, since=since, until=until, source=source,
                                       entity=entity, language=language, text=text, thread=thread))


def _story_ids(store: Any, sort: str | None, limit: int, offset: int, **filters: Any) -> list[str]:
    """The ids of one page of :func:`stories` (``limit=-1``: every story from ``offset`` on)."""
    sort = sort or "size"
    if sort not in SORTS:
        raise QueryError(f"unknown sort {sort!r}; use one of {SORTS}", code="E405")
    where, params = _where(store, **filters)
    order = "s.size DESC, s.seq" if sort == "size" else "coalesce(s.last_published, '') DESC, s.seq DESC"
    return [r[0] for r in _run(store, f"SELECT s.id FROM stories s {where} ORDER BY {order} LIMIT ? OFFSET ?",
                               [*params, limit, offset], filters.get("text"))]


def count_stories(store: Any, **filters: Any) -> int:
    """How many stories :func:`stories` would list with these filters (all pages)."""
    where, params = _where(store, **filters)
    return _run(store, f"SELECT count(*) FROM stories s {where}", params, filters.get("text")).fetchone()[0]


def _run(store: Any, sql: str, params: list[Any], text: str | None) -> Any:
    try:
        return store.execute(sql, params)
    except sqlite3.OperationalError as exc:  # a malformed FTS5 query
        if text:
            raise QueryError(f"malformed search query {text!r}: {exc}", code="E404") from exc
        raise


def _where(store: Any, *, since: str | None = None, until: str | None = None, source: str | None = None,
           entity: str | None = None, language: str | None = None, text: str | None = None,
           thread: str | None = None) -> tuple[str, list[Any]]:
    """The ``WHERE`` clause (or "") and parameters of the story filters of :func:`stories`."""
    where, params = [], []
    art_filters, art_params = [], []
    if since:
        art_filters.append("a.published >= ?")
        art_params.append(since)
    if until:
        art_filters.append("substr(a.published, 1, 10) <= ?")
        art_params.append(until)
    if source:
        art_filters.append("a.source = ?")
        art_params.append(source)
    if language:
        art_filters.append("a.language = ?")
        art_params.append(language)
    if entity:
        art_filters.append("a.id IN (SELECT m.article_id FROM mentions m WHERE m.entity_id IN "
                           "(SELECT e.id FROM entities e WHERE e.id = ? OR e.name = ? COLLATE NOCASE))")
        art_params += [entity, entity]
    if text:
        art_filters.append("a.rowid IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)")
        art_params.append(text)
    if art_filters:
        where.append("s.id IN (SELECT sa.story_id FROM story_articles sa JOIN articles a ON a.id = sa.article_id "
                     f"WHERE {' AND '.join(art_filters)})")
        params += art_params
    if thread:
        where.append("s.thread_id = ?")
        params.append(live_id(store, thread, "thread"))
    return ("WHERE " + " AND ".join(where)) if where else "", params


def summaries(store: Any, sids: list[str]) -> list[dict[str, Any]]:
    """The summary of each story in ``sids`` (in that order): its row, article ids in store order, distinct
    sources of information (``originals``, copies counted once), outlets (``sources``) and ``languages``.

    A few set-based queries for the whole list (chunks of 500 stories), not a few per story: the articles'
    columns come from the ``articles_listing`` covering index (migration 0005), never from the article rows."""
    out: list[dict[str, Any]] = []
    for start in range(0, len(sids), 500):
        chunk = sids[start:start + 500]
        marks = ", ".join("?" for _ in chunk)
        rows = {r["id"]: r for r in store.rows(
            "SELECT id, thread_id, size, first_published, last_published, title, created_at, updated_at "
            f"FROM stories WHERE id IN ({marks})", chunk)}
        members: dict[str, list[dict[str, Any]]] = {sid: [] for sid in chunk}
        for r in store.rows("SELECT sa.story_id AS story, a.rowid AS r, a.id, a.source, a.published, a.language, "
                            f"a.copy_of FROM story_articles sa JOIN {_listed(store)} "
                            f"ON a.id = sa.article_id WHERE sa.story_id IN ({marks}) ORDER BY a.rowid", chunk):
            members[r["story"]].append(r)
        page = [r for arts in members.values() for r in arts]
        meta = {r["id"]: r for r in page if r["copy_of"] is None}  # an original may be in another story of the page
        meta.update(originals_meta(store, {r["copy_of"] for r in page if r["copy_of"] is not None} - meta.keys()))
        for sid in chunk:
            arts = members[sid]
            sources: list[str] = []
            groups = group_sources(arts, meta)
            for g in groups:
                sources += [s for s in g.outlets if s not in sources]
            languages = sorted({r["language"] for r in arts if r["language"] is not None})
            out.append({**rows[sid], "title": headline(rows[sid]["title"]), "articles": [r["id"] for r in arts],
                        "originals": len(groups),
                        "sources": sources, "languages": languages})
    return out


def _listed(store: Any) -> str:
    """``articles a`` read through the ``articles_listing`` covering index (a store opened read-only may predate it)."""
    has = store.execute("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'articles_listing'").fetchone()
    return "articles a INDEXED BY articles_listing" if has else "articles a"


def story(store: Any, story_id: str, *, top: int = 10) -> dict[str, Any]:
    """One story in full: its summary, articles (id, source, date, title, copy), top entities, most-carried quotes,
    and the merges and splits it went through. Any id it ever had works."""
    sid = live_id(store, story_id, "story")
    out = summaries(store, [sid])[0]
    out["requested_id"] = story_id
    out["article_rows"] = [dict(r) for r in store.execute(
        "SELECT a.id, a.source, a.published, a.language, a.title, a.copy_of, a.copy_kind, sa.reason, sa.score "
        "FROM story_articles sa JOIN articles a ON a.id = sa.article_id WHERE sa.story_id = ? ORDER BY "
        "coalesce(a.published, ''), a.rowid", (sid,))]
    tables, articles = set(store.tables()), _listed(store)
    # copy_of is read from the covering index: from the row it costs a walk past the text's overflow pages, and
    # with the copy_of index the planner may walk every original instead of the story's articles
    out["entities"] = [dict(r) for r in store.execute(
        "SELECT e.id, e.name, e.type, count(DISTINCT m.article_id) AS articles, count(*) AS mentions "
        "FROM mentions m JOIN entities e ON e.id = m.entity_id JOIN story_articles sa ON sa.article_id = m.article_id "
        f"JOIN {articles} ON a.id = m.article_id WHERE sa.story_id = ? AND "
        "a.copy_of IS NULL GROUP BY e.id ORDER BY articles DESC, mentions DESC, e.name LIMIT ?",
        (sid, top))] if "mentions" in tables else []
    out["quotes"] = [dict(r) for r in store.execute(
        "SELECT q.quote_key, max(q.speaker_name) AS speaker, min(q.text) AS text, count(DISTINCT q.article_id) AS "
        "carriers, min(q.first_article_id) AS first_article_id FROM quotes q JOIN story_articles sa ON "
        f"sa.article_id = q.article_id JOIN {articles} ON a.id = q.article_id "
        "WHERE sa.story_id = ? AND q.quote_key IS NOT NULL AND a.copy_of IS NULL GROUP BY q.quote_key "
        "ORDER BY carriers DESC, min(a.rowid) LIMIT ?", (sid, top))] if "quotes" in tables else []
    out["merged_from"] = [{**dict(r), "evidence": json.loads(r["evidence"])} for r in store.execute(
        "SELECT old_id, merged_at, reason, evidence FROM story_merges WHERE new_id = ? ORDER BY merged_at", (sid,))]
    out["splits"] = [{**dict(r), "articles": json.loads(r["articles"])} for r in store.execute(
        "SELECT new_id, split_at, reason, articles FROM story_splits WHERE story_id = ? OR new_id = ?", (sid, sid))]
    return out


def thread(store: Any, thread_id: str) -> dict[str, Any]:
    """One thread: its stories in time order (summaries), span and size, the threads merged into it and the splits
    it went through (``splits``: parts split off it, or the thread it was split from). Any id it ever had works."""
    tid = live_id(store, thread_id, "thread")
    row = dict(store.execute("SELECT id, size, first_published, last_published, created_at, updated_at "
                                  "FROM threads WHERE id = ?", (tid,)).fetchone())
    sids = [r[0] for r in store.execute(
        "SELECT id FROM stories WHERE thread_id = ? ORDER BY coalesce(first_published, '9999'), seq", (tid,))]
    row["requested_id"] = thread_id
    row["stories"] = summaries(store, sids)
    row["title"] = max(row["stories"], key=lambda s: s["size"])["title"] if row["stories"] else None
    row["merged_from"] = [dict(r) for r in store.execute(
        "SELECT old_id, merged_at, reason FROM thread_merges WHERE new_id = ? ORDER BY merged_at", (tid,))]
    row["splits"] = [{**dict(r), "stories": json.loads(r["stories"]), "evidence": json.loads(r["evidence"])}
                     for r in store.execute("SELECT new_id, thread_id, split_at, reason, stories, evidence FROM "
                                            "thread_splits WHERE thread_id = ? OR new_id = ? ORDER BY split_at, "
                                            "new_id", (tid, tid))]
    return row


def article_story(store: Any, article_id: str) -> tuple[str | None, str | None]:
    """``(story_id, thread_id)`` of one article (None, None before the stories stage has placed it)."""
    row = store.execute("SELECT sa.story_id, s.thread_id FROM story_articles sa LEFT JOIN stories s ON "
                             "s.id = sa.story_id WHERE sa.article_id = ?", (article_id,)).fetchone()
    return (row[0], row[1]) if row else (None, None)


def page_stories(store: Any, *, limit: int, offset: int, q: str | None = None, source: str | None = None,
                 language: str | None = None, entity: str | None = None, start: str | None = None,
                 end: str | None = None, sort: str | None = None, **_: Any) -> dict[str, Any]:
    """One page of :func:`stories` for the web: ``{items, total, limit, offset}``; ``q`` is FTS5 when valid, else
    its words (as :func:`newsloom.queries.articles.search`)."""
    filters = {"source": source or None, "language": language or None, "entity": entity or None,
               "since": start or None, "until": end or None}
    for text in ((q, words_query(q)) if q and q.strip() else (None,)):
        try:
            if text or any(filters.values()):  # one pass over the matching stories gives the total and the page
                ids = _story_ids(store, sort, -1, 0, text=text, **filters)
                total, ids = len(ids), ids[offset:offset + limit]
            else:  # the unfiltered order walks an index: the page alone, and a count of the table
                total, ids = count_stories(store), _story_ids(store, sort, limit, offset)
        except QueryError as exc:
            if exc.code != "E404":
                raise
            continue
        return {"items": summaries(store, ids), "total": total, "limit": limit, "offset": offset}
    return {"items": [], "total": 0, "limit": limit, "offset": offset}


def story_record(store: Any, ref: str) -> dict[str, Any]:
    """:func:`story` in the shape the web pages read (``articles`` as rows, ``top_entities``)."""
    s = story(store, ref)
    s["article_ids"] = s["articles"]
    s["articles"] = s["article_rows"]
    s["top_entities"] = s["entities"]
    s["quotes"] = [{**qt, "speaker_name": qt["speaker"], "speaker_text": qt["speaker"]} for qt in s["quotes"]]
    return s


def thread_record(store: Any, ref: str) -> dict[str, Any]:
    """:func:`thread` for the web pages."""
    return thread(store, ref)


def entity_stories(store: Any, entity_id: str, *, limit: int = 20) -> list[dict[str, Any]]:
    """The largest stories mentioning an entity: ``{id, title, size}``."""
    return [dict(r, title=headline(r["title"])) for r in store.execute(
        "SELECT s.id, s.title, s.size FROM stories s WHERE s.id IN (SELECT sa.story_id FROM story_articles sa "
        "JOIN mentions m ON m.article_id = sa.article_id WHERE m.entity_id = ?) ORDER BY s.size DESC, s.seq "
        "LIMIT ?", (entity_id, limit))]
