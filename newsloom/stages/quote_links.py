"""The quote_links corpus stage: speaker entities, and the same quote linked across articles.

For the newly stored articles it

1. sets ``quotes.speaker_entity`` from the entities colleague's ``mentions`` table (filled by the
   "resolve" stage): the mention that overlaps the speaker span, else a mention of the article with
   the speaker's resolved name (so "he said" gets the entity of the person named before);
2. for every ``quote_key`` those articles carry, recomputes ``first_article_id`` over all carriers:
   the earliest published article (unknown dates last), ties by store order. An article that is a
   copy of another (``copy_of`` set) is no independent carrier: it counts only when no original
   carries the quote, and then its original (when stored) is the first carrier.

All of it runs in one transaction with ``store.done``, so a crash leaves the queue to finish later.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..pipeline import corpus_stage
from ..storage import Store

__all__ = ["QuoteLinks", "first_carrier"]

_CHUNK = 500


def _chunks(ids: Sequence[str]) -> list[Sequence[str]]:
    return [ids[i:i + _CHUNK] for i in range(0, len(ids), _CHUNK)]


def _has_table(store: Store, name: str) -> bool:
    row = store.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone()
    return row is not None


def _set_speaker_entities(store: Store, ids: Sequence[str]) -> None:
    if not _has_table(store, "mentions"):
        return
    for chunk in _chunks(ids):
        marks = ", ".join("?" for _ in chunk)
        store.execute(f"""
            UPDATE quotes SET speaker_entity = coalesce(
                (SELECT m.entity_id FROM mentions m
                  WHERE m.article_id = quotes.article_id AND m.entity_id IS NOT NULL
                    AND quotes.speaker_start IS NOT NULL
                    AND m.start < quotes.speaker_end AND m."end" > quotes.speaker_start
                  ORDER BY (m.label = 'PERSON') DESC, (m."end" - m.start) DESC LIMIT 1),
                (SELECT m.entity_id FROM mentions m
                  WHERE m.article_id = quotes.article_id AND m.entity_id IS NOT NULL
                    AND m.name = quotes.speaker_name
                  ORDER BY m.start LIMIT 1))
            WHERE article_id IN ({marks})""", list(chunk))


def first_carrier(carriers: list[dict[str, Any]]) -> str | None:
    """The first independent carrier of a quote among rows ``{id, published, rowid, copy_of}``.

    Args:
        carriers: the articles that carry one quote_key.

    Returns:
        The article id, or None when there are no carriers.
    """
    if not carriers:
        return None

    def order(row: dict[str, Any]) -> tuple[int, str, int]:
        return (row["published"] is None, row["published"] or "", row["rowid"])

    originals = [r for r in carriers if r["copy_of"] is None]
    if originals:
        return min(originals, key=order)["id"]
    earliest_copy = min(carriers, key=order)
    return earliest_copy["original"] or earliest_copy["id"]


def _link(store: Store, ids: Sequence[str]) -> None:
    keys: set[str] = set()
    for chunk in _chunks(ids):
        marks = ", ".join("?" for _ in chunk)
        keys.update(r[0] for r in store.execute(
            f"SELECT DISTINCT quote_key FROM quotes WHERE quote_key IS NOT NULL AND article_id IN ({marks})",
            list(chunk)))
    for key in sorted(keys):
        carriers = [dict(r) for r in store.execute("""
            SELECT DISTINCT a.id, a.published, a.rowid AS rowid, a.copy_of,
                   (SELECT o.id FROM articles o WHERE o.id = a.copy_of) AS original
              FROM quotes q JOIN articles a ON a.id = q.article_id
             WHERE q.quote_key = ?""", (key,))]
        store.execute("UPDATE quotes SET first_article_id = ? WHERE quote_key = ?", (first_carrier(carriers), key))


@corpus_stage("quote_links", requires=("annotations.quotes",), assigns=("quotes.first_article_id",))
class QuoteLinks:
    """Set each quote's speaker entity and link the same quote across articles to its first carrier."""

    def __init__(self, settings: Any = None) -> None:
        self.cfg = settings.stage("quote_links") if settings is not None else {}

    def run(self, store: Store, ids: Sequence[str]) -> None:
        ids = list(ids)
        with store.transaction():
            if _has_table(store, "quotes"):
                _set_speaker_entities(store, ids)
                _link(store, ids)
            store.done("quote_links", ids)
