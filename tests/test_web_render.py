"""The pure rendering helpers of the web UI: escaping, highlighting, links, charts."""
from __future__ import annotations

import html

from hypothesis import given
from hypothesis import strategies as st
from lxml import html as lxml_html

from newsloom.web.render import bar_chart_svg, highlight, safe_url, timeline_svg


#: article text as stored: any characters but control characters (an HTML parser rewrites \r and NUL), newlines kept
TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")) | st.just("\n"), max_size=300)


@given(TEXT, st.lists(st.tuples(st.integers(0, 300), st.integers(0, 300)), max_size=8))
def test_highlight_keeps_the_text_and_escapes_it(text: str, raw_spans: list[tuple[int, int]]) -> None:
    spans = [(a, b, "quote", "/entities/x", "t<i>t") for a, b in raw_spans]
    out = str(highlight(text, spans))
    paragraphs = [p for p in html.escape(text, quote=True).split("\n") if p.strip()]
    visible = "".join(lxml_html.fragment_fromstring(out, create_parent="div").itertext()) if out else ""
    assert visible == "".join(html.unescape(p) for p in paragraphs)
    assert "<script" not in out.lower() or "&lt;script" in out.lower()


def test_highlight_marks_spans_and_keeps_the_first_of_overlaps() -> None:
    out = str(highlight("Putin met Lukashenko.", [(0, 5, "entity-PERSON", "/entities/p", "PERSON"),
                                                  (3, 9, "quote", None, "q"),
                                                  (10, 20, "entity-PERSON", None, "<b>")]))
    assert out.count("<mark") == 2
    assert '<a href="/entities/p">Putin</a>' in out and 'title="&lt;b&gt;"' in out


def test_only_http_urls_become_links() -> None:
    assert safe_url("https://example.org/a") == "https://example.org/a"
    for bad in ("javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,<script>", "vbscript:x", "", None,
                "http://[::1"):
        assert safe_url(bad) is None


def test_charts_escape_their_labels() -> None:
    svg = str(bar_chart_svg([("<script>x</script>", 3), ("b", 1)], title="t\"<"))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert str(timeline_svg([], title="x")) == ""
    assert "2021-11-09 \u2013 2021-11-16" in str(timeline_svg([("2021-11-16", 2), ("2021-11-09", 1)], title="x"))


def test_story_page_renders_disagreeing_figures() -> None:
    """Figures that disagree show both cited values (a bug once iterated dict.values instead)."""
    from newsloom.web.app import _templates
    from newsloom.web.reads import comparison

    cite = {"article_id": "a1", "start": 0, "end": 14, "text": "30,000 migrants", "value": 30000.0, "outlet": "x.org",
            "sentence_start": 0, "sentence_end": 20}
    cmp = {"outlets": [], "only_here": {}, "coverage_by_day": [],
           "disagreements": [{"counts": "migrants", "unit": "", "a": cite, "b": {**cite, "text": "<b>4,000</b> migrants",
                                                                                 "outlet": "y.org"}}]}
    story = {"title": "t", "size": 2, "sources": [], "articles": [], "top_entities": [], "quotes": [],
             "comparison": comparison(cmp)}
    html = _templates().env.get_template("story.html").render(s=story, version="0", db_name="x")
    assert "30,000 migrants" in html and "&lt;b&gt;4,000&lt;/b&gt; migrants" in html and "y.org" in html
