"""Hostile inputs (issue 15): a bad record never stops a run, nothing hangs or explodes, fetching stays inside.

Every input is generated here; every server binds 127.0.0.1 (and :func:`loopback_only` fails a test
that tries to connect anywhere else).
"""
from __future__ import annotations

import gzip
import json
import os
import random
import socket
import threading
import time
import tracemalloc
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import settings as examples
from hypothesis import strategies as st

from newsloom import Loom, Settings
from newsloom.bench.hostile import Trickle, warc_record
from newsloom.cli import cli
from newsloom.errors import Rejected, StoreError
from newsloom.readers.fetch import Fetcher, FetchError, FetchSettings, parse_retry_after
from newsloom.model import Record
from newsloom.readers import ReadOptions, iter_inputs, read_stream
from newsloom.readers import registry as reader_registry
from newsloom.readers.netguard import AddressPolicy, address_kind
from newsloom.readers.tabular import json_array
from newsloom.stages.clean import Clean
from newsloom.storage import Store

from .conftest import BASE_STAGES
from .localhttp import LocalServer, page, text

pytestmark = pytest.mark.issue(15)

PARA = ("The harbour council approved the new footbridge on Tuesday after a long debate about its cost and "
        "engineers said the span would be finished within eighteen months")
PARA2 = "Residents of the east bank who have waited a decade for the crossing welcomed the decision on Tuesday"


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    """Fail any attempt to open a TCP connection to an address other than loopback."""
    attempts: list[str] = []
    real_connect = socket.socket.connect

    def connect(self, address):  # noqa: ANN001 - socket's own signature
        if self.family in (socket.AF_INET, socket.AF_INET6):
            attempts.append(address[0])
            assert address[0] in ("127.0.0.1", "::1"), f"connection attempted to {address[0]}"
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return attempts


def settings(**extra) -> Settings:
    return Settings.load(env={}, overrides={"pipeline.stages": BASE_STAGES, "fetch.host_interval": 0,
                                            "fetch.backoff": 0.01, "fetch.trust_env": False, "fetch.retries": 0,
                                            **extra})


def quick(**overrides) -> FetchSettings:
    base = dict(host_interval=0.0, backoff=0.01, max_backoff=0.05, timeout=2.0, connect_timeout=2.0, retries=0,
                trust_env=False)
    base.update(overrides)
    return FetchSettings(**base)


def rows(n: int, tag: str) -> str:
    return "".join(json.dumps({"id": f"{tag}{i}", "text": f"{PARA} ({tag} {i})."}) + "\n" for i in range(n))


def stored_ids(loom: Loom) -> set[str]:
    return {a.external_id for a in loom.articles()}


def adds_up(report) -> bool:
    return report.read == report.stored + report.duplicate + report.rejected


def codes(report_or_items) -> list[str]:
    return [r.code for r in report_or_items if isinstance(r, Rejected)]


def read(data: bytes, name: str, **options) -> list:
    import io

    return list(read_stream(io.BytesIO(data), name, options=ReadOptions(**options)))


# -- 1. one hostile record or file never aborts the run -----------------------------------------------------------
def test_json_nested_too_deep_is_one_reject_and_the_rest_is_stored(loom, tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "1.jsonl").write_text(rows(2, "a") + '{"text": ' + "[" * 5000 + "]" * 5000 + "}\n" + rows(2, "b"))
    (d / "2.json").write_text("[" + "[" * 5000 + "]" * 5000 + ", " + json.dumps({"id": "c", "text": PARA}) + "]")
    (d / "3.jsonl").write_text(rows(1, "d"))
    report = loom.ingest(str(d))
    assert stored_ids(loom) == {"a0", "a1", "b0", "b1", "c", "d0"}
    assert {w for w, _ in report.rejects} == {f"{d}/1.jsonl:3", f"{d}/2.json[0]"}
    assert all("nested too deeply" in r for _, r in report.rejects) and adds_up(report)


def test_lone_surrogate_escape_is_stored_as_a_replacement_character(loom, tmp_path):
    f = tmp_path / "s.jsonl"
    f.write_text(rows(1, "a") + json.dumps({"id": "bad\udc80id", "text": f"{PARA} \udc80 here"}) + "\n" + rows(1, "b"))
    report = loom.ingest(str(f))
    assert report.stored == 3 and report.rejected == 0
    art = next(a for a in loom.articles() if a.external_id.startswith("bad"))
    assert "\ufffd here" in art.text and art.external_id == "bad\ufffdid"


def test_file_name_that_is_not_utf8_is_read_and_named_with_replacement(loom, tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "a.txt").write_text(f"{PARA} A.")
    with open(os.fsencode(d) + b"/b\xff.txt", "wb") as fh:
        fh.write(f"{PARA} B.".encode())
    (d / "c.txt").write_text(f"{PARA} C.")
    report = loom.ingest(str(d))
    assert report.stored == 3
    assert f"{d}/b\ufffd.txt" in stored_ids(loom)


FEED_ITEM = "<item><guid>ok</guid><title>Fine</title><description>{}</description></item>"


