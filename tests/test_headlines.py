"""Title candidates and the shared junk-sentence test (stages/headlines.py), and their use in titles and timelines."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsloom.stages.headlines import after_stamp, headline, is_junk, lead_start, title_candidate
from newsloom.stages.summaries import story_title, summarise
from newsloom.stages.timelines import Sent, citable
from newsloom.storage import Store

HEADLINES = ["Storm closes ferry routes along the northern coast", "Council approves new tram line for the city centre",
             "Miners agree pay deal after six weeks of talks"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]


@st.composite
def stamps(draw: st.DrawFn) -> str:
    """A page stamp in one of the shapes pages print: weekday, day, month, year, time, zone, in varied order."""
    day, month, year = draw(st.integers(1, 28)), draw(st.sampled_from(MONTHS)), draw(st.integers(1995, 2024))
    hh, mm = draw(st.integers(0, 23)), draw(st.integers(0, 59))
    sep = draw(st.sampled_from([":", "."]))
    zone = draw(st.sampled_from(["GMT", "BST", "ET", "UK time", "local time"]))
    weekday = draw(st.sampled_from(WEEKDAYS))
    return draw(st.sampled_from([
        f"{weekday} {day} {month} {year} {hh:02d}{sep}{mm:02d} {zone}",
        f"Page last updated at {hh:02d}{sep}{mm:02d} {zone}, {weekday}, {day} {month} {year}",
        f"{hh:02d}{sep}{mm:02d} {zone}, {weekday}, {day} {month} {year}",
        f"Updated: {month} {day}, {year} {hh:02d}:{mm:02d}",
    ]))


@settings(max_examples=60, deadline=None)
@given(stamp=stamps(), headline=st.sampled_from(HEADLINES))
def test_a_leading_stamp_is_stripped(stamp: str, headline: str) -> None:
    assert title_candidate(f"{stamp} {headline}") == headline


@settings(max_examples=60, deadline=None)
@given(stamp=stamps(), headline=st.sampled_from(HEADLINES),
       name=st.sampled_from(["Lena Marsh", "Tom O'Dell", "Priya Natarajan"]))
def test_a_byline_bar_before_a_stamp_is_stripped(stamp: str, headline: str, name: str) -> None:
    assert title_candidate(f"{name} | {stamp} {headline}") == headline


@settings(max_examples=40, deadline=None)
@given(headline=st.sampled_from(HEADLINES + ["Monday's vote on the budget was delayed again",
                                             "May Day marchers fill the main square",
                                             "3 killed as bus overturns on mountain road",
                                             "U.S. envoy arrives in Seoul for talks"]))
def test_a_clean_headline_is_left_alone(headline: str) -> None:
    assert title_candidate(headline) == headline
    assert not is_junk(headline)


@pytest.mark.parametrize("text, expected", [
    ("By Lena Marsh, Special to the Herald The harbour reopened on Friday.", "The harbour reopened on Friday."),
    ("By Lena Marsh and Tom Reed, Staff Writers The harbour reopened.", "The harbour reopened."),
    ("By Lena Marsh The harbour reopened.", "The harbour reopened."),
    ("Page last updated at 10:41 GMT (an error occurred while processing this directive) The harbour reopened.",
     "The harbour reopened."),
    ("Byron Bay braces for storm surge", "Byron Bay braces for storm surge"),
    ("March 2, 2012 | By Lena Marsh, Herald Fishermen block the harbour.", "Fishermen block the harbour."),
    ("March 2, 2012 | By Lena Marsh Members of the union block the harbour.",
     "Members of the union block the harbour."),
    ("By the Herald Wire Staff Port workers walk out over pay", "Port workers walk out over pay"),
    ("Analysis: why the port strike matters March 2, 2012 | By Lena Marsh, Herald's Senior Reporter The strike",
     "Analysis: why the port strike matters"),
])
def test_bylines_and_server_messages_are_stripped(text: str, expected: str) -> None:
    assert title_candidate(text) == expected


@pytest.mark.parametrize("text, lead", [
    ("Photograph: Lena Marsh/AP The harbour reopened on Friday.", "The harbour reopened on Friday."),
    ("Photograph: PA A pilot landed the plane on the river.", "A pilot landed the plane on the river."),
    ("Photo: Getty Images Crowds filled the square at dawn.", "Crowds filled the square at dawn."),
    ("Last updated: 2 may, 2011 - 17:54 GMT Ferries stop as the storm nears.", "Ferries stop as the storm nears."),
    ("Photographs from the flood show the damage.", "Photographs from the flood show the damage."),
])
def test_lead_start_skips_a_credit_or_stamp_before_the_lead(text: str, lead: str) -> None:
    assert text[lead_start(text):] == lead


def test_after_stamp_finds_the_lead_after_a_headline_and_its_page_stamp() -> None:
    text = "Storm closes the harbour Sunday 3 May 2011 10.40 BST Fishing boats stayed in port."
    assert text[after_stamp(text):] == "Fishing boats stayed in port."
    assert after_stamp("The harbour closed on 3 May 2011 at 10.40 when the storm hit.") == 0


@pytest.mark.parametrize("text", [
    "March 3, 2012 04:11 pm | Agreed.",
    "Nice piece | Reply WHY DOES NOBODY LISTEN",
    "09:12 ET THIS IS A RUSH TRANSCRIPT.",
    "Posted by Kim L on June 4, 2009 10:01 PM.",
    "As we said, big developments tonight.",
    "10:45 GMT.",
    "It was a very strange day.",
    "WATSON: Well, no, certainly there were far more people in the streets today.",
    "On Friday it was -- it was like -- Friday was like a war.",
    "You saw how he was on that speech on Thursday.",
    "For one, I think the president miscalculated the reaction to his speech last night.",
    "COOPER: Isha, we show a force today by the regime.",
    "COOPER: That's one of the people that we heard from in the square today.",
    "SEN. JOHN SMITH (R), OHIO: I think the president should act now on the border.",
])
def test_junk(text: str) -> None:
    assert is_junk(text)
    assert not citable(text)


@pytest.mark.parametrize("text", [
    "The army fired on protesters in the capital on Friday.",
    "Prices rose 5 percent.",
    "Ministers met in Lisbon.",
    "Jan. 3, 2010 - Markets fell sharply across Asia.",
    "We were told to leave, and we did, and now the whole town is empty and quiet.",
    "NATO said: the strikes on the port will go on for a week.",
    "LONDON: Police arrested 12 people on Monday after clashes near parliament.",
    "\"I think we will win the vote on Tuesday,\" the minister said.",
    "` I think we will win the vote on Tuesday, ' the minister said.",
])
def test_not_junk(text: str) -> None:
    assert not is_junk(text)


def _sents(texts: list[list[str]]) -> list[Sent]:
    out = []
    for a, article in enumerate(texts):
        for i, t in enumerate(article):
            out.append(Sent(f"a{a}", 0, len(t), t, i, date(2020, 5, a + 1)))
    return out


def test_story_title_without_titles_strips_the_stamp_and_skips_junk() -> None:
    sents = _sents([
        ["Thursday 7 May 2020 09.15 BST Floods cut off three villages in the valley after the river burst its banks.",
         "Rescue teams reached the villages by boat on Thursday."],
        ["Ada Kerr | 11:20 local time, Friday, 8 May 2020 The river burst its banks near three valley villages.",
         "Floods cut off the villages and rescue teams used boats."],
    ])
    title = story_title(sents, {})
    assert title.split()[0] in {"Floods", "The"}, title
    assert "BST" not in title and "|" not in title


def test_story_title_prefers_a_clean_title_field() -> None:
    sents = _sents([["Floods cut off three villages after the river burst its banks.", "Boats reached them."],
                    ["The river burst its banks near three villages.", "Floods cut them off."]])
    titles = {"a0": "Friday 8 May 2020 10:02 GMT Floods cut off three valley villages", "a1": None}
    assert story_title(sents, titles) == "Floods cut off three valley villages"


def test_summary_skips_comment_sentences() -> None:
    sents = _sents([
        ["Floods cut off three villages in the valley after the river burst its banks on Thursday.",
         "May 8, 2020 04:11 pm | Reply the floods in the valley villages are the worst in years."],
        ["Rescue teams reached the three valley villages by boat after the floods on Friday.",
         "Posted by Ada K on May 8, 2020 11:01 PM."],
    ])
    picked = summarise(sents, k=4, min_words=5)
    assert picked and all(not is_junk(s.text) for s in picked)
    assert all("|" not in s.text and not s.text.startswith("Posted by") for s in picked)


def test_seed_titles_are_kept(web_db: Path) -> None:
    """The seeds carry real headlines: the title candidate leaves every one that is not junk as it is."""
    with Store(web_db) as store:
        titles = [r[0] for r in store.execute("SELECT title FROM articles WHERE title IS NOT NULL").fetchall()]
    kept = [t for t in titles if len(t.split()) >= 4]
    assert len(kept) >= 5
    assert all(title_candidate(t) == " ".join(t.split()) for t in kept), \
        [(t, title_candidate(t)) for t in kept if title_candidate(t) != " ".join(t.split())]
    assert sum(not is_junk(t) for t in kept) == len(kept)


@settings(max_examples=40, deadline=None)
@given(headline=st.sampled_from(HEADLINES), weekday=st.sampled_from(WEEKDAYS), day=st.integers(1, 28),
       month=st.sampled_from(MONTHS), year=st.integers(1995, 2024), hh=st.integers(0, 23), mm=st.integers(0, 59))
def test_a_headline_run_into_its_page_stamp_ends_before_it(headline: str, weekday: str, day: int, month: str,
                                                           year: int, hh: int, mm: int) -> None:
    text = f"{headline} {weekday} {day} {month} {year} {hh:02d}.{mm:02d} GMT The coastguard said the port stays shut."
    assert title_candidate(text) == headline


def test_a_date_and_time_inside_a_sentence_is_not_a_headline_boundary() -> None:
    text = "The coastguard said on 4 May 2010 at 10:30 GMT that the port stays shut"
    assert title_candidate(text) == text


@pytest.mark.parametrize("raw, shown", [
    ("By Jane Roe BBC News, Springfield Crowds gather outside the court", "Crowds gather outside the court"),
    ("March 3, 2011: 9:15 AM ET Image by someone via Flickr The valley floods again", "The valley floods again"),
    ("Photograph: AP/Jane Roe Ministers meet in the capital", "Ministers meet in the capital"),
    ("Tuesday 4 May 2010 10.01 BST " + " ".join(f"w{i}" for i in range(30)),
     " ".join(f"w{i}" for i in range(16)) + "\u2026"),
    ("Short title", "Short title"),
    (None, None),
])
def test_headline_shows_a_stored_title_without_its_page_furniture(raw, shown):
    assert headline(raw) == shown
