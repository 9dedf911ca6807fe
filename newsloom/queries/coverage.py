"""Counting sources with copies counted once: an original and its copies are one source of information.

A small API for the stories work and any view that counts coverage::

    groups = distinct_sources(store, article_ids)   # one CopyGroup per original, copies listed
    first = first_reporter(store, article_ids)      # the earliest original

An article's group is its original (``copy_of`` of a copy, the article itself otherwise), so a set
of articles that holds only copies still counts their original once, even when the original itself is
not in the set.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["CopyGroup", "distinct_sources", "originals_meta", "group_sources", "coverage_count", "first_reporter"]


@dataclass
class CopyGroup:
    """One source of information: the original article and the copies of it among the given articles."""

    original_id: str
    source: str | None
    published: str | None
    title: str | None  # None when not read (story summaries)
    in_set: bool  # the original itself is one of the given articles
    copies: list[dict[str, Any]] = field(default_factory=list)  # {id, source, published, copy_kind}

    @property
    def outlets(self) -> list[str]:
        """Every outlet that carried the text (original first), each once."""
        seen: list[str] = []
        for s in [self.source] + [c["source"] for c in self.copies]:
            if s and s not in seen:
                seen.append(s)
        return seen

    def as_dict(self) -> dict[str, Any]:
        return {"original_id": self.original_id, "source": self.source, "published": self.published,
                "title": self.title, "in_set": self.in_set, "copies": self.copies, "outlets": self.outlets}


def _sort_key(published: str | None, rowid: int) -> tuple[int, str, int]:
    return (0 if published else 1, published or "", rowid)


def distinct_sources(store: Any, article_ids: Sequence[str]) -> list[CopyGroup]:
    """Group ``article_ids`` by original; earliest original first (unknown dates last, then store order).

    Args:
        store: a :class:`newsloom.storage.Store`.
        article_ids: the articles to count (a story's articles, search hits, ...).

    Returns:
        One :class:`CopyGroup` per original, with the given copies of it listed.
    """
    ids = list(dict.fromkeys(article_ids))
    rows: list[dict[str, Any]] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        rows += store.rows("SELECT rowid AS r, id, source, published, title, copy_of, copy_kind FROM articles "
                           f"WHERE id IN ({', '.join('?' for _ in chunk)})", chunk)
    given = {r["id"] for r in rows}
    missing = {r["copy_of"] for r in rows if r["copy_of"] is not None} - given
    return group_sources(rows, originals_meta(store, missing, "title"))


def originals_meta(store: Any, ids: Iterable[str], *extra: str) -> dict[str, dict[str, Any]]:
    """``{id: {r, id, source, published, *extra}}`` of the articles ``ids`` (originals that are not among the rows
    :func:`group_sources` groups), read in chunks of 500."""
    ids = sorted(ids)
    columns = ", ".join(("rowid AS r", "id", "source", "published", *extra))
    meta: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for r in store.rows(f"SELECT {columns} FROM articles WHERE id IN ({', '.join('?' for _ in chunk)})", chunk):
            meta[r["id"]] = r
    return meta


def group_sources(rows: Sequence[dict[str, Any]], meta: dict[str, dict[str, Any]]) -> list[CopyGroup]:
    """:func:`distinct_sources` of article ``rows`` already read (``r`` = rowid, ``id``, ``source``,
    ``published``, ``copy_of``; ``title``, ``copy_kind`` when read), ``meta`` holding (at least) the
    originals that are not among them (:func:`originals_meta`)."""
    given = {r["id"] for r in rows}
    meta = {**meta, **{r["id"]: r for r in rows if r["copy_of"] is None}}
    originals = {r["copy_of"] or r["id"] for r in rows}
    groups: dict[str, CopyGroup] = {}
    for oid in originals:
        m = meta[oid]
        groups[oid] = CopyGroup(oid, m["source"], m["published"], m.get("title"), oid in given)
    for r in sorted(rows, key=lambda r: _sort_key(r["published"], r["r"])):
        if r["copy_of"] is not None:
            groups[r["copy_of"]].copies.append({"id": r["id"], "source": r["source"], "published": r["published"],
                                                "copy_kind": r.get("copy_kind")})
    return sorted(groups.values(), key=lambda g: _sort_key(g.published, meta[g.original_id]["r"]))


def coverage_count(store: Any, article_ids: Sequence[str]) -> int:
    """How many distinct sources of information the articles are (an original and its copies count once)."""
    return len(distinct_sources(store, article_ids))


def first_reporter(store: Any, article_ids: Sequence[str]) -> CopyGroup | None:
    """The group of the earliest original among the articles (None for no articles)."""
    groups = distinct_sources(store, article_ids)
    return groups[0] if groups else None