def test_unknown_and_multibyte_xml_encodings_are_read_from_files_and_urls(loom, tmp_path, server):
    bogus = ('<?xml version="1.0" encoding="x-no-such"?><rss version="2.0"><channel><title>T</title>'
             + FEED_ITEM.format(PARA) + "</channel></rss>").encode()
    sjis = ('<?xml version="1.0" encoding="Shift_JIS"?><rss version="2.0"><channel><title>T</title>'
            '<item><guid>jp</guid><title>\u6a4b</title><description>\u65b0\u3057\u3044\u6a4b\u304c\u627f\u8a8d'
            '\u3055\u308c\u307e\u3057\u305f\u3002</description></item></channel></rss>').encode("shift_jis")
    (tmp_path / "a.xml").write_bytes(bogus)
    (tmp_path / "b.xml").write_bytes(sjis)
    server.routes["/feed"] = (200, {"Content-Type": "application/rss+xml"}, bogus.replace(b"<guid>ok", b"<guid>u"))
    report = loom.ingest(str(tmp_path / "a.xml"), str(tmp_path / "b.xml"), server.url("/feed"))
    assert report.rejected == 0 and stored_ids(loom) == {"ok", "jp", "u"}
    assert next(a for a in loom.articles() if a.external_id == "jp").title == "\u6a4b"


def test_feed_item_nested_too_deep_or_with_a_broken_link_is_one_reject(loom, tmp_path):
    deep = ("<item><guid>deep</guid><title>Deep</title><content:encoded>" + "<div>" * 3000 + "x" + "</div>" * 3000
            + "</content:encoded></item>")
    broken = f"<item><guid>v6</guid><link>http://[::1</link><description>{PARA}</description></item>"
    port = f"<item><guid>port</guid><link>http://example.org:99999/x</link><description>{PARA}</description></item>"
    (tmp_path / "f.rss").write_text('<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
                                    f"<channel><title>T</title>{deep}{broken}{port}{FEED_ITEM.format(PARA2)}"
                                    "</channel></rss>")
    report = loom.ingest(str(tmp_path / "f.rss"))
    assert stored_ids(loom) == {"ok"} and adds_up(report)
    reasons = dict(report.rejects)
    assert "nested too deeply" in reasons[f"{tmp_path}/f.rss#1"]
    assert "http://[::1" in reasons[f"{tmp_path}/f.rss#2"] and "not a valid URL" in reasons[f"{tmp_path}/f.rss#3"]


def test_overlong_link_with_fetch_is_refused_without_a_request(tmp_path, server):
    long = server.url("/x?" + "a" * 70_000)
    server.routes["/feed"] = text('<rss version="2.0"><channel><title>T</title>'
                                  f"<item><guid>1</guid><title>Long</title><link>{long}</link></item>"
                                  f"{FEED_ITEM.format(PARA)}</channel></rss>", "application/rss+xml")
    with Loom(tmp_path / "l.db", settings=settings()) as loom:
        report = loom.ingest(server.url("/feed"), fetch=True)
        assert stored_ids(loom) == {"ok"}
    (where, reason), = report.rejects
    assert "longer than 8,192 characters" in reason and len(reason) < 600
    assert not any(p.startswith("/x") for p in server.paths())


def test_warc_response_without_target_uri_is_one_reject(loom, tmp_path):
    def html(i: int) -> bytes:
        return f"<html><head><title>Page {i}</title></head><body><article><p>{PARA} ({i}).</p><p>{PARA2}.</p>" \
               f"</article></body></html>".encode()

    (tmp_path / "a.warc").write_bytes(warc_record(html(1), "https://a.example/1", "1")
                                      + warc_record(html(2), None, "2")
                                      + warc_record(html(3), "https://a.example/3", "3"))
    report = loom.ingest(str(tmp_path / "a.warc"))
    assert report.stored == 2 and report.rejected == 1
    assert "without WARC-Target-URI" in report.rejects[0][1] and report.rejects[0][0].startswith(f"{tmp_path}/a.warc@")


def test_an_unexpected_reader_failure_is_contained(loom, tmp_path, monkeypatch):
    def read_boom(stream, where, options):
        yield Record(external_id=f"{where}:1", text=f"{PARA} (before the failure).")
        raise KeyError("surprise")

    monkeypatch.setitem(reader_registry._READERS, "boom", reader_registry.ReaderInfo(
        "boom", (".boom",), lambda head: False, read_boom))
    (tmp_path / "a.boom").write_text("anything")
    (tmp_path / "b.jsonl").write_text(rows(1, "b"))
    report = loom.ingest(str(tmp_path / "a.boom"), str(tmp_path / "b.jsonl"))
    assert report.stored == 2 and report.rejected == 1 and adds_up(report)
    (where, reason), = report.rejects
    assert where == str(tmp_path / "a.boom") and "KeyError" in reason and "rest of this input was not read" in reason


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSLOOM_DB", str(tmp_path / "cli.db"))
    monkeypatch.setenv("NEWSLOOM_PIPELINE__STAGES", json.dumps(BASE_STAGES))

    def invoke(*args: str, code: int = 0):
        result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
        assert result.exit_code == code, result.output
        assert "Traceback" not in result.output
        return result

    return invoke


