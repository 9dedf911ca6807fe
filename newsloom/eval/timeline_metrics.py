"""Timeline metrics as the ``tilse`` package defines them (Martschat & Markert 2017), as news-tls uses them.

A timeline is ``{date: [sentence, ...]}`` (sentences as space-separated tokens). The measures:

* **concat**: ROUGE of all of the system's sentences against all of the reference's.
* **align+ m:1** (``align_date_content_costs_many_to_one``): every system date is matched to the reference
  date of least cost ``(1 - 1/(|d_s - d_r| + 1)) * (1 - ROUGE-1-approx(s, r))``, and the reference dates
  to system dates the same way for recall; a matched pair's ROUGE hits count ``1/(|d_s - d_r| + 1)``; an
  unmatched date's counts go to the denominators only.
* **date F1**: F1 of the two date sets.

ROUGE counts come from a scorer: :class:`RougeCounter` ports tilse's ``RougeReimplementation`` (lower
case, the ROUGE-1.5.5 SMART stop words and ``. , ; : `` '' - "`` dropped, Porter stems, n-gram clipped
counts); ``perl_rouge()`` returns tilse's own ``pyrouge.Rouge155`` (the ROUGE-1.5.5 script, as news-tls
ran it) when tilse is installed. ``tests/test_timeline_metrics.py`` checks both against tilse.
"""
from __future__ import annotations

import string
from collections import Counter
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any, Protocol

from ..errors import MissingDependency

__all__ = ["RougeCounter", "perl_rouge", "rouge_approx", "concat", "align_m1", "date_f1", "f_score", "Timeline"]

Timeline = dict[date, list[str]]
_PUNCT = frozenset([".", ",", ";", ":", "``", "''", "-", '"'])


class Scorer(Protocol):
    def score_summary(self, summary: list[list[str]], references: dict[str, list[list[str]]]) -> dict[str, int]: ...


def f_score(p: float, r: float) -> float:
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


class RougeCounter:
    """ROUGE-1/2 hit and length counts of tilse's ``RougeReimplementation`` (stemmed, stop words dropped)."""

    def __init__(self) -> None:
        from nltk.stem import PorterStemmer  # tilse's stemmer (NLTK's default mode)

        self._stem = lru_cache(maxsize=200_000)(self._stem_one)
        self._porter = PorterStemmer()
        words = resources.files("newsloom").joinpath("data/smart_common_words.txt").read_text().splitlines()
        self.ignore = frozenset(words) | _PUNCT

    def _stem_one(self, token: str) -> str:
        try:
            return self._porter.stem(token)
        except IndexError:
            return token

    def tokens(self, sentences: list[list[str]]) -> list[str]:
        return [self._stem(t.lower()) for s in sentences for t in s if t.lower() not in self.ignore]

    def score_summary(self, summary: list[list[str]], references: dict[str, list[list[str]]]) -> dict[str, int]:
        pred = self.tokens(summary)
        refs = [self.tokens(r) for r in references.values()]
        out: dict[str, int] = {}
        for n, grams in ((1, lambda t: t), (2, lambda t: list(zip(t, t[1:])))):
            p = Counter(grams(pred))
            rc = [Counter(grams(r)) for r in refs]
            out[f"rouge_{n}_h_count"] = sum(min(c, r[g]) for g, c in p.items() for r in rc)
            out[f"rouge_{n}_p_count"] = len(rc) * sum(p.values())
            out[f"rouge_{n}_m_count"] = sum(sum(r.values()) for r in rc)
        return out


def perl_rouge() -> Scorer:
    """The ROUGE-1.5.5 Perl script through tilse's bundled ``pyrouge`` (stemmed, stop words removed, raw
    counts), as news-tls scored; needs ``pip install --no-deps tilse==0.2.1`` and perl."""
    try:
        from pyrouge import Rouge155  # shipped inside the tilse wheel
    except ImportError as exc:
        raise MissingDependency("tilse (its bundled ROUGE-1.5.5 Perl script)", "pip install --no-deps 'tilse==0.2.1'") \
            from exc
    return Rouge155(average="raw", stem=True, ignore_stopwords=True)


def rouge_approx(pred: list[str], refs: list[list[str]]) -> float:
    """tilse's ``compute_rouge_approximation``: unigram F1 of raw tokens (no stems, punctuation dropped)."""
    p = Counter(t for s in pred for t in s.split() if t not in string.punctuation)
    rc = [Counter(t for s in r for t in s.split() if t not in string.punctuation) for r in refs]
    match = sum(min(c, r[t]) for t, c in p.items() for r in rc)
    pd, rd = len(rc) * sum(p.values()), sum(sum(r.values()) for r in rc)
    return f_score(match / pd if pd else 0.0, match / rd if rd else 0.0)


