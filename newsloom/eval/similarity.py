"""``newsloom eval similarity``: article similarity against the SemEval-2022 Task 8 Overall rating (Pearson).

The sample (``semeval2022_task8_sample``) has no split, so everything fitted is fitted in 5-fold
cross-validation, the folds grouped by article (pairs that share an article, directly or through
other pairs, are in one fold: no article is seen in training and testing), and Pearson is computed
on the pooled out-of-fold predictions. Lower Overall = more similar, so the rating is negated.

Rows, each measured in the same run:

* the embed stage's cosine (multilingual USE, chunked lead): what the stories stage's ``embedding``
  feature is, unfitted;
* the same cosine through a monotone calibration (isotonic regression, fitted in CV): the same
  ranking, on the rating's scale;
* pair features a story match can use, combined linearly (least squares, CV) and then calibrated:
  the embedding cosine, the word TF-IDF cosine, the shared capitalised names (they are written alike
  across the Latin-script languages) and the shared figures (numbers, years);
* baselines: word TF-IDF cosine.

A second table gives the same Pearson per language pair (the embedding cosine, raw and calibrated, and
the calibrated combination), each from the pooled out-of-fold predictions restricted to that pair.
"""
from __future__ import annotations

import json
import re
import time
from typing import Any

import numpy as np

from ..model import Article
from ..stages.embed import Embed
from ..storage.tables.embed import decode_vector
from . import Table, bench_data_root, evaluation
from .stories import _settings, _tfidf

__all__ = ["eval_similarity", "pair_features", "grouped_folds", "isotonic_fit", "by_language_pair"]

_NAME = re.compile(r"\b[^\W\d_][^\W_]{2,}")
_FIGURE = re.compile(r"\d+(?:[.,]\d+)*")


def _names(text: str) -> set[str]:
    return {w.casefold() for w in _NAME.findall(text) if w[0].isupper()}


def _jaccard(a: list[set[str]], b: list[set[str]]) -> np.ndarray:
    return np.array([len(x & y) / len(x | y) if x | y else 0.0 for x, y in zip(a, b)])


def pair_features(texts: list[str], vecs: np.ndarray, a: np.ndarray, b: np.ndarray) -> dict[str, np.ndarray]:
    """Features of the pairs ``(texts[a[i]], texts[b[i]])``: embedding cosine, word TF-IDF cosine, shared
    capitalised names and shared figures (Jaccard)."""
    m = _tfidf(texts)
    names = [_names(t) for t in texts]
    figures = [set(_FIGURE.findall(t)) for t in texts]
    return {"embedding": (vecs[a] * vecs[b]).sum(1),
            "words": np.asarray(m[a].multiply(m[b]).sum(axis=1)).ravel(),
            "names": _jaccard([names[i] for i in a], [names[i] for i in b]),
            "figures": _jaccard([figures[i] for i in a], [figures[i] for i in b])}


def grouped_folds(a: np.ndarray, b: np.ndarray, k: int = 5, seed: int = 0) -> np.ndarray:
    """A fold number per pair; pairs linked by a shared article (transitively) share a fold."""
    parent = list(range(int(max(a.max(), b.max())) + 1))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for x, y in zip(a.tolist(), b.tolist()):
        parent[root(x)] = root(y)
    comps = np.array([root(x) for x in a.tolist()])
    order = np.unique(comps)
    np.random.default_rng(seed).shuffle(order)
    fold = {c: i % k for i, c in enumerate(order.tolist())}
    return np.array([fold[c] for c in comps.tolist()])


def isotonic_fit(x: np.ndarray, y: np.ndarray) -> Any:
    """The non-decreasing step function of ``x`` closest to ``y`` (least squares), as ``f(new_x)``."""
    from scipy.optimize import isotonic_regression

    order = np.argsort(x, kind="stable")
    xs, fitted = x[order], isotonic_regression(y[order]).x
    return lambda new: np.interp(new, xs, fitted)


def _cross_validated(x: np.ndarray, y: np.ndarray, folds: np.ndarray, calibrate: bool) -> np.ndarray:
    """Out-of-fold predictions of ``y`` from the columns of ``x``: least squares, then optionally isotonic."""
    out = np.zeros(len(y))
    design = np.column_stack([x, np.ones(len(y))])
    for k in np.unique(folds):
        train, test = folds != k, folds == k
        coef = np.linalg.lstsq(design[train], y[train], rcond=None)[0]
        out[test] = design[test] @ coef
        if calibrate:
            out[test] = isotonic_fit(design[train] @ coef, y[train])(out[test])
    return out


