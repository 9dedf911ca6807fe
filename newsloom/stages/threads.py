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
thread. An average over many articles of several stories, not one close story, decides a merge.

Then the split check (``_divide``): merging one pair at a time lets a chain of close stories join narratives
that share words, actors and weeks (three revolutions of 2011 in one thread), and no later merge can undo it.
So a thread the batch touched is re-clustered once it has grown by ``split_growth`` since its last check (a
logarithmic number of checks over its life): a spread sample of its articles, each story whole, average-linked
by the very rule that merges threads. Parts holding ``split_share`` of the sampled articles that the rule keeps
apart, and clearly (the looser part's own average pair score above the average between them by ``split_gap``),
become threads of their own (``thread_splits``); the larger part keeps the id. Two threads a split separated
are never merged again by placement or the re-check (a merge of two of their stories still joins them).

Thread ids are a hash of the story that opened them and never change. The batch is one transaction
with ``store.done``, as in the stories stage.
"""
from __future__ import annotations

import json
import math
import sqlite3
from typing import Any

import numpy as np

from ..model import Article
from ..pipeline import corpus_stage
from ..settings import stage_settings
from ..storage.sqlite import now
from ..storage.tables.embed import decode_vector
from ..storage.tables.stories import resolve_story, resolve_thread
from .stories import Idf, indexed_batch, member_signals, merge_threads, one_blas_thread, story_id
from .story_match import Profile, Signals, Weights, features
from .story_regroup import pair_scores, time_gaps, time_penalty
from .thread_members import thread_members

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
            with one_blas_thread():
                self._after_batch(conn, idf, list(touched))
            store.done(self.name, ids)

    def _after_batch(self, conn: sqlite3.Connection, idf: Idf, touched: list[str]) -> None:
        """The re-check's merges among the threads the batch touched, then the split check of those that grew."""
        if int(self.cfg["regroup_sample"]) > 0:
            self._settle(conn, idf, touched)
        if int(self.cfg["split_articles"]) > 0:
            self._divide_grown(conn, idf, touched)

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
        apart = split_apart(conn, near)
        for other, theirs in candidates.items():
            if frozenset((resolve_thread(conn, other), tid)) in apart:
                continue  # a split kept them apart
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
        cache = thread_members(conn)
        members: list[str] = []
        start: list[int] = []
        for k, tid in enumerate(group):
            rows = cache.rows(conn, tid)  # its articles (copies aside) in the order they were placed
            picked = [rows[i * len(rows) // each] for i in range(each)] if len(rows) > each else rows
            members += [aid for _, aid, _ in picked]
            start += [k] * len(picked)
        sigs = member_signals(conn, members)
        keep = [i for i, a in enumerate(members) if a in sigs]
        if len({start[i] for i in keep}) < 2:
            return
        start = [start[i] for i in keep]
        scores = self._scores(conn, idf, [sigs[members[i]] for i in keep])
        apart = split_apart(conn, group)
        barred = np.array([[frozenset((a, b)) in apart for b in group] for a in group])
        for keep_k, k, score, bar, *sides in cohesive_link(scores, start, float(self.cfg["regroup_threshold"]),
                                                           float(self.cfg["regroup_cohesion"]), barred):
            merge_threads(conn, resolve_thread(conn, group[keep_k]) or group[keep_k],
                          resolve_thread(conn, group[k]) or group[k],
                          "average score of their articles above the threads regroup bar",
                          {"average_score": round(score, 3), "bar": round(bar, 3), "articles": sides}, idf, self.cfg)

    def _scores(self, conn: sqlite3.Connection, idf: Idf, sig_list: list[Signals]) -> np.ndarray:
        """The re-check's pair score of every two of these articles, less the slow time penalty per pair."""
        ents = idf.entities({e for s in sig_list for e in s.entities})
        scores = pair_scores(sig_list, idf.words({t for s in sig_list for t in s.terms}), ents, self.pair_weights,
                             types=idf.types(ents))
        return scores - _time_penalty(sig_list, self.pair_weights)

    # -- the split -------------------------------------------------------------------------------------
    def _divide_grown(self, conn: sqlite3.Connection, idf: Idf, touched: list[str]) -> None:
        """Check for a split every thread the batch touched that holds ``split_min`` articles and has grown by
        ``split_growth`` since its last check (so a thread is checked a logarithmic number of times)."""
        for tid in dict.fromkeys(t for t in (resolve_thread(conn, x) for x in touched) if t is not None):
            size, checked = conn.execute("SELECT size, checked_size FROM threads WHERE id = ?", (tid,)).fetchone()
            if size >= int(self.cfg["split_min"]) and size >= float(self.cfg["split_growth"]) * checked:
                conn.execute("UPDATE threads SET checked_size = size WHERE id = ?", (tid,))
                self._divide(conn, idf, tid)

    def _divide(self, conn: sqlite3.Connection, idf: Idf, tid: str) -> list[str]:
        """Split thread ``tid`` when its stories fall into narratives the re-check would keep apart.

        A spread sample of its articles (``split_articles``), each story one starting group, is average-linked
        by the re-check's rule (:func:`cohesive_link`, ``regroup_threshold`` and ``regroup_cohesion``). Clusters
        holding ``split_share`` of the sampled articles are the candidate parts; two of them stay one part unless
        the average score within the looser exceeds the average between them by ``split_gap`` (the rule keeps
        them apart, and clearly). Smaller clusters, and the stories left out of the sample (by the score of their
        first article), go with the part they score best with on average. The part with most articles keeps the
        id; every other becomes a new thread (``thread_splits``), and the ids of threads merged into ``tid``
        whose opening story went with it now resolve to it.

        Returns:
            the ids of the new threads (none when the thread stays whole).
        """
        rows = [(aid, sid) for _, aid, sid in thread_members(conn).rows(conn, tid)]
        story_of = dict(rows)
        cap = int(self.cfg["split_articles"])
        sample = [rows[i * len(rows) // cap][0] for i in range(cap)] if len(rows) > cap else [a for a, _ in rows]
        sigs = member_signals(conn, sample)
        sample = [a for a in sample if a in sigs]
        stories = list(dict.fromkeys(story_of[a] for a in sample))
        if len(stories) < 2:
            return []
        slot = {s: k for k, s in enumerate(stories)}
        start = [slot[story_of[a]] for a in sample]
        scores = self._scores(conn, idf, [sigs[a] for a in sample])
        label = list(range(len(stories)))
        for keep_k, k, *_ in cohesive_link(scores, start, float(self.cfg["regroup_threshold"]),
                                           float(self.cfg["regroup_cohesion"])):
            label = [keep_k if x == k else x for x in label]
        cluster = np.array([label[s] for s in start])
        parts = _parts(scores, cluster, math.ceil(float(self.cfg["split_share"]) * len(sample)),
                       float(self.cfg["split_gap"]))
        if len(set(parts.values())) < 2:
            return []
        part_of = {s: parts[label[k]] for s, k in slot.items()}
        part_of.update(self._place_rest(conn, idf, sample, [parts[c] for c in cluster], sigs,
                                        [s for s in dict.fromkeys(story_of.values()) if s not in part_of]))
        every = [r[0] for r in conn.execute("SELECT id FROM stories WHERE thread_id = ? ORDER BY seq", (tid,))]
        for s in every:
            part_of.setdefault(s, parts[label[0]])  # a story without signals stays with the first story's part
        sizes = dict(conn.execute("SELECT id, size FROM stories WHERE thread_id = ?", (tid,)).fetchall())
        mass = {p: sum(sizes[s] for s in every if part_of[s] == p) for p in set(part_of.values())}
        keeper = max(mass, key=lambda p: (mass[p], -min(k for k, s in enumerate(every) if part_of[s] == p)))
        between = {p: round(float(scores[np.ix_([parts[c] == p for c in cluster],
                                                [parts[c] != p for c in cluster])].mean()), 3) for p in mass}
        made = []
        for p in sorted((p for p in mass if p != keeper), key=lambda p: min(k for k, s in enumerate(every)
                                                                         if part_of[s] == p)):
            moved = [s for s in every if part_of[s] == p]
            made.append(self._split_off(conn, idf, tid, moved, {
                "average_score_to_rest": between[p], "gap": float(self.cfg["split_gap"]),
                "sampled_articles": int(sum(parts[c] == p for c in cluster)), "articles": mass[p]}))
        self._rebuild(conn, idf, tid)
        return made

    def _place_rest(self, conn: sqlite3.Connection, idf: Idf, sample: list[str], sample_part: list[int],
                    sigs: dict[str, Signals], rest: list[str]) -> dict[str, int]:
        """The part each story left out of the sample goes with: the one whose sampled articles score best on
        average with the story's first article (scored in chunks, beside the sample)."""
        firsts = dict(conn.execute(f"SELECT story_id, article_id FROM story_articles WHERE story_id IN "
                                   f"({', '.join('?' for _ in rest)}) AND reason != 'copy' ORDER BY rowid DESC",
                                   rest).fetchall()) if rest else {}
        extra = member_signals(conn, list(firsts.values()))
        todo = [s for s in rest if firsts.get(s) in extra]
        parts = sorted(set(sample_part))
        member = np.array([[p == q for q in parts] for p in sample_part], dtype=float)
        out: dict[str, int] = {}
        step = max(16, len(sample) // 2)
        for begin in range(0, len(todo), step):
            chunk = todo[begin:begin + step]
            scores = self._scores(conn, idf, [sigs[a] for a in sample] + [extra[firsts[s]] for s in chunk])
            avg = scores[len(sample):, :len(sample)] @ member / member.sum(axis=0)
            out.update({s: parts[int(np.argmax(row))] for s, row in zip(chunk, avg)})
        return out

    def _split_off(self, conn: sqlite3.Connection, idf: Idf, tid: str, moved: list[str], evidence: dict) -> str:
        """Move the stories ``moved`` out of thread ``tid`` into a new thread (recorded in ``thread_splits``)."""
        n = conn.execute("SELECT count(*) FROM thread_splits WHERE thread_id = ?", (tid,)).fetchone()[0]
        new = story_id(f"{tid}:{moved[0]}:{n}", "thread-split")
        stamp = now()
        seq = conn.execute("SELECT coalesce(max(seq), 0) + 1 FROM threads").fetchone()[0]
        conn.execute("INSERT INTO threads (id, seq, size, profile, created_at, updated_at) VALUES (?, ?, 0, ?, ?, ?)",
                     (new, seq, Profile().to_blob(), stamp, stamp))
        marks = ", ".join("?" for _ in moved)
        conn.execute(f"UPDATE stories SET thread_id = ? WHERE id IN ({marks})", [new, *moved])
        openers = [story_id(s, "thread") for s in moved]  # threads these stories opened, merged into tid since
        conn.execute(f"UPDATE thread_merges SET new_id = ? WHERE new_id = ? AND old_id IN "
                     f"({', '.join('?' for _ in openers)})", [new, tid, *openers])
        conn.execute("INSERT INTO thread_splits (new_id, thread_id, split_at, reason, stories, evidence) "
                     "VALUES (?, ?, ?, ?, ?, ?)", (new, tid, stamp, "its stories fall into narratives the threads "
                                                   "re-check keeps apart", json.dumps(moved), json.dumps(evidence)))
        self._rebuild(conn, idf, new)
        return new

    def _rebuild(self, conn: sqlite3.Connection, idf: Idf, tid: str) -> None:
        """A thread's size, dates and profile, recomputed from its stories' articles; it counts as checked."""
        rows = conn.execute("SELECT sa.article_id, sa.reason FROM stories s JOIN story_articles sa ON sa.story_id = "
                            "s.id WHERE s.thread_id = ? ORDER BY sa.rowid", (tid,)).fetchall()
        sigs = member_signals(conn, [a for a, reason in rows if reason != "copy"])
        profile = Profile()
        for a, _ in rows:
            if a in sigs:
                profile.add(sigs[a], *idf.both(sigs[a], profile), max_terms=int(self.cfg["max_terms"]),
                            max_entities=int(self.cfg["max_entities"]))
        conn.execute("UPDATE threads SET size = ?, checked_size = ?, profile = ?, updated_at = ?, first_published = "
                     "(SELECT min(a.published) FROM articles a JOIN story_articles sa ON sa.article_id = a.id JOIN "
                     "stories s ON s.id = sa.story_id WHERE s.thread_id = ?), last_published = (SELECT "
                     "max(a.published) FROM articles a JOIN story_articles sa ON sa.article_id = a.id JOIN stories s "
                     "ON s.id = sa.story_id WHERE s.thread_id = ?) WHERE id = ?",
                     (len(rows), len(rows), profile.to_blob(), now(), tid, tid, tid))


def split_apart(conn: sqlite3.Connection, threads: list[str]) -> set[frozenset[str]]:
    """The pairs of these live threads a recorded split kept apart (either side may since have absorbed the part
    that was split, through a merge)."""
    if len(threads) < 2:
        return set()
    marks = ", ".join("?" for _ in threads)
    alias = {t: t for t in threads}
    alias.update(conn.execute(f"SELECT old_id, new_id FROM thread_merges WHERE new_id IN ({marks})", threads))
    names = list(alias)
    marks = ", ".join("?" for _ in names)
    rows = conn.execute(f"SELECT new_id, thread_id FROM thread_splits WHERE new_id IN ({marks}) OR thread_id IN "
                        f"({marks})", names + names).fetchall()
    return {frozenset((alias[a], alias[b])) for a, b in rows if a in alias and b in alias and alias[a] != alias[b]}


def _parts(scores: np.ndarray, cluster: np.ndarray, least: int, gap: float) -> dict[int, int]:
    """The part of each cluster label: clusters of ``least`` articles or more are candidate parts, joined unless
    the average score within the looser of two exceeds the average between them by ``gap``; every smaller cluster
    goes with the part it scores best with on average. A part is named by its first candidate's label."""
    labels = list(dict.fromkeys(cluster.tolist()))
    big = [c for c in labels if (cluster == c).sum() >= max(2, least)]  # a part has a within score
    if len(big) < 2:
        return dict.fromkeys(labels, big[0] if big else labels[0])
    idx = {c: np.flatnonzero(cluster == c) for c in labels}
    within = {c: scores[np.ix_(idx[c], idx[c])].sum() / (len(idx[c]) * (len(idx[c]) - 1)) for c in big}
    part = {c: c for c in big}
    for a in big:
        for b in big:
            if a < b and min(within[a], within[b]) - scores[np.ix_(idx[a], idx[b])].mean() < gap:
                old, new = max(part[a], part[b]), min(part[a], part[b])
                part = {c: new if p == old else p for c, p in part.items()}
    heads = sorted(set(part.values()))
    for c in labels:
        if c not in part:
            near = {h: scores[np.ix_(idx[c], np.flatnonzero(np.isin(cluster, [x for x in big if part[x] == h])))].mean()
                    for h in heads}
            part[c] = max(heads, key=lambda h: (near[h], -h))
    return part


def cohesive_link(scores: np.ndarray, start: list[int], threshold: float, cohesion: float,
                  barred: np.ndarray | None = None) -> list[tuple[int, int, float, float, int, int]]:
    """Average-link merges of the groups ``start`` labels (0..K-1) over pair ``scores``: the pair of groups with
    the best average score merges while that average is above ``threshold`` and above ``cohesion`` times the
    average score within the looser of the two (a group of one article has none): two tight narratives that
    touch (the first days of the Libyan uprising told beside Egypt's revolution) need more than the threshold,
    a loose one (a long war's many stories) less. Two groups ``barred`` marks (a K x K boolean matrix: a split
    kept them apart), or groups holding them, never merge.

    Returns:
        (kept group, merged group, average score, the bar it passed, the articles of each side) in merge order.
    """
    k = max(start) + 1
    member = np.zeros((len(start), k))
    member[np.arange(len(start)), start] = 1.0
    sums = member.T @ scores @ member
    size = member.sum(axis=0)
    alive = np.ones(k, dtype=bool)
    barred = np.zeros((k, k), dtype=bool) if barred is None else barred.copy()
    merges = []
    while alive.sum() > 1:
        with np.errstate(invalid="ignore", divide="ignore"):
            within = np.where(size > 1, np.diag(sums) / (size * (size - 1)), np.nan)
            loose = np.fmin(within[:, None], within[None, :])
            bar = np.fmax(threshold, cohesion * np.nan_to_num(loose, nan=-np.inf))
            avg = sums / np.outer(size, size)
        ok = alive[:, None] & alive[None, :] & ~np.eye(k, dtype=bool) & ~barred & (avg > bar)
        if not ok.any():
            break
        i, j = divmod(int(np.argmax(np.where(ok, avg, -np.inf))), k)
        i, j = min(i, j), max(i, j)
        merges.append((i, j, float(avg[i, j]), float(bar[i, j]), int(size[i]), int(size[j])))
        sums[i, :] += sums[j, :]
        sums[:, i] += sums[:, j]
        size[i] += size[j]
        barred[i, :] |= barred[j, :]
        barred[:, i] |= barred[:, j]
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

