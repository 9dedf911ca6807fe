"""WARC and WARC.gz: HTML responses become articles; the rest is skipped and counted; cuts and bombs refused."""
from __future__ import annotations

import gzip
import io
import time
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newsloom import Loom, Settings
from newsloom.errors import Rejected
from newsloom.model import Record
from newsloom.readers import ReadOptions, iter_inputs, read_stream

from .conftest import BASE_STAGES

STORIES = [
    ("https://bay.example/n/bridge", "Bridge opens to traffic",
     ["The new harbour footbridge opened to walkers and cyclists on Friday morning.",
      "The mayor cut the ribbon in front of several hundred residents from both banks."]),
    ("https://bay.example/n/ferry", "Ferry fares frozen",
     ["The ferry operator froze its fares for a second year, citing lower fuel costs.",
      "Commuters' groups welcomed the move but asked for more evening sailings."]),
    ("https://bay.example/n/port", "Port strike ends",
     ["Dock workers returned to work after a four-day strike over night-shift pay.",
      "The union said members had accepted a deal worth five per cent over two years."]),
]


def html_page(title: str, paragraphs: list[str], charset: str = "utf-8") -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<!DOCTYPE html><html><head><meta charset='{charset}'><title>{title}</title></head><body>"
            f"<nav>Home | News</nav><article><h1>{title}</h1>{body}</article></body></html>").encode(charset)


def http(status: str, ctype: str, **extra: str) -> StatusAndHeaders:
    return StatusAndHeaders(status, [("Content-Type", ctype), *extra.items()], protocol="HTTP/1.1")


def build_warc(gz: bool = True, bomb_at: int | None = None, bomb_size: int = 0) -> tuple[bytes, list[int]]:
    """A small crawl: warcinfo, then per story a request + HTML response, plus non-HTML records.

    Returns the archive and the offset of each HTML response record.
    """
    buf = io.BytesIO()
    w = WARCWriter(buf, gzip=gz)
    w.write_record(w.create_warcinfo_record("crawl.warc", {"software": "test-crawler", "format": "WARC 1.1"}))
    offsets = []
    for i, (url, title, paras) in enumerate(STORIES):
        w.write_record(w.create_warc_record(url, "request", payload=io.BytesIO(
            f"GET {url} HTTP/1.1\r\nHost: bay.example\r\n\r\n".encode()),
            warc_headers_dict={"WARC-Date": "2021-11-19T07:30:00Z"}))
        payload = html_page(title, paras) if i != bomb_at else b"<html><body>" + b" " * bomb_size
        offsets.append(buf.tell())
        w.write_record(w.create_warc_record(url, "response", payload=io.BytesIO(payload),
                                            http_headers=http("200 OK", "text/html; charset=utf-8"),
                                            warc_headers_dict={"WARC-Date": f"2021-11-19T07:3{i}:00Z"}))
        if i == 0:
            w.write_record(w.create_warc_record("https://bay.example/logo.png", "response",
                                                payload=io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64),
                                                http_headers=http("200 OK", "image/png")))
            w.write_record(w.create_warc_record("https://bay.example/old", "response", payload=io.BytesIO(b""),
                                                http_headers=http("301 Moved Permanently", "text/html",
                                                                  Location="https://bay.example/n/bridge")))
            w.write_record(w.create_warc_record(url, "metadata", payload=io.BytesIO(b"outlinks: 3\r\n"),
                                                warc_content_type="application/warc-fields"))
    return buf.getvalue(), offsets


def read(data: bytes, name: str, **opts) -> tuple[list, ReadOptions]:
    options = ReadOptions(**opts)
    return list(read_stream(io.BytesIO(data), name, options=options)), options


