"""Stories and threads: the seeds' golden expectations, stable ids, merge history, the index, queries and CLI."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from click.testing import CliRunner

from newsloom import Loom, Settings
from newsloom.cli import cli
from newsloom.eval.entities import bcubed
from newsloom.model import Record
from newsloom.queries import stories as q
from newsloom.stages.stories import story_id
from newsloom.stages.story_match import Profile, Signals, Weights, features, term_counts
from newsloom.stages.story_regroup import average_link, pair_scores, reconcile
from newsloom.storage.vector_index import index_path

from .conftest import BENCH, seed

STAGES = ["clean", "language", "quality", "nlp", "entities", "quotes", "dates", "events", "embed", "boilerplate",
          "copies", "resolve", "quote_links", "stories", "threads"]
LIGHT = ["clean", "language", "embed", "copies", "stories", "threads"]


def _loom(path, stages=STAGES) -> Loom:
    return Loom(path, settings=Settings.load(env={}, overrides={"pipeline.stages": stages}))


def _placed(loom: Loom) -> dict[str, tuple[str, str]]:
    return {r["external_id"]: (r["story_id"], r["thread_id"]) for r in loom.store.rows(
        "SELECT a.external_id, sa.story_id, s.thread_id FROM articles a JOIN story_articles sa ON "
        "sa.article_id = a.id JOIN stories s ON s.id = sa.story_id")}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory, seed_paths):
    path = tmp_path_factory.mktemp("stories") / "seeds.db"
    with _loom(path) as loom:
        loom.ingest(*map(str, seed_paths))
    return path


def test_seeds_one_story_and_a_later_story_in_the_same_thread(seeded, seed_paths):
    with _loom(seeded) as loom:
        placed = {k.rsplit("/", 1)[-1][:3]: v for k, v in _placed(loom).items()}
        crisis = {placed[n][0] for n in ("000", "001", "002", "004")}
        assert len(crisis) == 1, placed
        assert placed["003"][0] not in crisis
        assert len({t for _, t in placed.values()}) == 1  # one thread
        story = loom.story(crisis.pop())
        assert story["size"] == 4 and len(story["articles"]) == 4
        assert story["first_published"] == "2021-11-16"
        assert any(e["name"] == "Alexander Lukashenko" for e in story["entities"])
        thread = loom.thread(placed["003"][1])
        assert [s["size"] for s in thread["stories"]] == [4, 1]


def test_reingest_keeps_stories_and_deleted_index_is_rebuilt(seeded, seed_paths, tmp_path):
    db = tmp_path / "copy.db"
    shutil.copy(seeded, db)
    for suffix in ("", ".json"):
        shutil.copy(f"{index_path(str(seeded))}{suffix}", f"{index_path(str(db))}{suffix}")
    with _loom(db) as loom:
        before = _placed(loom)
        report = loom.ingest(*map(str, seed_paths))
        assert report.stored == 0 and _placed(loom) == before
    index_path(str(db)).unlink()
    # a new article after the index file is gone: the index is rebuilt from the store and finds its story
    text = seed(seed_paths, "001").read_text(encoding="utf-8").replace("Tuesday", "on Tuesday evening")
    with _loom(db) as loom:
        loom.ingest(items=[Record(external_id="edited-001", text=text, source="other.example")])
        placed = _placed(loom)
        assert placed["edited-001"][0] == before[str(seed(seed_paths, "001"))][0]
        assert index_path(str(db)).exists()


def _records(docs):
    return [Record(external_id=d["id"], text=d["text"], source=d.get("source") or f"ecb/{d['id']}") for d in docs]


@pytest.fixture(scope="module")
def ecb_small():
    docs = [json.loads(line) for line in (BENCH / "ecbplus" / "docs.jsonl").open(encoding="utf-8")]
    return [d for d in docs if d["topic"] in ("36", "37", "38")]


def test_order_robust_and_deterministic_on_ecb_subset(tmp_path, ecb_small):
    runs = []
    for name, docs in (("a", ecb_small), ("b", ecb_small), ("r", ecb_small[::-1])):
        with _loom(tmp_path / f"{name}.db", LIGHT) as loom:
            loom.ingest(items=_records(docs))
            runs.append({k: v[0] for k, v in _placed(loom).items()})
    assert runs[0] == runs[1]  # same input, same order: the same stories, the same ids
    gold = {d["id"]: d["label"] for d in ecb_small}
    assert bcubed(runs[0], gold)[2] > 0.6
    # another order: nearly the same partition (without entities on 3 topics; the whole pipeline on all of ECB+
    # gives 0.99, `newsloom eval stories -o reverse 1`)
    assert bcubed(runs[2], runs[0])[2] >= 0.8


def test_stable_ids_across_incremental_ingests_and_merge_history(tmp_path, ecb_small):
    with _loom(tmp_path / "inc.db", LIGHT) as loom:
        loom.ingest(items=_records(ecb_small[:20]))
        first = {k: v[0] for k, v in _placed(loom).items()}
        loom.ingest(items=_records(ecb_small[20:]))
        later = {k: v[0] for k, v in _placed(loom).items()}
        merges = {r["old_id"]: r["new_id"] for r in loom.store.rows("SELECT old_id, new_id FROM story_merges")}
        for ext, sid in first.items():
            # an id given out is never renamed: it is still live, or was merged and resolves to the survivor
            assert later[ext] == sid or (merges.get(sid) and loom.story(sid)["id"] == later[ext])
        for old, new in merges.items():
            assert loom.story(old)["id"] == new
            assert loom.store.execute("SELECT count(*) FROM stories WHERE id = ?", (old,)).fetchone()[0] == 0
        sizes = dict(loom.store.execute("SELECT id, size FROM stories").fetchall())
        counts = dict(loom.store.execute("SELECT story_id, count(*) FROM story_articles GROUP BY story_id").fetchall())
        assert sizes == counts
        # a merged story's dates come from the two stories' dates: still its articles' earliest and latest
        dates = {r[0]: (r[1], r[2]) for r in loom.store.execute("SELECT id, first_published, last_published FROM stories")}
        assert dates == {r[0]: (r[1], r[2]) for r in loom.store.execute(
            "SELECT s.story_id, min(a.published), max(a.published) FROM story_articles s JOIN articles a ON a.id ="
            " s.article_id GROUP BY s.story_id")}
        assert loom.store.execute("SELECT count(*) FROM stories WHERE thread_id IS NULL").fetchone()[0] == 0


def test_profile_round_trip_and_score():
    rng = np.random.default_rng(1)
    vec = rng.normal(size=512).astype(np.float32)
    vec /= np.linalg.norm(vec)
    sig = Signals(vec, term_counts("Title", "Border crisis in Belarus, border guards"), {"e1": 1.0}, frozenset({"q"}),
                  "2021-11-16", None)
    assert Signals.from_blob(sig.to_blob()).terms == pytest.approx(sig.terms)
    p = Profile()
    p.add(sig, {t: 1.0 for t in sig.terms}, {"e1": 1.0})
    back = Profile.from_blob(p.to_blob())
    assert back.n == 1 and back.first == "2021-11-16" and back.quotes == {"q": 1}
    f = features(sig, back, {t: 1.0 for t in sig.terms}, {"e1": 1.0})
    assert f["embedding"] == pytest.approx(1.0, abs=1e-5) and f["quotes"] == 1.0 and f["gap"] == 0.0
    w = Weights(2, 14, 6, 2.5, -5, time=2.0, window=3.0)
    far = dict(f, gap=365.0)
    assert w.score(far) < w.score(f) - 10


def test_cli_stories_show_and_export(seeded, tmp_path):
    runner = CliRunner()
    res = runner.invoke(cli, ["--db", str(seeded), "stories", "--json"], catch_exceptions=False)
    rows = json.loads(res.output)
    assert [r["size"] for r in rows] == [4, 1]
    big = rows[0]["id"]
    res = runner.invoke(cli, ["--db", str(seeded), "show", "story", big[:8]], catch_exceptions=False)
    assert res.exit_code == 0 and "Lukashenko" in res.output
    res = runner.invoke(cli, ["--db", str(seeded), "show", "thread", rows[0]["thread_id"]], catch_exceptions=False)
    assert res.exit_code == 0 and "2 stories" in res.output
    res = runner.invoke(cli, ["--db", str(seeded), "stories", "--sort", "recent", "--since", "2021-11-01",
                              "--json"], catch_exceptions=False)
    assert [r["id"] for r in json.loads(res.output)] == [big]
    res = runner.invoke(cli, ["--db", str(seeded), "show", "story", "nosuchstory"])
    assert res.exit_code == 2 and "no story" in res.output
    out = tmp_path / "a.jsonl"
    runner.invoke(cli, ["--db", str(seeded), "export", "articles", "-o", str(out)], catch_exceptions=False)
    arts = [json.loads(line) for line in out.read_text().splitlines()]
    assert all(a["story_id"] and a["thread_id"] for a in arts)
    for kind in ("stories", "threads"):
        out = tmp_path / f"{kind}.parquet"
        res = runner.invoke(cli, ["--db", str(seeded), "export", kind, "--format", "parquet", "-o", str(out)],
                            catch_exceptions=False)
        assert res.exit_code == 0 and out.stat().st_size > 0


def test_query_filters(seeded):
    with _loom(seeded) as loom:
        assert len(q.stories(loom.store, entity="Alexander Lukashenko")) == 2
        assert len(q.stories(loom.store, text="migrants")) >= 1
        assert q.stories(loom.store, source="nowhere.example") == []
        assert len(q.stories(loom.store, language="en")) == 2


def test_average_link_from_a_partition_and_reconcile():
    scores = np.full((5, 5), -3.0)
    for group in ([0, 1, 2], [3, 4]):
        scores[np.ix_(group, group)] = 2.0
    np.fill_diagonal(scores, 0.0)
    assert average_link(scores, range(5), 0.0) == [0, 0, 0, 3, 3]
    assert average_link(scores, range(5), 2.5) == [0, 1, 2, 3, 4]
    assert average_link(scores, [-1, -1, -1, -1, 4], 0.0) == [0, 0, 0, 0, 4]  # a frozen story stays whole
    # story a holds 0-3: its larger part (0-2) keeps the id, 3 leaves and joins b (b survives: it is larger)
    splits, merges = reconcile(["a", "a", "a", "a", "b"], [0, 0, 0, 3, 3], {"a": (-4, 1), "b": (-1, 2)})
    assert splits == [("a", [3])] and merges == [[("b", [4]), (None, [3])]]
    splits, merges = reconcile(["a", "a", "b"], [0, 0, 0], {"a": (-2, 1), "b": (-1, 2)})
    assert splits == [] and merges == [[("a", [0, 1]), ("b", [2])]]


def test_average_link_cohesion_keeps_two_tight_sister_events_apart():
    """Two events of six articles each score 3 within and -1 across: above the threshold (-1.5), so plain
    average link joins them; the cohesion bar (0.2 of the looser group's own average, 0.6) keeps them apart.
    Groups smaller than ``cohesion_size`` and a loose group (a story told in many ways) still merge."""
    scores = np.full((12, 12), -1.0)
    for group in (range(6), range(6, 12)):
        scores[np.ix_(group, group)] = 3.0
    np.fill_diagonal(scores, 0.0)
    assert average_link(scores, range(12), -1.5) == [0] * 12
    assert average_link(scores, range(12), -1.5, cohesion=0.2, cohesion_size=6) == [0] * 6 + [6] * 6
    assert average_link(scores, range(12), -1.5, cohesion=0.2, cohesion_size=7) == [0] * 12  # too few to judge
    loose = scores.copy()
    loose[np.ix_(range(6, 12), range(6, 12))] = 1.0  # within 1.0: the bar is 0.2, the cross average 0.5 passes
    loose[np.ix_(range(6), range(6, 12))] = loose[np.ix_(range(6, 12), range(6))] = 0.5
    np.fill_diagonal(loose, 0.0)
    assert average_link(loose, range(12), -1.5, cohesion=0.2, cohesion_size=6) == [0] * 12
    assert average_link(loose, range(12), -1.5, cohesion=0.6, cohesion_size=6) == [0] * 6 + [6] * 6


_QUAKE_A = [
    'A magnitude 5.2 earthquake struck Oster on Varnholm on Tuesday, injuring three people and cracking '
     'the bell tower of the harbour church. The three injured were a baker and two pupils.',
    'Three people were hurt in Oster when a 5.2 quake shook Varnholm, the fire brigade said. The bell '
     'tower of the harbour church cracked and the church was closed.',
    'Seismologists said the 5.2 tremor was centred under Oster. The harbour church lost part of its bell '
     'tower and three people, a baker and two pupils, were injured.',
    "Residents of Oster slept outside after Tuesday's 5.2 tremor. The baker and the two pupils injured "
     'are in hospital, and engineers are inspecting the church bell tower.',
    "Oster's mayor said the three injured, a baker and two pupils, were recovering after the 5.2 quake, "
     'and the harbour church with its cracked bell tower will stay closed.',
    'Aftershocks rattled Oster a day after the 5.2 earthquake that injured a baker and two pupils and '
     'cracked the bell tower of the harbour church.',
]
_QUAKE_B = [
    'Twelve dead as a 6.4 earthquake levels the Oster fish market. Rescue teams and soldiers worked '
     'through the night in the rubble of the fish market on Varnholm. The earthquake struck Oster on '
     'Varnholm, near the harbour church.',
    "Varnholm mourns: the fish market of Oster collapsed in Saturday's 6.4 earthquake, and twelve traders"
     ' were crushed. Soldiers searched the rubble for survivors. The earthquake struck Oster on Varnholm, '
     'near the harbour church.',
    'Soldiers and volunteers pulled twelve bodies from the rubble of the fish market in Oster. The '
     'governor said the 6.4 earthquake was the deadliest in memory. The earthquake struck Oster on '
     'Varnholm, near the harbour church.',
    "Oster fishermen lost their fish market and twelve neighbours. Seismologists measured Saturday's "
     'earthquake at 6.4, and soldiers still guard the rubble. The earthquake struck Oster on Varnholm, '
     'near the harbour church.',
    'How the 6.4 earthquake brought down the Oster fish market: engineers blame its old timber frame for '
     'the twelve deaths. Soldiers cleared the rubble on Monday. The earthquake struck Oster on Varnholm, '
     'near the harbour church.',
    "Aid ships docked in Oster, where Saturday's 6.4 earthquake killed twelve traders in the fish market."
     ' Soldiers handed out tents beside the rubble. The earthquake struck Oster on Varnholm, near the '
     'harbour church.',
]


@pytest.mark.parametrize("cohesion", [0.0, 0.2])
def test_regroup_cohesion_splits_two_quakes_in_one_town(tmp_path, cohesion):
    """Invented sister events: a 5.2 quake that injured three in Oster, a 6.4 quake that killed twelve in the same
    town, six articles each, all placed in one story (bias +50). Their articles score about -1.4 on average
    across the events, above the threshold (-1.5): without the cohesion bar the re-check keeps one story; with
    it (0.2 of each event's own average, about 2) the second quake leaves, recorded in story_splits."""
    settings = Settings.load(env={}, overrides={"pipeline.stages": LIGHT, "stages.stories.bias": 50.0,
                                                "stages.stories.regroup_cohesion": cohesion})
    with Loom(tmp_path / "quakes.db", settings=settings) as loom:
        loom.ingest(items=[Record(external_id=f"{k}{i}", text=t, source=f"{k}{i}.example")
                           for k, texts in (("a", _QUAKE_A), ("b", _QUAKE_B)) for i, t in enumerate(texts)])
        placed = {k: v[0] for k, v in _placed(loom).items()}
        a, b = ({placed[f"{k}{i}"] for i in range(6)} for k in "ab")
        splits = list(loom.store.rows("SELECT story_id FROM story_splits"))
    if cohesion:
        assert len(a) == len(b) == 1 and a != b and [s["story_id"] for s in splits] == list(a)
    else:
        assert a == b and len(a) == 1 and not splits


def test_regroup_splits_a_story_of_two_events_and_records_it(tmp_path):
    """Placement forced to join everything (bias +50): the re-check after the batch splits the two events
    apart, the larger part keeps the id, the part that left is recorded in story_splits."""
    docs = [json.loads(line) for line in (BENCH / "ecbplus" / "docs.jsonl").open(encoding="utf-8")]
    one = [d for d in docs if d["label"] == "36_ecb"][:4]
    other = [d for d in docs if d["label"] == "38_ecbplus"][:3]
    settings = Settings.load(env={}, overrides={"pipeline.stages": LIGHT, "stages.stories.bias": 50.0})
    with Loom(tmp_path / "split.db", settings=settings) as loom:
        loom.ingest(items=_records(one + other))
        placed = {k: v[0] for k, v in _placed(loom).items()}
        assert len({placed[d["id"]] for d in one}) == 1 and len({placed[d["id"]] for d in other}) == 1
        assert placed[one[0]["id"]] != placed[other[0]["id"]]
        splits = list(loom.store.rows("SELECT new_id, story_id, articles FROM story_splits"))
        assert splits, "the two events were placed together and must have been split"
        first = placed[one[0]["id"]]  # the story the first article opened keeps its id (it kept the larger part)
        aid = loom.store.execute("SELECT id FROM articles WHERE external_id = ?", (one[0]["id"],)).fetchone()[0]
        assert first == story_id(aid) and [s["story_id"] for s in splits] == [first]
        assert sorted(json.loads(splits[0]["articles"])) == sorted(
            r[0] for r in loom.store.execute("SELECT sa.article_id FROM story_articles sa WHERE sa.story_id = ?",
                                             (placed[other[0]["id"]],)))
        story = loom.story(first)
        assert story["splits"] and story["size"] == len(one)
        sizes = dict(loom.store.execute("SELECT id, size FROM stories").fetchall())
        counts = dict(loom.store.execute("SELECT story_id, count(*) FROM story_articles GROUP BY story_id").fetchall())
        assert sizes == counts


def test_pair_scores_local_words_and_protagonists_tell_sister_events_apart():
    """Two events of one topic share the champion's name and "title"; within the topic those words weigh
    little and the opponents decide. An article of another topic gets no local cosine at all."""
    words = {"klitschko": 1, "title": 2, "defence": 3, "chisora": 4, "london": 5, "adamek": 6, "poland": 7,
             "quake": 8, "magnitude": 9}
    texts = [["klitschko", "title", "defence", "chisora", "london"], ["klitschko", "title", "defence", "chisora"],
             ["klitschko", "title", "adamek", "poland"], ["klitschko", "title", "adamek", "poland"],
             ["quake", "magnitude", "title"]]
    sigs = [Signals(None, {words[w]: 1.0 for w in t}) for t in texts]
    idf = {i: 1.0 for i in words.values()}
    only = {k: 0.0 for k in ("embedding", "words", "entities", "quotes", "bias")}
    plain = pair_scores(sigs, idf, {}, Weights(**{**only, "words": 1.0}))
    local = pair_scores(sigs, idf, {}, Weights(**{**only, "local_words": 1.0}, local_topic=0.3))
    assert local[0, 1] > 0.6 and local[0, 2] < 0.1 and plain[0, 2] > 0.4  # the shared champion and title count little
    assert local[0, 4] == 0.0 and plain[0, 4] > 0.0  # another topic: no local cosine
    people = ["p:klitschko", "p:klitschko", "p:adamek", None, None]
    prot = pair_scores(sigs, idf, {}, Weights(**only, protagonist=1.0), protagonists=people)
    assert prot[0, 1] == 1.0 and prot[0, 2] == -1.0 and prot[0, 3] == 0.0 and prot[3, 4] == 0.0
    leads = [{"p:chisora": 1.0}, {"p:chisora": 1.0}, {"p:adamek": 1.0}, {}, {}]
    lead = pair_scores(sigs, idf, {"p:chisora": 1.0, "p:adamek": 1.0}, Weights(**only, lead_people=1.0),
                       types={"p:chisora": "PERSON", "p:adamek": "PERSON"}, leads=leads)
    assert lead[0, 1] == pytest.approx(1.0) and lead[0, 2] == 0.0
