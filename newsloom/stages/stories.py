"""The stories corpus stage: every article joins the story of the real-world event it reports, or opens one.

Incremental against the store. For each newly stored article, in store order:

1. its signals (stages/story_match.py): the embedding the embed stage stored (computed here when
   missing), the log term frequencies of its words, its resolved entities (``mentions``), the quotes
   it carries (``quote_key``) and its date; the term document frequencies are updated;
2. a copy joins its original's story, whatever else it says (and counts once in the story's profile);
3. otherwise the nearest stored articles (HNSW index over the embeddings, storage/vector_index.py)
   name the candidate stories; each is scored against the article's signals (average embedding
   similarity to its members, idf-weighted word and entity cosines, shared quotes, minus a time
   penalty beyond a few days); the best joins when its score is positive, else a new story opens;
4. the story it joined is compared with the other candidates (average link, the same score): one
   past ``merge_margin`` is merged into it (the larger survives; ``story_merges`` keeps the old id
   and why);
5. its vector goes into the index.

After the batch, the re-check (``_settle``, pure core in stages/story_regroup.py): the stories the batch
touched and their close candidates are re-clustered together (average link over their articles' pair
scores; two groups of several articles each also need an average above a share of their own cohesion, so
two tight sister events stay apart), and the stored stories are split (``story_splits``: the larger part
keeps the id) and merged (``story_merges``) to match.

A story's id is a hash of the article that opened it and never changes. Everything of one batch is
one transaction with ``store.done``; the index file is written after the commit, so a killed run
leaves the store consistent and the next run finishes the queue (and brings the index up to date).
"""
from __future__ import annotations

import hashlib
import json
import logging
import math
import operator
import sqlite3
import weakref
from collections import Counter
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

import numpy as np
from threadpoolctl import ThreadpoolController

from ..model import Article
from ..pipeline import corpus_stage
from ..settings import stage_settings
from ..storage.sqlite import now
from ..storage.tables.embed import decode_vector, encode_vector
from ..storage.tables.stories import resolve_story
from ..storage.vector_index import VectorIndex, index_path
from .comments import comments_start
from .embed import MODEL, Embedder, article_vectors, word_logprob
from .story_match import Profile, Signals, Weights, features, term_counts, term_words
from .story_regroup import average_link, pair_scores, reconcile, time_gaps
from .term_df_cache import kept_counts, publish_counts

__all__ = ["Stories", "story_id", "one_blas_thread", "shared_index", "article_signals", "member_signals",
           "Idf", "merge_stories", "merge_threads"]

log = logging.getLogger(__name__)
_INDEXES: "weakref.WeakKeyDictionary[Any, VectorIndex]" = weakref.WeakKeyDictionary()
_BLAS = ThreadpoolController()  # numpy's BLAS, found once (numpy is loaded above)


def one_blas_thread() -> Any:
    """A context in which numpy's BLAS runs on one thread: the stage's products are small (at most
    ``regroup_articles`` rows), and waking a second BLAS thread on a busy machine cost more than the product
    (a one-article batch at 100k: p95 107 ms with two threads, 35 ms with one; docs/stories.md, Speed)."""
    return _BLAS.limit(limits=1, user_api="blas")



def story_id(article_id: str, kind: str = "story") -> str:
    """The id of the story (or thread) an article opens: stable, the same in every run."""
    return hashlib.sha256(f"{kind}:{article_id}".encode()).hexdigest()[:16]


def shared_index(store: Any, cfg: dict[str, Any]) -> VectorIndex:
    """The one vector index of a store (the stories and threads stages share it)."""
    index = _INDEXES.get(store)
    if index is None:
        index = VectorIndex(index_path(store.path), dim=512, model=MODEL,
                            connectivity=int(cfg["index_connectivity"]),
                            expansion_add=int(cfg["index_expansion_add"]),
                            expansion_search=int(cfg["index_expansion_search"]),
                            save_share=float(cfg["index_save_share"]))
        _INDEXES[store] = index
    return index


@contextmanager
def indexed_batch(store: Any, cfg: dict[str, Any]) -> Iterator[tuple[sqlite3.Connection, VectorIndex, "Idf"]]:
    """One corpus-stage batch over the shared vector index: a store transaction with the index synced to it and
    the batch's word weights; the index is saved after the commit, or discarded (it may hold vectors of the
    rolled-back transaction) when the batch fails."""
    index = shared_index(store, cfg)
    try:
        with store.transaction() as conn:
            index.sync(conn)
            idf = Idf(conn, background=float(cfg["background"]))
            yield conn, index, idf
            idf.flush()
        idf.publish()
    except BaseException:
        index.discard()
        raise
    index.save()


