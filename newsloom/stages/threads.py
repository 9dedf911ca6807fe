"""The threads corpus stage: stories linked into the longer narratives they belong to (weeks to years).

Runs after the stories stage, on the same articles, incrementally:

1. a story with no thread yet (its first article) is compared with the threads of the stories near
   its article (the same vector index): the story's profile against each thread's profile, with the
   thread weights (looser than a story's, and a time penalty that starts after ``window`` days and
   grows slowly, so the same actors months or years later still link); the best positive one is
   joined, else the story opens a thread;
2. the article's signals are added to its thread's profile (a copy counts once);
3. the thread is compared with the other candidate threads: one past ``merge_margin`` is merged
   into it (the larger survives; ``thread_merges`` keeps the old id and why).

After the batch, the re-check (``_settle``): placing a story once, against one thread's summed profile, leaves
a narrative split into a large thread and many small ones (a story of the Iraq war told in other words). So the
threads the batch touched and their candidate threads are compared as clusters of articles: a spread sample of
each thread's articles (``regroup_sample``), every pair scored with the re-check's pair score
(story_regroup.pair_scores: embedding, words, entities, people, places; here also peoples, and a slow time
penalty per pair of articles), and threads merged by average link (:func:`cohesive_link`) while the average
pair score is above ``regroup_threshold`` and above ``regroup_cohesion`` times the average within the looser
thread. An average over many articles of several stories, not one close story, decides a merge. Threads are
never split.

Thread ids are a hash of the story that opened them and never change. The batch is one transaction
with ``store.done``, as in the stories stage.
"""
from __future__ import annotations

import sqlite3
from typing import Any

import numpy as np

from ..model import Article
from ..pipeline import corpus_stage
from ..settings import stage_settings
from ..storage.sqlite import now
from ..storage.tables.embed import decode_vector
from ..storage.tables.stories import resolve_story, resolve_thread
from .stories import Idf, entity_types, indexed_batch, member_signals, merge_threads, one_blas_thread, story_id
from .story_match import Profile, Signals, Weights, features
from .story_regroup import pair_scores, time_gaps, time_penalty

__all__ = ["Threads", "merge_threads", "cohesive_link"]