def test_exit_code_tells_rejected_inputs_from_a_failed_run(run, tmp_path):
    (tmp_path / "ok.jsonl").write_text(rows(1, "a"))
    (tmp_path / "bad.jsonl").write_text(rows(1, "b") + "{broken\n")
    run("ingest", "--silent", str(tmp_path / "ok.jsonl"), code=0)
    run("ingest", "--silent", str(tmp_path / "bad.jsonl"), code=1)  # finished; something rejected
    failed = run("--db", str(tmp_path), "ingest", "--silent", str(tmp_path / "ok.jsonl"), code=2)  # a folder
    assert "cannot open the database" in failed.output and len(failed.output.strip().splitlines()) == 1


def test_watch_quarantines_a_source_failing_the_same_way(tmp_path, server):
    calls = []

    def feed(hit):
        calls.append(hit)
        if len(calls) <= 3:
            return text("down", "text/plain", status=500)
        return text('<rss version="2.0"><channel><title>T</title>' + FEED_ITEM.format(PARA) + "</channel></rss>",
                    "application/rss+xml")

    server.routes["/feed.xml"] = feed
    from newsloom.engine.watch import Watcher, watch_status

    with Loom(tmp_path / "w.db", settings=settings(**{"watch.quarantine_after": 2,
                                                      "watch.quarantine_seconds": 0.6})) as loom:
        watcher = Watcher(loom, [server.url("/feed.xml")])
        first, second, third = (watcher.poll_once()[0] for _ in range(3))
        assert "E167" in first.error and "E167" in second.error and len(calls) == 2
        assert second.quarantined_until and "quarantined until" in third.error and len(calls) == 2  # not polled
        assert watch_status(loom.store)[0]["quarantined_until"] == second.quarantined_until
        time.sleep(1.2)
        fourth = watcher.poll_once()[0]  # the quarantine is over: polled, fails again, quarantined twice as long
        assert len(calls) == 3 and fourth.quarantined_until > second.quarantined_until
        loom.store.execute("UPDATE watch_sources SET quarantined_until = NULL")
        fifth = watcher.poll_once()[0]
        assert fifth.error is None and fifth.stored == 1
        assert watch_status(loom.store)[0]["failures"] == 0


# -- 2. no hang, no quadratic blow-up -------------------------------------------------------------------------------
def finishes(fn, seconds: float):
    """Run ``fn`` in a thread; return (finished in time, its result or exception)."""
    box: list = []

    def target():
        try:
            box.append(fn())
        except BaseException as exc:  # noqa: BLE001
            box.append(exc)

    t = threading.Thread(target=target, daemon=True)
    t.start()
    t.join(seconds)
    return not t.is_alive(), (box[0] if box else None)


def test_fifo_inside_a_folder_is_skipped_not_read_forever(loom, tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "a.txt").write_text(f"{PARA} A.")
    os.mkfifo(d / "b.fifo")
    (d / "c.txt").write_text(f"{PARA} C.")
    done, report = finishes(lambda: loom.ingest(str(d)), 20)
    if not done:  # release the reader the old code left waiting
        os.close(os.open(d / "b.fifo", os.O_WRONLY | os.O_NONBLOCK))
    assert done, "ingest hung on a FIFO"
    assert report.stored == 2 and report.rejects == [(str(d / "b.fifo"), "skipped: a FIFO, not a regular file")]


def test_max_seconds_bounds_the_whole_request_headers_included():
    trickle = Trickle(every=0.3, total=8)
    try:
        start = time.monotonic()
        with Fetcher(quick(robots=False, max_seconds=1.0, timeout=2.0)) as f, pytest.raises(FetchError) as err:
            f.get(f"http://127.0.0.1:{trickle.port}/slow")
        elapsed = time.monotonic() - start
    finally:
        trickle.close()
    assert err.value.code == "E163" and "max_seconds" in err.value.reason and elapsed < 3


def test_watch_stops_on_sigterm_in_the_middle_of_a_slow_fetch(tmp_path):
    import signal
    import subprocess
    import sys

    from .conftest import REPO

    trickle = Trickle(every=0.3, total=60)
    cmd = [sys.executable, "-m", "newsloom", "--db", str(tmp_path / "w.db"), "-s", "pipeline.stages",
           json.dumps(BASE_STAGES), "-s", "fetch.robots", "false", "-s", "fetch.retries", "0", "watch",
           f"http://127.0.0.1:{trickle.port}/feed.xml"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
                            env={**os.environ, "NEWSLOOM_CONFIG": ""})
    try:
        assert trickle.connected.wait(60), "the watch never fetched"
        time.sleep(0.5)  # now waiting for the trickling headers
        start = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
        trickle.close()
    assert proc.returncode == 0 and time.monotonic() - start < 5, err
    assert "E169" in out and "stopped after 1 round(s)" in err


