"""``newsloom eval timelines``: timeline summarisation on Timeline17, scored as news-tls scores it.

Per gold timeline (the setting of Gholipour Ghalandari & Ifrim 2020): the articles of its collection
published between its first and last date; ``l`` = its number of dates, ``k`` = its mean number of
sentences per date (rounded); a summary sentence must contain a query term of the collection. Scores:
alignment ROUGE-1/2 F1 (tilse align+ m:1), concat ROUGE-1/2 F1 and date F1, per timeline and averaged
(means of precision and recall, then F1, as news-tls averages). Systems, all in the same run:

* ``newsloom``: :func:`newsloom.stages.timelines.build_timeline`, its day weights fitted leave-one-topic-out
  by a pairwise ranking loss (:func:`fit_pairwise`);
* ``datewise``: news-tls's Datewise re-implemented (supervised date ranker by linear regression on its 7
  features, fitted leave-one-topic-out; the PM-Mean sentence collector with its knee-point cut; CentroidOpt);
* ``date-oracle``: the gold dates, newsloom's sentence choice; ``oracle``: the gold dates, and per date the
  candidate sentences that best match the gold summary (greedy ROUGE-1), the ceiling of this candidate set.

The articles are read without spaCy: rule-split sentences and regex date expressions resolved by the dates
stage's resolver (:mod:`newsloom.stages.sentences`), about 12 s for all 4,352 articles.
"""
from __future__ import annotations

import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..stages.comments import comments_start
from ..stages.sentences import find_dates, split_sentences
from ..stages.summaries import lead_baseline, summarise
from ..stages.timelines import (FEATURES, RANKED, Sent, Vectorizer, article_sents, build_timeline, centroid_opt,
                                collect, cosine, date_features, normalise_columns, stop_words)
from . import Table, bench_data_root, evaluation
from . import timeline_metrics as M

__all__ = ["load_t17", "run_timelines_eval", "datewise", "fit_weights", "fit_pairwise", "query_terms", "tokenize"]

PUBLISHED = {  # Table 4 of news-tls (ACL 2020), T17; LLM systems as the issue gives them
    "Datewise (news-tls, published)": (0.120, 0.035, 0.544),
    "LLM-TLS (published)": (0.118, 0.036, 0.528),
    "SUnSET (published)": (0.136, 0.044, 0.576),
    "Full Oracle (news-tls, published)": (0.312, 0.128, 0.926),
}
_DATEWISE_FEATURES = 7  # news-tls's features are the first seven of FEATURES
_TOKEN = re.compile(r"\w+(?:[-'.]\w+)*|[^\w\s]")


def tokenize(text: str) -> str:
    """Space-separated tokens, punctuation split off (the gold summaries are tokenised this way)."""
    return " ".join(_TOKEN.findall(text))


def load_t17(root: Path, *, topics: int | None = None, limit: int | None = None) -> dict[str, Any]:
    """Timeline17 as {collection: {"sents": [Sent], "timelines": [...], "topic": str}}.

    Args:
        root: the ``timeline17`` folder.
        topics: keep only the first N topics (sorted by name).
        limit: keep at most N articles per collection (in file order).
    """
    arts, tls = root / "articles.jsonl", root / "timelines.jsonl"
    if not arts.is_file() or not tls.is_file():
        raise ConfigError(f"{root}: no articles.jsonl / timelines.jsonl (the Timeline17 folder is "
                          "../shared/bench-data/timeline17)", code="E213")
    data: dict[str, Any] = {}
    for line in tls.open(encoding="utf-8"):
        tl = json.loads(line)
        if not tl.get("has_articles"):
            continue
        days: dict[date, list[str]] = defaultdict(list)
        for e in tl["entries"]:
            days[date.fromisoformat(e["date"])].extend(s.strip() for s in re.split(r"\s{2,}", e["text"].strip())
                                                       if s.strip())
        c = data.setdefault(tl["collection"], {"topic": tl["topic"], "timelines": [], "sents": [], "texts": []})
        c["timelines"].append({"id": tl["timeline_id"], "days": dict(days)})
    keep = sorted({c["topic"] for c in data.values()})[:topics] if topics else None
    data = {k: v for k, v in data.items() if keep is None or v["topic"] in keep}
    counts: Counter[str] = Counter()
    for line in arts.open(encoding="utf-8"):
        a = json.loads(line)
        c = data.get(a["collection"])
        if c is None or not a.get("text") or (limit and counts[a["collection"]] >= limit):
            continue
        counts[a["collection"]] += 1
        text, pub = a["text"], date.fromisoformat(a["date"])
        spans = split_sentences(text)
        cut = comments_start(text)
        found = [(start, date.fromisoformat(value)) for start, _, value, _ in find_dates(text, pub, spans)]
        c["texts"].append(text[:cut])  # the report, not its reader comments
        c["sents"].extend(article_sents(a["id"], text, pub, found, spans, comments_from=cut))
    return data