def _split(sents: list[str]) -> list[list[str]]:
    return [s.split() for s in sents]


def concat(pred: Timeline, refs: list[Timeline], scorer: Scorer) -> dict[str, dict[str, float]]:
    """The 'concat' variant: every sentence of each timeline, in date order, as one summary."""
    p = [t for d in sorted(pred) for t in _split(pred[d])]
    r = {str(i): [t for d in sorted(ref) for t in _split(ref[d])] for i, ref in enumerate(refs)}
    c = scorer.score_summary(p, r)
    out = {}
    for n in (1, 2):
        h, pd, md = c[f"rouge_{n}_h_count"], c[f"rouge_{n}_p_count"], c[f"rouge_{n}_m_count"]
        prec, rec = (h / pd if pd else 0.0), (h / md if md else 0.0)
        out[f"rouge_{n}"] = {"precision": prec, "recall": rec, "f_score": f_score(prec, rec)}
    return out


def _ref_at(refs: list[Timeline], d: date) -> dict[str, list[str]]:
    """tilse's ``GroundTruth[d]``: the summary of each reference timeline that has the date."""
    return {str(i): ref[d] for i, ref in enumerate(refs) if d in ref}


def align_m1(pred: Timeline, refs: list[Timeline], scorer: Scorer) -> dict[str, dict[str, float]]:
    """The 'align+ m:1' variant (tilse ``evaluate_align_date_content_costs_many_to_one``)."""
    pred_dates = sorted(pred)
    ref_dates = sorted({d for r in refs for d in r})
    num = {n: [0.0, 0.0] for n in (1, 2)}  # precision numerator, recall numerator
    den = {n: [0, 0] for n in (1, 2)}

    def cost(dp: date, dr: date) -> float:
        return (1 - 1 / (abs(dp.toordinal() - dr.toordinal()) + 1)) * \
            (1 - rouge_approx(pred[dp], list(_ref_at(refs, dr).values())))

    def add(which: int, dp: date | None, dr: date | None) -> None:
        summary = _split(pred[dp]) if dp is not None else [[""]]
        gt = {k: _split(v) for k, v in _ref_at(refs, dr).items()} if dr is not None else \
            {str(i): [[""]] for i in range(len(refs))}
        c = scorer.score_summary(summary, gt)
        w = 1 / (abs(dp.toordinal() - dr.toordinal()) + 1) if dp is not None and dr is not None else 1.0
        for n in (1, 2):
            num[n][which] += w * c[f"rouge_{n}_h_count"]
            den[n][which] += c[f"rouge_{n}_p_count"] if which == 0 else c[f"rouge_{n}_m_count"]

    if ref_dates:
        for dp in pred_dates:  # precision: each system date to its cheapest reference date (first on ties)
            costs = [cost(dp, dr) for dr in ref_dates]
            add(0, dp, ref_dates[costs.index(min(costs))])
    else:
        for dp in pred_dates:
            add(0, dp, None)
    if pred_dates:
        for dr in ref_dates:  # recall: each reference date to its cheapest system date
            costs = [cost(dp, dr) for dp in pred_dates]
            add(1, pred_dates[costs.index(min(costs))], dr)
    else:
        for dr in ref_dates:
            add(1, None, dr)
    out = {}
    for n in (1, 2):
        prec = num[n][0] / den[n][0] if den[n][0] else 0.0
        rec = num[n][1] / den[n][1] if den[n][1] else 0.0
        out[f"rouge_{n}"] = {"precision": prec, "recall": rec, "f_score": f_score(prec, rec)}
    return out


def date_f1(pred: Timeline, refs: list[Timeline]) -> dict[str, float]:
    """Precision, recall and F1 of the system's dates against the reference dates."""
    p, r = set(pred), {d for ref in refs for d in ref}
    both = len(p & r)
    prec, rec = (both / len(p) if p else 0.0), (both / len(r) if r else 0.0)
    return {"precision": prec, "recall": rec, "f_score": f_score(prec, rec)}


def evaluate(pred: Timeline, refs: list[Timeline], scorer: Any) -> dict[str, Any]:
    """All three measures of one system timeline against its reference timeline(s)."""
    return {"concat": concat(pred, refs, scorer), "align_m1": align_m1(pred, refs, scorer),
            "dates": date_f1(pred, refs)}
