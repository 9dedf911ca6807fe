"""The boilerplate corpus stage: a paragraph that recurs across many articles of one source is cut.

Runs incrementally: new articles add their paragraph hashes to ``source_lines``; a hash that
reaches ``min_articles`` articles and ``min_share`` of the source's originals becomes boilerplate
for that source, and is cut from every article of the source that carries it (recorded in
``removed`` with the reason), old and new.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import Any

from ..model import normalise_for_hash, text_hash
from ..pipeline import corpus_stage
from ..settings import stage_settings
from ..storage.spans import paragraph_remap, remap_spans

__all__ = ["Boilerplate", "paragraph_hash"]


def paragraph_hash(par: str) -> str:
    return hashlib.sha1(normalise_for_hash(par).encode()).hexdigest()[:16]


@corpus_stage("boilerplate", requires=("text", "source"), assigns=("text", "removed"))
class Boilerplate:
    """Cut paragraphs that recur across a source's articles (corpus statistics)."""

    name = "boilerplate"

    def __init__(self, settings: Any = None) -> None:
        self.cfg = stage_settings(settings, "boilerplate")

    def run(self, store: Any, ids: list[str]) -> None:
        with store.transaction() as conn:
            touched: set[str] = set()
            for art in store.articles(ids=ids):
                if art.source and art.copy_of is None:
                    hashes = {paragraph_hash(p) for p in art.text.split("\n\n") if p.strip()}
                    conn.executemany("INSERT OR IGNORE INTO source_lines (source, hash, article_id) VALUES (?, ?, ?)",
                                     [(art.source, h, art.id) for h in hashes])
                    touched.add(art.source)
            for source in sorted(touched):
                self._refresh_source(store, source)
            store.done(self.name, ids)

    def _refresh_source(self, store: Any, source: str) -> None:
        conn = store.conn
        total = conn.execute("SELECT count(DISTINCT article_id) FROM source_lines WHERE source = ?",
                             (source,)).fetchone()[0]
        need = max(self.cfg["min_articles"], self.cfg["min_share"] * total)
        hot = {r[0]: r[1] for r in conn.execute(
            "SELECT hash, count(*) FROM source_lines WHERE source = ? GROUP BY hash HAVING count(*) >= ?",
            (source, need))}
        if not hot:
            return
        affected: dict[str, list[str]] = defaultdict(list)
        for h, aid in conn.execute(
                f"SELECT hash, article_id FROM source_lines WHERE source = ? AND hash IN "
                f"({', '.join('?' for _ in hot)})", (source, *hot)):
            affected[aid].append(h)
        for art in store.articles(ids=list(affected)):
            pars = art.text.split("\n\n")
            kept_flags = [paragraph_hash(p) not in hot for p in pars]
            keep = [p for p, k in zip(pars, kept_flags) if k]
            cut = [p for p, k in zip(pars, kept_flags) if not k]
            if not cut:
                continue
            # annotations stored with the article point into its text: move them with the cut
            remap_spans(conn, art.id, paragraph_remap(pars, kept_flags))
            for p in cut:
                h = paragraph_hash(p)
                conn.execute("INSERT OR IGNORE INTO source_boilerplate (source, hash, text, articles) VALUES "
                             "(?, ?, ?, ?)", (source, h, p, hot[h]))
            removed = art.removed + [{"text": p, "reason": f"recurs in {hot[paragraph_hash(p)]} of {total} articles "
                                      f"from {source}", "rule": "source_boilerplate"} for p in cut]
            new_text = "\n\n".join(keep)
            store.update_article(art.id, text=new_text, removed=removed, text_hash=text_hash(new_text))