def query_terms(texts: Sequence[str], n: int = 3) -> list[str]:
    """The collection's query: its ``n`` capitalised words found in the most articles (a timeline's
    topic named by its own articles; news-tls used hand-written keyphrases we do not have)."""
    df: Counter[str] = Counter()
    sw = stop_words()
    for t in texts:
        df.update({w.lower() for w in re.findall(r"(?<=[a-z,;] )[A-Z][a-z]{2,}", t) if w.lower() not in sw})
    return [w for w, _ in df.most_common(n)]


def _in_span(sents: list[Sent], start: date, end: date) -> list[Sent]:
    return [s for s in sents if s.published is not None and start <= s.published <= end]


def _xy(sents: list[Sent], gold: set[date], start: date, end: date, width: int,
        accept: Callable[[Sent], bool] | None = None) -> tuple[list[list[float]], list[float]]:
    feats = {d: v[:width] for d, v in date_features(sents, accept).items() if start <= d <= end}
    norm = normalise_columns(feats)
    xs = [norm[d] for d in sorted(norm)]
    return xs, [1.0 if d in gold else 0.0 for d in sorted(norm)]


def fit_weights(xs: list[list[float]], ys: list[float]) -> tuple[list[float], float]:
    """Least-squares linear regression (with intercept) of gold membership on day features."""
    import numpy as np

    x = np.array(xs, dtype=float)
    x1 = np.hstack([x, np.ones((len(x), 1))])
    coef, *_ = np.linalg.lstsq(x1, np.array(ys, dtype=float), rcond=None)
    return [float(c) for c in coef[:-1]], float(coef[-1])


def fit_pairwise(timelines: Sequence[tuple[list[list[float]], list[float], int]], *, top: int = 3,
                 c: float = 1.0) -> list[float]:
    """Weights that order each timeline's gold days above its other days (pairwise logistic loss, a
    RankNet-style learning-to-rank objective, fitted by Newton's method with an l2 penalty).

    Only the order inside a timeline matters (the timeline takes its top ``l`` days), so pairs are formed
    within a timeline, among its competitive days: the ``top * l`` days with the largest feature sum.
    Every timeline weighs the same (its pairs share one unit of weight), so a long timeline with many
    candidate days does not set the weights alone, as it does in the pooled least-squares fit.

    Args:
        timelines: per training timeline, (feature rows of its days, 1.0 gold / 0.0 not, its length l).
        top: the competitive days per timeline, as a multiple of l.
        c: weight of the data term against the l2 penalty ``|w|^2 / 2`` (scikit-learn's ``C``).

    Returns:
        one weight per feature (no intercept: it cannot change an order).
    """
    import numpy as np

    diffs, weights = [], []
    for xs, ys, l in timelines:
        x, y = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
        if not len(x):
            continue
        region = np.argsort(-x.sum(axis=1), kind="stable")[:top * l]
        pos, neg = region[y[region] > 0], region[y[region] == 0]
        if not len(pos) or not len(neg):
            continue
        d = (x[pos][:, None, :] - x[neg][None, :, :]).reshape(-1, x.shape[1])
        diffs.append(d)
        weights.append(np.full(len(d), 2.0 * len(timelines) * c / len(d)))
    if not diffs:
        return [1.0] * (len(timelines[0][0][0]) if timelines and timelines[0][0] else 0)
    d, s = np.vstack(diffs), np.concatenate(weights)
    w = np.zeros(d.shape[1])
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(d @ w)))  # the probability of the right order
        grad = w - (d * (s * (1 - p))[:, None]).sum(axis=0)
        hess = (d * (s * p * (1 - p))[:, None]).T @ d + np.eye(len(w))
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-10:
            break
    return [float(v) for v in w]


