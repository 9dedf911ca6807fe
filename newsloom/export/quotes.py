"""``newsloom export quotes``: every stored quote with its article, speaker and first-seen carrier."""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from . import exporter
from ..storage import Store

__all__ = ["export_quotes"]


@exporter("quotes")
def export_quotes(store: Store) -> Iterator[dict[str, Any]]:
    """One row per quote, in store order; ``is_first`` marks the article that carried the quote first.

    ``carriers`` counts the stored articles that carry the same quote (by ``quote_key``).
    """
    if "quotes" not in store.tables():
        return
    for row in store.rows("""
            SELECT q.id, q.article_id, a.source AS article_source, a.published AS article_published,
                   q."start", q."end", q.parts, q.text, q.kind, q.cue, q.cue_start, q.cue_end,
                   q.speaker_text, q.speaker_start, q.speaker_end, q.speaker_name, q.speaker_entity,
                   q.quote_key, q.first_article_id,
                   (SELECT count(DISTINCT q2.article_id) FROM quotes q2 WHERE q2.quote_key = q.quote_key)
                       AS carriers
              FROM quotes q JOIN articles a ON a.id = q.article_id
             ORDER BY a.rowid, q."start" """):
        row["parts"] = json.loads(row["parts"])
        row["is_first"] = row["first_article_id"] == row["article_id"]
        if row["quote_key"] is None:
            row["carriers"] = 1
        yield row
