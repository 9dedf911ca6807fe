"""The user's table of outlets (``sources``): import from CSV, list, and the blindspot view.

The CSV may have any columns; the outlet is the first of ``source``, ``outlet``, ``name``, ``domain``
(case-insensitive) and must match ``articles.source``; every other non-empty cell is kept as an
attribute (country, owner, lean, language, ...). Importing again updates the outlets it names.
"""
from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..errors import QueryError, Rejected
from ..storage.sqlite import now
from . import has_table

__all__ = ["import_sources", "list_sources", "blindspots", "KEY_COLUMNS"]

KEY_COLUMNS = ("source", "outlet", "name", "domain")


def import_sources(store: Any, path: str | Path) -> dict[str, Any]:
    """Load a CSV of outlets into ``sources``; a row without an outlet name is rejected with its line.

    Returns:
        ``{"imported": n, "columns": [...], "rejected": [{"line", "reason"}]}``.
    """
    path = Path(path)
    try:
        fh = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise Rejected(str(path), f"cannot read the sources file: {exc.strerror or exc}", code="E120") from exc
    with fh:
        reader = csv.DictReader(fh)
        header = [h.strip() for h in (reader.fieldnames or [])]
        lower = {h.lower(): h for h in header}
        key = next((lower[k] for k in KEY_COLUMNS if k in lower), None)
        if key is None:
            raise Rejected(str(path), f"no outlet column: the header needs one of {', '.join(KEY_COLUMNS)} "
                                      f"(it has {', '.join(header) or 'nothing'})", code="E121")
        rows, rejected = [], []
        for line, row in enumerate(reader, 2):
            row = {(k or "").strip(): (v or "").strip() for k, v in row.items() if k is not None}
            name = row.get(key, "")
            if not name:
                rejected.append({"line": line, "reason": f"empty {key}"})
                continue
            rows.append((name, json.dumps({k: v for k, v in row.items() if k != key and v}, ensure_ascii=False)))
    stamp = now()
    with store.transaction() as conn:
        conn.executemany("INSERT INTO sources (source, attrs, imported_at) VALUES (?, ?, ?) ON CONFLICT(source) "
                         "DO UPDATE SET attrs = excluded.attrs, imported_at = excluded.imported_at",
                         [(n, a, stamp) for n, a in rows])
    return {"imported": len(rows), "columns": [h for h in header if h != key], "key": key, "rejected": rejected}


def list_sources(store: Any) -> list[dict[str, Any]]:
    """Every outlet in ``sources`` with its attributes and how many stored articles it has."""
    counts = {r["source"]: r["n"] for r in store.rows("SELECT source, count(*) AS n FROM articles "
                                                      "WHERE source IS NOT NULL GROUP BY source")}
    return [{"source": r["source"], **json.loads(r["attrs"]), "articles": counts.get(r["source"], 0)}
            for r in store.rows("SELECT source, attrs FROM sources ORDER BY source")]


def _story_scopes(store: Any) -> list[tuple[str, list[str]]]:
    """Every story's articles, from ``story_articles`` (the stories stage) or ``articles.story_id``."""
    if has_table(store, "story_articles"):
        sql = "SELECT article_id AS id, story_id FROM story_articles"
    elif "story_id" in {r["name"] for r in store.rows("PRAGMA table_info(articles)")}:
        sql = "SELECT id, story_id FROM articles WHERE story_id IS NOT NULL"
    else:
        raise QueryError("no stories in this database yet: give scopes, or build stories first", code="E410")
    by_story: dict[str, list[str]] = defaultdict(list)
    for r in store.rows(sql):
        by_story[r["story_id"]].append(r["id"])
    return [(f"story:{s}", ids) for s, ids in by_story.items()]


def blindspots(store: Any, by: str, scopes: Iterable[tuple[str, list[str]]] | None = None,
               *, min_articles: int = 2) -> list[dict[str, Any]]:
    """Scopes (stories by default) covered by only one group of outlets under the column ``by``.

    Args:
        store: the store.
        by: a column of the sources table (lean, country, owner, ...).
        scopes: (name, article ids) pairs; default every story (``articles.story_id``).
        min_articles: skip scopes smaller than this.

    Returns:
        One row per blindspot: ``{"scope", "group", "articles", "outlets", "missing": [other groups]}``.
    """
    attrs = {r["source"]: json.loads(r["attrs"]) for r in store.rows("SELECT source, attrs FROM sources")}
    if not attrs:
        raise QueryError("no sources table yet: run `newsloom sources import FILE.csv` first", code="E413")
    known = sorted({str(a[by]) for a in attrs.values() if a.get(by)})
    if not known:
        raise QueryError(f"no outlet has a value in column {by!r}; columns: "
                         f"{sorted({k for a in attrs.values() for k in a})}", code="E414")
    if scopes is None:
        scopes = _story_scopes(store)
    out = []
    for name, ids in scopes:
        if len(ids) < min_articles:
            continue
        rows = []
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            rows += store.rows(f"SELECT source FROM articles WHERE id IN ({', '.join('?' * len(chunk))})", chunk)
        groups = {str((attrs.get(r["source"] or "") or {}).get(by) or "") for r in rows} - {""}
        if len(groups) == 1:
            (g,) = groups
            out.append({"scope": name, "group": g, "articles": len(rows),
                        "outlets": sorted({r["source"] for r in rows if r["source"]}),
                        "missing": [k for k in known if k != g]})
    return sorted(out, key=lambda r: -r["articles"])
