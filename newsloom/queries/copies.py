"""Copy reads: an article's copy group with the evidence of each link, the copies of an article, every copy with
its original, and the rows of ``export copies``."""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from ..storage import Store
from . import has_table, resolve_id
from .coverage import distinct_sources

__all__ = ["copy_group", "copies_of", "copy_pairs", "iter_copies"]


def copies_of(store: Store, article_id: str) -> list[dict[str, Any]]:
    """The stored copies of one article (id, source, published, kind, title), in store order."""
    return list(store.rows("SELECT id, source, published, copy_kind, title FROM articles WHERE copy_of = ?"
                           " ORDER BY rowid", (article_id,)))


def copy_group(store: Store, ref: str) -> dict[str, Any]:
    """The group of one article (id or unique prefix): its original and every copy of it, with the evidence of
    each link (``copies[i].evidence``) and the outlets that carried the text."""
    article_id = resolve_id(store, ref)
    original = store.execute("SELECT coalesce(copy_of, id) FROM articles WHERE id = ?", (article_id,)).fetchone()[0]
    ids = [original] + [r[0] for r in store.execute("SELECT id FROM articles WHERE copy_of = ? ORDER BY rowid",
                                                    (original,))]
    group = distinct_sources(store, ids)[0].as_dict()
    evidence = {}
    if has_table(store, "copy_links"):
        for r in store.rows("SELECT article_id, matched_id, score, evidence FROM copy_links WHERE original_id = ?",
                            (original,)):
            evidence[r["article_id"]] = {"matched_id": r["matched_id"], "score": r["score"],
                                         **json.loads(r["evidence"])}
    for c in group["copies"]:
        c["evidence"] = evidence.get(c["id"], {})
    return group


def copy_pairs(store: Store) -> list[dict[str, Any]]:
    """Every copy with its original's id and source, in store order."""
    return list(store.rows("SELECT a.id, a.copy_kind, a.copy_of, a.source, o.source AS original_source "
                           "FROM articles a JOIN articles o ON o.id = a.copy_of ORDER BY a.rowid"))


def iter_copies(store: Store) -> Iterator[dict[str, Any]]:
    """Every article that copies another, with its original and the link's evidence: ids that join with
    ``export articles``."""
    has_links = has_table(store, "copy_links")
    link_cols = "l.matched_id, l.score, l.evidence" if has_links else "NULL AS matched_id, NULL AS score, " \
                                                                      "NULL AS evidence"
    link_join = "LEFT JOIN copy_links l ON l.article_id = a.id" if has_links else ""
    sql = (f"SELECT a.id AS article_id, a.external_id, a.source, a.published, a.language, a.copy_kind, "
           f"a.copy_of AS original_id, o.external_id AS original_external_id, o.source AS original_source, "
           f"o.published AS original_published, o.language AS original_language, {link_cols} "
           f"FROM articles a JOIN articles o ON o.id = a.copy_of {link_join} "
           f"WHERE a.copy_of IS NOT NULL ORDER BY a.rowid")
    for row in store.rows(sql):
        row["evidence"] = json.loads(row["evidence"]) if row["evidence"] else {}
        yield row
