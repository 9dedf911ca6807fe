"""RSS 2.0, RSS 1.0 (RDF), Atom and sitemaps; safe XML (entity bombs, XXE); --fetch of linked pages."""
from __future__ import annotations

import gzip
import io
import time

import pytest

from newsloom import Loom, Settings
from newsloom.errors import Rejected
from newsloom.readers.fetch import Fetcher, FetchSettings
from newsloom.model import Record
from newsloom.readers import ReadOptions, read_stream
from newsloom.readers.feeds import fragment_text, parse_feed, parse_xml

from .conftest import BASE_STAGES

from .localhttp import page, text

P1 = "The harbour council approved the new footbridge on Tuesday after a long debate about its cost."
P2 = "Engineers said the steel span would be finished within eighteen months if the weather holds."
P3 = "Residents of the east bank, who have waited a decade for the crossing, welcomed the decision."

RSS2 = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel><title>Harbour Gazette</title><link>https://gazette.example/</link><language>en</language>
  <item>
    <title>Council approves &lt;b&gt;footbridge&lt;/b&gt;</title>
    <link>https://www.gazette.example/news/footbridge</link>
    <guid isPermaLink="false">gazette-1001</guid>
    <pubDate>Tue, 16 Nov 2021 10:00:00 +0000</pubDate>
    <dc:creator>Ann Reporter</dc:creator>
    <description>Short teaser only.</description>
    <content:encoded><![CDATA[<p>{P1}</p><p>{P2}</p><script>alert(1)</script><p>{P3}</p>]]></content:encoded>
  </item>
  <item>
    <title>Ferry fares frozen</title>
    <atom:link href="https://gazette.example/api/ferry" rel="self"/>
    <link>https://gazette.example/news/ferry</link>
    <pubDate>Wed, 17 Nov 2021 08:30:00 GMT</pubDate>
    <description>&lt;p&gt;The ferry operator froze fares for a second year.&lt;/p&gt;
      &lt;p&gt;Fuel costs fell.&lt;/p&gt;</description>
  </item>
  <item><title>Headline only</title><link>https://gazette.example/news/empty</link></item>
</channel></rss>"""

RDF = f"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://wire.example/"><title>Wire</title></channel>
  <item rdf:about="https://wire.example/a/1">
    <title>Port strike ends</title><link>https://wire.example/a/1</link>
    <description>{P1}</description><dc:date>2021-11-18T09:00:00Z</dc:date><dc:creator>Wire Desk</dc:creator>
  </item>
</rdf:RDF>"""

ATOM = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
  <title>Bay Times</title><id>urn:bay</id><updated>2021-11-19T00:00:00Z</updated>
  <author><name>Bay Desk</name></author>
  <entry>
    <title type="html">Tunnel &amp;amp; bridge plan</title>
    <link rel="self" href="https://bay.example/api/1"/><link rel="alternate" href="https://bay.example/n/1"/>
    <id>urn:bay:1</id><published>2021-11-19T07:00:00Z</published>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>{P1}</p><p>{P2}</p></div></content>
  </entry>
  <entry>
    <title>Summary only</title><link href="https://bay.example/n/2"/><id>urn:bay:2</id>
    <updated>2021-11-20T07:00:00Z</updated><summary>{P3}</summary>
    <author><name>Jo Writer</name></author>
  </entry>
  <entry>
    <title>Plain text content</title><link href="https://bay.example/n/3"/><id>urn:bay:3</id>
    <updated>2021-11-21</updated><content type="text">Prices &lt;b&gt; rose; 3 &lt; 4.</content>
  </entry>
</feed>"""

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title><item><title>x</title><description>&lol9;</description></item>
</channel></rss>"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>t</title><item><title>x</title><description>&xxe;</description></item>
</channel></rss>"""

XXE_PARAM = """<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY % ext SYSTEM "http://127.0.0.1:9/evil.dtd"> %ext;]>
<rss version="2.0"><channel><title>t</title></channel></rss>"""

SITEMAP = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url><loc>{base}/n/old</loc><lastmod>2021-11-01</lastmod></url>
  <url><loc>{base}/n/new</loc>
    <news:news><news:publication><news:name>Bay Times</news:name><news:language>en</news:language></news:publication>
      <news:publication_date>2021-11-19T07:00:00Z</news:publication_date><news:title>Bridge opens</news:title>
    </news:news></url>
