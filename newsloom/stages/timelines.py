"""Timelines from a set of articles (pure functions): the dates that matter, and what happened on each.

The input is a list of :class:`Sent`: every sentence of the articles with its span, its article's
publication date and the day-precise dates it mentions (resolved date expressions). The cascade:

1. **Candidates per day** (:func:`collect`): a sentence that mentions a day belongs to that day (an
   event reported on the 3rd that happened on the 1st sits on the 1st); the first ``lead`` sentences
   of an article that mention no day belong to its publication day and the day before (``pub_days``).
2. **Days ranked** (:func:`rank_dates`): per day, the counts of :data:`FEATURES` (sentences and articles
   that mention it, before and after it; articles published on it; articles with a dated list item for
   it; articles whose on-topic sentence, by the caller's ``accept``, mentions it), l2-normalised and
   scored by a linear model (:data:`DATE_WEIGHTS` over :data:`RANKED`).
3. **Sentences per day** (:func:`summarise_day`): of the day's citable candidates, the ones that together
   stay closest to the day's TF-IDF centroid (:func:`centroid_opt`, news-tls's CentroidOpt), a dated
   list item of the day preferred, no near repeat of a sentence already on the timeline.

Every output sentence keeps its article id and character span, so a caller can cite it.
"""
from __future__ import annotations

import dataclasses
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from .headlines import after_stamp, is_junk, lead_start, stop_words
from .rules import match_rule
from .sentences import is_item

__all__ = ["Sent", "TimelineDay", "Vectorizer", "collect", "date_features", "rank_dates", "summarise_day",
           "build_timeline", "trim_item", "trim_lead", "article_sents", "citable", "candidate_pool", "centroid_opt",
           "FEATURES", "RANKED", "DATE_WEIGHTS", "cosine", "dot", "terms", "stop_words"]


@dataclass(slots=True)
class Sent:
    """One sentence of one article: where it is and which days it mentions."""

    article_id: str
    start: int
    end: int
    text: str
    index: int  # position in its article (0 = lead)
    published: date | None
    dates: tuple[date, ...] = ()
    source: str | None = None
    weight: float = 1.0  # below 1 for sentences of flagged articles (see queries.timelines)
    bounds: tuple[date, ...] = ()  # days named only as a bound ("before 11 September"): mentions, not its news
    comment: bool = False  # a reader comment's: its days count as mentioned, but it is never cited

    def cite(self) -> dict[str, Any]:
        return {"article_id": self.article_id, "start": self.start, "end": self.end, "text": self.text,
                "source": self.source, "published": self.published.isoformat() if self.published else None}


@dataclass
class TimelineDay:
    """One day of a timeline: its score and the sentences that say what happened."""

    date: date
    score: float
    sentences: list[Sent] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"date": self.date.isoformat(), "score": round(self.score, 4),
                "sentences": [s.cite() for s in self.sentences]}


_WORD = re.compile(r"[a-z][a-z'\-]+|\d\d+(?:[.,]\d+)*|\d(?:[.,]\d+)+")  # two characters or more


def terms(text: str) -> list[str]:
    """Lower-case content words of a text (stop words dropped)."""
    stops = stop_words()
    return [w for w in _WORD.findall(text.lower()) if w not in stops]


class Vectorizer:
    """TF-IDF over a set of texts (smooth idf, l2-normalised sparse vectors as dicts)."""

    def __init__(self, texts: Iterable[str]) -> None:
        df: Counter[str] = Counter()
        n = 0
        self._terms: dict[str, list[str]] = {}
        for t in texts:
            n += 1
            df.update(set(self.terms(t)))
        self.idf = {w: math.log((1 + n) / (1 + c)) + 1 for w, c in df.items()}
        self._default = math.log(1 + n) + 1
        self._vectors: dict[str, dict[str, float]] = {}

    def terms(self, text: str) -> list[str]:
        """:func:`terms` of ``text``, cached per text (a sentence is read for its key and for its vector)."""
        got = self._terms.get(text)
        if got is None:
            got = self._terms[text] = terms(text)
        return got

    def __call__(self, text: str) -> dict[str, float]:
        """The l2-normalised TF-IDF vector of ``text`` (cached per text)."""
        v = self._vectors.get(text)
        if v is not None:
            return v
        tf = Counter(self.terms(text))
        raw = {w: c * self.idf.get(w, self._default) for w, c in tf.items()}
        norm = math.sqrt(sum(x * x for x in raw.values())) or 1.0
        v = self._vectors[text] = {w: x / norm for w, x in raw.items()}
        return v