def test_repeated_paragraph_search_is_near_linear(monkeypatch):
    """Four times the paragraphs cost about four times the comparisons (every pair: sixteen times)."""
    import newsloom.stages.clean as clean_module

    calls = [0]
    jaccard = clean_module._jaccard

    def counted(a, b):
        calls[0] += 1
        return jaccard(a, b)

    monkeypatch.setattr(clean_module, "_jaccard", counted)
    rnd = random.Random(7)

    def comparisons(n: int) -> int:  # distinct lines over a shared vocabulary, as in a long list or table
        vocab = [f"w{i}" for i in range(n * 3)]
        lines = [" ".join(rnd.choice(vocab) for _ in range(10)) for _ in range(n)]
        calls[0] = 0
        assert len(Clean()._drop_repeats(lines, [])) == n
        return calls[0]

    small, large = comparisons(1500), comparisons(6000)
    assert large < 6 * max(small, 100), (small, large)


def _drop_repeats_brute_force(lines: list[str], threshold: float, min_words: int) -> list[str]:
    from newsloom.stages.clean import _BULLET, _jaccard
    from newsloom.stages.rules import words

    seen, out = [], []
    for par in lines:
        bag = set(words(_BULLET.sub("", par)))
        if len(bag) >= min_words:
            if any(_jaccard(bag, prev) >= threshold for prev in seen):
                continue
            seen.append(bag)
        out.append(par)
    return out


def test_repeated_paragraph_search_finds_exactly_what_comparing_every_pair_finds():
    rnd = random.Random(11)
    for _ in range(300):
        threshold = rnd.choice([0.0, 0.3, 0.5, 0.7, 1.0])
        min_words = rnd.choice([1, 3, 8])
        vocab = [f"w{i}" for i in range(rnd.randint(5, 40))]
        lines = [" ".join(rnd.choice(vocab) for _ in range(rnd.randint(1, 14))) for _ in range(rnd.randint(0, 25))]
        clean = Clean()
        clean.cfg.update(repeat_similarity=threshold, min_repeat_words=min_words)
        assert clean._drop_repeats(lines, []) == _drop_repeats_brute_force(lines, threshold, min_words)


def test_html_with_a_huge_number_of_elements_is_refused_quickly(loom, tmp_path):
    body = "".join(f"<p>para {i}</p>" for i in range(200_000))
    (tmp_path / "big.html").write_text(f"<html><head><title>Many</title></head><body><article>{body}</article>"
                                       "</body></html>")
    (tmp_path / "ok.jsonl").write_text(rows(1, "ok"))
    start = time.monotonic()
    done, report = finishes(lambda: loom.ingest(str(tmp_path / "big.html"), str(tmp_path / "ok.jsonl")), 60)
    assert done and time.monotonic() - start < 15
    (where, reason), = report.rejects
    assert report.stored == 1 and "more than reader.max_html_elements (50,000)" in reason


def sitemap_server(server, children: int, pages: int) -> None:
    for c in range(children):
        urls = "".join(f"<url><loc>{server.url(f'/p/{c}/{i}')}</loc></url>" for i in range(pages))
        server.routes[f"/sm/{c}.xml"] = text(f"<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{urls}"
                                             "</urlset>", "application/xml")
        for i in range(pages):
            server.routes[f"/p/{c}/{i}"] = text(page(f"Page {c} {i}", [PARA, f"{PARA2} ({c} {i})."]))
    kids = "".join(f"<sitemap><loc>{server.url(f'/sm/{c}.xml')}</loc></sitemap>" for c in range(children))
    server.routes["/index.xml"] = text(f"<sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{kids}"
                                       "</sitemapindex>", "application/xml")


def fetches(server) -> int:
    return sum(1 for p in server.paths() if p not in ("/robots.txt", "/index.xml"))


def test_sitemap_index_fans_out_to_at_most_max_sitemap_urls_fetches(tmp_path, server):
    sitemap_server(server, 6, 6)
    with Loom(tmp_path / "s.db", settings=settings(**{"fetch.max_sitemap_urls": 6})) as loom:
        report = loom.ingest(server.url("/index.xml"), fetch=True)
    assert fetches(server) == 6  # not 6 + 36
    # one child and five of its pages fetched; its sixth page and the five other children were not
    assert report.stored == 5 and "6 more sitemap URLs not fetched" in report.rejects[-1][1]


def test_watch_honours_max_sitemap_urls(tmp_path, server):
    from newsloom.engine.watch import Watcher

    sitemap_server(server, 4, 4)
    with Loom(tmp_path / "w.db", settings=settings(**{"fetch.max_sitemap_urls": 6})) as loom:
        watcher = Watcher(loom, [server.url("/index.xml")], fetch=True)
        first = watcher.poll_once()[0]
        assert fetches(server) <= 6 and first.stored == first.new > 0
        second = watcher.poll_once()[0]  # the next pages, again within the cap
        assert fetches(server) <= 12 and second.stored > 0


def test_retry_after_waits_are_capped_in_total(server):
    server.routes["/busy"] = text("busy", "text/plain", status=503, Retry_After="200")
    sleeps: list[float] = []
    with Fetcher(quick(retries=3, max_retry_after=300), sleep=sleeps.append) as f, pytest.raises(FetchError) as err:
        f.get(server.url("/busy"))
    assert err.value.code == "E166" and sleeps == [200.0] and "after 200s of waiting already" in err.value.reason
    assert parse_retry_after("\u00b2") is None and parse_retry_after("9" * 40) == float("inf")