</urlset>"""


def items_of(data: str | bytes, name: str = "feed.xml", **opts) -> list:
    raw = data.encode() if isinstance(data, str) else data
    return list(read_stream(io.BytesIO(raw), name, options=ReadOptions(**opts)))


def test_rss2_items_content_summary_and_refusal_of_empty_items():
    out = items_of(RSS2)
    full, summary, empty = out
    assert isinstance(full, Record) and full.external_id == "gazette-1001"
    assert full.text == "\n\n".join([P1, P2, P3])  # content:encoded wins; the script is dropped
    assert full.title == "Council approves footbridge" and full.author == "Ann Reporter"
    assert full.published == "2021-11-16" and full.source == "gazette.example" and full.format == "rss"
    assert full.language == "en" and full.extra["summary_only"] is False
    assert summary.text == "The ferry operator froze fares for a second year.\n\nFuel costs fell."
    assert summary.url == "https://gazette.example/news/ferry" and summary.extra["summary_only"] is True
    assert summary.external_id == "https://gazette.example/news/ferry"  # no guid: the link
    assert isinstance(empty, Rejected) and empty.code == "E153" and "--fetch" in empty.reason
    assert empty.where == "feed.xml#3"


def test_rss1_rdf_items():
    (rec,) = items_of(RDF, "wire.rdf")
    assert rec.title == "Port strike ends" and rec.external_id == "https://wire.example/a/1"
    assert rec.published == "2021-11-18" and rec.author == "Wire Desk" and rec.text == P1 and rec.format == "rdf"


def test_atom_entries_xhtml_content_summary_and_text_content():
    xhtml, summary, plain = items_of(ATOM, "bay.atom")
    assert xhtml.text == f"{P1}\n\n{P2}" and xhtml.title == "Tunnel & bridge plan"
    assert xhtml.url == "https://bay.example/n/1" and xhtml.external_id == "urn:bay:1"
    assert xhtml.author == "Bay Desk" and xhtml.published == "2021-11-19" and xhtml.language == "en"
    assert summary.text == P3 and summary.author == "Jo Writer" and summary.published == "2021-11-20"
    assert plain.text == "Prices <b> rose; 3 < 4."  # type="text" is not markup


def test_detected_by_content_without_extension_and_gzipped():
    assert [r.title for r in items_of(ATOM, "download")][:1] == ["Tunnel & bridge plan"]
    gz = items_of(gzip.compress(RSS2.encode()), "feed.rss.gz")
    assert isinstance(gz[0], Record) and gz[0].external_id == "gazette-1001"


@pytest.mark.parametrize("doc", [BILLION_LAUGHS, XXE, XXE_PARAM], ids=["billion-laughs", "xxe", "xxe-param"])
def test_entity_bombs_and_external_entities_are_refused_quickly(doc):
    start = time.perf_counter()
    out = items_of(doc, "evil.xml")
    elapsed = time.perf_counter() - start
    assert len(out) == 1 and isinstance(out[0], Rejected)
    assert out[0].code == "E150" and out[0].where == "evil.xml" and "entity" in out[0].reason.lower()
    assert elapsed < 0.5
    assert "root:" not in str(out[0])


def test_bomb_without_feed_extension_is_still_refused():
    out = items_of(BILLION_LAUGHS, "upload")
    assert len(out) == 1 and isinstance(out[0], Rejected) and out[0].code == "E150"


def test_plain_public_doctype_and_html_entities_are_read():
    rss091 = """<?xml version="1.0"?>
<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"
  "http://my.netscape.com/publish/formats/rss-0.91.dtd">
