"""``newsloom eval timelines`` on a small slice of Timeline17 (the full run is in docs/timelines.md)."""
from __future__ import annotations

from newsloom.eval.timelines import fit_pairwise, load_t17, query_terms, run_timelines_eval

from .conftest import BENCH


def test_eval_timelines_subset_runs_and_oracle_is_the_ceiling():
    tables = run_timelines_eval(str(BENCH), topics=1, limit=60, systems="newsloom,datewise,oracle")
    mean, topics, per, days = tables
    rows = {r["system"]: r for r in mean.rows}
    assert {"newsloom", "datewise", "oracle", "SUnSET (published)"} <= set(rows)
    for name in ("newsloom", "datewise", "oracle"):
        assert 0.0 < rows[name]["AR1-F"] <= 1.0 and 0.0 <= rows[name]["Date-F1"] <= 1.0
    assert rows["oracle"]["AR1-F"] >= rows["newsloom"]["AR1-F"]
    assert [r["timeline"] for r in per.rows] == ["EgyptianProtest_cnn/tl8.txt"]
    assert [(r["topic"], r["timelines"]) for r in topics.rows] == [("EgyptianProtest", 1)]
    # one timeline: the topic's mean is that timeline's scores
    assert topics.rows[0]["newsloom AR1/AR2/DateF1"] == per.rows[0]["newsloom AR1/AR2/DateF1"]
    assert {r["system"] for r in days.rows} == {"newsloom summary", "lead baseline"}


def test_t17_loads_sentences_with_resolved_days_and_a_query():
    data = load_t17(BENCH / "timeline17", topics=1, limit=20)
    (name, c), = data.items()
    assert name == "EgyptianProtest_cnn" and len({s.article_id for s in c["sents"]}) == 20
    assert any(s.dates for s in c["sents"])
    assert all(s.published is not None for s in c["sents"])
    assert "egypt" in query_terms(c["texts"])


def _top(w: list[float], xs: list[list[float]], l: int) -> set[int]:
    return set(sorted(range(len(xs)), key=lambda i: -sum(a * b for a, b in zip(w, xs[i])))[:l])


def test_pairwise_fit_orders_gold_days_first_in_every_timeline():
    # feature 0 separates gold days inside each timeline, at a level that differs between timelines; feature 1
    # only tells the timelines apart (and is a little higher on the short timeline's other days)
    long_x = [[0.1 + 0.3 * (i < 5), 0.9] for i in range(40)]
    long_y = [1.0 if i < 5 else 0.0 for i in range(40)]
    short_x = [[0.5 + 0.3 * (i < 2), 0.1 + 0.05 * (i >= 2)] for i in range(8)]
    short_y = [1.0 if i < 2 else 0.0 for i in range(8)]
    w = fit_pairwise([(long_x, long_y, 5), (short_x, short_y, 2)])
    assert w[0] > 0
    assert _top(w, long_x, 5) == set(range(5)) and _top(w, short_x, 2) == {0, 1}
    assert fit_pairwise([([[1.0, 0.0]], [1.0], 1)]) == [1.0, 1.0]  # no pair to learn from: equal weights
