"""Timelines, cited summaries and source comparison: golden tests on the seeds, and the pure cores."""
from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from newsloom import Loom, Settings
from newsloom.cli import cli
from newsloom.cli.compare import render_compare
from newsloom.queries.compare import compare
from newsloom.queries.timelines import load_sents, summary, timeline
from newsloom.stages.figures import disagreements, find_figures
from newsloom.stages.sentences import find_dates, split_sentences
from newsloom.stages.summaries import summarise
from newsloom.stages.timelines import FEATURES, Sent, build_timeline, date_features
from newsloom.storage import Store

from .conftest import SEEDS

NOV_2021 = ("000", "001", "002", "004")  # the border-crisis story; 003 is a later story of the thread


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    paths = sorted(SEEDS.glob("0*.txt"))
    assert len(paths) == 5
    with Loom(tmp_path_factory.mktemp("tl") / "t.db", settings=Settings.load(env={})) as loom:
        loom.ingest(*map(str, paths))
        yield loom


def _art(**kw):
    from newsloom.model import Article

    return Article(**{"external_id": kw["id"], "title": "t", **kw})


def _ids(store: Store) -> dict[str, str]:
    """Seed file prefix ("001") -> article id."""
    return {r["external_id"].rsplit("/", 1)[-1][:3]: r["id"] for r in store.rows("SELECT id, external_id FROM articles")}


def _story(store: Store) -> list[str]:
    ids = _ids(store)
    return [ids[p] for p in NOV_2021]


def _text(store: Store, article_id: str) -> str:
    return store.execute("SELECT text FROM articles WHERE id = ?", (article_id,)).fetchone()[0]


def test_seed_timeline_puts_events_on_their_days(seeded):
    store = seeded.store
    ids = _ids(store)
    body = timeline(store, "articles", _story(store), cache=False)
    days = {d["date"]: d["sentences"] for d in body["days"]}
    # 001 is dated 2021-11-16 (a Tuesday): "Merkel ... on Monday" is the 15th, the border remarks "Tuesday" the 16th
    assert any("Merkel" in s["text"] and s["article_id"] == ids["001"] for s in days["2021-11-15"])
    assert any("border" in s["text"] and s["article_id"] == ids["001"] for s in days["2021-11-16"])
    for sents in days.values():
        for s in sents:  # every sentence cites its article and its exact span
            assert _text(store, s["article_id"])[s["start"]:s["end"]] == s["text"]
    assert list(days) == sorted(days)


def test_seed_summary_cites_several_seeds_in_time_order(seeded):
    store = seeded.store
    body = summary(store, "articles", _story(store), cache=False)
    assert 3 <= len(body["sentences"]) <= 6
    assert len(body["articles_cited"]) > 1
    assert body["title"] and len(body["title"].split()) <= 16
    for s in body["sentences"]:
        assert _text(store, s["article_id"])[s["start"]:s["end"]] == s["text"]
    dated = [s["published"] for s in body["sentences"] if s["published"]]
    assert dated == sorted(dated)


def test_seed_comparison_quotes_and_figure_only_one_seed_carries(seeded):
    store = seeded.store
    ids = _ids(store)
    body = compare(store, "articles", _story(store))
    assert body["first_reporter"] == next(o["outlet"] for o in body["outlets"] if ids["001"] in o["articles"])
    only = {o: v for o, v in body["only_here"].items()}
    outlet_004 = next(o for o in only if o.endswith(ids["004"][:12]))
    figures = only[outlet_004]["figures"]
    fig = next(f for f in figures if f["text"] == "30,000 migrants")
    assert fig["article_id"] == ids["004"] and fig["counts"] == "migrant" and fig["value"] == 30000
    assert _text(store, ids["004"])[fig["start"]:fig["end"]] == "30,000 migrants"
    speakers = {q["speaker"] for q in only[outlet_004]["quotes"]}
    assert {"Dmitry Peskov", "Josep Borrell"} & speakers
    for outlet, v in only.items():  # a quote listed as "only here" is carried by no other seed
        for q in v["quotes"]:
            others = [i for p, i in ids.items() if p in NOV_2021 and i != q["article_id"]]
            assert all(q["text"] not in _text(store, i) for i in others)


def test_one_outlet_has_nothing_only_it_carried(seeded):
    body = compare(seeded.store, "articles", [_ids(seeded.store)["004"]])
    assert len(body["outlets"]) == 1 and body["only_here"] == {}
    assert "nothing to set apart" in render_compare(body, "text")

