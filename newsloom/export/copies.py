"""``newsloom export copies``: one row per copy, with its original and the evidence for the link."""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from . import exporter
from ..storage import Store

__all__ = ["export_copies"]


@exporter("copies")
def export_copies(store: Store) -> Iterator[dict[str, Any]]:
    """Every article that copies another: ids that join with ``export articles``."""
    has_links = "copy_links" in store.tables()
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