def _knee(values: list[float]) -> int:
    """news-tls's ``detect_knee_point``: the point farthest from the line through the first and last."""
    n = len(values)
    if n < 3:
        return 0
    x0, y0, x1, y1 = 0.0, values[0], float(n - 1), values[-1]
    dx, dy = x1 - x0, y1 - y0
    norm = math.hypot(dx, dy) or 1.0
    dists = [abs(dy * i - dx * (v - y0)) / norm for i, v in enumerate(values)]
    return max(range(n), key=lambda i: dists[i])


def datewise(sents: list[Sent], *, l: int, k: int, weights: Sequence[float], intercept: float,
             start: date, end: date, accept: Any) -> dict[date, list[Sent]]:
    """news-tls's Datewise: supervised date ranking, PM-Mean candidates with a knee cut, CentroidOpt."""
    vec = Vectorizer(s.text for s in sents)
    feats = {d: v[:_DATEWISE_FEATURES] for d, v in date_features(sents).items()}
    norm = normalise_columns(feats)
    ranked = sorted(norm, key=lambda d: -(intercept + sum(w * x for w, x in zip(weights, norm[d]))))
    ranked = [d for d in ranked if start <= d <= end]
    ment, pub = collect(sents, lead=5, pub_days=2)
    out: dict[date, list[Sent]] = {}
    for d in ranked:
        if len(out) >= l:
            break
        ms, ps = ment.get(d, []), pub.get(d, [])
        cands = ms + ps
        if ms and ps:  # the day's vector: terms found in both groups, each group's mean
            cm: dict[str, float] = defaultdict(float)
            cp: dict[str, float] = defaultdict(float)
            for s in ms:
                for w, x in vec(s.text).items():
                    cm[w] += x
            for s in ps:
                for w, x in vec(s.text).items():
                    cp[w] += x
            cdate = {w: cp[w] / len(ps) + cm[w] / len(ms) for w in cm if w in cp}
            sims = [cosine(cdate, vec(s.text)) for s in cands]
            ordered = sorted(sims, reverse=True)
            thresh = ordered[_knee(ordered)]
            picked = [s for s, x in zip(cands, sims) if x > 0 and x > thresh]
            cands = picked or cands
        centroid: dict[str, float] = defaultdict(float)
        vectors = [vec(s.text) for s in cands]
        for v in vectors:
            for w, x in v.items():
                centroid[w] += x
        picked = centroid_opt(vectors, centroid, k, max_sim=0.9999, eligible=lambda i, chosen: accept(cands[i]))
        summary = [cands[i] for i in picked]
        if summary:
            out[d] = summary
    return out


