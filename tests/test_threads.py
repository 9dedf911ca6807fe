"""Threads: the re-check after each batch merges the threads one narrative was split into (recorded, old ids
resolve) and keeps two narratives of the same weeks apart."""
from __future__ import annotations

import json

import numpy as np

from newsloom import Loom, Settings
from newsloom.eval.stories import eval_threads
from newsloom.model import Record
from newsloom.stages.story_match import Signals, Weights
from newsloom.stages.threads import _time_penalty, cohesive_link

from .conftest import BENCH

LIGHT = ["clean", "language", "embed", "copies", "stories", "threads"]


def _t17(collection: str, n: int) -> list[dict]:
    rows = [json.loads(line) for line in (BENCH / "timeline17" / "articles.jsonl").open(encoding="utf-8")]
    rows = [r for r in rows if r["collection"] == collection and (r.get("text") or "").strip()]
    return sorted(rows, key=lambda r: (r["date"] or "", r["id"]))[:n]


def _threads(overrides: dict, path, docs: list[dict]) -> tuple[dict[str, str], Loom]:
    settings = Settings.load(env={}, overrides={"pipeline.stages": LIGHT, **overrides})
    loom = Loom(path, settings=settings)
    loom.ingest(items=[Record(external_id=d["id"], text=d["text"], published=d["date"], source=d["collection"])
                       for d in sorted(docs, key=lambda d: (d["date"] or "", d["id"]))])
    placed = {r["external_id"]: r["thread_id"] for r in loom.store.rows(
        "SELECT a.external_id, s.thread_id FROM articles a JOIN story_articles sa ON sa.article_id = a.id "
        "JOIN stories s ON s.id = sa.story_id")}
    return placed, loom


def test_recheck_merges_a_split_narrative_and_keeps_two_apart(tmp_path):
    """Placement never joins a thread (bias -50) nor merges two (margin 50): every story opens its own thread
    and only the re-check can bring them together. It does for each narrative (the Haiti earthquake, the BP oil
    spill, three months later), never across them, and records every merge."""
    haiti, bpoil = _t17("haiti_bbc", 8), _t17("bpoil_bbc", 8)
    split = {"stages.threads.bias": -50.0, "stages.threads.merge_margin": 50.0}
    alone, loom = _threads({**split, "stages.threads.regroup_sample": 0}, tmp_path / "off.db", haiti + bpoil)
    loom.close()
    placed, loom = _threads(split, tmp_path / "on.db", haiti + bpoil)
    with loom:
        topic = {d["id"]: d["collection"] for d in haiti + bpoil}
        for tid in set(placed.values()):
            assert len({topic[k] for k, t in placed.items() if t == tid}) == 1, "a thread mixes two narratives"
        for docs in (haiti, bpoil):
            assert len({placed[d["id"]] for d in docs}) < len({alone[d["id"]] for d in docs})
        merges = list(loom.store.rows("SELECT old_id, new_id, reason, evidence FROM thread_merges"))
        assert len(merges) == len(set(alone.values())) - len(set(placed.values()))
        for m in merges:
            assert "average score" in m["reason"] and json.loads(m["evidence"])["average_score"] > 0
            assert loom.thread(m["old_id"])["id"] == m["new_id"]  # an old id resolves to the survivor


def test_time_penalty_per_pair_is_slow_and_ignores_undated():
    w = Weights(embedding=0, words=0, entities=0, quotes=0, bias=0, time=2.0, window=30.0)
    sig = [Signals(None, {}, published=p) for p in ("2011-01-01", "2011-01-21", "2011-05-01", None)]
    pen = _time_penalty(sig, w)
    assert pen[0, 1] == 0.0  # within the window
    assert np.isclose(pen[0, 2], 2.0 * np.log2(120 / 30))  # 120 days: two doublings beyond 30
    assert (pen[3] == 0).all() and (pen[:, 3] == 0).all()
    assert np.allclose(pen, pen.T)


def test_cohesive_link_keeps_two_tight_narratives_that_touch_apart():
    """Two tight groups (within 10) that touch (across 4) stay apart at cohesion 0.5 (bar 5) though 4 is above
    the threshold; a loose third group (within 3) close to the first (4) joins it. By the threshold alone the first two merge."""
    start = [0, 0, 0, 1, 1, 1, 2, 2]
    scores = np.full((8, 8), -5.0)
    for group, within in ((range(0, 3), 10.0), (range(3, 6), 10.0), (range(6, 8), 3.0)):
        for i in group:
            for j in group:
                scores[i, j] = within
    scores[np.ix_(range(0, 3), range(3, 6))] = scores[np.ix_(range(3, 6), range(0, 3))] = 4.0
    scores[np.ix_(range(0, 3), range(6, 8))] = scores[np.ix_(range(6, 8), range(0, 3))] = 4.0
    np.fill_diagonal(scores, 0.0)
    merges = cohesive_link(scores, start, 1.0, 0.5)
    assert [m[:2] for m in merges] == [(0, 2)] and merges[0][4:] == (3, 2)  # the articles on each side
    assert merges[0][2] == 4.0 and merges[0][3] == 1.5  # the bar: 0.5 * the looser group's 3, above 1
    assert cohesive_link(scores, start, 1.0, 0.0)[0][:2] == (0, 1)  # by the threshold alone the two touch and merge
    assert cohesive_link(scores, start, 4.5, 0.0) == []


def test_eval_threads_reuses_an_annotated_store_without_touching_it(tmp_path):
    """``-o store PATH``: the stories and threads stages re-run over a copy; the store itself is left as it was."""
    docs = _t17("haiti_bbc", 3) + _t17("bpoil_bbc", 3)
    path = tmp_path / "annotated.db"
    settings = Settings.load(env={}, overrides={"pipeline.stages": ["clean", "language", "embed"]})
    with Loom(path, settings=settings) as loom:
        loom.ingest(items=[Record(external_id=d["id"], text=d["text"], published=d["date"], source="t17")
                           for d in docs])
    before = path.read_bytes()
    for stories in ("rerun", "keep"):
        table = eval_threads(store=str(path), limit="3", baseline="0", stories=stories)[0]
        assert table.title.startswith("threads on Timeline17 (6 articles placed") or stories == "keep"
        assert path.read_bytes() == before
    rows = {r["system"]: r for r in eval_threads(store=str(path), limit="3", baseline="0")[0].rows}
    assert rows["newsloom threads, all topics"]["B3 P"] == 1.0  # two narratives three months apart
    assert rows["newsloom threads, all topics"]["clusters"] <= 4