@pytest.mark.parametrize("gz", [True, False], ids=["warc.gz", "warc"])
def test_html_responses_become_articles_and_the_rest_is_counted(gz):
    data, offsets = build_warc(gz)
    name = "crawl.warc.gz" if gz else "crawl.warc"
    out, options = read(data, name)
    assert all(isinstance(r, Record) for r in out) and len(out) == 3
    assert [r.url for r in out] == [u for u, _, _ in STORIES]
    assert [r.fetched for r in out] == ["2021-11-19T07:30:00Z", "2021-11-19T07:31:00Z", "2021-11-19T07:32:00Z"]
    first = out[0]
    assert first.title == "Bridge opens to traffic" and "ribbon" in first.text and "Home | News" not in first.text
    assert first.format == "warc" and first.external_id.startswith("<urn:uuid:")
    assert first.extra["input"] == f"{name}@{offsets[0]}"
    skipped = dict(options.extra["skipped"][name])
    assert skipped == {"html": 3, "warcinfo": 1, "request": 3, "metadata": 1, "non-HTML response": 1,
                       "HTTP 3xx response": 1}


@pytest.mark.parametrize("gz", [True, False], ids=["warc.gz", "warc"])
def test_truncated_archive_keeps_records_before_the_cut(gz):
    data, offsets = build_warc(gz)
    name = "cut.warc.gz" if gz else "cut.warc"
    for cut in (offsets[2] + 40, offsets[2] + 400, len(data) - 3):
        out, _ = read(data[:cut], name)
        records = [r for r in out if isinstance(r, Record)]
        rejects = [r for r in out if isinstance(r, Rejected)]
        expect = 3 if cut == len(data) - 3 else 2
        if cut == len(data) - 3 and not gz:
            expect = 3  # the cut falls in the trailing blank lines of the last record: nothing lost
            assert rejects == []
            continue
        assert len(records) == expect, cut
        assert len(rejects) == 1 and rejects[0].code == "E157" and rejects[0].where == name
        assert "truncated" in rejects[0].reason and "offset" in rejects[0].reason
        if cut < len(data) - 3:
            assert f"offset {offsets[2]}" in rejects[0].reason


def test_decompression_bomb_record_is_refused_quickly_and_earlier_records_kept():
    data, offsets = build_warc(True, bomb_at=1, bomb_size=40_000_000)
    assert len(data) < 200_000  # 40 MB of spaces squeeze into about 40 KB
    start = time.perf_counter()
    out, _ = read(data, "bomb.warc.gz", max_decompressed_bytes=5_000_000)
    elapsed = time.perf_counter() - start
    assert [type(r).__name__ for r in out] == ["Record", "Rejected"]
    assert out[1].code == "E104" and "bomb" in out[1].reason and f"offset {offsets[1]}" in out[1].reason
    assert elapsed < 2.0


def test_oversized_html_record_is_rejected_and_reading_goes_on():
    data, offsets = build_warc(False, bomb_at=1, bomb_size=200_000)
    out, _ = read(data, "big.warc", max_article_bytes=100_000)
    assert [type(r).__name__ for r in out] == ["Record", "Rejected", "Record"]
    assert out[1].code == "E106" and out[1].where == f"big.warc@{offsets[1]}"


def test_charset_and_content_encoding_of_the_http_payload():
    buf = io.BytesIO()
    w = WARCWriter(buf, gzip=True)
    paras = ["Le café du port a rouvert ses portes après trois mois de travaux sur la toiture.",
             "Les habitués étaient nombreux dès l'ouverture, malgré la pluie et le vent du large."]
    body = gzip.compress(html_page("Le café rouvre", paras, charset="latin-1"))
    w.write_record(w.create_warc_record("https://baie.example/cafe", "response", payload=io.BytesIO(body),
                                        http_headers=http("200 OK", "text/html; charset=ISO-8859-1",
                                                          **{"Content-Encoding": "gzip"})))
    out, _ = read(buf.getvalue(), "fr.warc.gz")
    assert isinstance(out[0], Record) and "Le café du port" in out[0].text


def test_garbage_between_records_is_refused_after_the_good_ones():
    data, offsets = build_warc(False)
    spoiled = data[:offsets[2]] + b"this is not a WARC record at all\r\n\r\n" + data[offsets[2]:]
    out, _ = read(spoiled, "spoiled.warc")
    assert [type(r).__name__ for r in out[:2]] == ["Record", "Record"]
    assert isinstance(out[-1], Rejected) and out[-1].code in ("E157", "E158") and out[-1].where == "spoiled.warc"


