"""``newsloom watch``: folders, feed files and feed URLs polled; state in the store; restarts ingest nothing twice."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newsloom import Loom, Settings
from newsloom.errors import ConfigError
from newsloom.engine.watch import Watcher, watch_status

from .conftest import BASE_STAGES, REPO

from .localhttp import page, text

STORY = ("date 2021-11-{day:02d} {title}\n\n"
         "The harbour council met on the {day}th to discuss {title}, a question that has divided the town "
         "for years.\n\n"
         "Councillors heard from residents, engineers and the port authority before a vote late in the evening.\n")


def write_story(folder: Path, name: str, day: int, title: str, *, age: float = 60.0) -> Path:
    path = folder / name
    path.write_text(STORY.format(day=day, title=title), encoding="utf-8")
    old = time.time() - age
    os.utime(path, (old, old))
    return path


def settings(**extra) -> Settings:
    return Settings.load(env={}, overrides={"pipeline.stages": BASE_STAGES, "fetch.host_interval": 0,
                                            "fetch.backoff": 0.01, "fetch.trust_env": False, "fetch.retries": 0,
                                            "watch.settle_seconds": 0, **extra})


def article_count(loom: Loom) -> int:
    return loom.store.execute("SELECT count(*) FROM articles").fetchone()[0]


def test_folder_new_files_are_picked_up_and_nothing_is_stored_twice(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_story(inbox, "a.txt", 1, "the ferry timetable")
    write_story(inbox, "b.txt", 2, "the footbridge budget")
    with Loom(tmp_path / "w.db", settings=settings()) as loom:
        watcher = Watcher(loom, [str(inbox)])
        (r1,) = watcher.poll_once()
        (r2,) = watcher.poll_once()
        write_story(inbox, "c.txt", 3, "the lighthouse repairs")
        (inbox / ".hidden.txt").write_text("ignored", encoding="utf-8")
        (r3,) = watcher.poll_once()
        assert (r1.kind, r1.new, r1.stored) == ("folder", 2, 2)
        assert (r2.new, r2.stored) == (0, 0)
        assert (r3.new, r3.stored) == (1, 1)
        assert article_count(loom) == 3
        titles = sorted(a.title for a in loom.articles())
        assert titles == ["the ferry timetable", "the footbridge budget", "the lighthouse repairs"]
        (status,) = watch_status(loom.store)
        assert status["seen"] == 3 and status["rounds"] == 3 and status["items"] == 3 and status["kind"] == "folder"


def test_files_still_being_written_wait_for_the_next_round(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    fresh = write_story(inbox, "a.txt", 1, "the ferry timetable", age=0)
    with Loom(tmp_path / "w.db", settings=settings(**{"watch.settle_seconds": 30})) as loom:
        watcher = Watcher(loom, [str(inbox)])
        assert watcher.poll_once()[0].new == 0
        old = time.time() - 60
        os.utime(fresh, (old, old))
        assert watcher.poll_once()[0].stored == 1


def test_a_changed_file_is_read_again_but_identical_content_is_not_stored_twice(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    path = write_story(inbox, "a.txt", 1, "the ferry timetable")
    with Loom(tmp_path / "w.db", settings=settings()) as loom:
        watcher = Watcher(loom, [str(inbox)])
        watcher.poll_once()
        os.utime(path, (time.time() - 30, time.time() - 30))  # touched, same content
        (again,) = watcher.poll_once()
        assert (again.new, again.stored, again.duplicate) == (1, 0, 1)
        assert article_count(loom) == 1


FEED = """<rss version="2.0"><channel><title>Gazette</title>{items}</channel></rss>"""
ITEM = """<item><title>{title}</title><link>{link}</link><guid>{guid}</guid>
<pubDate>Tue, 16 Nov 2021 10:00:00 GMT</pubDate><description>{text}</description></item>"""


def feed_xml(items: list[tuple[str, str]], base: str = "https://gazette.example") -> str:
    return FEED.format(items="".join(ITEM.format(title=t, link=f"{base}/n/{g}", guid=g, text=x) for g, t, x in
                                     [(f"g{i}", t, x) for i, (t, x) in enumerate(items, 1)]))


ITEMS = [("Footbridge approved", "The council approved the footbridge after a long debate about its cost."),
         ("Ferry fares frozen", "The ferry operator froze fares for a second year, citing lower fuel costs."),
         ("Port strike ends", "Dock workers went back to work after a four-day strike over night-shift pay.")]


def test_feed_file_rewritten_in_place_adds_only_new_items(tmp_path):
    feed = tmp_path / "gazette.rss"
    feed.write_text(feed_xml(ITEMS[:2]), encoding="utf-8")
    with Loom(tmp_path / "w.db", settings=settings()) as loom:
        watcher = Watcher(loom, [str(feed)])
        (r1,) = watcher.poll_once()
        feed.write_text(feed_xml(ITEMS), encoding="utf-8")
        (r2,) = watcher.poll_once()
        (r3,) = watcher.poll_once()
    assert (r1.kind, r1.stored) == ("rss", 2)
    assert (r2.new, r2.stored) == (1, 1) and (r3.new, r3.stored) == (0, 0)


@pytest.fixture
def server(server):
    """The shared local server (conftest), with robots.txt allowing everything."""
    server.routes["/robots.txt"] = text("User-agent: *\nAllow: /\n", "text/plain")
    return server


def test_feed_url_uses_conditional_get_and_picks_up_new_items(server, tmp_path):
    state = {"items": ITEMS[:2], "etag": '"v2"'}

    def serve(hit):
        if hit.headers.get("if-none-match") == state["etag"]:
            return 304, {"ETag": state["etag"]}, b""
        return text(feed_xml(state["items"], server.base), "application/rss+xml", ETag=state["etag"])

    server.routes["/feed.xml"] = serve
    with Loom(tmp_path / "w.db", settings=settings()) as loom:
        watcher = Watcher(loom, [server.url("/feed.xml")])
        (r1,) = watcher.poll_once()
        (r2,) = watcher.poll_once()
        state.update(items=ITEMS, etag='"v3"')
        (r3,) = watcher.poll_once()
        assert (r1.stored, r2.new, r3.new, r3.stored) == (2, 0, 1, 1)
        assert article_count(loom) == 3
        feed_hits = [h for h in server.hits if h.path == "/feed.xml"]
        assert feed_hits[1].headers.get("if-none-match") == '"v2"'


def test_transient_page_failures_are_retried_next_round(server, tmp_path):
    calls = []

    def flaky_page(hit):
        calls.append(hit)
        if len(calls) == 1:
            return text("overloaded", "text/plain", status=503)
        return text(page("Footbridge approved by council", [ITEMS[0][1], ITEMS[1][1], ITEMS[2][1]]))

    server.routes["/n/1"] = flaky_page
    server.routes["/feed.xml"] = text(f"""<rss version="2.0"><channel><title>G</title><item>
        <title>Footbridge approved</title><link>{server.base}/n/1</link><guid>g1</guid></item></channel></rss>""",
                                      "application/rss+xml")
    with Loom(tmp_path / "w.db", settings=settings()) as loom:
        watcher = Watcher(loom, [server.url("/feed.xml")], fetch=True)
        (r1,) = watcher.poll_once()
        (r2,) = watcher.poll_once()
        (r3,) = watcher.poll_once()
        assert (r1.stored, r1.rejected) == (0, 1)
        assert (r2.new, r2.stored) == (1, 1) and r3.new == 0
        assert "Dock workers" in loom.articles()[0].text


def test_sitemap_url_with_fetch_ingests_new_pages_only(server, tmp_path):
    urls = ["/n/1"]
    for i, (title, body) in enumerate(ITEMS, 1):
        server.routes[f"/n/{i}"] = text(page(title, [body, ITEMS[(i % 3)][1], ITEMS[(i + 1) % 3][1]]))

    def sitemap(hit):
        locs = "".join(f"<url><loc>{server.base}{u}</loc></url>" for u in urls)
        return text(f"<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{locs}</urlset>", "application/xml")

    server.routes["/sitemap.xml"] = sitemap
    with Loom(tmp_path / "w.db", settings=settings()) as loom:
        without = Watcher(loom, [server.url("/sitemap.xml")]).poll_once()[0]
        assert without.error and "--fetch" in without.error
        watcher = Watcher(loom, [server.url("/sitemap.xml")], fetch=True)
        (r1,) = watcher.poll_once()
        urls.append("/n/2")
        (r2,) = watcher.poll_once()
        assert (r1.kind, r1.stored, r2.new, r2.stored) == ("sitemap", 1, 1, 1)
        assert [h.path for h in server.hits].count("/n/1") == 1


def test_a_kill_between_storing_and_marking_seen_stores_nothing_twice(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_story(inbox, "a.txt", 1, "the ferry timetable")
    feed = tmp_path / "gazette.rss"
    feed.write_text(feed_xml(ITEMS), encoding="utf-8")
    with Loom(tmp_path / "w.db", settings=settings()) as loom:
        watcher = Watcher(loom, [str(inbox), str(feed)])
        watcher.poll_once()
        # what a kill right after Loom.ingest returned would leave: articles stored, keys not marked
        loom.store.execute("DELETE FROM watch_seen")
        folder, rss = watcher.poll_once()
        assert (folder.new, folder.stored, folder.duplicate) == (1, 0, 1)
        assert (rss.new, rss.stored, rss.duplicate) == (3, 0, 3)
        assert article_count(loom) == 4
        assert watcher.poll_once()[1].new == 0


def test_failing_source_is_reported_and_the_others_go_on(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_story(inbox, "a.txt", 1, "the ferry timetable")
    with Loom(tmp_path / "w.db", settings=settings()) as loom:
        watcher = Watcher(loom, [str(tmp_path / "missing"), str(inbox)])
        missing, ok = watcher.poll_once()
        assert missing.error and "no such file" in missing.error and ok.stored == 1
        assert watch_status(loom.store)[0]["last_error"] == missing.error


def test_no_sources_at_all_is_a_clear_error(tmp_path):
    with Loom(tmp_path / "w.db", settings=settings()) as loom, pytest.raises(ConfigError) as err:
        Watcher(loom, [])
    assert err.value.code == "E210"


def test_run_stops_after_max_rounds_and_on_stop(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    with Loom(tmp_path / "w.db", settings=settings()) as loom:
        watcher = Watcher(loom, [str(inbox)])
        seen = []
        assert watcher.run(interval=0.01, max_rounds=3, on_round=lambda n, r: seen.append(n)) == 3
        assert seen == [1, 2, 3]
        watcher.stop()
        assert watcher.run(interval=0.01) == 0


# -- across processes through the CLI ------------------------------------------------------------
def cli(db: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    stages = json.dumps(BASE_STAGES)
    cmd = [sys.executable, "-m", "newsloom", "--db", str(db), "-s", "pipeline.stages", stages,
           "-s", "watch.settle_seconds", "0", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=REPO,
                          env={**os.environ, "NEWSLOOM_CONFIG": ""})


def test_restart_across_processes_ingests_nothing_twice_and_resumes_stored_sources(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_story(inbox, "a.txt", 1, "the ferry timetable")
    feed = tmp_path / "gazette.rss"
    feed.write_text(feed_xml(ITEMS[:1]), encoding="utf-8")
    db = tmp_path / "w.db"
    first = cli(db, "watch", "--once", "--json", str(inbox), str(feed))
    assert first.returncode == 0, first.stderr
    assert [s["stored"] for s in json.loads(first.stdout)["sources"]] == [1, 1]
    second = cli(db, "watch", "--once", "--json", str(inbox), str(feed))
    assert [s["stored"] for s in json.loads(second.stdout)["sources"]] == [0, 0]
    write_story(inbox, "b.txt", 2, "the footbridge budget")
    feed.write_text(feed_xml(ITEMS[:2]), encoding="utf-8")
    resumed = cli(db, "watch", "--once", "--json")  # no sources: the stored ones
    assert [(s["new"], s["stored"]) for s in json.loads(resumed.stdout)["sources"]] == [(1, 1), (1, 1)]
    status = cli(db, "watch", "--status", "--json")
    assert [row["seen"] for row in json.loads(status.stdout)] == [2, 2]
    forgot = cli(db, "watch", "--forget", str(inbox))
    assert forgot.stdout.strip() == "forgot 1 of 1 source(s)"
    assert [row["source"] for row in json.loads(cli(db, "watch", "--status", "--json").stdout)] == [str(feed)]
    with Loom(db, settings=settings()) as loom:
        assert article_count(loom) == 4


def test_sigterm_stops_a_running_watch_cleanly(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_story(inbox, "a.txt", 1, "the ferry timetable")
    db = tmp_path / "w.db"
    cmd = [sys.executable, "-m", "newsloom", "--db", str(db), "-s", "pipeline.stages", json.dumps(BASE_STAGES),
           "-s", "watch.settle_seconds", "0", "watch", "--interval", "60", str(inbox)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
                            env={**os.environ, "NEWSLOOM_CONFIG": ""})
    try:
        line = proc.stdout.readline()  # "round 1 ...": the first round is done, now it sleeps
        assert line.startswith("round 1"), line + proc.stderr.read()
        start = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0 and time.monotonic() - start < 10
    assert "stopped after 1 round(s)" in err
