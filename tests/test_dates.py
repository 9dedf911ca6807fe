"""The dates stage: relative expressions resolved against the article's date, never the clock."""
from __future__ import annotations

from datetime import date

import pytest

from newsloom import Loom, Settings
from newsloom.stages.dates import format_value, resolve_expression

from .conftest import SHARED

TUE = date(2021, 11, 16)  # a Tuesday


@pytest.mark.parametrize("text, value, precision", [
    ("Tuesday", "2021-11-16", "day"),            # the publication day itself
    ("on Monday", "2021-11-15", "day"),
    ("Friday", "2021-11-12", "day"),
    ("last Tuesday", "2021-11-09", "day"),
    ("next Monday", "2021-11-22", "day"),
    ("last year", "2020", "year"),
    ("this year", "2021", "year"),
    ("1994", "1994", "year"),
    ("since 1994", "1994", "year"),
    ("in September", "2021-09", "month"),
    ("last month", "2021-10", "month"),
    ("November 3, 2019", "2019-11-03", "day"),
    ("October 6, 8, and 9", "2021-10-06", "day"),
    ("three days ago", "2021-11-13", "day"),
    ("this week", "2021-11-15", "week"),
])
def test_resolved_against_the_published_date(text, value, precision):
    got, prec, _ = resolve_expression(text, TUE)
    assert (got, prec) == (value, precision)


def test_future_sentence_points_forward():
    assert resolve_expression("Thursday", TUE, future=True)[0] == "2021-11-18"
    assert resolve_expression("Thursday", TUE)[0] == "2021-11-11"


@pytest.mark.parametrize("text", ["Tuesday", "last year", "in September", "October 6, 8, and 9", "next week"])
def test_no_anchor_no_invented_date(text):
    value, precision, _ = resolve_expression(text, None)
    assert value is None and precision is None


@pytest.mark.parametrize("text", ["six months later", "decades", "the 1990s", "their late 60s", "recent days"])
def test_narrative_and_vague_expressions_stay_open(text):
    assert resolve_expression(text, TUE)[0] is None


def test_absolute_dates_need_no_anchor():
    assert resolve_expression("since 1994", None) == ("1994", "year", True)
    assert resolve_expression("March 12, 2024", None) == ("2024-03-12", "day", True)


def test_format_value():
    assert format_value(TUE, "month") == "2021-11" and format_value(TUE, "week") == "2021-11-15"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    paths = [next((SHARED / "corpora" / "seeds").glob(f"{p}_*.txt")) for p in ("001", "003")]
    settings = Settings.load(env={}, overrides={"pipeline.stages": ["clean", "language", "nlp", "entities", "dates"]})
    with Loom(tmp_path_factory.mktemp("dates") / "t.db", settings=settings) as loom:
        loom.ingest(*map(str, paths))
        yield loom


def _dates(loom, prefix: str) -> list[dict]:
    return list(loom.store.rows('SELECT d.text, d.value, d.precision, d.anchor FROM dates d JOIN articles a ON '
                                'a.id = d.article_id WHERE a.external_id LIKE ? ORDER BY d.start', (f"%/{prefix}_%",)))


def test_seed_001_golden(seeded):
    rows = _dates(seeded, "001")
    got = {(r["text"], r["value"], r["precision"]) for r in rows}
    assert ("Tuesday", "2021-11-16", "day") in got
    assert ("Monday", "2021-11-15", "day") in got
    assert ("last year", "2020", "year") in got
    assert ("1994", "1994", "year") in got
    assert all(r["anchor"] in ("published", "absolute") for r in rows if r["value"])


def test_seed_003_has_no_date_and_invents_none(seeded):
    assert seeded.store.execute("SELECT published FROM articles WHERE external_id LIKE '%/003_%'").fetchone()[0] is None
    rows = _dates(seeded, "003")
    october = [r for r in rows if r["text"].startswith("October")]
    assert october and all(r["value"] is None for r in october)
    for r in rows:
        if r["value"] is not None:  # only what the text states: a year written out
            assert r["anchor"] == "absolute" and r["value"] in r["text"]


def test_a_list_of_days_gives_one_date_per_day():
    from newsloom.loom import process

    text = "Protests were held on October 6, 8, and 9 in Minsk. Talks on May 3 and 5, 2019 failed."
    got = [(d["text"], d["value"]) for d in process(text, published="2020-10-20", title="x").annotations["dates"]]
    assert got[:3] == [("October 6", "2020-10-06"), ("8", "2020-10-08"), ("9", "2020-10-09")]
    assert ("May 3", "2019-05-03") in got and ("5", "2019-05-05") in got
    # past spaCy's entity only a list closed by "and"; a range keeps its first day
    text = "On October 6, 12 protesters were arrested. On October 6-9 nothing happened."
    got = [(d["text"], d["value"]) for d in process(text, published="2020-10-20", title="x").annotations["dates"]]
    assert got == [("October 6", "2020-10-06"), ("October 6-9", "2020-10-06")]