<rss version="0.91"><channel><title>Old</title>
<item><title>Caf&eacute; reopens</title><link>https://old.example/1</link>
<description>The caf&eacute; on the quay&nbsp;reopened after repairs to its roof.</description></item>
</channel></rss>"""
    (rec,) = items_of(rss091, "old.rss")
    assert rec.title == "Café reopens" and rec.text == "The café on the quay reopened after repairs to its roof."


def test_declared_encoding_survives_the_html_entity_repair():
    doc = ('<?xml version="1.0" encoding="ISO-8859-1"?><rss version="0.91"><channel><title>Baie</title>'
           '<item><title>Caf\xe9&nbsp;ouvert</title><link>https://baie.example/1</link>'
           '<description>Le caf\xe9 du port a rouvert&hellip;</description></item></channel></rss>').encode("latin-1")
    (rec,) = items_of(doc, "baie.rss")
    assert rec.title == "Café ouvert" and rec.text == "Le café du port a rouvert\u2026"


def test_malformed_feed_is_recovered_or_refused_clearly():
    broken = RSS2.replace("Ferry fares frozen", "Ferry fares & tolls frozen")  # unescaped &
    out = items_of(broken)
    assert isinstance(out[1], Record) and "Ferry fares" in out[1].title
    garbage = items_of("<?xml version='1.0'?><rss><channel>\x00\x01", "bad.rss")
    assert len(garbage) == 1 and isinstance(garbage[0], Rejected) and garbage[0].where == "bad.rss"
    not_feed = items_of("<?xml version='1.0'?><catalog><book/></catalog>", "books.xml")
    assert isinstance(not_feed[0], Rejected) and not_feed[0].code == "E152" and "<catalog>" in not_feed[0].reason
    empty = items_of("<rss version='2.0'><channel><title>t</title></channel></rss>", "e.rss")
    assert isinstance(empty[0], Rejected) and empty[0].code == "E155"


def test_sitemap_without_fetch_is_one_clear_rejection():
    out = items_of(SITEMAP.format(base="https://bay.example"), "sitemap.xml")
    assert len(out) == 1 and isinstance(out[0], Rejected) and out[0].code == "E154"
    assert "--fetch" in out[0].reason and "2 pages" in out[0].reason


def test_parse_feed_sitemap_news_metadata_and_index():
    feed = parse_feed(SITEMAP.format(base="https://bay.example").encode(), "s.xml")
    assert feed.kind == "sitemap" and [e.link for e in feed.entries] == ["https://bay.example/n/old",
                                                                        "https://bay.example/n/new"]
    news = feed.entries[1]
    assert (news.title, news.source, news.language, news.published) == ("Bridge opens", "Bay Times", "en",
                                                                        "2021-11-19T07:00:00Z")
    index = parse_feed(b"<sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'><sitemap>"
                       b"<loc>https://bay.example/s1.xml</loc></sitemap></sitemapindex>", "i.xml")
    assert index.kind == "sitemapindex" and index.entries[0].kind == "sitemap"


def test_fragment_text_keeps_paragraphs_and_drops_markup():
    assert fragment_text("<p>One <b>bold</b> line.</p><p>Two<br>lines</p><style>p{}</style>") == \
        "One bold line.\n\nTwo\nlines"
    assert fragment_text("plain   words\n\nsecond") == "plain words\n\nsecond"
    assert fragment_text(None) == ""


def test_parse_xml_reports_where():
    with pytest.raises(Rejected) as err:
        parse_xml(XXE.encode(), "https://feeds.example/x.xml")
    assert err.value.where == "https://feeds.example/x.xml"


# -- --fetch: linked pages through the polite client (a real server on 127.0.0.1) ---------------
def settings(**extra) -> Settings:
    return Settings.load(env={}, overrides={"pipeline.stages": BASE_STAGES, "fetch.host_interval": 0,
                                            "fetch.backoff": 0.01, "fetch.trust_env": False, "fetch.retries": 0,
                                            **extra})


def summary_feed(base: str) -> str:
    return f"""<rss version="2.0"><channel><title>Gazette</title>
      <item><title>Footbridge approved</title><link>{base}/n/1</link><guid>g1</guid>
        <pubDate>Tue, 16 Nov 2021 10:00:00 GMT</pubDate><description>Teaser: bridge vote.</description></item>
      <item><title>Locked away</title><link>{base}/private/2</link><guid>g2</guid>
        <description>Teaser: a private page.</description></item>
      <item><title>Gone</title><link>{base}/n/404</link><guid>g3</guid></item>
    </channel></rss>"""


def test_fetch_follows_summary_only_items(server, tmp_path):
    server.routes["/n/1"] = text(page("Footbridge approved by council", [P1, P2, P3]))
    feed = tmp_path / "gazette.rss"
    feed.write_text(summary_feed(server.base), encoding="utf-8")
    # a feed file names no origin: its links to 127.0.0.1 are fetched only with allow_private (issue 15)
    fetcher = Fetcher(FetchSettings(host_interval=0, retries=0, trust_env=False, allow_private=True))
    out = list(read_stream(feed.open("rb"), str(feed), options=ReadOptions(fetch=True, extra={"fetcher": fetcher})))
    fetcher.close()
    page_rec, private, gone = out
    assert isinstance(page_rec, Record) and P2 in page_rec.text and "Copyright" not in page_rec.text
    assert page_rec.title == "Footbridge approved" and page_rec.published == "2021-11-16"  # the feed's metadata
    assert page_rec.fetched and page_rec.url == server.url("/n/1") and page_rec.external_id == "g1"
    # robots.txt refused the page: the summary and link are kept rather than lost
    assert isinstance(private, Record) and private.text == "Teaser: a private page."
    assert isinstance(gone, Rejected) and "HTTP 404" in gone.reason and gone.where.endswith("#3")
    assert "/private/2" not in server.paths()


def test_without_fetch_nothing_is_requested(server, tmp_path):
    feed = tmp_path / "gazette.rss"
    feed.write_text(summary_feed(server.base), encoding="utf-8")
    out = items_of(feed.read_bytes(), str(feed))
    assert [type(x).__name__ for x in out] == ["Record", "Record", "Rejected"]
    assert out[0].text == "Teaser: bridge vote." and out[0].url == server.url("/n/1")
    assert server.hits == []


def test_sitemap_index_with_fetch_ingests_pages_newest_first_within_the_cap(server, tmp_path):
    server.routes["/n/old"] = text(page("Old bridge story", [P1, P3]))
    server.routes["/n/new"] = text(page("Bridge opens to traffic", [P2, P3]))
    server.routes["/sitemap-news.xml.gz"] = (200, {"Content-Type": "application/gzip"},
                                             gzip.compress(SITEMAP.format(base=server.base).encode()))
    index = (f"<sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'><sitemap>"
             f"<loc>{server.base}/sitemap-news.xml.gz</loc></sitemap></sitemapindex>")
    server.routes["/sitemap.xml"] = text(index, "application/xml")
    # the cap counts every fetch of the sitemap, the child sitemap's own included (issue 15)
    with Loom(tmp_path / "s.db", settings=settings(**{"fetch.max_sitemap_urls": 2})) as loom:
        report = loom.ingest(server.url("/sitemap.xml"), fetch=True)
        arts = loom.articles()
    assert report.stored == 1 and len(arts) == 1
    art = arts[0]
    assert art.title == "Bridge opens" and art.published == "2021-11-19" and art.language == "en"
    assert art.url == server.url("/n/new")
    assert report.rejected == 1 and "max_sitemap_urls" in report.rejects[0][1]
    assert "/n/old" not in server.paths()


def test_feed_file_ingest_end_to_end_and_twice_stores_nothing_new(tmp_path):
    feed = tmp_path / "gazette.xml"
    feed.write_text(RSS2, encoding="utf-8")
    with Loom(tmp_path / "f.db", settings=settings()) as loom:
        first = loom.ingest(str(feed))
        second = loom.ingest(str(feed))
        stored = loom.articles()
    assert (first.stored, first.rejected) == (2, 1)
    assert (second.stored, second.duplicate) == (0, 2)
    assert {a.external_id for a in stored} == {"gazette-1001", "https://gazette.example/news/ferry"}


@pytest.mark.slow
def test_parse_rate_on_a_large_feed(capsys):
    """The figure in docs/inputs/feeds.md: 1,200 items with Timeline17 summaries."""
    import html as html_lib

    from newsloom.bench.ingest import timeline17_sample

    from .conftest import BENCH

    rows = timeline17_sample(300, str(BENCH))
    items = "".join(
        f"<item><title>{html_lib.escape(r.get('title') or 'untitled')}</title><link>https://t17.example/{i}</link>"
        f"<guid>g{i}</guid><description>{html_lib.escape((r.get('text') or 'empty')[:400])}</description></item>"
        for i, r in enumerate(rows * 4))
    feed = f"<?xml version='1.0'?><rss version='2.0'><channel><title>T17</title>{items}</channel></rss>".encode()
    start = time.perf_counter()
    out = items_of(feed, "t17.rss")
    elapsed = time.perf_counter() - start
    assert len(out) == 1200 and sum(isinstance(r, Record) for r in out) >= 1150
    start = time.perf_counter()
    for _ in range(100):
        items_of(BILLION_LAUGHS, "lol.xml")
    bomb_ms = (time.perf_counter() - start) * 10
    with capsys.disabled():
        print(f"\nfeed: 1200 items, {len(feed) / 1e6:.1f} MB in {elapsed:.3f} s ({1200 / elapsed:.0f} items/s); "
              f"billion laughs refused in {bomb_ms:.2f} ms")