def _oracle_day(cands: list[Sent], ref: list[str], k: int, scorer: M.RougeCounter) -> list[Sent]:
    """Greedy: add the candidate that most raises ROUGE-1 F1 against the day's gold summary."""
    refs = {"0": [r.split() for r in ref]}
    pool = list({s.text: s for s in cands}.values())
    chosen: list[Sent] = []
    best_f = 0.0
    while len(chosen) < k and pool:
        scored = []
        for s in pool:
            c = scorer.score_summary([tokenize(x.text).split() for x in chosen + [s]], refs)
            p = c["rouge_1_h_count"] / c["rouge_1_p_count"] if c["rouge_1_p_count"] else 0.0
            r = c["rouge_1_h_count"] / c["rouge_1_m_count"] if c["rouge_1_m_count"] else 0.0
            scored.append((M.f_score(p, r), s))
        f, s = max(scored, key=lambda t: t[0])
        if f <= best_f and chosen:
            break
        best_f = f
        chosen.append(s)
        pool.remove(s)
    return chosen


def _as_timeline(days: dict[date, list[Sent]]) -> M.Timeline:
    return {d: [tokenize(s.text) for s in ss] for d, ss in days.items()}


def _query_filter(query: list[str]) -> Callable[[Sent], bool]:
    """The setting's rule: a summary sentence must contain a query term (also newsloom's on-topic test)."""
    def accept(s: Sent) -> bool:
        low = s.text.lower()
        return any(q in low for q in query)
    return accept


def run_systems(data: dict[str, Any], systems: Sequence[str], scorer: Any) -> list[dict[str, Any]]:
    """Every system on every gold timeline; one result row per (timeline, system)."""
    prepared = []
    for name, c in sorted(data.items()):
        query = query_terms(c["texts"])
        for tl in c["timelines"]:
            days = tl["days"]
            start, end = min(days), max(days)
            sents = _in_span(c["sents"], start, end)
            prepared.append({"collection": name, "topic": c["topic"], "tl": tl, "sents": sents, "query": query,
                             "accept": _query_filter(query),
                             "start": start, "end": end, "gold": set(days),
                             "l": len(days), "k": max(1, round(sum(len(v) for v in days.values()) / len(days)))})
    for p in prepared:  # features once per timeline, for the leave-one-topic-out fits
        p["xy"] = _xy(p["sents"], p["gold"], p["start"], p["end"], len(FEATURES), p["accept"])
    rows = []
    counter = M.RougeCounter()
    for p in prepared:
        train = [q for q in prepared if q["topic"] != p["topic"]]
        xs = [x for q in train for x in q["xy"][0]]
        ys = [y for q in train for y in q["xy"][1]]
        accept = p["accept"]
        refs = [p["tl"]["days"]]
        for system in systems:
            if system == "newsloom":
                cols = [FEATURES.index(f) for f in RANKED]
                sub = fit_pairwise([([[x[i] for i in cols] for x in q["xy"][0]], q["xy"][1], q["l"]) for q in train]) \
                    if xs else [1.0] * len(cols)
                w = [sub[cols.index(i)] if i in cols else 0.0 for i in range(len(FEATURES))]
                days = {t.date: t.sentences for t in build_timeline(
                    p["sents"], max_dates=p["l"], per_date=p["k"], weights=w, accept=accept,
                    start=p["start"], end=p["end"])}
            elif system == "datewise":
                w, b = fit_weights([x[:_DATEWISE_FEATURES] for x in xs], ys) if xs else \
                    ([1.0] * _DATEWISE_FEATURES, 0.0)
                days = datewise(p["sents"], l=p["l"], k=p["k"], weights=w, intercept=b, start=p["start"],
                                end=p["end"], accept=accept)
            elif system == "date-oracle":
                days = {t.date: t.sentences for t in build_timeline(
                    p["sents"], max_dates=p["l"], per_date=p["k"], accept=accept, days=sorted(p["tl"]["days"]))}
            elif system == "oracle":
                ment, pub = collect(p["sents"])
                days = {}
                for d, ref in sorted(p["tl"]["days"].items()):
                    picked = _oracle_day(ment.get(d, []) + pub.get(d, []), ref, p["k"], counter)
                    if picked:
                        days[d] = picked
            else:
                raise ConfigError(f"unknown timeline system {system!r}; known: newsloom, datewise, "
                                  "date-oracle, oracle", code="E214")
            pred = _as_timeline(days)
            scores = M.evaluate(pred, refs, scorer)
            rows.append({"timeline": p["tl"]["id"], "topic": p["topic"], "system": system, "scores": scores,
                         "n_dates": len(pred), "l": p["l"], "k": p["k"], "articles": len({s.article_id for s in p["sents"]}),
                         "query": " ".join(p["query"])})
    return rows