def dot(a: dict[str, float], b: dict[str, float]) -> float:
    """Dot product of sparse vectors (the cosine of two :class:`Vectorizer` vectors, which are unit length)."""
    if len(a) > len(b):
        a, b = b, a
    return sum(x * b.get(w, 0.0) for w, x in a.items())


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    """Cosine of two sparse vectors of any length."""
    na = math.sqrt(sum(x * x for x in a.values()))
    nb = math.sqrt(sum(x * x for x in b.values()))
    return dot(a, b) / (na * nb) if na and nb else 0.0


def _add(acc: dict[str, float], v: dict[str, float], w: float = 1.0) -> None:
    for k, x in v.items():
        acc[k] = acc.get(k, 0.0) + w * x


_LIVE_STAMP = re.compile(r"\((?:Update|Updated|Posted)\b[^)]*\)", re.I)


@lru_cache(maxsize=1 << 16)  # a sentence is tested by the timeline's days and again by the summary
def citable(text: str) -> bool:
    """Can the sentence stand alone in a timeline or summary? Not a question, not crawler furniture (the
    clean stage's boilerplate rules: calls to action, disclaimers, ...), not a live-blog time stamp, and
    it starts as a sentence does (a capital, a digit or an opening quote), not junk (:func:`~.headlines.is_junk`)."""
    t = text.strip()
    return bool(t) and (t[0].isupper() or t[0].isdigit() or t[0] in "\"\u201c'\u2018") and not t.endswith("?") \
        and not _LIVE_STAMP.search(t) and match_rule(t) is None and not is_junk(t)


def collect(sents: Sequence[Sent], *, lead: int = 5, pub_days: int = 2
            ) -> tuple[dict[date, list[Sent]], dict[date, list[Sent]]]:
    """Candidate sentences per day: (mentioned, published) as news-tls's PM collector builds them.

    Args:
        sents: every sentence of the articles.
        lead: sentences of an article (from its start) that stand for its publication days.
        pub_days: how many days, counting back from the publication day, a lead sentence stands for.
    """
    ment: dict[date, list[Sent]] = defaultdict(list)
    pub: dict[date, list[Sent]] = defaultdict(list)
    for s in sents:
        if s.dates:
            for d in dict.fromkeys(s.dates):
                if d not in s.bounds:
                    ment[d].append(s)
        elif s.index <= lead and s.published is not None:
            for k in range(pub_days):
                pub[s.published - timedelta(days=k)].append(s)
    return ment, pub


#: a day named as a bound, not as the day something happened: "before 11 September", "until June 7"
_BOUND = re.compile(r"\b(?:before|until|till|prior\s+to|ahead\s+of|by)\s+(?:the\s+)?$", re.I)


def article_sents(article_id: str, text: str, published: date | None, mentions: Sequence[tuple[int, date]],
                  spans: Sequence[tuple[int, int]], *, source: str | None = None, weight: float = 1.0,
                  comments_from: int | None = None) -> list[Sent]:
    """An article's sentences (``spans``), each with the days that ``mentions`` ((start offset, day), the
    day-precise dates of the text) name inside it; a day named only after "before", "until", "ahead of", ...
    is also one of its ``bounds``; sentences from ``comments_from`` on (where its reader comments start) are
    marked ``comment``."""
    ds = sorted(mentions)
    out: list[Sent] = []
    j = 0
    for idx, (s, e) in enumerate(spans):
        while j < len(ds) and ds[j][0] < s:
            j += 1
        inside: list[date] = []
        bound: dict[date, bool] = {}
        while j < len(ds) and ds[j][0] < e:
            at, day = ds[j]
            inside.append(day)
            bound[day] = bound.get(day, True) and bool(_BOUND.search(text, max(s, at - 12), at))
            j += 1
        out.append(Sent(article_id, s, e, text[s:e], idx, published, tuple(inside), source=source, weight=weight,
                        bounds=tuple(d for d, b in bound.items() if b),
                        comment=comments_from is not None and s >= comments_from))
    return out


