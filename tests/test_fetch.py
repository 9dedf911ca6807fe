"""The polite HTTP client and the http(s) input handler, against a real server on 127.0.0.1."""
from __future__ import annotations

import gzip
import socket
import time

import pytest

from newsloom import Loom, Settings
from newsloom.readers.fetch import Fetcher, FetchError, FetchSettings, StoreHttpCache, default_user_agent, parse_retry_after
from newsloom.storage import Store

from .conftest import BASE_STAGES

from .localhttp import page, text

PARAS = ["The harbour council approved the new footbridge on Tuesday after a long debate about its cost.",
         "Engineers said the steel span would be finished within eighteen months if the weather holds.",
         "Residents of the east bank, who have waited a decade for the crossing, welcomed the decision."]


def quick(**overrides) -> FetchSettings:
    """Test settings: no host interval, tiny backoff, short timeouts, no proxies."""
    base = dict(host_interval=0.0, backoff=0.01, max_backoff=0.05, timeout=2.0, connect_timeout=2.0,
                retries=2, trust_env=False)
    base.update(overrides)
    return FetchSettings(**base)


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(round(seconds, 3))


def test_fetches_with_clear_user_agent_and_robots_allowing(server):
    server.routes["/story"] = text(page("Bridge", PARAS))
    with Fetcher(quick()) as f:
        resp = f.get(server.url("/story"))
    assert resp.status == 200 and b"footbridge" in resp.content and resp.fetched.endswith("+00:00")
    ua = [h.headers["user-agent"] for h in server.hits]
    assert ua == [default_user_agent()] * 2 and ua[0].startswith("newsloom/")
    assert server.paths() == ["/robots.txt", "/story"]


def test_user_agent_is_configurable(server):
    server.routes["/story"] = text(page("Bridge", PARAS))
    with Fetcher(quick(user_agent="mybot/2.0 (+mailto:ops@example.org)")) as f:
        f.get(server.url("/story"))
    assert server.hits[-1].headers["user-agent"] == "mybot/2.0 (+mailto:ops@example.org)"


def test_robots_disallow_refuses_and_robots_is_read_once(server):
    server.routes["/private/x"] = text("secret")
    server.routes["/a"] = text("a")
    with Fetcher(quick()) as f:
        with pytest.raises(FetchError) as err:
            f.get(server.url("/private/x"))
        f.get(server.url("/a"))
        f.get(server.url("/a"))
    assert err.value.code == "E160" and "robots.txt" in str(err.value)
    assert "/private/x" not in server.paths()
    assert server.paths().count("/robots.txt") == 1


def test_robots_for_our_agent_only(server):
    server.routes["/robots.txt"] = text("User-agent: newsloom\nDisallow: /\n\nUser-agent: *\nAllow: /\n", "text/plain")
    server.routes["/a"] = text("a")
    with Fetcher(quick()) as f, pytest.raises(FetchError, match="disallows"):
        f.get(server.url("/a"))
    with Fetcher(quick(user_agent="otherbot/1.0")) as f:
        assert f.get(server.url("/a")).content == b"a"


def test_robots_missing_allows_and_robots_5xx_disallows(server):
    server.routes["/a"] = text("a")
    del server.routes["/robots.txt"]  # 404: everything allowed
    with Fetcher(quick()) as f:
        assert f.get(server.url("/a")).content == b"a"
    server.routes["/robots.txt"] = text("down", "text/plain", status=503)
    with Fetcher(quick(retries=0)) as f, pytest.raises(FetchError) as err:
        f.get(server.url("/a"))
    assert err.value.code == "E160"  # RFC 9309: an unreachable robots.txt means complete disallow


def test_huge_robots_is_read_up_to_500_kib(server):
    server.routes["/robots.txt"] = text("User-agent: *\nDisallow: /private\n" + "# padding\n" * 60_000, "text/plain")
    server.routes["/a"] = text("a")
    with Fetcher(quick()) as f:
        assert f.get(server.url("/a")).content == b"a"
        with pytest.raises(FetchError, match="disallows"):
            f.get(server.url("/private/x"))


def test_robots_off_skips_it(server):
    server.routes["/private/x"] = text("x")
    with Fetcher(quick(robots=False)) as f:
        assert f.get(server.url("/private/x")).content == b"x"
    assert "/robots.txt" not in server.paths()