def by_language_pair(langs: list[str], similar: np.ndarray, systems: dict[str, np.ndarray]) -> Table:
    """Pearson of each system's scores with ``similar`` within each language pair (most pairs first), then
    over all same-language and all cross-lingual pairs; a group of fewer than 3 pairs, or a constant one, is
    skipped (Pearson is undefined there)."""
    from scipy.stats import pearsonr

    table = Table("Pearson per language pair", ["pairs", "n", *systems])
    lang = np.array(langs)
    cross = np.array([a != b for a, b in (x.split("-") for x in langs)])
    groups = [(name, lang == name) for name in sorted(set(langs), key=lambda x: (-(lang == x).sum(), x))]
    groups += [("same-language", ~cross), ("cross-lingual", cross)]
    for name, mask in groups:
        if mask.sum() < 3 or np.ptp(similar[mask]) == 0:
            continue
        row: dict[str, Any] = {"pairs": name, "n": int(mask.sum())}
        for system, sims in systems.items():
            ok = np.ptp(sims[mask]) > 0
            row[system] = round(float(pearsonr(sims[mask], similar[mask])[0]), 3) if ok else None
        table.rows.append(row)
    return table


@evaluation("similarity", help="Article similarity: Pearson with SemEval-2022 Task 8 Overall, with baselines")
def eval_similarity(data: str | None = None, **_: Any) -> list[Table]:
    """Pearson correlation of newsloom's pair similarity with the SemEval-2022 Task 8 Overall rating."""
    from scipy.stats import pearsonr

    path = bench_data_root(data) / "semeval2022_task8_sample" / "training_pairs.jsonl"
    pairs = [json.loads(line) for line in path.open(encoding="utf-8")]
    texts = sorted({p["text1"] for p in pairs} | {p["text2"] for p in pairs})
    index = {t: i for i, t in enumerate(texts)}
    embed = Embed(_settings())
    t0, cpu0 = time.perf_counter(), time.process_time()
    arts = embed.pipe([Article(id=str(i), external_id=str(i), title="", text=t) for i, t in enumerate(texts)])
    secs, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    vecs = np.stack([decode_vector(a.annotations["embedding"]["vector"]) for a in arts])
    a = np.array([index[p["text1"]] for p in pairs])
    b = np.array([index[p["text2"]] for p in pairs])
    similar = -np.array([p["overall"] for p in pairs])  # lower Overall = more similar
    cross = np.array([p["lang1"] != p["lang2"] for p in pairs])
    folds = grouped_folds(a, b)
    cpu0 = time.process_time()
    feats = pair_features(texts, vecs, a, b)
    feat_ms = 1000 * (time.process_time() - cpu0) / len(pairs)
    table = Table(f"article similarity on the SemEval-2022 Task 8 sample ({len(pairs)} pairs, {len(texts)} texts)",
                  ["system", "Pearson", "cross-lingual pairs", "same-language pairs"])

    def row(name: str, sims: np.ndarray) -> None:
        table.rows.append({"system": name, "Pearson": round(float(pearsonr(sims, similar)[0]), 4),
                           "cross-lingual pairs": round(float(pearsonr(sims[cross], similar[cross])[0]), 4),
                           "same-language pairs": round(float(pearsonr(sims[~cross], similar[~cross])[0]), 4)})

    calibrated = _cross_validated(feats["embedding"][:, None], similar, folds, True)
    x = np.column_stack(list(feats.values()))
    combined = _cross_validated(x, similar, folds, True)
    row("embedding cosine (USE, chunked lead)", feats["embedding"])
    row("embedding, calibrated (CV)", calibrated)
    row("embedding+words+names+figures (CV)", _cross_validated(x, similar, folds, False))
    row("the same, calibrated (CV)", combined)
    row("baseline word TF-IDF cosine", feats["words"])
    table.notes.append(f"embedding {len(texts)} texts: {secs:.1f} s wall, {cpu:.1f} s CPU "
                       f"({1000 * cpu / len(texts):.1f} ms CPU per article); the other pair features "
                       f"{feat_ms:.2f} ms CPU per pair")
    table.notes.append("embedding: the embed stage's vectors, as the stories stage compares them; calibrated: through "
                       "a monotone map (isotonic regression); +words+names+figures: least squares over the embedding "
                       "cosine, word TF-IDF cosine, shared capitalised names and shared figures (Jaccard)")
    table.notes.append(f"the sample has no split: 5 folds grouped by article (pairs sharing an article, directly or "
                       f"not, in one fold; {np.bincount(folds).tolist()} pairs), Pearson on the pooled out-of-fold "
                       f"predictions; nothing was tuned on the ratings besides these fits")
    langs = [f"{p['lang1']}-{p['lang2']}" for p in pairs]
    per_language = by_language_pair(langs, similar, {"embedding": feats["embedding"], "calibrated": calibrated,
                                                     "+words+names+figures, calibrated": combined})
    return [table, per_language]
