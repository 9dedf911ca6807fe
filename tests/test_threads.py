"""Threads: the re-check after each batch merges the threads one narrative was split into (recorded, old ids
resolve) and keeps two narratives of the same weeks apart."""
from __future__ import annotations

import json
from itertools import zip_longest

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from newsloom import Loom, Settings
from newsloom.cli import cli
from newsloom.eval.stories import eval_threads
from newsloom.model import Record
from newsloom.stages.story_match import Signals, Weights
from newsloom.stages.stories import story_id
from newsloom.stages.threads import _parts, _time_penalty, cohesive_link

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


#: an invented corpus: two narratives of the same fortnight (a river flood in the Orlen valley, a strike at the
#: Vessberg shipyards), each told by several different articles
FLOOD = [
    "The Orlen river burst its banks on Monday, flooding the valley towns of Hasko and Dremmel. Rescue teams in "
    "boats carried families from rooftops while the water kept rising through the night.",
    "Floodwater in the Orlen valley reached the second floor of houses in Dremmel on Tuesday. The regional "
    "governor said three villagers had drowned and thousands had left their homes for shelters.",
    "Army engineers built sandbag walls along the Orlen to protect the old bridge at Hasko as rain kept falling "
    "over the valley. Forecasters warned that the river would crest again on Thursday.",
    "Evacuees from the flooded Orlen valley slept in school gyms in Hasko. Volunteers handed out blankets, clean "
    "drinking water and hot meals as the river slowly began to fall.",
    "Farmers in the Orlen valley counted their losses as the flood receded: drowned cattle, ruined barley fields "
    "and silt in every barn. The governor promised compensation for flood damage.",
    "Engineers inspected the Hasko bridge after the Orlen flood and found its pillars undermined by the river. "
    "The road through the valley will stay closed while the flood damage is repaired.",
]
STRIKE = [
    "Welders at the Vessberg shipyards walked out on Monday, demanding higher wages and safer scaffolding. The "
    "union said nine hundred workers had joined the strike on the first day.",
    "The strike at the Vessberg shipyards entered its second day as managers refused to reopen wage talks. "
    "Pickets blocked the yard gates and a half-built ferry stood idle in the dry dock.",
    "Shipyard owners in Vessberg offered a four percent pay rise, which the union rejected as an insult. The "
    "striking welders voted to stay out until the scaffolding rules are rewritten.",
    "Talks between the union and the Vessberg shipyard owners broke down again on Thursday. Union leaders said "
    "the strike fund could pay the workers for another month.",
    "The labour ministry appointed a mediator to end the Vessberg shipyard strike, now in its second week. The "
    "ferry company waiting for its new ship said the delay was costing it money every day.",
    "Striking shipyard workers in Vessberg marched through the port with their families. The mediator said wage "
    "talks with the yard owners would resume next week.",
]
#: placement joins every story to the closest thread and merges any two (the failure a split repairs); a thread is
#: checked once it holds 6 articles; a part holding 30% of the sampled articles may leave
FORCED = {"stages.threads.bias": 50.0, "stages.threads.merge_margin": -50.0, "stages.threads.regroup_sample": 0,
          "stages.threads.split_min": 6, "stages.threads.split_share": 0.3}
FORCED_GAP = 4.0  # the default split_gap: the score between the parts is below it (the looser's within is above 0)


def _docs(texts: list[str], name: str, first_day: int) -> list[dict]:
    return [{"id": f"{name}-{k}", "text": t, "date": f"2024-03-{first_day + k:02d}", "collection": name}
            for k, t in enumerate(texts)]


