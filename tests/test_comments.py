"""Reader comments kept after an article: found by their headers; their dates are their own, their words no events."""
from __future__ import annotations

from newsloom.loom import process
from newsloom.stages.comments import comment_headers, comments_start

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