# -- 3. memory stays bounded ----------------------------------------------------------------------------------------
def peak_mb(fn) -> tuple[float, object]:
    tracemalloc.start()
    try:
        result = fn()
        return tracemalloc.get_traced_memory()[1] / 1e6, result
    finally:
        tracemalloc.stop()


def test_stacked_content_encoding_is_decoded_in_a_stream_and_capped(server):
    body = gzip.compress(gzip.compress(b"\0" * 150_000_000, 9), 9)
    server.routes["/bomb"] = (200, {"Content-Type": "text/html", "Content-Encoding": "gzip, gzip"}, body)
    server.routes["/fine"] = (200, {"Content-Type": "text/plain", "Content-Encoding": "gzip, gzip"},
                              gzip.compress(gzip.compress(b"two layers")))

    def fetch():
        with Fetcher(quick(max_bytes=2_000_000)) as f:
            assert f.get(server.url("/fine")).content == b"two layers"
            with pytest.raises(FetchError) as err:
                f.get(server.url("/bomb"))
            return err.value

    peak, err = peak_mb(fetch)
    assert len(body) < 10_000 and err.code == "E163" and "max_bytes" in err.reason
    assert peak < 40, f"{peak:.0f} MB"


def _bomb(path: Path, prefix: bytes, size: int) -> None:
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b" " * (1 << 20)
    with path.open("wb") as fh:
        fh.write(c.compress(prefix))
        for _ in range(size // len(chunk)):
            fh.write(c.compress(chunk))
        fh.write(c.flush())


@pytest.mark.parametrize("name,prefix", [("b.jsonl.gz", b'{"text": "'), ("b.json.gz", b'[{"text": "'),
                                         ("b.csv.gz", b'title,text\nx,"')])
def test_gzip_bomb_in_tabular_files_is_refused_while_streaming(tmp_path, name, prefix):
    _bomb(tmp_path / name, prefix, 160 << 20)
    (tmp_path / "ok.jsonl").write_text(rows(1, "ok"))
    options = ReadOptions(max_article_bytes=1_000_000, max_decompressed_bytes=100_000_000)
    peak, items = peak_mb(lambda: list(iter_inputs([str(tmp_path / name), str(tmp_path / "ok.jsonl")],
                                                   options=options)))
    assert peak < 30, f"{peak:.0f} MB"
    assert isinstance(items[-1], Record) and items[-1].external_id == "ok0"
    assert {r.code for r in items[:-1]} <= {"E104", "E106"} and any(isinstance(r, Rejected) for r in items)


def test_max_article_bytes_applies_to_rows_titles_and_ids(tmp_path):
    big = "x" * 300_000
    (tmp_path / "a.jsonl").write_text(json.dumps({"id": "t", "title": big, "text": PARA}) + "\n" + rows(1, "a"))
    (tmp_path / "b.json").write_text(json.dumps([{"id": big, "text": PARA}, {"id": "b", "text": PARA2}]))
    (tmp_path / "c.csv").write_text(f"id,text\nc1,{big}\nc2,{PARA}\n")
    (tmp_path / "d.rss").write_text(f'<rss version="2.0"><channel><title>T</title><item><guid>d1</guid>'
                                    f"<title>{big}</title><description>{PARA}</description></item>"
                                    f"{FEED_ITEM.format(PARA2)}</channel></rss>")
    with Loom(tmp_path / "m.db", settings=settings(**{"reader.max_article_bytes": 100_000})) as loom:
        report = loom.ingest(*(str(tmp_path / n) for n in ("a.jsonl", "b.json", "c.csv", "d.rss")))
        assert stored_ids(loom) == {"a0", "b", "c2", "ok"}
    assert report.rejected == 4 and adds_up(report)
    assert all("max_article_bytes" in reason for _, reason in report.rejects)


def test_a_flood_of_rejects_is_counted_not_stored_one_by_one(tmp_path):
    (tmp_path / "flood.jsonl").write_text("".join(f'{{"broken": {i}\n' for i in range(3000)) + rows(2, "ok"))
    with Loom(tmp_path / "f.db", settings=settings(**{"reader.max_rejects_per_input": 100})) as loom:
        report = loom.ingest(str(tmp_path / "flood.jsonl"))
        inputs = loom.store.execute("SELECT count(*) FROM inputs").fetchone()[0]
    assert report.rejected == 3000 and report.stored == 2 and adds_up(report)
    assert inputs == 100 + 1 + 2 and len(report.rejects) == 101
    assert "2,900 more records rejected (E111 x2,900)" in report.rejects[-1][1]


# -- 4. no server-side request forgery ------------------------------------------------------------------------------
def test_redirect_to_another_loopback_service_is_refused(tmp_path, server):
    inner = LocalServer()
    inner.routes["/robots.txt"] = text("", "text/plain")
    inner.routes["/admin"] = text(page("Internal admin", ["SECRET-TOKEN is the admin password.", PARA]))
    server.routes["/go"] = (302, {"Location": inner.url("/admin")}, b"")
    server.routes["/same"] = (302, {"Location": "/story"}, b"")
    server.routes["/story"] = text(page("Bridge", [PARA, PARA2]))
    try:
        with Loom(tmp_path / "r.db", settings=settings()) as loom:
            report = loom.ingest(server.url("/go"), server.url("/same"))
            texts = " ".join(a.text for a in loom.articles())
    finally:
        inner.close()
    assert inner.hits == [] and "SECRET" not in texts and report.stored == 1  # the same-origin redirect is fine
    assert f"refused {inner.url('/admin')}: 127.0.0.1 is a loopback address" in report.rejects[0][1]


def test_feed_links_to_private_addresses_need_allow_private(tmp_path, server, loopback_only):
    inner = LocalServer()
    inner.routes["/robots.txt"] = text("", "text/plain")
    inner.routes["/story"] = text(page("Internal", [PARA, PARA2]))
    feed = tmp_path / "f.rss"
    feed.write_text('<rss version="2.0"><channel><title>T</title>'
                    f"<item><guid>1</guid><title>Local</title><link>{inner.url('/story')}</link></item>"
                    "<item><guid>2</guid><title>Metadata</title><link>http://169.254.169.254/latest/meta-data/</link>"
                    "</item></channel></rss>")
    try:
        with Loom(tmp_path / "a.db", settings=settings()) as loom:
            refused = loom.ingest(str(feed), fetch=True)
        assert inner.hits == [] and refused.stored == 0
        with Loom(tmp_path / "b.db", settings=settings(**{"fetch.allow_private": True})) as loom:
            allowed = loom.ingest(str(feed), fetch=True)
    finally:
        inner.close()
    assert allowed.stored == 1 and inner.paths() == ["/robots.txt", "/story"]
    metadata = [r for w, r in allowed.rejects if w.endswith("#2")]
    assert "169.254.169.254 is a link-local address" in metadata[0]  # never attempted, even with allow_private
    assert all(a == "127.0.0.1" for a in loopback_only)


def test_addresses_are_checked_after_dns_and_again_when_connecting(server):
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])  # public for the check, loopback at connect: rebinding
    with Fetcher(quick(robots=False)) as f:
        f.policy.resolve = lambda host, port: next(answers)
        with pytest.raises(FetchError) as err:
            f.get(f"http://rebind.example:{server.httpd.server_address[1]}/x", named=False)
    assert err.value.code == "E168" and "rebind.example (127.0.0.1) is a loopback address" in err.value.reason
    assert server.hits == []