class Idf:
    """Inverse document frequencies of words (``story_terms_df``) and entities (``entities.articles``), read from
    the store on demand and cached for one batch (the words' committed counts also across batches, see
    ``term_df_cache``).

    A small store says little about which words are common, so ``background`` documents are assumed
    besides the stored ones, each word in a share of them given by the embedding model's unigram
    vocabulary (``embed.word_logprob``: "the" in all, "said" in one in eight, a surname in none):
    ``idf = ln((1 + n + B) / (1 + df + B * share))``. The stored counts take over as the store grows.
    Entities have no background share (names are rare words). The counts of a batch's articles are written
    to the table by :meth:`flush` (one upsert per distinct word of the batch, not per word of each article).
    """

    def __init__(self, conn: sqlite3.Connection, *, background: float = 1000.0, doc_tokens: float = 400.0) -> None:
        self.conn, self.background, self.doc_tokens = conn, background, doc_tokens
        row = conn.execute("SELECT df FROM story_terms_df WHERE term = 0").fetchone()
        self.n = row[0] if row else 0
        self._df: dict[int, tuple[int, float]] = {}
        self._log_df: dict[int, float] = {}  # ln(1 + df + B * share): a word's idf is ln(1 + n + B) minus this
        self._edf: dict[str, tuple[int, str | None]] = {}  # entity -> (its article count, its type: None if not stored)
        self._pending: Counter[int] = Counter()  # counted, not yet written (term 0: the articles)
        self._written: set[int] = set()  # written by flush (term 0 too), published after the commit
        self._kept = kept_counts(conn, self.n)

    def count(self, terms: dict[int, float], words: Callable[[], dict[int, str]]) -> None:
        """Count one more article with these terms (:meth:`flush` writes the counts); ``words()`` names new terms."""
        self._read(terms)  # cache the counts before this article's
        new = [t for t in terms if self._df[t][0] == 0]
        names = words() if new else {}
        for t in new:
            share = min(1.0, self.doc_tokens * math.exp(word_logprob(names[t]))) if t in names else 0.0
            self._cache(t, 0, share)
        self.n += 1
        self._pending[0] += 1
        self._pending.update(t for t in terms if t)
        for t in terms:
            df, share = self._df[t]
            self._cache(t, df + 1, share)

    def flush(self) -> None:
        """Write the counted articles and words to ``story_terms_df`` (before the batch commits)."""
        self.conn.executemany("INSERT INTO story_terms_df (term, df, background) VALUES (?, ?, ?) "
                              "ON CONFLICT(term) DO UPDATE SET df = df + excluded.df",
                              [(t, c, self._df[t][1] if t else 0.0) for t, c in self._pending.items()])
        self._written.update(self._pending)
        self._pending.clear()

    def publish(self) -> None:
        """The batch that flushed these counts has committed: the connection keeps them for the next batches."""
        if self._written:  # the article count with them, even when the batch's articles had no words
            publish_counts(self.conn, self.n, {t: self._df[t] for t in self._written if t})
            self._written.clear()

    def _cache(self, term: int, df: int, share: float) -> None:
        self._df[term] = (df, share)
        self._log_df[term] = math.log(1 + df + self.background * share)

    def _read(self, terms: Any) -> None:
        """Cache the stored counts of the words not cached yet (from the connection's kept counts, else the table)."""
        missing = list(set(terms).difference(self._df))
        kept = self._kept
        counts, rest = kept.counts, []
        for t in missing:
            hit = counts.get(t)
            if hit is None:
                rest.append(t)
            else:
                self._cache(t, *hit)
        missing = rest
        for start in range(0, len(missing), 900):
            chunk = missing[start:start + 900]
            found = {r[0]: (r[1], r[2]) for r in self.conn.execute(
                f"SELECT term, df, background FROM story_terms_df WHERE term IN ({', '.join('?' for _ in chunk)})",
                chunk)}
            for t in chunk:
                count = found.get(t, (0, 0.0))
                self._cache(t, *count)
                if t:  # term 0, the article count, is read anew by every Idf
                    kept.keep(t, count)

    def words(self, terms: Collection[int]) -> dict[int, float]:
        self._read(terms)
        # ln(1 + n + B) - ln(1 + df + B * share) per word, the loop in C (these dicts hold thousands of words)
        return dict(zip(terms, map(partial(operator.sub, math.log(1 + self.n + self.background)),
                                   map(self._log_df.__getitem__, terms))))

    def entities(self, ids: Any) -> dict[str, float]:
        self._read_entities(ids)
        return {e: math.log((1 + self.n + self.background) / (1 + min(self._edf[e][0], self.n))) for e in ids}

    def types(self, ids: Any) -> dict[str, str]:
        """The type (PERSON, GPE, ...) of each of these entities that is stored (read with their article counts)."""
        self._read_entities(ids)
        return {e: kind for e in ids if (kind := self._edf[e][1]) is not None}

    def _read_entities(self, ids: Any) -> None:
        missing = [e for e in ids if e not in self._edf]
        for start in range(0, len(missing), 900):
            chunk = missing[start:start + 900]
            found = {r[0]: (r[1], r[2]) for r in self.conn.execute(
                f"SELECT id, articles, type FROM entities WHERE id IN ({', '.join('?' for _ in chunk)})", chunk)}
            self._edf.update((e, found.get(e, (0, None))) for e in chunk)

    def both(self, a: Signals | Profile, b: Profile) -> tuple[dict[int, float], dict[str, float]]:
        return self.words(a.terms.keys() | b.terms.keys()), self.entities(a.entities.keys() | b.entities.keys())


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def article_signals(conn: sqlite3.Connection, art: Article, vector: np.ndarray | None) -> Signals:
    """The signals of a stored article: words from its text, entities and quotes from their tables; all
    from its report, not from the reader comments a crawled page may keep after it (:mod:`.comments`)."""
    tables = _tables(conn)
    text = art.text or ""
    cut = comments_start(text)
    report = text if cut is None else text[:cut]
    ents: Counter[str] = Counter()
    if "mentions" in tables:
        for (eid,) in conn.execute("SELECT coalesce(m2.new_id, m.entity_id) FROM mentions m LEFT JOIN entity_merges "
                                   "m2 ON m2.old_id = m.entity_id WHERE m.article_id = ? AND m.entity_id IS NOT NULL "
                                   "AND m.start < ?", (art.id, len(report))):
            ents[eid] += 1
    quotes: frozenset[str] = frozenset()
    if "quotes" in tables:
        quotes = frozenset(r[0] for r in conn.execute(
            "SELECT quote_key FROM quotes WHERE article_id = ? AND quote_key IS NOT NULL AND start < ?",
            (art.id, len(report))))
    not_before = _not_before(conn, [art.id]).get(art.id) if art.published is None and "dates" in tables else None
    return Signals(vector, term_counts(art.title, report), {e: 1.0 + math.log(c) for e, c in ents.items()},
                   quotes, art.published, not_before)


