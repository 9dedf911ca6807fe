"""The boilerplate corpus stage: a paragraph that recurs across many articles of one source is cut.

Runs incrementally: new articles add their paragraph hashes to ``source_lines`` (and to running counts
per source and per hash); a hash that reaches ``min_articles`` articles and ``min_share`` of the
source's originals becomes boilerplate for that source, and is cut from every article of the source
that carries it (recorded in ``removed`` with the reason), old and new. A batch counts only its own
lines, so its cost does not grow with the source's size.
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
            added: dict[str, dict[str, set[str]]] = defaultdict(dict)  # source -> article id -> its new hashes
            for art in store.articles(ids=ids):
                if art.source and art.copy_of is None:
                    hashes = {h for h in {paragraph_hash(p) for p in art.text.split("\n\n") if p.strip()}
                              if conn.execute("INSERT OR IGNORE INTO source_lines (source, hash, article_id) VALUES "
                                              "(?, ?, ?)", (art.source, h, art.id)).rowcount}
                    if hashes:
                        added[art.source][art.id] = hashes
            for source in sorted(added):
                self._count(conn, source, added[source])
                self._refresh_source(store, source, added[source])
            store.done(self.name, ids)

    @staticmethod
    def _count(conn: Any, source: str, added: dict[str, set[str]]) -> None:
        """Add the new articles' lines to the running counts (``source_articles``, ``source_line_counts``)."""
        conn.execute("INSERT INTO source_articles (source, articles) VALUES (?, ?) ON CONFLICT (source) DO UPDATE "
                     "SET articles = articles + excluded.articles", (source, len(added)))
        per_hash: dict[str, int] = defaultdict(int)
        for hashes in added.values():
            for h in hashes:
                per_hash[h] += 1
        conn.executemany("INSERT INTO source_line_counts (source, hash, articles) VALUES (?, ?, ?) ON CONFLICT "
                         "(source, hash) DO UPDATE SET articles = articles + excluded.articles",
                         [(source, h, n) for h, n in per_hash.items()])

    def _refresh_source(self, store: Any, source: str, added: dict[str, set[str]]) -> None:
        """Cut the lines of ``source`` that the new articles made (or keep) boilerplate.

        Only the new articles' lines are counted again: another line's count is unchanged and the bar (a share
        of the source's articles) never falls, so it cannot have become boilerplate. A line that is boilerplate
        now and was not when last counted is cut from every article of the source carrying it (the ones stored
        meanwhile kept it); one that already was is cut from the new articles only (the others lost it then).
        The cost of a batch is that of its own lines, however many articles the source has.
        """
        conn = store.conn
        total = conn.execute("SELECT articles FROM source_articles WHERE source = ?", (source,)).fetchone()[0]
        need = max(self.cfg["min_articles"], self.cfg["min_share"] * total)
        new_hashes = sorted(set().union(*added.values()))
        counted = []
        for start in range(0, len(new_hashes), 500):
            chunk = new_hashes[start:start + 500]
            counted += conn.execute(f"SELECT hash, articles, hot FROM source_line_counts WHERE source = ? AND hash IN "
                                    f"({', '.join('?' for _ in chunk)})", (source, *chunk)).fetchall()
        hot = {h: n for h, n, _ in counted if n >= need}
        conn.executemany("UPDATE source_line_counts SET hot = ? WHERE source = ? AND hash = ?",
                         [(int(h in hot), source, h) for h, _, was in counted if bool(was) != (h in hot)])
        if not hot:
            return
        affected = {aid for aid, hashes in added.items() if not hashes.isdisjoint(hot)}
        newly = [h for h, _, was in counted if h in hot and not was]
        for start in range(0, len(newly), 500):
            chunk = newly[start:start + 500]
            affected.update(r[0] for r in conn.execute(
                f"SELECT DISTINCT article_id FROM source_lines WHERE source = ? AND hash IN "
                f"({', '.join('?' for _ in chunk)})", (source, *chunk)))
        for art in store.articles(ids=sorted(affected)):
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
