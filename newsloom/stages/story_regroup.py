"""The pure core of the stories stage's deferred re-check: re-cluster a neighbourhood of stories, then say
which stories split and which merge so that the stored stories become that clustering.

Placing articles one at a time decides once, against what is stored at that moment; an early article can open
a story that a later one shows to be the same event, and a story can gather two sister events (two
earthquakes, two arrests by one police force) before the evidence separates them. After each batch the stage
takes the stories the batch touched and their close candidates, scores every pair of their articles with the
story score (:func:`pair_scores`), clusters them with average link (:func:`average_link`) and turns the result
into splits and merges of the stored stories (:func:`reconcile`), so every id given out survives or resolves.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from itertools import chain
from typing import TYPE_CHECKING

import numpy as np

from .story_match import Signals, Weights

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

__all__ = ["average_link", "cosines", "pair_scores", "reconcile", "time_gaps", "time_penalty"]


def cosines(items: Sequence[Mapping], weight: Mapping) -> np.ndarray:
    """The cosine of every pair of ``items`` (sparse vectors) weighted by ``weight[key]``, as a dense matrix."""
    return _gram(_weighted(items, weight))


def _weighted(items: Sequence[Mapping], weight: Mapping) -> csr_matrix:
    """``items`` as the rows of a sparse matrix, each value times ``weight[key]``.

    Columns are numbered in order of first appearance and each row keeps its items' order, so the sums of
    :func:`_gram` run in the same order (and give the same bits) as a key-by-key loop; only the bookkeeping
    is vectorised."""
    from scipy.sparse import csr_matrix

    lengths = [len(it) for it in items]
    total = sum(lengths)
    if total:
        first_key = next(k for it in items for k in it)  # the keys of one call are all words (int) or all str
        keys = np.fromiter(chain.from_iterable(items), dtype=np.int64, count=total) if type(first_key) is int \
            else np.array(list(chain.from_iterable(items)), dtype=object)
        uniq, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        rank = np.empty(len(uniq), dtype=np.int64)
        rank[np.argsort(first, kind="stable")] = np.arange(len(uniq))  # the column of a key: its first appearance
        cols = rank[inverse.reshape(-1)]
        by_key = np.array([weight.get(k, 0.0) for k in uniq.tolist()], dtype=np.float64)
        vals = np.fromiter(chain.from_iterable(it.values() for it in items), dtype=np.float64, count=total) * \
            by_key[inverse.reshape(-1)]
        rows = np.repeat(np.arange(len(items)), lengths)
    else:
        uniq, rows, cols, vals = (), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    return csr_matrix((vals, (rows, cols)), shape=(len(items), max(1, len(uniq))))


def _gram(m: csr_matrix) -> np.ndarray:
    """The cosines of the rows of ``m``, as a dense matrix (0 for an empty row)."""
    dots = (m @ m.T).toarray()
    norms = np.sqrt(np.diag(dots))
    norms = np.where(norms > 0, norms, 1.0)
    return dots / np.outer(norms, norms)


def _local_cosines(rows: csr_matrix, words: np.ndarray, topic: float) -> np.ndarray:
    """The word cosine of every pair of articles of one topic (``rows``: their idf-weighted words, from
    :func:`_weighted`), each word weighed by its idf times its idf within the topic (``ln((1 + m) / df)`` over
    the topic's m articles); 0 across topics. A topic is a cluster of the word cosines ``words`` (average link
    down to ``topic``), so what a neighbourhood of other topics shares does not count for or against it."""
    n = rows.shape[0]
    out = np.zeros((n, n))
    topics: dict[int, list[int]] = {}
    for i, lab in enumerate(average_link(words, range(n), topic)):
        topics.setdefault(lab, []).append(i)
    for idx in topics.values():
        if len(idx) < 2:
            continue
        part = rows[idx]
        df = np.maximum(np.asarray((part != 0).sum(axis=0)).ravel(), 1)
        out[np.ix_(idx, idx)] = _gram(part.multiply(np.log((1 + len(idx)) / df)[None, :]).tocsr())
    return out


def _typed(items: Sequence[Mapping[str, float]], types: Mapping[str, str], kind: str,
           eidf: Mapping[str, float]) -> np.ndarray:
    """:func:`cosines` of the entities of one type (PERSON, GPE, ...) in each of ``items``."""
    return cosines([{e: v for e, v in it.items() if types.get(e) == kind} for it in items], eidf)


def _agreement(sets: Sequence[frozenset[str]]) -> np.ndarray:
    """+1 for two items whose sets meet, -1 when both are non-empty and disjoint, 0 when either is empty."""
    known = np.array([bool(x) for x in sets])
    meet = cosines([dict.fromkeys(x, 1.0) for x in sets], dict.fromkeys(set().union(*sets), 1.0)) > 0
    return np.where(np.outer(known, known), np.where(meet, 1.0, -1.0), 0.0)


def _days(value: str | None) -> float:
    try:
        return float(date.fromisoformat(value[:10]).toordinal()) if value and len(value) >= 10 else np.nan
    except ValueError:
        return np.nan


def pair_scores(signals: Sequence[Signals], idf: Mapping[int, float], eidf: Mapping[str, float],
                weights: Weights, *, types: Mapping[str, str] | None = None,
                years: Sequence[frozenset[str]] | None = None, leads: Sequence[Mapping[str, float]] | None = None,
                protagonists: Sequence[str | None] | None = None) -> np.ndarray:
    """The score of every pair of articles but for time (:func:`average_link` weighs the dates of whole
    clusters, as placing an article weighs a story's), as a symmetric matrix: the features of
    :func:`story_match.features` for a one-article story, plus (``weights.people``, ``places``, ``years``)
    the cosines of the people and places they name (``types``: entity id -> PERSON, GPE, ...) and the
    agreement of the years their dates resolve to; (``lead_people``, ``lead_orgs``, ``protagonist``) the
    cosines of the people and organisations their leads name (``leads``: entity id -> 1 per article) and the
    agreement of the person each names most (``protagonists``); (``nations``) the cosine of the peoples they name."""
    n = len(signals)
    types = types or {}
    dim = next((s.vector.shape[0] for s in signals if s.vector is not None), 1)
    vec = np.stack([s.vector.astype(np.float32) if s.vector is not None else np.zeros(dim, np.float32)
                    for s in signals])
    terms = _weighted([s.terms for s in signals], idf)
    words = _gram(terms)
    ents = cosines([s.entities for s in signals], eidf)
    quotes = cosines([dict.fromkeys(s.quotes, 1.0) for s in signals],
                     dict.fromkeys({q for s in signals for q in s.quotes}, 1.0))
    score = weights.bias + weights.embedding * (vec @ vec.T) + weights.words * words + \
        weights.entities * ents + weights.quotes * (quotes > 0)
    if weights.local_words:
        score = score + weights.local_words * _local_cosines(terms, words, weights.local_topic)
    for kind, weight in (("PERSON", weights.people), ("GPE", weights.places)):
        if weight:
            score = score + weight * _typed([s.entities for s in signals], types, kind, eidf)
    if leads is not None:
        for kind, weight in (("PERSON", weights.lead_people), ("ORG", weights.lead_orgs)):
            if weight:
                score = score + weight * _typed(leads, types, kind, eidf)
    if weights.protagonist and protagonists is not None:
        score = score + weights.protagonist * _agreement([frozenset((p,)) if p else frozenset()
                                                          for p in protagonists])
    if weights.years and years is not None:
        score = score + weights.years * _agreement(years)
    if weights.nations:
        score = score + weights.nations * _typed([s.entities for s in signals], types, "NORP", eidf)
    score = score.astype(np.float64).reshape(n, n)
    np.fill_diagonal(score, 0.0)
    return score


def time_gaps(signals: Sequence[Signals]) -> tuple[np.ndarray, np.ndarray]:
    """Each article's day (ordinal, NaN when undated) and, for an undated one, the latest day it mentions."""
    days = np.array([_days(s.published) for s in signals])
    floors = np.array([_days(s.not_before) if s.published is None else np.nan for s in signals])
    return days, floors


def time_penalty(gap: np.ndarray, weights: Weights) -> np.ndarray:
    """:meth:`Weights.score`'s time term for every day gap in ``gap``: ``time * log2(gap / window)`` beyond
    ``window`` days, else 0."""
    return weights.time * np.log2(np.maximum(gap, weights.window) / weights.window)


def _span_gaps(lo: np.ndarray, hi: np.ndarray, floor: np.ndarray) -> np.ndarray:
    """Days between the date spans of clusters (0 when they overlap, NaN when unknown); a cluster without dates
    whose articles mention a day after another's span is at least that far from it (story_match.features)."""
    with np.errstate(invalid="ignore"):
        gap = np.maximum(0.0, np.maximum(lo[None, :] - hi[:, None], lo[:, None] - hi[None, :]))
        after = floor[:, None] - hi[None, :]
        gap = np.where(np.isnan(gap) & np.isnan(lo)[:, None] & (after > 0), after, gap)
        gap = np.where(np.isnan(gap) & np.isnan(lo)[None, :] & (after.T > 0), after.T, gap)
    return gap


def average_link(scores: np.ndarray, start: Sequence[int], threshold: float, *,
                 dates: tuple[np.ndarray, np.ndarray] | None = None, weights: Weights | None = None,
                 cohesion: float = 0.0, cohesion_size: int = 2) -> list[int]:
    """Average-link agglomerative clustering of the rows of ``scores`` (similarities), from the partition
    ``start`` (items with one start label begin together: a story too large to re-cluster stays whole), merging
    while the best average similarity of two clusters, less the time penalty of ``weights`` between their
    date spans (``dates`` from :func:`time_gaps`), is above ``threshold``. With ``cohesion``, two clusters of at
    least ``cohesion_size`` articles each must also score above ``cohesion`` times the average pair score within
    the looser of the two: two sister events (two quakes on one island, two arrests of two players of one team)
    share enough to pass a threshold low enough for one event told in many ways, but each is much tighter
    within itself than with the other. Smaller clusters are too few to tell their own cohesion.

    Returns:
        a cluster label per item (the smallest item index in the cluster), deterministic for a given order.
    """
    n = len(start)
    first: dict[int, int] = {}
    label = [first.setdefault(s, i) for i, s in enumerate(start)]
    heads = sorted(set(label))
    m = len(heads)
    pos = {h: k for k, h in enumerate(heads)}
    member = np.zeros((n, m))
    member[np.arange(n), [pos[lab] for lab in label]] = 1.0
    sums = member.T @ scores @ member
    size = member.sum(axis=0)
    days, floors = dates if dates is not None else (np.full(n, np.nan), np.full(n, np.nan))
    lo, hi, floor = (np.full(m, np.nan) for _ in range(3))
    for i, lab in enumerate(label):
        k = pos[lab]
        lo[k], hi[k], floor[k] = np.fmin(lo[k], days[i]), np.fmax(hi[k], days[i]), np.fmax(floor[k], floors[i])
    timed = weights is not None and weights.time and not (np.isnan(days).all() and np.isnan(floors).all())

    def penalty(rows: np.ndarray | slice) -> np.ndarray:
        if not timed:
            return np.zeros((len(size) if isinstance(rows, slice) else 1, m))
        return time_penalty(np.nan_to_num(_span_gaps(lo, hi, floor)[rows], nan=0.0).reshape(-1, m),
                            weights)  # type: ignore[arg-type]

    avg = sums / np.outer(size, size) - penalty(slice(None))
    np.fill_diagonal(avg, -np.inf)
    owner = np.arange(m)
    alive = np.ones(m, dtype=bool)
    least = max(2, cohesion_size)
    while m > 1:
        i, j = divmod(int(np.argmax(avg)), m)
        if avg[i, j] <= threshold:
            break
        if cohesion and size[i] >= least and size[j] >= least and avg[i, j] <= cohesion * min(
                sums[i, i] / (size[i] * (size[i] - 1)), sums[j, j] / (size[j] * (size[j] - 1))):
            avg[i, j] = avg[j, i] = -np.inf  # below the bar until one of the two changes (its row is redone)
            continue
        i, j = min(i, j), max(i, j)
        sums[i, :] += sums[j, :]
        sums[:, i] += sums[:, j]
        size[i] += size[j]
        lo[i], hi[i], floor[i] = np.fmin(lo[i], lo[j]), np.fmax(hi[i], hi[j]), np.fmax(floor[i], floor[j])
        owner[owner == j] = i
        alive[j] = False
        row = np.where(alive, sums[i, :] / (size[i] * size) - penalty(np.array([i]))[0], -np.inf)
        row[i] = -np.inf
        avg[i, :] = row
        avg[:, i] = row
        avg[j, :] = -np.inf
        avg[:, j] = -np.inf
    return [heads[owner[pos[lab]]] for lab in label]


def reconcile(old: Sequence[str], new: Sequence[int], rank: Mapping[str, tuple]) -> tuple[
        list[tuple[str, list[int]]], list[list[tuple[str, list[int]]]]]:
    """How stored stories become a new clustering of their articles.

    Args:
        old: the story of each article; new: its cluster; rank: a sort key per story (larger, then older first).

    Returns:
        ``splits``: (story, article indices) for each part that leaves its story (a story keeps the part in
        the cluster holding most of its articles, ties to the cluster of its earliest article);
        ``merges``: per cluster holding more than one story or part after the splits, the pieces
        as (story or None for a split part, article indices), the survivor first.
    """
    parts: dict[str, dict[int, list[int]]] = {}
    for i, (s, c) in enumerate(zip(old, new)):
        parts.setdefault(s, {}).setdefault(c, []).append(i)
    splits: list[tuple[str, list[int]]] = []
    pieces: dict[int, list[tuple[str | None, list[int]]]] = {}
    for s in sorted(parts, key=lambda s: rank[s]):
        by_cluster = parts[s]
        core = max(by_cluster, key=lambda c: (len(by_cluster[c]), -by_cluster[c][0]))
        for c, idx in sorted(by_cluster.items(), key=lambda kv: kv[1][0]):
            if c == core:
                pieces.setdefault(c, []).append((s, idx))
            else:
                splits.append((s, idx))
                pieces.setdefault(c, []).append((None, idx))
    merges = []
    for c in sorted(pieces, key=lambda c: pieces[c][0][1][0]):
        group = pieces[c]
        if len(group) > 1:
            merges.append(sorted(group, key=lambda p: (p[0] is None, rank[p[0]] if p[0] else (), p[1][0])))
    return splits, merges