#: the per-day features of :func:`date_features`, in order
FEATURES = ("sents_total", "sents_before", "sents_after", "docs_total", "docs_before", "docs_after",
            "docs_published", "docs_listed", "docs_accepted", "topical_total", "topical_after")
#: the features newsloom ranks days by (news-tls's Datewise uses the first seven); fewer inputs, less overfit
RANKED = ("topical_total", "topical_after", "docs_published", "docs_listed", "docs_accepted")


def _count(c: Counter[str], what: str, day: date, published: date | None) -> None:
    c[f"{what}_total"] += 1
    if published is not None and day != published:
        c[f"{what}_before" if day > published else f"{what}_after"] += 1


def date_features(sents: Sequence[Sent], accept: Callable[[Sent], bool] | None = None) -> dict[date, list[float]]:
    """Per mentioned or publication day, the counts in :data:`FEATURES` ("before" = the mention is
    published before the day it names, a forecast; "after" = reported later; "listed" = articles with
    a dated list item for the day, "March 5 - The council meets ...", a journalist's own timeline;
    "accepted" = articles with a sentence that ``accept`` takes (a query's, say) mentioning the day:
    the on-topic mentions; "topical" = the articles that mention the day, each counted by the share of
    its sentences ``accept`` takes (an article about the topic counts fully, one that touches it in
    passing a little); without ``accept``, "accepted" and "topical" are the plain article counts)."""
    stats: dict[date, Counter[str]] = defaultdict(Counter)
    docs: dict[str, tuple[date | None, set[date], set[date], set[date], list[int]]] = {}
    for s in sents:
        pubd, mentioned, listed, accepted, share = docs.setdefault(
            s.article_id, (s.published, set(), set(), set(), [0, 0]))
        on_topic = accept is None or accept(s)
        share[0] += on_topic
        share[1] += 1
        if s.dates and is_item(s.text):
            listed.add(s.dates[0])
        if s.dates and on_topic:
            accepted.update(s.dates)
        for d in dict.fromkeys(s.dates):
            _count(stats[d], "sents", d, pubd)
            mentioned.add(d)
    topical: dict[date, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for pubd, mentioned, listed, accepted, (on, n) in docs.values():
        for d in listed:
            stats[d]["docs_listed"] += 1
        for d in accepted:
            stats[d]["docs_accepted"] += 1
        for d in mentioned:
            _count(stats[d], "docs", d, pubd)
            t = topical[d]
            t[0] += on / n
            if pubd is not None and d < pubd:
                t[1] += on / n
        if pubd is not None:
            stats[pubd]["docs_published"] += 1
    out = {}
    for d, c in stats.items():
        if c["docs_total"] or c["docs_published"]:
            c["topical_total"], c["topical_after"] = topical[d] if d in topical else (0.0, 0.0)
            out[d] = [float(c[f]) for f in FEATURES]
    return out


#: weights of the l2-normalised :data:`FEATURES` (zero outside :data:`RANKED`): a pairwise ranking fit of
#: "the day is on the journalists' timeline" above "it is not", within each of the 18 Timeline17 timelines
#: (``eval/timelines.py::fit_pairwise``; the evaluation itself refits them leave-one-topic-out, so no topic
#: is scored with weights it trained). Later mentions count most, a publication burst least (wire churn).
DATE_WEIGHTS: tuple[float, ...] = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.679, 0.943, 0.838, 3.321, 3.45)