def _invented(path, overrides: dict, first: list[dict], later: list[dict] = ()) -> tuple[list[dict], Loom]:
    """The threads of the invented corpus after ingesting ``first`` then ``later`` (two batches)."""
    loom = Loom(path, settings=Settings.load(env={}, overrides=overrides))  # every stage: places and people count
    states = []
    for batch in (first, later):
        loom.ingest(items=[Record(external_id=d["id"], text=d["text"], published=d["date"], source=d["collection"])
                           for d in batch])
        states.append({r["external_id"]: r["thread_id"] for r in loom.store.rows(
            "SELECT a.external_id, s.thread_id FROM articles a JOIN story_articles sa ON sa.article_id = a.id "
            "JOIN stories s ON s.id = sa.story_id")})
    return states, loom


def _interleaved(flood: list[dict], strike: list[dict]) -> list[dict]:
    return [d for pair in zip_longest(flood, strike) for d in pair if d is not None]


def test_a_thread_of_two_narratives_splits_recorded_and_ids_stay_stable(tmp_path):
    """Forced into one thread, the flood and the strike are split apart by the check: the larger part keeps the
    id, the other gets a new one with a ``thread_splits`` row; later articles join their own narrative's thread
    and no id changes; the same input gives the same ids; without the check they stay one thread."""
    flood, strike = _docs(FLOOD, "flood", 4), _docs(STRIKE, "strike", 4)
    first = _interleaved(flood[:4], strike[:3])
    later = _interleaved(flood[4:], strike[3:])
    (_, whole), loom = _invented(tmp_path / "off.db", {**FORCED, "stages.threads.split_articles": 0}, first, later)
    loom.close()
    assert len(set(whole.values())) == 1  # the failure: one thread of two narratives
    (before, after), loom = _invented(tmp_path / "on.db", FORCED, first, later)
    with loom:
        for state in (before, after):
            by_topic = [{state[d["id"]] for d in docs if d["id"] in state} for docs in (flood, strike)]
            assert all(len(ids) == 1 for ids in by_topic) and len(set.union(*by_topic)) == 2
        assert all(after[k] == t for k, t in before.items())  # a later batch renamed nothing
        splits = list(loom.store.rows("SELECT new_id, thread_id, reason, stories, evidence FROM thread_splits"))
        assert len(splits) == 1
        split = splits[0]
        assert before["flood-0"] == split["thread_id"] != split["new_id"] == before["strike-0"]  # the larger keeps it
        assert json.loads(split["evidence"])["average_score_to_rest"] < FORCED_GAP and "apart" in split["reason"]
        moved = set(json.loads(split["stories"]))
        assert moved == {r["story_id"] for r in loom.store.rows(
            "SELECT sa.story_id FROM story_articles sa JOIN articles a ON a.id = sa.article_id "
            "WHERE a.external_id LIKE 'strike-%'")}
        thread = loom.thread(split["new_id"])
        assert thread["size"] == len(strike) and thread["first_published"] == "2024-03-04"
        assert any(s["new_id"] == split["new_id"] for s in loom.thread(split["thread_id"])["splits"])
        sizes = dict(loom.store.conn.execute("SELECT id, size FROM threads").fetchall())
        assert sizes == {split["thread_id"]: len(flood), split["new_id"]: len(strike)}
    shown = CliRunner().invoke(cli, ["--db", str(tmp_path / "on.db"), "show", "thread", split["thread_id"]],
                               catch_exceptions=False).output
    assert f"split off: {split['new_id']} (1 stories)" in shown
    web = pytest.importorskip("newsloom.web")
    with pytest.importorskip("fastapi.testclient").TestClient(web.create_app(tmp_path / "on.db", token="t")) as client:
        # the thread page links the split part
        assert f'href="/threads/{split["new_id"]}"' in client.get(f"/threads/{split['thread_id']}").text
    (again, _), loom = _invented(tmp_path / "again.db", FORCED, first, later)
    loom.close()
    assert again == before  # the same input in the same order: the same ids