def test_per_host_rate_limit(server):
    server.routes["/a"] = text("a")
    with Fetcher(quick(host_interval=0.25)) as f:
        for _ in range(3):
            f.get(server.url("/a"))
    times = [h.at for h in server.hits if h.path == "/a"]
    gaps = [b - a for a, b in zip(times, times[1:])]
    # slots are booked at request start, so a request that reaches the server late narrows the next gap; an
    # unlimited fetcher would show gaps of a few ms (a loaded CI machine delays arrivals by tens of ms)
    assert len(gaps) == 2 and min(gaps) >= 0.15 and times[-1] - times[0] >= 0.45


def test_timeout_on_a_slow_endpoint(server):
    def slow(hit):
        time.sleep(1.5)
        return text("late")

    server.routes["/slow"] = slow
    start = time.monotonic()
    with Fetcher(quick(timeout=0.3, retries=0)) as f, pytest.raises(FetchError) as err:
        f.get(server.url("/slow"))
    assert err.value.code == "E162" and "timed out" in err.value.reason
    assert time.monotonic() - start < 1.4


def test_size_cap_declared_streamed_and_gzip_bomb(server):
    big = b"x" * 300_000
    server.routes["/declared"] = (200, {"Content-Type": "text/plain"}, big)
    server.routes["/chunked"] = (200, {"Content-Type": "text/plain", "Transfer-Encoding": "chunked"},
                                 b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in [big[i:i + 8192] for i in
                                          range(0, len(big), 8192)]) + b"0\r\n\r\n")
    bomb = gzip.compress(b"\0" * 20_000_000)
    server.routes["/bomb"] = (200, {"Content-Type": "text/html", "Content-Encoding": "gzip"}, bomb)
    with Fetcher(quick(max_bytes=100_000)) as f:
        for path in ("/declared", "/chunked", "/bomb"):
            with pytest.raises(FetchError) as err:
                f.get(server.url(path))
            assert err.value.code == "E163", path
    assert len(bomb) < 100_000  # it was the inflation that crossed the cap


def test_retries_honour_retry_after_then_succeed(server):
    calls = []

    def flaky(hit):
        calls.append(hit)
        if len(calls) <= 2:
            return text("busy", "text/plain", status=503, Retry_After="1")
        return text("ok", "text/plain")

    server.routes["/flaky"] = flaky
    sleeps = Sleeps()
    with Fetcher(quick(), sleep=sleeps) as f:
        assert f.get(server.url("/flaky")).content == b"ok"
    assert len(calls) == 3 and sleeps == [1.0, 1.0]


def test_retries_back_off_exponentially_on_429_and_give_up(server):
    server.routes["/busy"] = text("slow down", "text/plain", status=429)
    sleeps = Sleeps()
    with Fetcher(quick(retries=3, backoff=0.01, max_backoff=1.0), sleep=sleeps) as f, \
            pytest.raises(FetchError) as err:
        f.get(server.url("/busy"))
    assert err.value.code == "E167" and "4 attempt" in err.value.reason
    assert sleeps == [0.01, 0.02, 0.04]
    assert server.paths().count("/busy") == 4


def test_retry_after_too_long_gives_up_at_once(server):
    server.routes["/later"] = text("maintenance", "text/plain", status=503, Retry_After="86400")
    sleeps = Sleeps()
    with Fetcher(quick(), sleep=sleeps) as f, pytest.raises(FetchError) as err:
        f.get(server.url("/later"))
    assert err.value.code == "E166" and sleeps == []


def test_connection_refused_is_retried_then_reported():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sleeps = Sleeps()
    with Fetcher(quick(robots=False, retries=2), sleep=sleeps) as f, pytest.raises(FetchError) as err:
        f.get(f"http://127.0.0.1:{port}/x")
    assert err.value.code == "E162" and "3 attempt" in err.value.reason and sleeps == [0.01, 0.02]


def test_conditional_get_with_etag_and_last_modified_cached_in_store(server, tmp_path):
    def feed(hit):
        if hit.headers.get("if-none-match") == '"v1"':
            return 304, {"ETag": '"v1"'}, b""
        return text("<rss/>", "application/rss+xml", ETag='"v1"', Last_Modified="Tue, 16 Nov 2021 10:00:00 GMT")

    server.routes["/feed.xml"] = feed
    store = Store(tmp_path / "c.db")
    with Fetcher(quick(), cache=StoreHttpCache(store)) as f:
        first = f.get(server.url("/feed.xml"))
    with Fetcher(quick(), cache=StoreHttpCache(store)) as f:  # a new process would do the same
        second = f.get(server.url("/feed.xml"))
    assert first.status == 200 and not first.not_modified
    assert second.status == 304 and second.not_modified and second.content == b"<rss/>"
    sent = server.hits[-1].headers
    assert sent["if-none-match"] == '"v1"' and sent["if-modified-since"] == "Tue, 16 Nov 2021 10:00:00 GMT"
    store.close()