def normalise_columns(feats: dict[date, list[float]]) -> dict[date, list[float]]:
    """Each feature column divided by its l2 norm over the days (news-tls normalises the same way)."""
    if not feats:
        return {}
    cols = len(next(iter(feats.values())))
    norms = [math.sqrt(sum(v[i] ** 2 for v in feats.values())) or 1.0 for i in range(cols)]
    return {d: [x / n for x, n in zip(v, norms)] for d, v in feats.items()}


def rank_dates(feats: dict[date, list[float]], weights: Sequence[float] = DATE_WEIGHTS,
               intercept: float = 0.0) -> list[tuple[date, float]]:
    """Days by score, best first (ties: earlier day first)."""
    norm = normalise_columns(feats)
    scored = [(d, intercept + sum(w * x for w, x in zip(weights, v))) for d, v in norm.items()]
    return sorted(scored, key=lambda t: (-t[1], t[0]))


def candidate_pool(sents: Iterable[Sent], vec: Vectorizer, keep: Callable[[Sent], bool]
                   ) -> list[tuple[Sent, dict[str, float]]]:
    """The sentences ``keep`` accepts, each with its vector, a sentence whose content words repeat an
    earlier one's left out (the same sentence in two articles is one candidate)."""
    pool: list[tuple[Sent, dict[str, float]]] = []
    seen: set[str] = set()
    for s in sents:
        key = " ".join(vec.terms(s.text))
        if key and key not in seen and keep(s):
            seen.add(key)
            pool.append((s, vec(s.text)))
    return pool


def centroid_opt(vectors: Sequence[dict[str, float]], centroid: dict[str, float], k: int, *, max_sim: float = 0.5,
                 eligible: Callable[[int, list[int]], bool] | None = None,
                 score: Callable[[int, float, list[int]], float] | None = None) -> list[int]:
    """news-tls's CentroidOpt, greedy: indices of up to ``k`` vectors whose sum stays closest (cosine) to
    ``centroid``; each step adds the best-scoring eligible vector, and vectors closer than ``max_sim`` to a
    chosen one drop out. ``score(i, cosine, chosen)`` may reweigh the cosine; ``eligible(i, chosen)`` may refuse.
    """
    cnorm = math.sqrt(sum(x * x for x in centroid.values())) or 1.0
    to_c = [dot(v, centroid) / cnorm for v in vectors]
    chosen: list[int] = []
    summary: dict[str, float] = {}
    s_dot, s_sq = 0.0, 0.0  # summary . centroid / |centroid|, |summary|^2 (vectors are unit length)
    alive = [True] * len(vectors)
    while len(chosen) < k:
        best, best_score = -1, -math.inf
        for i, v in enumerate(vectors):
            if not alive[i] or (eligible is not None and not eligible(i, chosen)):
                continue
            cross = dot(v, summary) if summary else 0.0
            base = (s_dot + to_c[i]) / math.sqrt(s_sq + 2 * cross + 1.0)
            value = score(i, base, chosen) if score is not None else base
            if value > best_score:
                best, best_score = i, value
        if best < 0:
            break
        v = vectors[best]
        s_sq += 2 * (dot(v, summary) if summary else 0.0) + 1.0
        s_dot += to_c[best]
        _add(summary, v)
        chosen.append(best)
        alive[best] = False
        for i, other in enumerate(vectors):  # near repeats of the new pick are out
            if alive[i] and dot(other, v) > max_sim:
                alive[i] = False
    return chosen