def _mean(rows: list[dict[str, Any]]) -> dict[str, float]:
    """news-tls's average: mean precision and mean recall over timelines, then F1."""
    out = {}
    for key, get in (("AR1", lambda s: s["align_m1"]["rouge_1"]), ("AR2", lambda s: s["align_m1"]["rouge_2"]),
                     ("C1", lambda s: s["concat"]["rouge_1"]), ("C2", lambda s: s["concat"]["rouge_2"]),
                     ("DateF1", lambda s: s["dates"])):
        p = sum(get(r["scores"])["precision"] for r in rows) / len(rows)
        r_ = sum(get(r["scores"])["recall"] for r in rows) / len(rows)
        out[key] = M.f_score(p, r_)
    return out


def day_summaries(data: dict[str, Any], scorer: Any) -> Table:
    """Cited summaries of a day's news against the gold summary of that day, beside the lead baseline.

    For every gold day: the articles published that day or the next (the day's reports), summarised in as
    many sentences as the gold summary has (1 to 6); ROUGE-1/2 F1 per day, averaged over days.
    """
    totals: dict[str, list[list[float]]] = {"newsloom summary": [], "lead baseline": []}
    days_scored = 0
    for c in data.values():
        by_day: dict[date, list[Sent]] = defaultdict(list)
        for s in c["sents"]:
            if s.published is not None:
                by_day[s.published].append(s)
        for tl in c["timelines"]:
            for d, ref in tl["days"].items():
                sents = by_day.get(d, []) + by_day.get(date.fromordinal(d.toordinal() + 1), [])
                if not sents:
                    continue
                k = min(6, max(1, len(ref)))
                refs = {"0": [r.split() for r in ref]}
                days_scored += 1
                for name, picked in (("newsloom summary", summarise(sents, k)), ("lead baseline", lead_baseline(sents, k))):
                    c_ = scorer.score_summary([tokenize(x.text).split() for x in picked], refs)
                    row = []
                    for n in (1, 2):
                        h, pd, md = c_[f"rouge_{n}_h_count"], c_[f"rouge_{n}_p_count"], c_[f"rouge_{n}_m_count"]
                        row.append(M.f_score(h / pd if pd else 0.0, h / md if md else 0.0))
                    totals[name].append(row)
    t = Table(f"Day summaries on Timeline17 ({days_scored} gold days with articles that day or the next)",
              ["system", "ROUGE-1 F", "ROUGE-2 F"])
    for name, rows in totals.items():
        n = max(1, len(rows))
        t.rows.append({"system": name, "ROUGE-1 F": round(sum(r[0] for r in rows) / n, 3),
                       "ROUGE-2 F": round(sum(r[1] for r in rows) / n, 3)})
    t.notes = ["Lead baseline: the first sentence of each article, earliest first. No query filter, no dates: "
               "the summary a story gets."]
    return t


@evaluation("timelines", help="Timeline17: alignment ROUGE-1/2 F1 (tilse align+ m:1), concat ROUGE and date F1, "
                              "newsloom beside Datewise and oracles")
