"""The tilse timeline metrics: a worked example by hand, and agreement with the tilse package itself."""
from __future__ import annotations

from datetime import date

import pytest

from newsloom.eval import timeline_metrics as M

PRED = {date(2011, 1, 2): ["cairo police fire"]}
REF = {date(2011, 1, 1): ["cairo police army"], date(2011, 1, 11): ["army leaves"]}


def test_worked_example_align_m1():
    # precision: Jan 2 -> Jan 1 (cost 0.5 * (1 - 2/3) < 0.9 * 1); hits 2 of 3 unigrams, weighted 1/2 -> 1/3
    # recall: Jan 1 -> Jan 2 (2 hits x 1/2 of 3) and Jan 11 -> Jan 2 (0 hits of 2) -> 1/5; F1 = 0.25
    # bigrams: precision 0.5 * 1 / 2 = 1/4, recall 0.5 * 1 / (2 + 1) = 1/6, F1 = 0.2
    got = M.align_m1(PRED, [REF], M.RougeCounter())
    assert got["rouge_1"]["precision"] == pytest.approx(1 / 3)
    assert got["rouge_1"]["recall"] == pytest.approx(1 / 5)
    assert got["rouge_1"]["f_score"] == pytest.approx(0.25)
    assert got["rouge_2"]["f_score"] == pytest.approx(0.2)


def test_worked_example_concat_and_dates():
    got = M.concat(PRED, [REF], M.RougeCounter())  # 2 hits; 3 system unigrams, 5 reference unigrams
    assert got["rouge_1"]["precision"] == pytest.approx(2 / 3)
    assert got["rouge_1"]["recall"] == pytest.approx(2 / 5)
    assert got["rouge_1"]["f_score"] == pytest.approx(0.5)
    assert M.date_f1(PRED, [REF])["f_score"] == 0.0
    assert M.date_f1(REF, [REF])["f_score"] == 1.0


def test_rouge_counts_stem_and_drop_stop_words():
    # "cats" and "cat" stem alike; "the", "were", "a" and "sat" (Saturday) are SMART stop words
    c = M.RougeCounter().score_summary([["The", "cats", "were", "sitting", "."]], {"0": [["a", "cat", "sat"]]})
    assert (c["rouge_1_h_count"], c["rouge_1_p_count"], c["rouge_1_m_count"]) == (1, 2, 1)


def test_same_as_tilse_package():
    """The reference implementation (pip install --no-deps tilse==0.2.1; .ci/run installs it)."""
    rouge = pytest.importorskip("tilse.evaluation.rouge")
    from tilse.data.timelines import GroundTruth, Timeline

    pred = {date(2011, 1, 25): ["Protesters spill into the streets of Cairo .", "Police fire tear gas ."],
            date(2011, 1, 28): ["The army is deployed in Cairo as protests grow ."],
            date(2011, 2, 3): ["Mubarak says he will not run again ."]}
    ref = {date(2011, 1, 25): ["Thousands of protesters spill into streets of Cairo in anti-government rage ."],
           date(2011, 1, 29): ["Mubarak names a vice president as the army deploys ."],
           date(2011, 2, 11): ["Mubarak steps down ."]}
    theirs = rouge.TimelineRougeEvaluator(measures=["rouge_1", "rouge_2"], rouge_computation="reimpl")
    ours = M.RougeCounter()
    for mine, their in ((M.align_m1(pred, [ref], ours),
                         theirs.evaluate_align_date_content_costs_many_to_one(Timeline(pred), GroundTruth([Timeline(ref)]))),
                        (M.concat(pred, [ref], ours), theirs.evaluate_concat(Timeline(pred), GroundTruth([Timeline(ref)])))):
        for n in ("rouge_1", "rouge_2"):
            for k in ("precision", "recall", "f_score"):
                assert mine[n][k] == pytest.approx(their[n][k])