def _not_before(conn: sqlite3.Connection, articles: list[str]) -> dict[str, str]:
    """For each article, the latest date its text mentions (day, month or year, as a first day): it was
    written no earlier."""
    out: dict[str, str] = {}
    for start in range(0, len(articles), 900):
        chunk = articles[start:start + 900]
        for aid, value in conn.execute(f"SELECT article_id, max(substr(value, 1, 10)) FROM dates WHERE value IS NOT "
                                       f"NULL AND precision IN ('day', 'month', 'year') AND article_id IN "
                                       f"({', '.join('?' for _ in chunk)}) GROUP BY article_id", chunk):
            if value:
                out[aid] = (value + "-01-01")[:10] if len(value) == 4 else (value + "-01")[:10]
    return out


@corpus_stage("stories", requires=("text",), assigns=("story_id",), extra="stories")
class Stories:
    """Assign every article to a story (one real-world event), incrementally, with stable ids."""

    name = "stories"

    def __init__(self, settings: Any = None) -> None:
        self.cfg = stage_settings(settings, "stories")
        self.weights = Weights.from_cfg(self.cfg)
        self.pair_weights = Weights.from_cfg(self.cfg, prefix="pair_")
        self.embedder = Embedder()
        VectorIndex.require()
        self.embedder.model()

    # -- the batch ------------------------------------------------------------------------------------
    def run(self, store: Any, ids: list[str]) -> None:
        with indexed_batch(store, self.cfg) as (conn, index, idf):
            links: list[tuple[str, str, float]] = []
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                marks = ", ".join("?" for _ in chunk)
                done = {r[0] for r in conn.execute(
                    f"SELECT article_id FROM story_articles WHERE article_id IN ({marks})", chunk)}
                todo = store.articles(ids=[i for i in chunk if i not in done])
                vectors = self._vectors(conn, todo)
                with one_blas_thread():
                    for art in todo:
                        rid, vector = vectors[art.id]
                        links += self._process(conn, index, idf, art, vector)
                        index.add([rid], vector[None, :])  # searchable once placed
            with one_blas_thread():
                self._settle(conn, idf, links)
            store.done(self.name, ids)

    def _vectors(self, conn: sqlite3.Connection, arts: list[Article]) -> dict[str, tuple[int, np.ndarray]]:
        """``rid`` and vector of each article, embedding (and storing) those the embed stage did not."""
        out: dict[str, tuple[int, np.ndarray]] = {}
        if not arts:
            return out
        marks = ", ".join("?" for _ in arts)
        for aid, rid, blob in conn.execute(f"SELECT article_id, rid, vector FROM embeddings WHERE model = ? AND "
                                           f"article_id IN ({marks})", [MODEL, *(a.id for a in arts)]):
            out[aid] = (rid, decode_vector(blob))
        todo = [a for a in arts if a.id not in out]
        if todo:
            vecs = article_vectors(self.embedder, [(a.title, a.text) for a in todo])
            for art, vec in zip(todo, vecs):
                conn.execute("INSERT OR REPLACE INTO embeddings (article_id, model, vector) VALUES (?, ?, ?)",
                             (art.id, MODEL, encode_vector(vec)))
                rid = conn.execute("SELECT rid FROM embeddings WHERE article_id = ?", (art.id,)).fetchone()[0]
                out[art.id] = (rid, decode_vector(encode_vector(vec)))
        return out

    # -- one article ----------------------------------------------------------------------------------
    def _process(self, conn: sqlite3.Connection, index: VectorIndex, idf: Idf, art: Article,
                 vector: np.ndarray) -> list[tuple[str, str, float]]:
        """Place one article; returns its story's links to the other candidates (story, candidate, score)."""
        sig = article_signals(conn, art, vector)
        idf.count(sig.terms, lambda: term_words(art.title, art.text))
        conn.execute("INSERT OR REPLACE INTO story_signals (article_id, signals) VALUES (?, ?)",
                     (art.id, sig.to_blob()))
        neighbours = index.search(vector, int(self.cfg["neighbours"]))
        copy_story = self._copy_story(conn, art)
        if copy_story is not None:
            self._join(conn, copy_story, art, None, "copy", 1.0, {"copy_of": art.copy_of}, idf)
            return []
        candidates = self._candidates(conn, neighbours)
        best: tuple[float, str, dict] | None = None
        scores: dict[str, float] = {}
        for sid, profile in candidates.items():
            f = features(sig, profile, *idf.both(sig, profile))
            scores[sid] = score = self.weights.score(f)
            if best is None or score > best[0]:
                best = (score, sid, f)
        if best is not None and best[0] > 0:
            sid = best[1]
            self._join(conn, sid, art, sig, "joined", best[0], _rounded(best[2]), idf,
                       profile=candidates[sid])
            self._merge_check(conn, sid, candidates, idf)
        else:
            sid = self._open(conn, art, sig, idf, best)
        floor = float(self.cfg["regroup_floor"])
        return [(sid, other, score) for other, score in scores.items() if other != sid and score > floor] or \
            [(sid, sid, 0.0)]

    def _copy_story(self, conn: sqlite3.Connection, art: Article) -> str | None:
        """The story of the article's original (or, when it is the original of stored copies, theirs)."""
        if art.copy_of:
            row = conn.execute("SELECT story_id FROM story_articles WHERE article_id = ?", (art.copy_of,)).fetchone()
            if row:
                return resolve_story(conn, row[0])
        row = conn.execute("SELECT s.story_id FROM articles a JOIN story_articles s ON s.article_id = a.id "
                           "WHERE a.copy_of = ? ORDER BY a.rowid LIMIT 1", (art.id,)).fetchone()
        return resolve_story(conn, row[0]) if row else None

    def _candidates(self, conn: sqlite3.Connection, neighbours: list[tuple[int, float]]) -> dict[str, Profile]:
        """The live stories of the nearest articles, nearest first, with their profiles."""
        if not neighbours:
            return {}
        rids = [r for r, _ in neighbours]
        rows = conn.execute(f"SELECT e.rid, s.story_id FROM embeddings e JOIN story_articles s ON "
                            f"s.article_id = e.article_id WHERE e.rid IN ({', '.join('?' for _ in rids)})",
                            rids).fetchall()
        by_rid = dict(rows)
        live: dict[str, str | None] = {}  # each story id resolved once, however many neighbours it holds
        out: dict[str, Profile] = {}
        for rid in rids:
            sid = by_rid.get(rid)
            if sid is not None and sid not in live:
                live[sid] = resolve_story(conn, sid)
            sid = live.get(sid) if sid is not None else None
            if sid is not None and sid not in out:
                blob = conn.execute("SELECT profile FROM stories WHERE id = ?", (sid,)).fetchone()[0]
                out[sid] = Profile.from_blob(blob)
        return out

    # -- writing --------------------------------------------------------------------------------------
    def _open(self, conn: sqlite3.Connection, art: Article, sig: Signals, idf: Idf,
              best: tuple[float, str, dict] | None) -> str:
        sid = story_id(art.id)
        profile = Profile()
        profile.add(sig, *idf.both(sig, profile), max_terms=int(self.cfg["max_terms"]),
                    max_entities=int(self.cfg["max_entities"]))
        stamp = now()
        seq = conn.execute("SELECT coalesce(max(seq), 0) + 1 FROM stories").fetchone()[0]
        conn.execute("INSERT INTO stories (id, seq, size, first_published, last_published, title, title_article, "
                     "title_score, profile, created_at, updated_at) VALUES (?, ?, 1, ?, ?, ?, ?, 1.0, ?, ?, ?)",
                     (sid, seq, art.published, art.published, art.title, art.id, profile.to_blob(), stamp, stamp))
        evidence = {"closest": best[1], "score": round(best[0], 3)} if best else {}
        conn.execute("INSERT INTO story_articles (article_id, story_id, reason, score, evidence, assigned_at) "
                     "VALUES (?, ?, 'new', NULL, ?, ?)", (art.id, sid, json.dumps(evidence), stamp))
        return sid

    def _join(self, conn: sqlite3.Connection, sid: str, art: Article, sig: Signals | None, reason: str,
              score: float, evidence: dict, idf: Idf, profile: Profile | None = None) -> None:
        row = conn.execute("SELECT profile, title_score FROM stories WHERE id = ?", (sid,)).fetchone()
        profile = profile if profile is not None else Profile.from_blob(row[0])
        sets, params = ["size = size + 1", "updated_at = ?"], [now()]
        if sig is not None:  # a copy adds nothing new: its story counts it once
            centrality = float(np.dot(sig.vector, profile.vector) / profile.n) if profile.vector is not None \
                and sig.vector is not None and profile.n else 0.0
            profile.add(sig, *idf.both(sig, profile), max_terms=int(self.cfg["max_terms"]),
                        max_entities=int(self.cfg["max_entities"]))
            sets.append("profile = ?")
            params.append(profile.to_blob())
            if art.title and centrality > (row[1] or 0.0):  # the title of the article closest to the story
                sets += ["title = ?", "title_article = ?", "title_score = ?"]
                params += [art.title, art.id, round(centrality, 4)]
        if art.published:
            sets += ["first_published = min(coalesce(first_published, ?), ?)",
                     "last_published = max(coalesce(last_published, ?), ?)"]
            params += [art.published] * 4
        conn.execute(f"UPDATE stories SET {', '.join(sets)} WHERE id = ?", [*params, sid])
        conn.execute("INSERT INTO story_articles (article_id, story_id, reason, score, evidence, assigned_at) "
                     "VALUES (?, ?, ?, ?, ?, ?)", (art.id, sid, reason, round(score, 4), json.dumps(evidence), now()))

    def _merge_check(self, conn: sqlite3.Connection, sid: str, candidates: dict[str, Profile], idf: Idf) -> None:
        """Merge into ``sid`` (or it into them) the candidate stories now as close as one story's articles are."""
        mine: Profile | None = None  # read again only after a merge changed it
        for name, theirs in list(candidates.items()):
            other = resolve_story(conn, name)  # an earlier merge of this loop may have taken it
            if other is None or other == sid:
                continue
            if other != name:
                theirs = Profile.from_blob(conn.execute("SELECT profile FROM stories WHERE id = ?",
                                                        (other,)).fetchone()[0])
            if mine is None:
                mine = Profile.from_blob(conn.execute("SELECT profile FROM stories WHERE id = ?",
                                                      (sid,)).fetchone()[0])
            f = features(mine, theirs, *idf.both(mine, theirs))
            score = self.weights.score(f)
            if score > float(self.cfg["merge_margin"]):
                sid = merge_stories(conn, sid, other, "average similarity of their articles above the join score",
                                    {"score": round(score, 3), **_rounded(f)}, idf, self.cfg)
                mine = None


    # -- the deferred re-check ------------------------------------------------------------------------
    def _settle(self, conn: sqlite3.Connection, idf: Idf, links: list[tuple[str, str, float]]) -> None:
        """Re-cluster the neighbourhoods the batch touched (story_regroup.py): each connected group of touched
        stories and their close candidates, strongest links first, up to ``regroup_articles`` articles."""
        parent: dict[str, str] = {}

        def root(s: str) -> str:
            while parent.setdefault(s, s) != s:
                s = parent[s]
            return s

        live: dict[str, str | None] = {}
        strength: dict[str, float] = {}  # a touched story comes first (in batch order), then the strongest links
        touched: dict[str, int] = {}
        for a, b, score in links:
            for x in (a, b):
                if x not in live:
                    live[x] = resolve_story(conn, x)
            a, b = live[a], live[b]  # type: ignore[assignment]
            if a is None or b is None:
                continue
            touched.setdefault(a, len(touched))
            strength[a] = math.inf
            strength[b] = max(strength.get(b, -math.inf), score)
            ra, rb = root(a), root(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
        groups: dict[str, list[str]] = {}
        for s in sorted(strength, key=lambda s: (-strength[s], touched.get(s, 0), s)):
            groups.setdefault(root(s), []).append(s)
        for group in groups.values():
            group = [s for s in group if resolve_story(conn, s) == s]
            if len(group) > 1 or (group and conn.execute("SELECT size FROM stories WHERE id = ?",
                                                         (group[0],)).fetchone()[0] > 1):
                self._regroup(conn, idf, group)

    def _regroup(self, conn: sqlite3.Connection, idf: Idf, group: list[str]) -> None:
        """Average-link the articles of ``group`` and make the stored stories that clustering: a story keeps its
        larger part, a part that leaves gets a new id (``story_splits``), parts of one cluster merge."""
        cap, whole, sample = (int(self.cfg[k]) for k in ("regroup_articles", "regroup_story", "regroup_sample"))
        sizes = {r[0]: (r[1], r[2]) for r in conn.execute(
            f"SELECT id, size, seq FROM stories WHERE id IN ({', '.join('?' for _ in group)})", group)}
        members: list[str] = []
        old: list[str] = []
        start: list[int] = []
        for k, sid in enumerate(group):
            rows = [r[0] for r in conn.execute("SELECT sa.article_id FROM story_articles sa JOIN articles a ON "
                                               "a.id = sa.article_id WHERE sa.story_id = ? AND sa.reason != 'copy' "
                                               "ORDER BY a.rowid", (sid,))]
            frozen = len(rows) > whole
            if frozen:  # too large to re-cluster: a spread of its articles stands for it, and it stays whole
                rows = [rows[i * len(rows) // sample] for i in range(sample)]
            if members and len(members) + len(rows) > cap:
                break
            members += rows
            old += [sid] * len(rows)
            start += [-1 - k] * len(rows) if frozen else list(range(len(members) - len(rows), len(members)))
        if len(set(old)) < 2 and len(members) < 2:
            return
        sigs = member_signals(conn, members)
        sig_list = [sigs[a] for a in members]
        leads, protagonists = _roles(conn, members, int(self.cfg["lead_chars"]))
        words = idf.words({t for s in sig_list for t in s.terms})
        ents = idf.entities({e for s in sig_list for e in s.entities} | {e for lead in leads for e in lead})
        scores = pair_scores(sig_list, words, ents, self.pair_weights, types=idf.types(ents),
                             years=_years(conn, members), leads=leads, protagonists=protagonists)
        labels = average_link(scores, start, float(self.cfg["regroup_threshold"]), dates=time_gaps(sig_list),
                              weights=self.pair_weights, cohesion=float(self.cfg["regroup_cohesion"]),
                              cohesion_size=int(self.cfg["regroup_cohesion_size"]))
        splits, merges = reconcile(old, labels, {s: (-sizes[s][0], sizes[s][1]) for s in sizes})
        if not splits and not merges:
            return
        part_ids: dict[int, str] = {}
        for sid, idx in splits:
            rest = [i for i, s in enumerate(old) if s == sid and i not in idx]
            between = float(scores[np.ix_(idx, rest)].mean()) if rest else 0.0
            part_ids[idx[0]] = self._split(conn, sid, [members[i] for i in idx], idf,
                                           {"average_score_to_rest": round(between, 3), "articles": len(idx)})
        for pieces in merges:  # the first piece is the survivor's; a split part joins by a recorded merge
            ids = [sid if sid is not None else part_ids[idx[0]] for sid, idx in pieces]
            keep = ids[0]
            for (_, idx), other in zip(pieces[1:], ids[1:]):
                score = float(scores[np.ix_(pieces[0][1], idx)].mean())
                keep = merge_stories(conn, keep, other, "average score of their articles above the regroup "
                                     "threshold", {"average_score": round(score, 3)}, idf, self.cfg)

    def _split(self, conn: sqlite3.Connection, sid: str, articles: list[str], idf: Idf, evidence: dict) -> str:
        """Move ``articles`` (and their copies) out of story ``sid`` into a new story; both profiles are rebuilt."""
        n = conn.execute("SELECT count(*) FROM story_splits WHERE story_id = ?", (sid,)).fetchone()[0]
        new = story_id(f"{sid}:{articles[0]}:{n}", "split")
        marks = ", ".join("?" for _ in articles)
        copies = [r[0] for r in conn.execute(f"SELECT a.id FROM articles a JOIN story_articles sa ON sa.article_id = "
                                             f"a.id WHERE sa.story_id = ? AND sa.reason = 'copy' AND a.copy_of IN "
                                             f"({marks})", [sid, *articles])]
        moved = articles + copies
        stamp = now()
        seq = conn.execute("SELECT coalesce(max(seq), 0) + 1 FROM stories").fetchone()[0]
        thread = conn.execute("SELECT thread_id FROM stories WHERE id = ?", (sid,)).fetchone()[0]
        conn.execute("INSERT INTO stories (id, seq, thread_id, size, profile, created_at, updated_at) "
                     "VALUES (?, ?, ?, 0, ?, ?, ?)", (new, seq, thread, Profile().to_blob(), stamp, stamp))
        conn.executemany("UPDATE story_articles SET story_id = ?, reason = CASE reason WHEN 'copy' THEN 'copy' ELSE "
                         "'split' END, assigned_at = ? WHERE article_id = ?", [(new, stamp, a) for a in moved])
        conn.execute("INSERT INTO story_splits (new_id, story_id, split_at, reason, articles, evidence) "
                     "VALUES (?, ?, ?, ?, ?, ?)", (new, sid, stamp, "its articles fall into two groups whose average "
                                                   "score is below the regroup threshold", json.dumps(moved),
                                                   json.dumps(evidence)))
        for story in (sid, new):
            self._rebuild(conn, story, idf)
        return new

    def _rebuild(self, conn: sqlite3.Connection, sid: str, idf: Idf) -> None:
        """A story's size, profile, dates and title, recomputed from its articles."""
        arts = [r[0] for r in conn.execute("SELECT sa.article_id FROM story_articles sa JOIN articles a ON a.id = "
                                           "sa.article_id WHERE sa.story_id = ? AND sa.reason != 'copy' "
                                           "ORDER BY a.rowid", (sid,))]
        sigs = member_signals(conn, arts)
        profile = Profile()
        for a in arts:
            profile.add(sigs[a], *idf.both(sigs[a], profile), max_terms=int(self.cfg["max_terms"]),
                        max_entities=int(self.cfg["max_entities"]))
        titles = conn.execute(f"SELECT id, title FROM articles WHERE id IN ({', '.join('?' for _ in arts)}) AND "
                              f"title IS NOT NULL AND title != ''", arts).fetchall() if arts else []
        best = max(((float(np.dot(sigs[a].vector, profile.vector)) / profile.n, a, t) for a, t in titles
                    if sigs[a].vector is not None and profile.vector is not None), default=(1.0, None, None),
                   key=lambda x: (x[0], x[1]))
        conn.execute("UPDATE stories SET size = (SELECT count(*) FROM story_articles WHERE story_id = ?), profile = ?, "
                     "first_published = (SELECT min(a.published) FROM articles a JOIN story_articles s ON s.article_id "
                     "= a.id WHERE s.story_id = ?), last_published = (SELECT max(a.published) FROM articles a JOIN "
                     "story_articles s ON s.article_id = a.id WHERE s.story_id = ?), title = ?, title_article = ?, "
                     "title_score = ?, updated_at = ? WHERE id = ?",
                     (sid, profile.to_blob(), sid, sid, best[2], best[1], round(best[0], 4), now(), sid))


def _roles(conn: sqlite3.Connection, articles: list[str], lead_chars: int) -> tuple[
        list[dict[str, float]], list[str | None]]:
    """Per article, the resolved entities named in its lead (the first ``lead_chars`` characters of its text),
    and its protagonist: the person it names most, at least twice (ties to the first named), else None."""
    if "mentions" not in _tables(conn):
        return [{} for _ in articles], [None] * len(articles)
    leads: dict[str, dict[str, float]] = {}
    people: dict[str, dict[str, tuple[int, int]]] = {}  # article -> person -> (mentions, -first offset)
    for start in range(0, len(articles), 900):
        chunk = articles[start:start + 900]
        for aid, offset, eid, kind in conn.execute(
                f"SELECT m.article_id, m.start, coalesce(m2.new_id, m.entity_id), e.type FROM mentions m LEFT JOIN "
                f"entity_merges m2 ON m2.old_id = m.entity_id LEFT JOIN entities e ON e.id = coalesce(m2.new_id, "
                f"m.entity_id) WHERE m.entity_id IS NOT NULL AND m.article_id IN ({', '.join('?' for _ in chunk)}) "
                f"ORDER BY m.article_id, m.start", chunk):
            if offset < lead_chars:
                leads.setdefault(aid, {})[eid] = 1.0
            if kind == "PERSON":
                count, first = people.setdefault(aid, {}).get(eid, (0, -offset))
                people[aid][eid] = (count + 1, first)
    protagonists: list[str | None] = []
    for a in articles:
        best = max(people.get(a, {}).items(), key=lambda kv: (kv[1], kv[0]), default=None)
        protagonists.append(best[0] if best and best[1][0] >= 2 else None)
    return [leads.get(a, {}) for a in articles], protagonists


def _years(conn: sqlite3.Connection, articles: list[str]) -> list[frozenset[str]]:
    """The years each article's resolved dates fall in."""
    if "dates" not in _tables(conn):
        return [frozenset()] * len(articles)
    found: dict[str, set[str]] = {}
    for start in range(0, len(articles), 900):
        chunk = articles[start:start + 900]
        for aid, year in conn.execute(f"SELECT DISTINCT article_id, substr(value, 1, 4) FROM dates WHERE value IS NOT "
                                      f"NULL AND article_id IN ({', '.join('?' for _ in chunk)})", chunk):
            found.setdefault(aid, set()).add(year)
    return [frozenset(found.get(a, ())) for a in articles]


def member_signals(conn: sqlite3.Connection, articles: list[str]) -> dict[str, Signals]:
    """The stored signals (with vector and date) of these articles."""
    out: dict[str, Signals] = {}
    for start in range(0, len(articles), 900):
        chunk = articles[start:start + 900]
        for aid, blob, vec, published in conn.execute(
                f"SELECT a.id, ss.signals, e.vector, a.published FROM articles a JOIN story_signals ss ON "
                f"ss.article_id = a.id LEFT JOIN embeddings e ON e.article_id = a.id AND e.model = ? "
                f"WHERE a.id IN ({', '.join('?' for _ in chunk)})", [MODEL, *chunk]):
            out[aid] = Signals.from_blob(blob, decode_vector(vec) if vec is not None else None, published)
    undated = [a for a, s in out.items() if s.published is None]
    if undated and "dates" in _tables(conn):
        for aid, floor in _not_before(conn, undated).items():
            out[aid].not_before = floor
    return out

def merge_stories(conn: sqlite3.Connection, a: str, b: str, reason: str, evidence: dict, idf: Idf,
                  cfg: dict[str, Any]) -> str:
    """Merge two live stories; the larger (then the older) keeps its id. Returns the survivor."""
    rows = {r["id"]: r for r in conn.execute(
        "SELECT id, seq, size, profile, thread_id, title, title_article, title_score FROM stories WHERE id IN (?, ?)",
        (a, b))}
    keep, drop = sorted((a, b), key=lambda s: (-rows[s]["size"], rows[s]["seq"]))
    profile = Profile.from_blob(rows[keep]["profile"])
    gone = Profile.from_blob(rows[drop]["profile"])
    profile.merge(gone, *idf.both(gone, profile), max_terms=int(cfg["max_terms"]), max_entities=int(cfg["max_entities"]))
    stamp = now()
    title = max((rows[keep], rows[drop]), key=lambda r: (r["title_score"] or 0.0, -r["seq"]))
    # the dates of the two stories (each kept as its articles' earliest and latest on every join), not of all their
    # articles again: a merge costs what it changes, not the size of the stories (which grows with the corpus)
    conn.execute("UPDATE stories SET size = size + ?, profile = ?, updated_at = ?, title = ?, title_article = ?, "
                 "title_score = ?, first_published = (SELECT min(first_published) FROM stories WHERE id IN (?, ?)),"
                 " last_published = (SELECT max(last_published) FROM stories WHERE id IN (?, ?)) WHERE id = ?",
                 (rows[drop]["size"], profile.to_blob(), stamp, title["title"], title["title_article"],
                  title["title_score"], keep, drop, keep, drop, keep))
    conn.execute("UPDATE story_articles SET story_id = ? WHERE story_id = ?", (keep, drop))
    conn.execute("UPDATE story_merges SET new_id = ? WHERE new_id = ?", (keep, drop))
    conn.execute("INSERT OR REPLACE INTO story_merges (old_id, new_id, merged_at, reason, evidence) "
                 "VALUES (?, ?, ?, ?, ?)", (drop, keep, stamp, reason, json.dumps(evidence)))
    conn.execute("DELETE FROM stories WHERE id = ?", (drop,))
    threads = (rows[keep]["thread_id"], rows[drop]["thread_id"])
    if threads[1] is not None and threads[0] != threads[1]:
        if threads[0] is None:  # the dropped story's thread joins the survivor's
            conn.execute("UPDATE stories SET thread_id = ? WHERE id = ?", (threads[1], keep))
        else:
            merge_threads(conn, threads[0], threads[1], f"its story {drop} merged into {keep}", {}, idf)
    return keep


def _rounded(f: dict[str, Any]) -> dict[str, Any]:
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in f.items()}


def merge_threads(conn: sqlite3.Connection, a: str, b: str, reason: str, evidence: dict,
                  idf: Idf | None = None, cfg: dict[str, Any] | None = None) -> str:
    """Merge two live threads; the larger (then the older) keeps its id. Returns the survivor."""
    cfg = cfg if cfg is not None else stage_settings(None, "threads")
    rows = {r["id"]: r for r in conn.execute("SELECT id, seq, size, profile, first_published, last_published "
                                             "FROM threads WHERE id IN (?, ?)", (a, b))}
    if len(rows) < 2:
        return a if a in rows else b
    keep, drop = sorted((a, b), key=lambda t: (-rows[t]["size"], rows[t]["seq"]))
    profile, gone = Profile.from_blob(rows[keep]["profile"]), Profile.from_blob(rows[drop]["profile"])
    idf = idf or Idf(conn)
    profile.merge(gone, *idf.both(gone, profile), max_terms=int(cfg["max_terms"]), max_entities=int(cfg["max_entities"]))
    dates = [d for r in rows.values() for d in (r["first_published"], r["last_published"]) if d]
    stamp = now()
    conn.execute("UPDATE threads SET size = size + ?, profile = ?, first_published = ?, last_published = ?, "
                 "updated_at = ? WHERE id = ?", (rows[drop]["size"], profile.to_blob(), min(dates, default=None),
                                                 max(dates, default=None), stamp, keep))
    conn.execute("UPDATE stories SET thread_id = ? WHERE thread_id = ?", (keep, drop))
    conn.execute("UPDATE thread_merges SET new_id = ? WHERE new_id = ?", (keep, drop))
    conn.execute("INSERT OR REPLACE INTO thread_merges (old_id, new_id, merged_at, reason, evidence) "
                 "VALUES (?, ?, ?, ?, ?)", (drop, keep, stamp, reason, json.dumps(evidence)))
    conn.execute("DELETE FROM threads WHERE id = ?", (drop,))
    return keep
