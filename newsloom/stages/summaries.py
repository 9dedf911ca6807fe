"""Cited summaries and headline-like titles of a set of articles (pure functions).

:func:`summarise` picks ``k`` sentences that together stay closest to the centroid of the articles
(TF-IDF, lead sentences weighted up since news puts the news first), at most ``ceil(k/2)`` from one
article and preferring an article not yet cited, so the summary draws on several sources. A sentence
of a flagged article (weight below 1) is swapped for the most similar clean sentence when one says
nearly the same. The result is in time order: the day the sentence is about (a day it names, else
its article's date), then its article, then its position.
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from datetime import date

from .headlines import cut_words, is_junk, title_candidate
from .timelines import Sent, Vectorizer, candidate_pool, centroid_opt, citable, dot

__all__ = ["summarise", "story_title", "lead_baseline"]



def _lead_weight(s: Sent) -> float:
    return 1.0 / (1.0 + 0.15 * s.index)


def _usable(s: Sent, min_words: int, max_words: int) -> bool:
    return not s.comment and min_words <= len(s.text.split()) <= max_words and not s.text.rstrip().endswith(":") \
        and citable(s.text)


def _when(s: Sent) -> tuple[date, str, int]:
    day = min(s.dates) if s.dates else s.published
    return (day or date.max, s.article_id, s.index)


def summarise(sents: Sequence[Sent], k: int = 5, *, max_sim: float = 0.5, swap_sim: float = 0.35,
              min_words: int = 8, max_words: int = 55, lead: int = 8, vectorizer: Vectorizer | None = None
              ) -> list[Sent]:
    """``k`` sentences from several articles that sum the set up, in time order (see the module docstring).
    Candidates are the first ``lead`` sentences of each article (news puts the news first)."""
    if not sents:
        return []
    vec = vectorizer or Vectorizer(s.text for s in sents)
    pool = candidate_pool(sents, vec, lambda s: s.index < lead and _usable(s, min_words, max_words))
    if not pool:
        return []
    centroid: dict[str, float] = {}
    for s, v in pool:
        w = s.weight * _lead_weight(s)
        for t, x in v.items():
            centroid[t] = centroid.get(t, 0.0) + w * x
    per_article = max(1, math.ceil(k / 2))
    n_articles = len({s.article_id for s, _ in pool})

    def cited(chosen: list[int]) -> Counter[str]:
        return Counter(pool[j][0].article_id for j in chosen)

    def score(i: int, base: float, chosen: list[int]) -> float:
        s = pool[i][0]
        value = base * s.weight * (0.6 + 0.4 * _lead_weight(s))
        used = cited(chosen)
        return value * 0.8 if used[s.article_id] and len(used) < n_articles else value  # prefer a new source

    chosen = centroid_opt([v for _, v in pool], centroid, k, max_sim=max_sim, score=score,
                          eligible=lambda i, chosen: cited(chosen)[pool[i][0].article_id] < per_article)
    picked = [pool[i] for i in chosen]
    clean = [(s, v) for s, v in pool if s.weight >= 1.0]
    out: list[Sent] = []
    for s, v in picked:
        if s.weight < 1.0 and clean:  # a flagged source loses to a clean one that says the same
            alt, alt_v = max(clean, key=lambda c: dot(v, c[1]))
            if dot(v, alt_v) >= swap_sim and all(alt is not o for o in out):
                s = alt
        out.append(s)
    unique = list({id(s): s for s in out}.values())
    return sorted(unique, key=_when)


def lead_baseline(sents: Sequence[Sent], k: int) -> list[Sent]:
    """The baseline: the first sentence of each article, earliest articles first, ``k`` of them."""
    leads = sorted((s for s in sents if s.index == 0), key=lambda s: (s.published or date.max, s.article_id))
    return leads[:k]


def story_title(sents: Sequence[Sent], titles: dict[str, str | None], *, max_words: int = 16,
                vectorizer: Vectorizer | None = None) -> str:
    """A headline for the set: the article title closest to what the articles say (clean articles
    first, 4 to ``max_words`` words), else the opening of the most central article's first sentence that
    is not junk, each without a leading page stamp, byline or server message (:mod:`.headlines`)."""
    sents = [s for s in sents if not s.comment]
    if not sents:
        return ""
    vec = vectorizer or Vectorizer(s.text for s in sents)
    centroid: dict[str, float] = {}
    weights = {s.article_id: s.weight for s in sents}
    for s in sents:
        if s.index < 5:
            for t, x in vec(s.text).items():
                centroid[t] = centroid.get(t, 0.0) + x * s.weight
    norm = math.sqrt(sum(x * x for x in centroid.values())) or 1.0
    centroid = {t: x / norm for t, x in centroid.items()}
    cands = [(c, weights.get(a, 1.0)) for a, t in titles.items() if t and a in weights
             and 4 <= len((c := title_candidate(t)).split()) <= max_words and not is_junk(c)]
    if cands:
        best = max(cands, key=lambda c: (c[1] >= 1.0, dot(vec(c[0]), centroid)))
        return best[0].strip()
    leads = [(s, c) for s in sents if s.index < 3 and len((c := title_candidate(s.text)).split()) >= 4
             and not is_junk(c)]
    first: dict[str, tuple[Sent, str]] = {}
    for s, c in sorted(leads, key=lambda p: p[0].index):  # an article's first clean sentence stands for it
        first.setdefault(s.article_id, (s, c))
    pool = list(first.values()) or [(s, s.text) for s in sents if s.index == 0] or [(s, s.text) for s in sents]
    _, text = max(pool, key=lambda p: (p[0].weight, dot(vec(p[0].text), centroid)))
    return cut_words(text.split(), max_words, "...")