def test_address_policy():
    policy = AddressPolicy(resolve=lambda host, port: {"intranet.example": ["10.0.0.5"],
                                                        "mixed.example": ["10.0.0.5", "93.184.216.34"]}[host])
    assert policy.addresses("mixed.example", 80) == ["93.184.216.34"]
    with pytest.raises(Exception, match="10.0.0.5.*private"):
        policy.addresses("intranet.example", 80)
    policy.name("http://intranet.example/feed")
    assert policy.addresses("intranet.example", 80) == ["10.0.0.5"]  # the origin the user named
    with pytest.raises(Exception, match="private"):
        policy.addresses("intranet.example", 8080)  # another port is another origin
    kinds = {a: address_kind(__import__("ipaddress").ip_address(a)) for a in (
        "10.1.2.3", "172.16.0.1", "192.168.1.1", "fc00::1", "169.254.169.254", "fe80::1", "::ffff:127.0.0.1",
        "2002:7f00:1::", "64:ff9b::a00:1", "8.8.8.8", "224.0.0.1", "0.0.0.0", "100.64.0.1", "::1")}
    assert kinds == {"10.1.2.3": "private", "172.16.0.1": "private", "192.168.1.1": "private", "fc00::1": "private",
                     "169.254.169.254": "link-local", "fe80::1": "link-local", "::ffff:127.0.0.1": "loopback",
                     "2002:7f00:1::": "loopback", "64:ff9b::a00:1": "private", "8.8.8.8": None,
                     "224.0.0.1": "multicast", "0.0.0.0": "unspecified", "100.64.0.1": "non-public",
                     "::1": "loopback"}


# -- 5. no silent loss or corruption --------------------------------------------------------------------------------
json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                           lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=4), kids,
                                                                                      max_size=3), max_leaves=8)


@examples(max_examples=150, deadline=None)
@given(elements=st.lists(json_values, max_size=6), chunk=st.integers(1, 40), indent=st.sampled_from([None, 1]))
def test_streamed_json_array_reads_what_json_loads_reads(elements, chunk, indent):
    text = json.dumps(elements, indent=indent, ensure_ascii=False)
    chunks = iter([text[i:i + chunk] for i in range(0, len(text), chunk)])
    first = next(chunks)
    while "[" not in first:
        first += next(chunks)
    assert [value for _, value in json_array(chunks, first, "x.json", 10_000)] == elements