def run_timelines_eval(data: str | None = None, topics: str | int | None = None, limit: str | int | None = None,
                       rouge: str = "python", systems: str = "newsloom,datewise,date-oracle,oracle",
                       summaries: str | int = 1, **_: Any) -> list[Table]:
    """Run the systems on Timeline17 and tabulate per timeline and mean.

    Options (``-o KEY VALUE``): ``topics N`` (first N topics), ``limit N`` (articles per collection),
    ``rouge python|perl`` (tilse's reimplemented ROUGE, or its ROUGE-1.5.5 Perl script as news-tls ran it),
    ``systems a,b`` (newsloom, datewise, date-oracle, oracle), ``summaries 0`` (skip the day-summary table).
    """
    root = bench_data_root(data)
    root = root / "timeline17" if (root / "timeline17").is_dir() else root
    corpus = load_t17(root, topics=int(topics) if topics else None, limit=int(limit) if limit else None)
    if rouge not in ("python", "perl"):
        raise ConfigError(f"-o rouge must be python or perl, not {rouge!r}", code="E215")
    scorer = M.RougeCounter() if rouge == "python" else M.perl_rouge()
    names = [s.strip() for s in systems.split(",") if s.strip()]
    rows = run_systems(corpus, names, scorer)
    per = Table("Timeline17 per timeline (AR = tilse align+ m:1 ROUGE F1, DateF1)",
                ["timeline", "articles", "l", "k"] + [f"{s} AR1/AR2/DateF1" for s in names])
    by_tl: dict[str, dict[str, Any]] = {}
    for r in rows:
        row = by_tl.setdefault(r["timeline"], {"timeline": r["timeline"], "articles": r["articles"], "l": r["l"],
                                               "k": r["k"]})
        s = r["scores"]
        row[f"{r['system']} AR1/AR2/DateF1"] = (f"{s['align_m1']['rouge_1']['f_score']:.3f} / "
                                                f"{s['align_m1']['rouge_2']['f_score']:.3f} / "
                                                f"{s['dates']['f_score']:.3f}")
    per.rows = list(by_tl.values())
    topics = Table("Timeline17 per topic (mean over its timelines: AR1/AR2/DateF1)",
                   ["topic", "timelines"] + [f"{s} AR1/AR2/DateF1" for s in names])
    for topic in sorted({r["topic"] for r in rows}):
        row: dict[str, Any] = {"topic": topic, "timelines": len({r["timeline"] for r in rows if r["topic"] == topic})}
        for system in names:
            m = _mean([r for r in rows if r["topic"] == topic and r["system"] == system])
            row[f"{system} AR1/AR2/DateF1"] = f"{m['AR1']:.3f} / {m['AR2']:.3f} / {m['DateF1']:.3f}"
        topics.rows.append(row)
    mean = Table(f"Timeline17 mean over {len(by_tl)} timelines (ROUGE: {rouge})",
                 ["system", "AR1-F", "AR2-F", "Date-F1", "concat R1-F", "concat R2-F"])
    for system in names:
        m = _mean([r for r in rows if r["system"] == system])
        mean.rows.append({"system": system, "AR1-F": round(m["AR1"], 3), "AR2-F": round(m["AR2"], 3),
                          "Date-F1": round(m["DateF1"], 3), "concat R1-F": round(m["C1"], 3),
                          "concat R2-F": round(m["C2"], 3)})
    for name, (a1, a2, df) in PUBLISHED.items():
        mean.rows.append({"system": name, "AR1-F": a1, "AR2-F": a2, "Date-F1": df, "concat R1-F": "",
                          "concat R2-F": ""})
    mean.notes = [
        "Published rows: 19 timelines of news-tls's own T17 copy (HeidelTime dates, hand-written query keyphrases, "
        "ROUGE-1.5.5 Perl); here: the tls-rl copy, 18 timelines (Finan has no articles), rule-split sentences, "
        "regex dates, queries from each collection's most frequent capitalised words.",
        "Day weights are fitted leave-one-topic-out: Datewise's by linear least squares, as news-tls fits its date "
        "ranker; newsloom's by a pairwise ranking loss within each timeline (fit_pairwise).",
    ]
    return [mean, topics, per] + ([day_summaries(corpus, scorer)] if str(summaries) not in ("0", "false", "no") else [])