def test_redirects_are_followed_and_checked_against_robots(server):
    server.routes["/old"] = (301, {"Location": "/new"}, b"")
    server.routes["/new"] = text("new home")
    server.routes["/sneaky"] = (302, {"Location": "/private/page"}, b"")
    with Fetcher(quick()) as f:
        resp = f.get(server.url("/old"))
        assert resp.url == server.url("/new") and resp.content == b"new home"
        with pytest.raises(FetchError) as err:
            f.get(server.url("/sneaky"))
    assert err.value.code == "E160"


def test_bad_urls_and_http_errors(server):
    with Fetcher(quick()) as f:
        with pytest.raises(FetchError) as err:
            f.get("ftp://127.0.0.1/x")
        assert err.value.code == "E165"
        with pytest.raises(FetchError) as err:
            f.get(server.url("/missing"))
        assert err.value.code == "E161" and "404" in err.value.reason


def test_parse_retry_after_forms():
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480 - 60) == 60.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_settings_reach_the_fetcher_and_unknown_keys_are_refused():
    s = Settings.load(env={}, overrides={"fetch.host_interval": 0.5, "fetch.user_agent": "x/1"})
    fs = FetchSettings.from_settings(s)
    assert fs.host_interval == 0.5 and fs.user_agent == "x/1" and fs.retries == 3
    from newsloom.errors import ConfigError

    with pytest.raises(ConfigError, match="fetch.bogus"):
        FetchSettings.from_settings(Settings.load(env={}, overrides={"fetch.bogus": 1}))


# -- the http(s) input handler through Loom.ingest -----------------------------------------------
def loom_settings(**extra) -> Settings:
    return Settings.load(env={}, overrides={"pipeline.stages": BASE_STAGES, "fetch.host_interval": 0,
                                            "fetch.backoff": 0.01, "fetch.trust_env": False, "fetch.retries": 1,
                                            **extra})


def test_ingest_page_url_stores_article_with_url_and_fetch_date(server, tmp_path):
    server.routes["/news/bridge.html"] = text(page("Council approves footbridge", PARAS))
    with Loom(tmp_path / "n.db", settings=loom_settings()) as loom:
        report = loom.ingest(server.url("/news/bridge.html"))
        arts = loom.articles()
    assert report.stored == 1 and report.rejected == 0
    art = arts[0]
    assert art.url == server.url("/news/bridge.html") and art.fetched and "footbridge" in art.text
    assert "Copyright" not in art.text


def test_ingest_feed_url_gives_items_and_refetch_is_conditional(server, tmp_path):
    feed = f"""<?xml version="1.0"?><rss version="2.0"><channel><title>Harbour Gazette</title>
      <item><title>Footbridge approved</title><link>/news/1</link><guid>g1</guid>
        <pubDate>Tue, 16 Nov 2021 10:00:00 GMT</pubDate><description>{PARAS[0]}</description></item>
      <item><title>Ferry fares frozen</title><link>/news/2</link><guid>g2</guid>
        <description>The ferry operator froze fares for a second year, citing falling fuel costs.</description></item>
    </channel></rss>"""

    def serve(hit):
        if hit.headers.get("if-none-match") == '"f1"':
            return 304, {"ETag": '"f1"'}, b""
        return text(feed, "application/rss+xml", ETag='"f1"')

    server.routes["/feed.xml"] = serve
    with Loom(tmp_path / "n.db", settings=loom_settings()) as loom:
        first = loom.ingest(server.url("/feed.xml"))
        second = loom.ingest(server.url("/feed.xml"))
        arts = loom.articles()
    assert (first.stored, first.rejected) == (2, 0)
    assert (second.stored, second.duplicate) == (0, 2)
    assert server.hits[-1].headers.get("if-none-match") == '"f1"'
    by_title = {a.title: a for a in arts}
    assert by_title["Footbridge approved"].url == server.url("/news/1")  # relative link resolved
    assert by_title["Footbridge approved"].published == "2021-11-16"


def test_ingest_url_failures_are_rejected_not_raised(server, tmp_path):
    with Loom(tmp_path / "n.db", settings=loom_settings()) as loom:
        report = loom.ingest(server.url("/private/a"), server.url("/nothing-here"))
    assert report.rejected == 2
    reasons = " ".join(r for _, r in report.rejects)
    assert "robots.txt" in reasons and "HTTP 404" in reasons