def test_csv_fields_with_line_separator_or_form_feed_are_kept_whole():
    data = f"id,text\na,{PARA}\u2028second half\nb,{PARA}\fstill b\nc,{PARA2}\n".encode()
    items = read(data, "x.csv")
    assert [(r.extra["input"], r.text) for r in items] == [
        ("x.csv:2", f"{PARA}\u2028second half"), ("x.csv:3", f"{PARA}\fstill b"), ("x.csv:4", PARA2)]


def test_unreadable_sub_folder_is_a_reject(loom, tmp_path, monkeypatch):
    (tmp_path / "in" / "locked").mkdir(parents=True)
    (tmp_path / "in" / "locked" / "x.txt").write_text(PARA)
    (tmp_path / "in" / "a.txt").write_text(f"{PARA} A.")
    locked = str(tmp_path / "in" / "locked")
    real = os.scandir

    def scandir(path="."):  # what the OS says for a folder without read permission (root ignores chmod)
        if os.fspath(path) == locked:
            raise PermissionError(13, "Permission denied", locked)
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    report = loom.ingest(str(tmp_path / "in"))
    assert report.stored == 1 and report.rejects == [(locked, "cannot read the folder: Permission denied")]


def test_json_objects_and_booleans_are_not_stored_as_text(loom, tmp_path):
    (tmp_path / "j.json").write_text(json.dumps([
        {"id": "1", "text": {"nested": "object"}}, {"id": "2", "text": True},
        {"id": "3", "text": PARA, "source": False},
        {"id": "4", "text": PARA, "source": {"no": "name"}}, {"id": "5", "text": PARA2, "source": {"name": "Wire"},
                                                                "author": [{"name": "A. Writer"}, "B. Other"]}]))
    report = loom.ingest(str(tmp_path / "j.json"))
    (art,) = loom.articles()
    assert art.source == "Wire" and art.author == "A. Writer, B. Other"
    reasons = [r for _, r in report.rejects]
    assert reasons == ["field 'text' holds a JSON object, not text", "field 'text' holds a boolean, not text",
                       "field 'source' holds a boolean, not text",
                       "field 'source' holds a JSON object without a name or id, not text"]


def test_utf16_without_a_bom_is_read_and_garbage_is_refused_saying_utf16():
    body = f"Footbridge vote\n\n{PARA}.\n\n{PARA2}."
    for enc in ("utf-16-le", "utf-16-be"):
        (rec,) = read(body.encode(enc), "u.txt")
        assert isinstance(rec, Record) and rec.text.strip().endswith(PARA2 + ".")
    (rec,) = read((json.dumps({"id": "j", "text": PARA}) + "\n").encode("utf-16-le") * 2, "u.jsonl")[:1]
    assert rec.text == PARA
    garbage = bytes(b for i in range(4000) for b in (1 + i % 8, 0))  # zero every other byte, yet no UTF-16 text
    (rej,) = read(garbage, "g.txt")
    assert isinstance(rej, Rejected) and "UTF-16" in rej.reason and "byte-order mark" in rej.reason


def test_a_stray_byte_in_utf8_is_replaced_and_flagged_not_the_file_refused(loom, tmp_path):
    (tmp_path / "s.txt").write_bytes(f"Caf\u00e9 vote\n\n{PARA} \u2014 cr\u00e8me.".encode() + b" \xff " +
                                     PARA2.encode())
    report = loom.ingest(str(tmp_path / "s.txt"))
    (art,) = loom.articles()
    assert report.stored == 1 and "Caf\u00e9" in art.title and "\ufffd" in art.text
    assert "1 character(s) could not be decoded" in art.quality["encoding"]["evidence"][0]


# -- 6. clear errors at the boundary --------------------------------------------------------------------------------
def test_unreachable_host_and_bad_port_say_so():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with Fetcher(quick()) as f:
        with pytest.raises(FetchError) as refused:
            f.get(f"http://127.0.0.1:{port}/x")
        with pytest.raises(FetchError) as bad_port:
            f.get("http://127.0.0.1:99999/x")
    assert refused.value.code == "E162" and f"cannot reach 127.0.0.1:{port}" in refused.value.reason
    assert "robots.txt" not in refused.value.reason and "Connection refused" in refused.value.reason
    assert bad_port.value.code == "E165" and "Port out of range" in bad_port.value.reason


def test_full_disk_says_database_or_disk_is_full(tmp_path):
    (tmp_path / "many.jsonl").write_text(rows(400, "m"))
    store = Store(tmp_path / "full.db")
    pages = store.execute("PRAGMA page_count").fetchone()[0]
    store.execute(f"PRAGMA max_page_count = {pages + 8}")  # a disk with room for a few pages only
    with Loom(store, settings=settings()) as loom, pytest.raises(StoreError) as err:
        loom.ingest(str(tmp_path / "many.jsonl"))
    assert err.value.code == "E304" and "database or disk is full" in str(err.value)
    assert "rollback" not in str(err.value)


