"""Golden expectations on the five seed articles (read from ../shared; no seed text is copied here)."""
from __future__ import annotations

import pytest

from newsloom import Loom
from newsloom.stages.clean import split_paragraphs

from .conftest import seed


@pytest.fixture(scope="module")
def seeded(tmp_path_factory, seed_paths):
    from newsloom import Settings

    settings = Settings.load(env={}, overrides={"pipeline.stages": ["clean", "language", "boilerplate"]})
    with Loom(tmp_path_factory.mktemp("seeds") / "s.db", settings=settings) as lm:
        report = lm.ingest(*map(str, seed_paths))
        assert report.stored == 5 and report.rejected == 0
        yield {p.name[:3]: next(a for a in lm.articles() if a.external_id == str(p)) for p in seed_paths}


def _first_line(path) -> str:
    return next(line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip())


def test_titles(seeded, seed_paths):
    assert seeded["000"].title == _first_line(seed(seed_paths, "000"))
    header = _first_line(seed(seed_paths, "001"))
    assert header.startswith("date 2021-11-16 ")
    assert seeded["001"].title == header[len("date 2021-11-16 "):]
    assert seeded["002"].title == _first_line(seed(seed_paths, "002"))
    # 003 starts with a language switcher; the title is the line after it
    lines = [ln.strip() for ln in seed(seed_paths, "003").read_text().splitlines() if ln.strip()]
    assert seeded["003"].title == lines[1]
    # 004 has no title line: the first sentence stands in, and the paragraph stays in the text
    assert seeded["004"].title.startswith("Russian President Vladimir Putin")
    assert seeded["004"].text.startswith(seeded["004"].title.rstrip("\u2026"))


def test_dates_never_invented(seeded):
    assert seeded["001"].published == "2021-11-16"
    assert seeded["003"].published is None
    assert seeded["004"].published is None
    assert seeded["000"].published is None and seeded["002"].published is None


def test_language_english(seeded):
    assert {a.language for a in seeded.values()} == {"en"}


@pytest.mark.parametrize("key, rules", [
    ("000", ["call_to_action", "repeated_paragraph"]),
    ("001", []),
    ("002", ["comments", "disclaimer", "disclaimer", "read_more"]),
    ("003", ["language_switcher", "title_repeat"]),
    ("004", ["advertisement"]),
])
def test_boilerplate_named_in_readme_is_gone(seeded, key, rules):
    art = seeded[key]
    assert sorted(cut["rule"] for cut in art.removed) == rules
    for cut in art.removed:
        assert cut["text"] not in art.text and cut["reason"]


def test_readme_pieces_absent(seeded):
    text = {k: a.text for k, a in seeded.items()}
    assert "via Google news" not in text["000"]
    assert "\u2022" not in text["000"]  # the repeated closing bullet
    assert "ADVERTISEMENT" not in text["004"]
    assert "Leave a Reply" not in text["002"] and "Responsibility" not in text["002"]
    assert "Read More" not in text["002"]
    assert not text["003"].startswith("ua en ru") and "(photo:" not in text["003"]


def test_every_substantive_paragraph_kept(seeded, seed_paths):
    for path in seed_paths:
        art = seeded[path.name[:3]]
        cut = {c["text"] for c in art.removed}
        kept = set(art.text.split("\n\n"))
        for par in split_paragraphs(path.read_text(encoding="utf-8")):
            if par in cut or par == art.title or par.startswith("date 20"):
                continue
            assert par in kept, f"{path.name}: a substantive paragraph was lost: {par[:60]!r}"


def test_lone_paragraph_stays_the_text():
    from newsloom.model import Article
    from newsloom.stages.clean import Clean

    one = "Peterson, 32, was convicted on Friday of two counts in the deaths, the court said."
    art = Clean()(Article(id="x", external_id="x", title="", text=one, raw_text=one))
    assert art.text == one and art.title == one


def test_title_line_then_body():
    from newsloom.model import Article
    from newsloom.stages.clean import Clean

    raw = "Short headline here\n\nA body paragraph. With two sentences."
    art = Clean()(Article(id="x", external_id="x", title="", text=raw, raw_text=raw))
    assert art.title == "Short headline here" and art.text == "A body paragraph. With two sentences."