def test_entity_timeline_and_cache(seeded):
    store = seeded.store
    eid = store.execute("SELECT id FROM entities WHERE name = 'Alexander Lukashenko'").fetchone()[0]
    first = timeline(store, "entity", eid)
    assert first["scope"] == f"entity:{eid}" and first["articles"] == 5
    kinds = {r[0] for r in store.execute("SELECT kind FROM timeline_cache WHERE scope = ?", (f"entity:{eid}",))}
    assert kinds == {"timeline", "summary"}
    store.execute("UPDATE timeline_cache SET body = ? WHERE scope = ? AND kind = 'timeline'",
                  (json.dumps({"marker": 1}), f"entity:{eid}"))
    assert timeline(store, "entity", eid) == {"marker": 1}  # same articles and options: served from the cache
    assert timeline(store, "entity", eid, max_dates=3)["days"] is not None  # other options: built again


def test_copies_count_once_and_flagged_articles_weigh_less(fresh_store):
    text = "Lukashenko met Merkel on Monday to discuss migrants stranded at the Polish border in the cold."
    arts = [_art(id="orig", text=text, published="2021-11-16", source="a.example", text_hash="h1"),
            _art(id="copy", text=text + " More.", published="2021-11-17", source="b.example", text_hash="h2", copy_of="orig", copy_kind="near"),
            _art(id="spun", text="Lukashenko met met Merkel.", published="2021-11-16", source="c.example", text_hash="h3", quality={"spin": {"score": 0.9, "evidence": []}})]
    fresh_store.add_batch(arts, [])
    sents = load_sents(fresh_store, ["orig", "copy", "spun"])
    assert {s.article_id for s in sents} == {"orig", "spun"}
    assert {s.article_id: s.weight for s in sents} == {"orig": 1.0, "spun": 0.5}


def _sent(aid: str, i: int, text: str, day: date, dates=(), weight=1.0) -> Sent:
    return Sent(aid, 0, len(text), text, i, day, tuple(dates), weight=weight)


def test_summary_prefers_clean_source_and_several_articles():
    d = date(2021, 11, 16)
    sents = [_sent("spun", 0, "Belarus leader Lukashenko says migrants at the Polish border must not cause a clash.",
                   d, weight=0.5),
             _sent("clean", 0, "Belarus leader Lukashenko says the migrants at the Polish border must not cause a clash "
                               "with the EU.", d),
             _sent("clean", 1, "Poland has sent thousands of troops to the border with Belarus this week.", d),
             _sent("other", 0, "The EU agreed to widen sanctions on Belarus over the migrant crisis at the border.", d)]
    picked = summarise(sents, 3)
    assert "spun" not in {s.article_id for s in picked}
    assert len({s.article_id for s in picked}) >= 2


def test_timeline_moves_reported_event_to_its_day():
    pub, event = date(2021, 11, 3), date(2021, 11, 1)
    sents = [_sent(f"a{i}", 1, f"Troops crossed the river on November 1 in a surprise move number {i} today.", pub,
                   [event]) for i in range(3)]
    sents += [_sent("b", 0, "Officials met to talk about the troops and the river crossing and more.", pub)]
    days = build_timeline(sents, max_dates=1, per_date=1)
    assert [d.date for d in days] == [event]


def test_on_topic_mentions_rank_a_day_above_off_topic_ones():
    # as many articles for each day; without a filter the tie goes to the earlier day, the off-topic one
    pub, topic_day, other_day = date(2021, 11, 5), date(2021, 11, 2), date(2021, 11, 1)
    sents = [_sent(f"t{i}", 1, f"Troops crossed the border river on November 2, report {i}.", pub, [topic_day])
             for i in range(2)]
    sents += [_sent(f"o{i}", 1, f"The football final{' near the border' * (i == 0)} was played on November 1, "
                                f"report {i}.", pub, [other_day]) for i in range(2)]

    def on_topic(s: Sent) -> bool:
        return "border" in s.text

    feats = date_features(sents, on_topic)
    col = FEATURES.index("docs_accepted")
    assert (feats[topic_day][col], feats[other_day][col]) == (2.0, 1.0)
    assert date_features(sents)[other_day][col] == 2.0  # no filter: every mentioning article counts
    days = build_timeline(sents, max_dates=1, per_date=1, accept=on_topic)
    assert [d.date for d in days] == [topic_day]
    assert [d.date for d in build_timeline(sents, max_dates=1, per_date=1)] == [other_day]