@pytest.fixture
def immutable(tmp_path):
    """Make paths unwritable even for root (chattr +i); skip where that is not possible."""
    import subprocess

    made: list[Path] = []

    def make(*paths: Path) -> None:
        for p in paths:
            if os.geteuid() != 0:
                p.chmod(0o555 if p.is_dir() else 0o444)
            elif subprocess.run(["chattr", "+i", str(p)], capture_output=True).returncode != 0:
                if os.environ.get("CI"):  # CI's machine allows it: there, a refusal is a failure
                    pytest.fail("chattr +i refused: the read-only database test cannot run")
                pytest.skip("cannot make a file read-only here (chattr +i refused)")
            made.append(p)

    yield make
    for p in made:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(p)], capture_output=True)
        else:
            p.chmod(0o755 if p.is_dir() else 0o644)


def test_read_only_database_can_be_read_and_refuses_writes_clearly(run, tmp_path, immutable):
    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "news.db"
    (tmp_path / "a.jsonl").write_text(rows(2, "a"))
    run("--db", str(db), "ingest", "--silent", str(tmp_path / "a.jsonl"))
    with Store(db) as store:  # leave no WAL behind
        store.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for extra in (folder / "news.db-wal", folder / "news.db-shm"):
        extra.unlink(missing_ok=True)
    immutable(db, folder)
    assert len(json.loads(run("--db", str(db), "articles", "--json").output)) == 2
    assert len(json.loads(run("--db", str(db), "search", "footbridge", "--json").output)) == 2
    assert len(run("--db", str(db), "export", "articles").output.strip().splitlines()) == 2
    (tmp_path / "b.jsonl").write_text(rows(1, "b"))
    refused = run("--db", str(db), "ingest", "--silent", str(tmp_path / "b.jsonl"), code=2)
    assert "[E306]" in refused.output and "is read-only" in refused.output
    assert len(refused.output.strip().splitlines()) == 1


def test_lock_held_past_the_busy_timeout_is_a_clear_error(run, tmp_path):
    db = tmp_path / "locked.db"
    (tmp_path / "a.jsonl").write_text(rows(1, "a"))
    run("--db", str(db), "ingest", "--silent", str(tmp_path / "a.jsonl"))
    import sqlite3

    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another writer
    try:
        (tmp_path / "b.jsonl").write_text(rows(1, "b"))
        start = time.monotonic()
        out = run("--db", str(db), "-s", "store.busy_timeout", "0.3", "ingest", "--silent", str(tmp_path / "b.jsonl"),
                  code=2)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert "[E305]" in out.output and "busy timeout (0.3 s)" in out.output and time.monotonic() - start < 10


def test_bad_output_paths_and_limits_are_one_line_errors(run, tmp_path):
    run("articles")
    missing = run("export", "articles", "-o", str(tmp_path / "no" / "such" / "x.jsonl"), code=2)
    assert "[E230]" in missing.output and "does not exist" in missing.output
    assert len(missing.output.strip().splitlines()) == 1
    folder = run("export", "articles", "--format", "parquet", "-o", str(tmp_path), code=2)
    assert "it is a folder" in folder.output
    for value in ("-1", "99999999999999999999"):
        out = run("articles", "--limit", value, code=2)
        assert "Invalid value for '--limit'" in out.output


def test_report_adds_up_when_another_process_stores_the_same_records(tmp_path):
    (tmp_path / "same.jsonl").write_text(rows(5, "s"))
    db = tmp_path / "c.db"
    with Loom(db, settings=settings()) as loom:
        pipe = loom.pipeline.pipe

        def meanwhile(articles, **kwargs):
            # this process found none of them stored; before it stores them, another process does
            with Loom(db, settings=settings()) as other:
                assert other.ingest(str(tmp_path / "same.jsonl")).stored == 5
            return pipe(articles, **kwargs)

        loom.pipeline.pipe = meanwhile
        report = loom.ingest(str(tmp_path / "same.jsonl"))
        statuses = [r[0] for r in loom.store.execute("SELECT status FROM inputs")]
    assert (report.read, report.stored, report.duplicate, report.rejected) == (5, 0, 5, 0) and adds_up(report)
    assert sorted(statuses) == ["stored"] * 5  # one row per input; the first process's rows stand


def test_two_processes_ingesting_the_same_file_each_report_what_they_did(tmp_path):
    import subprocess
    import sys

    from .conftest import REPO

    (tmp_path / "same.jsonl").write_text(rows(3000, "p"))
    db = tmp_path / "two.db"
    cmd = [sys.executable, "-m", "newsloom", "--db", str(db), "-s", "pipeline.stages", json.dumps(BASE_STAGES),
           "-s", "pipeline.batch_size", "16", "ingest", "--silent", "--json", str(tmp_path / "same.jsonl")]
    env = {**os.environ, "NEWSLOOM_CONFIG": ""}
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO, env=env)
             for _ in range(2)]
    reports = []
    for proc in procs:
        out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err
        reports.append(json.loads(out))
    for r in reports:
        assert r["read"] == 3000 and r["read"] == r["stored"] + r["duplicate"] + r["rejected"], r
    assert sum(r["stored"] for r in reports) == 3000
    with Store(db) as store:
        assert store.execute("SELECT count(*) FROM articles").fetchone()[0] == 3000