def test_an_old_id_of_a_merged_thread_follows_its_opening_story_through_a_split(tmp_path):
    """Every story opens its own thread and placement merges them (``thread_merges``); after the split, the old
    id of a thread a strike story opened resolves to the strike's thread, a flood one's to the flood's."""
    flood, strike = _docs(FLOOD, "flood", 4), _docs(STRIKE, "strike", 4)
    forced = {**FORCED, "stages.threads.bias": -50.0}  # stories open threads; the merge margin joins them
    (state, _), loom = _invented(tmp_path / "merged.db", forced, _interleaved(flood, strike))
    with loom:
        old = list(loom.store.rows("SELECT old_id FROM thread_merges"))
        assert old, "placement merged no thread"
        opened = {r["thread_id"]: r["external_id"] for r in loom.store.rows(
            "SELECT a.external_id, s.thread_id FROM articles a JOIN story_articles sa ON sa.article_id = a.id "
            "JOIN stories s ON s.id = sa.story_id")}
        for row in old:
            story = next(r["story_id"] for r in loom.store.rows(
                "SELECT story_id FROM story_articles") if story_id(r["story_id"], "thread") == row["old_id"])
            topic = next(r["external_id"] for r in loom.store.rows(
                "SELECT a.external_id FROM articles a JOIN story_articles sa ON sa.article_id = a.id "
                "WHERE sa.story_id = ?", (story,))).split("-")[0]
            assert loom.thread(row["old_id"])["id"] == state[f"{topic}-0"]
        assert len(set(opened)) == 2
        assert {loom.thread(r["old_id"])["id"] for r in old} == set(opened)  # some old ids now name the split part


def test_parts_need_size_and_a_clear_gap():
    """Clusters of 3 articles or more are parts; two parts stay one unless the looser's within score exceeds
    the score between them by the gap; a small cluster goes with the part it scores best with."""
    cluster = np.array([0, 0, 0, 1, 1, 1, 2])
    scores = np.full((7, 7), 0.0)
    scores[:3, :3] = 8.0
    scores[3:6, 3:6] = 6.0
    scores[6, 3:6] = scores[3:6, 6] = 2.0
    np.fill_diagonal(scores, 0.0)
    assert _parts(scores, cluster, 3, 4.0) == {0: 0, 1: 1, 2: 1}  # 6 - 0 >= 4: apart; the stray joins part 1
    assert _parts(scores, cluster, 3, 7.0) == {0: 0, 1: 0, 2: 0}  # 6 - 0 < 7: not clearly apart
    assert _parts(scores, cluster, 4, 4.0) == {0: 0, 1: 0, 2: 0}  # no two clusters of 4


def test_cohesive_link_never_merges_barred_groups_nor_groups_holding_them():
    start = [0, 0, 1, 1, 2, 2]
    scores = np.full((6, 6), 5.0)
    np.fill_diagonal(scores, 0.0)
    barred = np.zeros((3, 3), dtype=bool)
    barred[0, 1] = barred[1, 0] = True
    merges = cohesive_link(scores, start, 0.0, 0.0, barred)
    assert len(merges) == 1 and 2 in merges[0][:2]  # 2 joins one of them, then the other is barred from it
    assert len(cohesive_link(scores, start, 0.0, 0.0)) == 2


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 4), min_size=4, max_size=24), st.integers(0, 2**31 - 1),
       st.integers(1, 6), st.floats(0.0, 8.0))
def test_parts_cover_every_cluster_and_a_larger_gap_never_adds_parts(cluster, seed, least, gap):
    rng = np.random.default_rng(seed)
    raw = rng.normal(0.0, 4.0, (len(cluster), len(cluster)))
    scores = (raw + raw.T) / 2
    np.fill_diagonal(scores, 0.0)
    labels = np.array(cluster)
    parts = _parts(scores, labels, least, gap)
    assert set(parts) == set(cluster)
    big = {c for c in cluster if (labels == c).sum() >= max(2, least)}
    assert set(parts.values()) <= (big or {cluster[0]})  # a part is named by a cluster large enough
    assert len(set(_parts(scores, labels, least, gap + 2.0).values())) <= len(set(parts.values()))