@given(st.lists(st.sampled_from(list("ab .?!\n\"'MrU.S") + ["Mr. ", "U.S. ", " He ", "\n\n", "Jan. 3"]),
                max_size=60).map("".join))
def test_sentence_spans_are_ordered_stripped_and_inside(text):
    spans = split_sentences(text)
    last = 0
    for s, e in spans:
        assert last <= s < e <= len(text)
        assert text[s:e] == text[s:e].strip()
        last = e


def test_split_sentences_keeps_abbreviations_and_finds_dates():
    text = "Mr. Smith went to the U.S. on Monday. He said on March 3, 2011 that he will return on Friday."
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == ["Mr. Smith went to the U.S. on Monday.",
                                             "He said on March 3, 2011 that he will return on Friday."]
    found = {text[s:e]: v for s, e, v, _ in find_dates(text, date(2011, 3, 9), spans)}  # a Wednesday
    assert found == {"on Monday": "2011-03-07", "March 3, 2011": "2011-03-03", "on Friday": "2011-03-11"}


def test_a_dated_item_starts_a_sentence_only_after_one_ends():
    text = "They picked January 25 -- Police Day -- to protest. Events. March 5 - BP starts.\nMarch 9 - It blows."
    assert [text[s:e] for s, e in split_sentences(text)] == [
        "They picked January 25 -- Police Day -- to protest.", "Events.", "March 5 - BP starts.", "March 9 - It blows."]
def test_figures_and_disagreements():
    figs = {f.text: f for f in find_figures("Police said 30,000 migrants reached the border, $57m was raised, "
                                            "12% of voters, thousands of troops, in 2011 and 3 km away.")}
    assert figs["30,000 migrants"].value == 30000 and figs["30,000 migrants"].counts == "migrant"
    assert figs["$57m"].unit == "USD" and figs["$57m"].value == 57e6
    assert figs["12% of voters"].unit == "%" and figs["thousands of troops"].approx
    assert not any("2011" in t for t in figs)
    # a number word inside a word, or one followed by a function word, counts nothing
    assert find_figures("They threaten to drop bombs. He named ten the Supreme Courts would hear.") == []
    assert [f.text for f in find_figures("Police killed 20 and injured dozens. Two of the soldiers died.")] == [
        "Two of the soldiers"]
    ctx = {"migrants", "border", "reached"}
    a = {"outlet": "A", "value": 30000.0, "unit": None, "counts": "migrant", "context": ctx}
    b = {"outlet": "B", "value": 15000.0, "unit": None, "counts": "migrant", "context": ctx | {"police"}}
    c = {"outlet": "C", "value": 31000.0, "unit": None, "counts": "migrant", "context": ctx}
    pairs = disagreements([a, b, c])
    assert [(x["outlet"], y["outlet"]) for x, y in pairs] == [("B", "A"), ("B", "C")]  # A and C agree within 10%


def test_sources_import_split_and_blindspots(fresh_store, tmp_path):
    from newsloom.queries.sources import blindspots, import_sources, list_sources

    csv = tmp_path / "outlets.csv"
    csv.write_text("Outlet,country,lean\na.example,PL,left\nb.example,DE,right\n,FR,centre\n", encoding="utf-8")
    report = import_sources(fresh_store, csv)
    assert report["imported"] == 2 and report["rejected"] == [{"line": 4, "reason": "empty Outlet"}]
    fresh_store.add_batch([_art(id=i, text=f"text {i}", source=s, published="2021-11-16", text_hash=i)
                           for i, s in (("x1", "a.example"), ("x2", "a.example"), ("y1", "b.example"))], [])
    assert {r["source"]: r["lean"] for r in list_sources(fresh_store)} == {"a.example": "left", "b.example": "right"}
    spots = blindspots(fresh_store, "lean", [("s1", ["x1", "x2"]), ("s2", ["x1", "y1"])])
    assert [(r["scope"], r["group"], r["missing"]) for r in spots] == [("s1", "left", ["right"])]
    split = compare(fresh_store, "articles", ["x1", "y1"], by="country")["split"]
    assert {g["group"]: g["articles"] for g in split["groups"]} == {"PL": 1, "DE": 1}