def test_a_bad_archive_in_a_batch_keeps_the_rest(tmp_path: Path):
    data, offsets = build_warc(True)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a_cut.warc.gz").write_bytes(data[:offsets[2] + 100])
    (tmp_path / "in" / "b_whole.warc.gz").write_bytes(build_warc(True)[0])
    items = list(iter_inputs([str(tmp_path / "in")]))
    assert sum(isinstance(i, Record) for i in items) == 5 and sum(isinstance(i, Rejected) for i in items) == 1
    settings = Settings.load(env={}, overrides={"pipeline.stages": BASE_STAGES})
    with Loom(tmp_path / "w.db", settings=settings) as loom:
        report = loom.ingest(str(tmp_path / "in"))
        again = loom.ingest(str(tmp_path / "in"))
        arts = loom.articles()
    assert report.stored == 3 and report.duplicate == 2 and report.rejected == 1  # b repeats a's pages
    assert report.skipped and all(k != "html" for k in report.skipped)  # non-HTML records counted in the report
    assert again.stored == 0
    assert {a.fetched for a in arts} == {"2021-11-19T07:30:00Z", "2021-11-19T07:31:00Z", "2021-11-19T07:32:00Z"}
    assert all(a.format == "warc" and a.url.startswith("https://bay.example/n/") for a in arts)


@pytest.mark.slow
def test_throughput_on_timeline17_pages_and_bomb_refusal_time(capsys):
    """The figures in docs/inputs/warc.md: 300 real news texts as HTML in a .warc.gz, and a 1 GB bomb."""
    import html as html_lib

    from newsloom.bench.ingest import timeline17_sample

    from .conftest import BENCH

    rows = timeline17_sample(300, str(BENCH))
    buf = io.BytesIO()
    w = WARCWriter(buf, gzip=True)
    for i, row in enumerate(rows):
        title = html_lib.escape(row.get("title") or "untitled")
        paras = "".join(f"<p>{html_lib.escape(p)}</p>" for p in (row.get("text") or "").split("\n") if p.strip())
        payload = f"<html><head><title>{title}</title></head><body><article>{paras}</article></body></html>"
        url = f"https://t17.example/{i}"
        w.write_record(w.create_warc_record(url, "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n")))
        w.write_record(w.create_warc_record(url, "response", payload=io.BytesIO(payload.encode()),
                                            http_headers=http("200 OK", "text/html; charset=utf-8")))
    data = buf.getvalue()
    start = time.perf_counter()
    out, options = read(data, "t17.warc.gz")
    elapsed = time.perf_counter() - start
    records = sum(isinstance(r, Record) for r in out)
    with_text = sum(1 for r in rows if (r.get("text") or "").strip())
    assert records >= with_text - 5 and options.extra["skipped"]["t17.warc.gz"]["request"] == 300

    bomb_buf = io.BytesIO()
    w = WARCWriter(bomb_buf, gzip=True)
    w.write_record(w.create_warc_record("https://t17.example/bomb", "response",
                                        payload=io.BytesIO(b"<html>" + b" " * 1_000_000_000),
                                        http_headers=http("200 OK", "text/html")))
    timings = {}
    for cap in (10_000_000, 100_000_000):
        t0 = time.perf_counter()
        bomb_out, _ = read(bomb_buf.getvalue(), "bomb.warc.gz", max_decompressed_bytes=cap)
        timings[cap] = time.perf_counter() - t0
        assert [r.code for r in bomb_out] == ["E104"]
    with capsys.disabled():
        print(f"\nwarc: {len(rows)} pages, {len(data) / 1e6:.1f} MB gz -> {records} articles in {elapsed:.2f} s "
              f"({len(rows) / elapsed:.0f} pages/s); 1 GB bomb ({len(bomb_buf.getvalue()) / 1e6:.1f} MB gz) refused in "
              + ", ".join(f"{t * 1000:.0f} ms at cap {c:,}" for c, t in timings.items()))
