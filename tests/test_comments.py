"""Reader comments kept after an article: found by their headers; their dates are their own, their words no events."""
from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from newsloom.loom import process
from newsloom.stages.comments import comment_headers, comments_start
from newsloom.stages.sentences import report_sentences, split_sentences

ARTICLE = ("Health officials in London said on Monday that 95 new cases had been confirmed. Police arrested "
           "two protesters outside the clinic on Monday.")
COMMENTS = (" This comment was removed because it broke the House Rules. At 07:26 am on 03 Jun 2009, clayukpool "
            "wrote: Yesterday I was reading about Tiananmen Square. Police arrested my brother in Beijing last week."
            " At 12:15 9th Jun 2009, madmax wrote: Great blog.")


def test_headers_and_their_dates():
    text = ARTICLE + COMMENTS + " hope it ends soon. February 1, 2011 at 11:09 am | I agree."
    heads = comment_headers(text)
    assert [h.date for h in heads] == ["2009-06-03", "2009-06-09", "2011-02-01"]
    assert comments_start(text) == text.index("At 07:26")
    assert comments_start(ARTICLE) is None and comment_headers("At 5 pm on Monday, he wrote a letter.") == []


def test_dates_in_a_comment_count_from_its_own_date():
    dates = {(d["text"], d["value"], d["anchor"]) for d in process(ARTICLE + COMMENTS, published="2009-06-02",
                                                                   title="x").annotations["dates"]}
    assert ("Monday", "2009-06-01", "published") in dates
    assert ("Yesterday", "2009-06-02", "comment:2009-06-03") in dates
    assert ("last week", "2009-W22", "comment:2009-06-03") in dates


def test_comments_give_no_events():
    events = process(ARTICLE + COMMENTS, published="2009-06-02", title="x").annotations["events"]
    assert events and all(e["end"] <= len(ARTICLE) for e in events)


def test_comments_give_no_quotes_and_no_cited_sentences():
    said = ' "We will not reopen the clinic," the mayor said on Monday.'
    reader = ' February 1, 2011 at 11:09 am | "Nobody will ever trust them again," my neighbour said.'
    text = ARTICLE + said + reader
    quotes = process(text, published="2011-02-01", title="x").annotations["quotes"]
    assert [q["text"] for q in quotes if q["kind"] == "direct"] == ['"We will not reopen the clinic,"']
    cut = comments_start(text)
    assert report_sentences(text) and report_sentences(text)[-1][1] <= cut
    assert report_sentences(ARTICLE + said) == split_sentences(ARTICLE + said)


def test_a_comment_counts_its_days_but_is_never_cited():
    from newsloom.stages.summaries import summarise
    from newsloom.stages.timelines import Sent, build_timeline

    day, pub = date(2011, 2, 1), date(2011, 2, 2)
    report = [Sent(f"a{i}", 0, 60, f"Protesters marched through the capital on Tuesday as troops watched, report {i}.",
                   0, pub, (day,)) for i in range(3)]
    comment = Sent("a0", 100, 170, "Protesters marched through the capital on Tuesday and troops watched them all.",
                   5, pub, (day,), comment=True)
    cited = [s for d in build_timeline(report + [comment], max_dates=1, per_date=3) for s in d.sentences]
    assert cited and not any(s.comment for s in cited)
    assert summarise([comment]) == [] and not any(s.comment for s in summarise(report + [comment]))


def test_story_signals_come_from_the_report(tmp_path):
    from newsloom import Loom, Settings
    from newsloom.stages.stories import article_signals
    from newsloom.stages.story_match import term_hash

    page = tmp_path / "page.txt"
    page.write_text("Health officials\n\n" + ARTICLE + " February 1, 2011 at 11:09 am | Volcanoes erupt in Iceland "
                    "and Tokyo, says Barack Obama.", encoding="utf-8")
    with Loom(tmp_path / "s.db", settings=Settings.load(env={})) as loom:
        loom.ingest(str(page))
        art = loom.store.article(loom.store.execute("SELECT id FROM articles").fetchone()[0])
        signals = article_signals(loom.store.conn, art, None)
        names = {r[0] for r in loom.store.execute(
            "SELECT e.name FROM mentions m JOIN entities e ON e.id = m.entity_id")}
    assert art.text.endswith("says Barack Obama.")  # the comment is stored ...
    assert names == {"London"}  # ... but not parsed: its names are no mentions
    # ... and no signal of the story
    assert term_hash("volcanoes") not in signals.terms and term_hash("london") in signals.terms
    assert len(signals.entities) == 1


_PIECES = ["Police said. ", "February 1, 2011 at 11:09 am | ", "At 07:26 am on 03 Jun 2009, clay wrote: ",
           "LONDON | Tue ", "at 5 pm | ", "he wrote: ", "March 3, 2011 at 4:05 pm ", "| Reply ", "x" * 130]


@given(st.lists(st.sampled_from(_PIECES), max_size=12))
def test_comments_start_is_the_first_header(pieces):
    text = "".join(pieces)
    heads = comment_headers(text)
    assert comments_start(text) == (heads[0].start if heads else None)


def test_comments_are_not_parsed_their_dates_found_by_rule():
    art = process(ARTICLE + COMMENTS + " Tuesday was worse.", published="2009-06-02", title="x")
    cut = comments_start(art.text)
    mentions = art.annotations["mentions"]
    assert {m["text"] for m in mentions} >= {"London"} and all(m["end"] <= cut for m in mentions)  # no "Beijing"
    tuesday = [d for d in art.annotations["dates"] if d["text"] == "Tuesday"]
    assert [(d["value"], d["anchor"]) for d in tuesday] == [("2009-06-09", "comment:2009-06-09")]