def summarise_day(day: date, cands: Sequence[Sent], k: int, vec: Vectorizer, *,
                  accept: Callable[[Sent], bool] | None = None, used: list[dict[str, float]] | None = None,
                  explicit_bonus: float = 0.0, item_bonus: float = 0.2, max_sim: float = 0.5, min_words: int = 6,
                  max_words: int = 60) -> list[Sent]:
    """Up to ``k`` sentences that together stay closest to the day's centroid (CentroidOpt), each
    checked by ``accept``, none a near repeat (cosine > ``max_sim``) of another or of ``used``."""
    pool = candidate_pool([trim_lead(s) for s in cands], vec, lambda s: min_words <= len(s.text.split()) <= max_words
                          and not s.comment and (accept is None or accept(s)) and citable(s.text))
    if not pool:
        return []
    centroid: dict[str, float] = {}
    for s, v in pool:
        _add(centroid, v, s.weight)
    item = [bool(s.dates) and s.dates[0] == day and is_item(s.text) for s, _ in pool]
    blocked = [any(dot(v, u) > max_sim for u in (used or ())) for _, v in pool]
    picked = centroid_opt([v for _, v in pool], centroid, k, max_sim=max_sim,
                          eligible=lambda i, chosen: not blocked[i],
                          score=lambda i, base, chosen: base * pool[i][0].weight
                          + (explicit_bonus if day in pool[i][0].dates else 0.0) + (item_bonus if item[i] else 0.0))
    chosen = [pool[i][0] for i in picked]
    return [trim_item(s) if it else s for s, it in ((s, is_item(s.text)) for s in chosen)]


def _cut(s: Sent, at: int) -> Sent:
    """``s`` cited from character ``at`` of its text on."""
    return dataclasses.replace(s, start=s.start + at, text=s.text[at:])


def trim_item(s: Sent) -> Sent:
    """A dated list item cited without its date prefix ("March 5 - The council meets" -> "The council meets")."""
    m = re.match(r"^.*?\s(?:-{1,2}|\u2013|\u2014)\s+", s.text)
    return _cut(s, m.end()) if m else s


#: sentences of an article, from its start, that may carry the page's furniture (stamp, byline, photo credit)
LEAD_FURNITURE = 3


def trim_lead(s: Sent) -> Sent:
    """A sentence at an article's start cited without the page furniture run into it: a leading stamp, byline
    or photo credit ("Photograph: Jane Roe/AP A killer virus ..."), or a headline and the page's stamp before
    the lead ("Floods close roads Sunday 26 April 2009 10.40 BST A couple wades ...": the lead)."""
    if s.index >= LEAD_FURNITURE:
        return s
    at = lead_start(s.text)
    at += after_stamp(s.text[at:])
    return _cut(s, at) if 0 < at < len(s.text) else s


#: a day's undated candidates are the first PUB_LEAD + 1 sentences of the articles published on it or the day
#: after (the news); sentences further down (background, more often) only when the day has nothing else
PUB_LEAD = 2


def build_timeline(sents: Sequence[Sent], *, max_dates: int = 10, per_date: int = 2,
                   weights: Sequence[float] = DATE_WEIGHTS, intercept: float = 0.0,
                   accept: Callable[[Sent], bool] | None = None, start: date | None = None,
                   end: date | None = None, vectorizer: Vectorizer | None = None,
                   days: Sequence[date] | None = None) -> list[TimelineDay]:
    """The timeline of a set of sentences: up to ``max_dates`` days in date order, each with up to
    ``per_date`` sentences (see the module docstring). ``start``/``end`` bound the days; ``days`` gives
    the days instead of ranking them (the evaluation's date oracle)."""
    vec = vectorizer or Vectorizer(s.text for s in sents)
    ment, pub = collect(sents)
    ranked = [(d, 1.0) for d in days] if days is not None else \
        [(d, sc) for d, sc in rank_dates(date_features(sents, accept), weights, intercept)
         if (start is None or d >= start) and (end is None or d <= end)]
    days: list[TimelineDay] = []
    used: list[dict[str, float]] = []
    for d, score in ranked:
        if len(days) >= max_dates:
            break
        near = [s for s in pub.get(d, []) if s.index <= PUB_LEAD]
        picked = summarise_day(d, ment.get(d, []) + near, per_date, vec, accept=accept, used=used)
        if not picked and len(near) < len(pub.get(d, [])):  # the rest of the leads, when nothing else is left
            picked = summarise_day(d, ment.get(d, []) + pub[d], per_date, vec, accept=accept, used=used)
        if picked:
            used.extend(vec(s.text) for s in picked)
            days.append(TimelineDay(d, score, picked))
    return sorted(days, key=lambda t: t.date)