@corpus_stage("threads", requires=("story_id",), assigns=("thread_id",), extra="stories")
class Threads:
    """Link every story into a thread (a longer narrative), incrementally, with stable ids."""

    name = "threads"

    def __init__(self, settings: Any = None) -> None:
        self.index_cfg = stage_settings(settings, "stories")
        self.cfg = stage_settings(settings, "threads")
        self.weights = Weights.from_cfg(self.cfg)
        self.pair_weights = Weights.from_cfg(self.cfg, prefix="pair_")

    def run(self, store: Any, ids: list[str]) -> None:
        with indexed_batch(store, self.index_cfg) as (conn, index, idf):
            touched: dict[str, None] = {}  # threads the batch placed into, then their candidates (in order)
            for start in range(0, len(ids), 500):
                for art in store.articles(ids=ids[start:start + 500]):
                    touched.update(dict.fromkeys(self._process(conn, index, idf, art)))
            if int(self.cfg["regroup_sample"]) > 0:
                with one_blas_thread():
                    self._settle(conn, idf, list(touched))
            store.done(self.name, ids)

    def _process(self, conn: sqlite3.Connection, index: Any, idf: Idf, art: Article) -> list[str]:
        """Place the article's story in a thread; returns that thread and the candidate threads."""
        row = conn.execute("SELECT sa.story_id, sa.reason, ss.signals, e.vector FROM story_articles sa "
                           "LEFT JOIN story_signals ss ON ss.article_id = sa.article_id LEFT JOIN embeddings e "
                           "ON e.article_id = sa.article_id WHERE sa.article_id = ?", (art.id,)).fetchone()
        if row is None:  # not in a story (the stories stage is not in the pipeline)
            return []
        sid = resolve_story(conn, row[0])
        if sid is None:
            return []
        story = conn.execute("SELECT thread_id, profile FROM stories WHERE id = ?", (sid,)).fetchone()
        tid = resolve_thread(conn, story[0]) if story[0] else None
        vector = decode_vector(row[3]) if row[3] is not None else None
        if tid is not None and tid != story[0]:
            conn.execute("UPDATE stories SET thread_id = ? WHERE id = ?", (tid, sid))
        candidates = self._candidates(conn, index, vector, tid) if vector is not None else {}
        if tid is None:
            tid = self._place(conn, sid, Profile.from_blob(story[1]), candidates, idf)
        counted = row[1] != "copy" and row[2] is not None
        signals = Signals.from_blob(row[2], vector, art.published) if counted else None
        self._add(conn, tid, signals, art.published, idf)
        candidates.pop(tid, None)
        near = [tid, *candidates]
        mine = Profile.from_blob(conn.execute("SELECT profile FROM threads WHERE id = ?", (tid,)).fetchone()[0])
        for other, theirs in candidates.items():
            f = features(mine, theirs, *idf.both(mine, theirs))
            score = self.weights.score(f)
            if score > float(self.cfg["merge_margin"]):
                tid = merge_threads(conn, tid, other, "their stories are as close as one thread's",
                                    {"score": round(score, 3)}, idf, self.cfg)
                mine = Profile.from_blob(conn.execute("SELECT profile FROM threads WHERE id = ?",
                                                      (tid,)).fetchone()[0])
        return near

    def _candidates(self, conn: sqlite3.Connection, index: Any, vector: Any, own: str | None) -> dict[str, Profile]:
        rids = [r for r, _ in index.search(vector, int(self.cfg["neighbours"]))]
        if not rids:
            return {}
        rows = conn.execute(f"SELECT e.rid, st.thread_id FROM embeddings e JOIN story_articles sa ON "
                            f"sa.article_id = e.article_id JOIN stories st ON st.id = sa.story_id "
                            f"WHERE e.rid IN ({', '.join('?' for _ in rids)}) AND st.thread_id IS NOT NULL",
                            rids).fetchall()
        by_rid = dict(rows)
        out: dict[str, Profile] = {}
        for rid in rids:
            tid = by_rid.get(rid)
            tid = resolve_thread(conn, tid) if tid is not None else None
            if tid is not None and tid != own and tid not in out:
                out[tid] = Profile.from_blob(conn.execute("SELECT profile FROM threads WHERE id = ?",
                                                          (tid,)).fetchone()[0])
        return out

    def _place(self, conn: sqlite3.Connection, sid: str, story: Profile, candidates: dict[str, Profile],
               idf: Idf) -> str:
        """The thread a new story joins (the best scoring candidate above zero), or a new one."""
        best: tuple[float, str] | None = None
        for tid, profile in candidates.items():
            score = self.weights.score(features(story, profile, *idf.both(story, profile)))
            if best is None or score > best[0]:
                best = (score, tid)
        if best is not None and best[0] > 0:
            tid = best[1]
        else:
            tid = story_id(sid, "thread")
            stamp = now()
            seq = conn.execute("SELECT coalesce(max(seq), 0) + 1 FROM threads").fetchone()[0]
            conn.execute("INSERT INTO threads (id, seq, size, profile, created_at, updated_at) "
                         "VALUES (?, ?, 0, ?, ?, ?)", (tid, seq, Profile().to_blob(), stamp, stamp))
        conn.execute("UPDATE stories SET thread_id = ? WHERE id = ?", (tid, sid))
        return tid

    def _add(self, conn: sqlite3.Connection, tid: str, signals: Signals | None, published: str | None,
             idf: Idf) -> None:
        sets, params = ["size = size + 1", "updated_at = ?"], [now()]
        if signals is not None:
            profile = Profile.from_blob(conn.execute("SELECT profile FROM threads WHERE id = ?", (tid,)).fetchone()[0])
            profile.add(signals, *idf.both(signals, profile), max_terms=int(self.cfg["max_terms"]),
                        max_entities=int(self.cfg["max_entities"]))
            sets.append("profile = ?")
            params.append(profile.to_blob())
        if published:
            sets += ["first_published = min(coalesce(first_published, ?), ?)",
                     "last_published = max(coalesce(last_published, ?), ?)"]
            params += [published] * 4
        conn.execute(f"UPDATE threads SET {', '.join(sets)} WHERE id = ?", [*params, tid])

    # -- the re-check ---------------------------------------------------------------------------------
    def _settle(self, conn: sqlite3.Connection, idf: Idf, touched: list[str]) -> None:
        """Merge the threads the batch touched and their candidates that average link over a sample of their
        articles puts together (at most ``regroup_articles`` articles, each thread by a spread of its own)."""
        group = list(dict.fromkeys(t for t in (resolve_thread(conn, x) for x in touched) if t is not None))
        if len(group) < 2:
            return
        cap, sample = int(self.cfg["regroup_articles"]), int(self.cfg["regroup_sample"])
        group = group[:max(2, cap // 4)]
        each = max(4, min(sample, cap // len(group)))
        members: list[str] = []
        start: list[int] = []
        for k, tid in enumerate(group):
            rows = _thread_articles(conn, tid)
            if len(rows) > each:
                rows = [rows[i * len(rows) // each] for i in range(each)]
            members += rows
            start += [k] * len(rows)
        sigs = member_signals(conn, members)
        keep = [i for i, a in enumerate(members) if a in sigs]
        if len({start[i] for i in keep}) < 2:
            return
        sig_list = [sigs[members[i]] for i in keep]
        start = [start[i] for i in keep]
        ents = idf.entities({e for s in sig_list for e in s.entities})
        scores = pair_scores(sig_list, idf.words({t for s in sig_list for t in s.terms}), ents, self.pair_weights,
                             types=entity_types(conn, ents))
        scores = scores - _time_penalty(sig_list, self.pair_weights)
        for keep_k, k, score, bar, *sides in cohesive_link(scores, start, float(self.cfg["regroup_threshold"]),
                                                           float(self.cfg["regroup_cohesion"])):
            merge_threads(conn, resolve_thread(conn, group[keep_k]) or group[keep_k],
                          resolve_thread(conn, group[k]) or group[k],
                          "average score of their articles above the threads regroup bar",
                          {"average_score": round(score, 3), "bar": round(bar, 3), "articles": sides}, idf, self.cfg)


def cohesive_link(scores: np.ndarray, start: list[int], threshold: float, cohesion: float
                  ) -> list[tuple[int, int, float, float, int, int]]:
    """Average-link merges of the groups ``start`` labels (0..K-1) over pair ``scores``: the pair of groups with
    the best average score merges while that average is above ``threshold`` and above ``cohesion`` times the
    average score within the looser of the two (a group of one article has none): two tight narratives that
    touch (the first days of the Libyan uprising told beside Egypt's revolution) need more than the threshold,
    a loose one (a long war's many stories) less.

    Returns:
        (kept group, merged group, average score, the bar it passed, the articles of each side) in merge order.
    """
    k = max(start) + 1
    member = np.zeros((len(start), k))
    member[np.arange(len(start)), start] = 1.0
    sums = member.T @ scores @ member
    size = member.sum(axis=0)
    alive = np.ones(k, dtype=bool)
    merges = []
    while alive.sum() > 1:
        with np.errstate(invalid="ignore", divide="ignore"):
            within = np.where(size > 1, np.diag(sums) / (size * (size - 1)), np.nan)
            loose = np.fmin(within[:, None], within[None, :])
            bar = np.fmax(threshold, cohesion * np.nan_to_num(loose, nan=-np.inf))
            avg = sums / np.outer(size, size)
        ok = alive[:, None] & alive[None, :] & ~np.eye(k, dtype=bool) & (avg > bar)
        if not ok.any():
            break
        i, j = divmod(int(np.argmax(np.where(ok, avg, -np.inf))), k)
        i, j = min(i, j), max(i, j)
        merges.append((i, j, float(avg[i, j]), float(bar[i, j]), int(size[i]), int(size[j])))
        sums[i, :] += sums[j, :]
        sums[:, i] += sums[:, j]
        size[i] += size[j]
        alive[j] = False
        sums[j, :] = 0.0
        sums[:, j] = 0.0
        size[j] = 0.0
    return merges


def _time_penalty(signals: list[Signals], weights: Weights) -> np.ndarray:
    """The slow time penalty of every pair of articles: ``time * log2(days apart / window)`` beyond ``window``
    days (0 when either is undated). Per pair, not between the threads' date spans: one stray article must not
    bridge two narratives months apart."""
    days = time_gaps(signals)[0]
    with np.errstate(invalid="ignore"):
        return time_penalty(np.nan_to_num(np.abs(days[:, None] - days[None, :]), nan=0.0), weights)


def _thread_articles(conn: sqlite3.Connection, tid: str) -> list[str]:
    """A thread's articles (copies aside), in the order they were placed."""
    return [r[0] for r in conn.execute("SELECT sa.article_id FROM stories s JOIN story_articles sa ON sa.story_id = "
                                       "s.id WHERE s.thread_id = ? AND sa.reason != 'copy' ORDER BY sa.rowid",
                                       (tid,))]