def test_cli_timeline_compare_and_sources(seeded, tmp_path):
    db = seeded.store.path
    ids = ",".join(_story(seeded.store))
    run = CliRunner().invoke
    out = run(cli, ["--db", db, "timeline", "--articles", ids, "--format", "json"], catch_exceptions=False)
    assert out.exit_code == 0 and json.loads(out.output)["days"]
    out = run(cli, ["--db", db, "timeline", "--articles", ids, "--format", "markdown"], catch_exceptions=False)
    assert out.output.startswith("# Timeline of") and "## 2021-11-15" in out.output
    out = run(cli, ["--db", db, "compare", "--articles", ids], catch_exceptions=False)
    assert out.exit_code == 0 and "30,000 migrants" in out.output and "(first reporter)" in out.output
    assert run(cli, ["--db", db, "timeline"]).exit_code == 2  # no scope: a usage error
    missing = run(cli, ["--db", db, "timeline", "story", "abcd"])
    assert missing.exit_code != 0 and "abcd" in missing.output  # no such story: the error names it
    bad = tmp_path / "bad.csv"
    bad.write_text("country\nPL\n", encoding="utf-8")
    out = run(cli, ["--db", db, "sources", "import", str(bad)])
    assert out.exit_code != 0 and "no outlet column" in out.output


def test_cache_follows_text_changes(fresh_store):
    """A cut that moves citation offsets (boilerplate removed from a stored article) invalidates the entry."""
    fresh_store.add_batch([_art(id="c1", text="Troops crossed the river early on Monday near the old town bridge.",
                                published="2021-11-16", text_hash="c1")], [])
    first = timeline(fresh_store, "articles", ["c1"])
    fresh_store.execute("UPDATE articles SET text = ? WHERE id = 'c1'",
                        ("Share this. Troops crossed the river early on Monday near the old town bridge.",))
    again = timeline(fresh_store, "articles", ["c1"])
    cited = again["days"][0]["sentences"][0]
    assert cited["start"] != first["days"][0]["sentences"][0]["start"]
    text = fresh_store.execute("SELECT text FROM articles WHERE id = 'c1'").fetchone()[0]
    assert text[cited["start"]:cited["end"]] == cited["text"]


def test_story_and_thread_scopes_read_the_stories_stage_tables(fresh_store, tmp_path):
    """The stories stage's schema: ``story_articles``, ``stories.thread_id``, merged ids in ``story_merges``."""
    from newsloom.queries.sources import blindspots, import_sources

    fresh_store.add_batch([_art(id=i, text=f"Troops crossed the river on Monday, officials said in town {i}.",
                                source=s, published=p, text_hash=i)
                           for i, s, p in (("a1", "a.example", "2021-11-16"), ("a2", "b.example", "2021-11-17"),
                                           ("b1", "a.example", "2025-10-01"))], [])
    fresh_store.execute("INSERT INTO threads (id, seq, profile, created_at, updated_at) VALUES ('thread01', 0, x'', '', '')")
    for seq, sid in enumerate(("storyA01", "storyB01")):
        fresh_store.execute("INSERT INTO stories (id, seq, thread_id, profile, created_at, updated_at)"
                            " VALUES (?, ?, 'thread01', x'', '', '')", (sid, seq))
    for aid, sid in (("a1", "storyA01"), ("a2", "storyA01"), ("b1", "storyB01")):
        fresh_store.execute("INSERT INTO story_articles (article_id, story_id, reason, assigned_at)"
                            " VALUES (?, ?, 'new', '')", (aid, sid))
    fresh_store.execute("INSERT INTO story_merges (old_id, new_id, merged_at, reason) VALUES ('storyOLD', 'storyA01', '', 'test')")
    assert timeline(fresh_store, "story", "storyOLD")["scope"] == "story:storyA01"  # a merged id names its survivor
    assert timeline(fresh_store, "story", "storyA01")["articles"] == 2
    assert timeline(fresh_store, "thread", "thread01")["articles"] == 3
    assert summary(fresh_store, "story", "storyA")["scope"] == "story:storyA01"  # a unique prefix
    csv = tmp_path / "o.csv"
    csv.write_text("source,lean\na.example,left\nb.example,right\n", encoding="utf-8")
    import_sources(fresh_store, csv)
    assert [(r["scope"], r["group"]) for r in blindspots(fresh_store, "lean", min_articles=1)] == \
        [("story:storyB01", "left")]
