"""``newsloom bench hostile``: hostile inputs against a checkout, before and after, side by side (issue 15).

Each attack generates its input, serves it from 127.0.0.1 when it needs a server (and never any other
address), and runs ``python -m newsloom ... ingest`` (or ``watch``) as a child process in the checkout
under test, under a memory cap (RLIMIT_AS) and a time cap; peak RSS comes from ``wait4``. With
``-o before DIR`` every attack also runs against the checkout in DIR (e.g. a ``git worktree`` of an
older commit), in the same run, so that the two columns share the machine's load.

Options (``-o KEY VALUE``): ``before`` (a checkout), ``repo`` (default: this package's checkout),
``only`` (comma-separated attack names), ``gb`` (gigabytes the bombs inflate to, default 1),
``html`` (paragraphs of the huge HTML page, default 1,000,000), ``mem_gb`` (default 6), ``time_cap``
(seconds, default 120).
"""
from __future__ import annotations

import gzip
import json
import os
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..eval import Table, benchmark

BASE_STAGES = '["clean", "language", "boilerplate"]'
PARA = ("The harbour council approved the new footbridge on Tuesday after a long debate about its cost and "
        "engineers said the span would be finished within eighteen months.")
PARA2 = "Residents of the east bank who have waited a decade for the crossing welcomed the decision."
Reply = tuple[int, dict[str, str], bytes]


class Server:
    """An HTTP server on 127.0.0.1 serving fixed replies by path; logs the paths asked for."""

    def __init__(self, routes: dict[str, Reply] | None = None) -> None:
        self.routes = {"/robots.txt": (404, {}, b""), **(routes or {})}
        self.paths: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                server.paths.append(self.path)
                status, headers, body = server.routes.get(self.path.split("?", 1)[0], (404, {}, b"not found"))
                self.send_response(status)
                for key, value in {"Content-Length": str(len(body)), **headers}.items():
                    self.send_header(key, value)
                self.end_headers()
                try:
                    self.wfile.write(body)
                except OSError:
                    pass

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class Trickle:
    """A server on 127.0.0.1 that sends a status line, then one header line every ``every`` seconds.

    After ``total`` seconds (None: never) it ends the headers; ``connected`` is set on the first connection.
    """

    def __init__(self, every: float = 1.0, total: float | None = None) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.every, self.total = every, total
        self.stop = threading.Event()
        self.connected = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connected.set()
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        end = None if self.total is None else time.monotonic() + self.total
        with conn:
            try:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\n")
                while not self.stop.wait(self.every) and (end is None or time.monotonic() < end):
                    conn.sendall(b"X-Slow: y\r\n")
                conn.sendall(b"Content-Length: 0\r\n\r\n")
            except OSError:
                pass

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


def html(title: str, paras: list[str]) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paras)
    return f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>{body}</article></body></html>" \
        .encode()


def ok(body: bytes, ctype: str = "text/html; charset=utf-8", **headers: str) -> Reply:
    return 200, {"Content-Type": ctype, **headers}, body


def warc_record(body: bytes, uri: str | None, rid: str) -> bytes:
    """A WARC response record holding the HTML ``body`` (without ``WARC-Target-URI`` when ``uri`` is None)."""
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    head = (f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:{rid}>\r\n"
            "WARC-Date: 2021-01-01T00:00:00Z\r\n")
    head += f"WARC-Target-URI: {uri}\r\n" if uri else ""
    head += f"Content-Type: application/http; msgtype=response\r\nContent-Length: {len(http)}\r\n\r\n"
    return head.encode() + http + b"\r\n\r\n"


def three_files(tmp: Path, middle: Callable[[Path], None]) -> Path:
    """A folder with two text files and, between them, what ``middle(path)`` makes at ``b``."""
    folder = tmp / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(PARA + " A.")
    middle(folder / "b")
    (folder / "c.txt").write_text(PARA + " C.")
    return folder


def good_rows(n: int, tag: str) -> str:
    return "".join(json.dumps({"id": f"{tag}{i}", "text": f"{PARA} ({tag} {i})"}) + "\n" for i in range(n))


class Run:
    """One attack's run of ``python -m newsloom`` in a checkout: seconds, peak RSS, exit code, output."""

    def __init__(self, repo: str, tmp: Path, mem_gb: float, time_cap: float) -> None:
        self.repo, self.tmp, self.mem, self.cap = repo, tmp, int(mem_gb * 1024 ** 3), time_cap

    def __call__(self, *args: str, term_when: Callable[[], bool] | None = None,
                 cap: float | None = None) -> dict[str, Any]:
        cap = cap or self.cap

        def limits() -> None:
            resource.setrlimit(resource.RLIMIT_AS, (self.mem, self.mem))

        env = {**os.environ, "NEWSLOOM_PIPELINE__STAGES": BASE_STAGES, "NEWSLOOM_CONFIG": ""}
        out = tempfile.TemporaryFile()
        start = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-m", "newsloom", "--db", str(self.tmp / "a.db"), *args],
                                cwd=self.repo, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, preexec_fn=limits)
        killed, termed = "", None
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            elapsed = time.monotonic() - start
            if term_when is not None and termed is None and term_when():
                proc.send_signal(signal.SIGTERM)
                termed = elapsed
            if elapsed > cap:
                proc.kill()
                killed = f"killed after {cap:.0f} s"
                _, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
        seconds = time.monotonic() - start
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
        return {"s": seconds, "rss": usage.ru_maxrss / 1024, "code": os.waitstatus_to_exitcode(status),
                "killed": killed, "out": text, "after_term": None if termed is None else seconds - termed}

    def count(self, sql: str) -> int:
        try:
            with sqlite3.connect(self.tmp / "a.db") as conn:
                return conn.execute(sql).fetchone()[0]
        except sqlite3.Error:
            return 0

    def stored(self) -> str:
        return f"{self.count('SELECT count(*) FROM articles')} stored"


def outcome(r: dict[str, Any]) -> str:
    """A short account of what a run did: killed, crashed, or its summary and first rejection."""
    if r["killed"]:
        return r["killed"]
    lines = [ln for ln in r["out"].splitlines() if ln.strip()]
    if any(ln.startswith("Traceback") for ln in lines) or (lines and "Error" in lines[-1] and r["code"] == 1
                                                           and not lines[-1].startswith(("read ", "rejected"))):
        return "crash: " + lines[-1][:110]
    summary = next((ln for ln in reversed(lines) if ln.startswith("read ")), "")
    first = next((ln.split(": ", 1)[-1] for ln in lines if ln.startswith("rejected ")), "")
    error = next((ln for ln in lines if ln.startswith("Error:")), "")
    parts = [p for p in (summary, first[:110], error[:160]) if p]
    return "; ".join(parts) or (lines[-1][:120] if lines else "")


# -- the attacks: fn(run, tmp, opts) -> (result, detail) -------------------------------------------------------
def deep_json(run: Run, tmp: Path, opts: dict) -> tuple[dict, str]:
    (tmp / "in").mkdir()
    (tmp / "in/1.jsonl").write_text(good_rows(2, "a") + '{"text": ' + "[" * 5000 + "]" * 5000 + "}\n"
                                    + good_rows(2, "b"))
    (tmp / "in/2.json").write_text("[" * 5000 + "]" * 5000)
    (tmp / "in/3.jsonl").write_text(good_rows(2, "c"))
    r = run("ingest", "--silent", str(tmp / "in"))
    return r, f"JSON nested 5,000 deep among 6 good rows: {run.stored()}"


def surrogate(run: Run, tmp: Path, opts: dict) -> tuple[dict, str]:
    (tmp / "s.jsonl").write_text(good_rows(2, "a") + '{"id": "x", "text": "bad \\udc80 ' + PARA + '"}\n'
                                 + good_rows(2, "b"))
    r = run("ingest", "--silent", str(tmp / "s.jsonl"))
    return r, f"a lone surrogate escape among 4 good rows: {run.stored()}"


def bad_filename(run: Run, tmp: Path, opts: dict) -> tuple[dict, str]:
    def make(path: Path) -> None:
        with open(os.fsencode(path) + b"\xff\xfe.txt", "wb") as fh:
            fh.write((PARA + " B.").encode())

    r = run("ingest", "--silent", str(three_files(tmp, make)))
    return r, f"3 files, one named with bytes that are not UTF-8: {run.stored()}"


def xml_encoding(run: Run, tmp: Path, opts: dict) -> tuple[dict, str]:
    feed = (b'<?xml version="1.0" encoding="x-no-such"?><rss version="2.0"><channel><title>T</title>'
            b"<item><guid>1</guid><title>One</title><description>" + PARA.encode() + b"</description></item>"
            b"</channel></rss>")
    (tmp / "f.xml").write_bytes(feed)
    (tmp / "ok.jsonl").write_text(good_rows(2, "ok"))
    srv = Server({"/feed": ok(feed.replace(b"<guid>1", b"<guid>2"), "application/rss+xml")})
    try:
        r = run("-s", "fetch.host_interval", "0", "ingest", "--silent", str(tmp / "f.xml"), srv.url("/feed"),
                str(tmp / "ok.jsonl"))
    finally:
        srv.close()
    return r, f"a feed file and a feed URL declaring encoding x-no-such, then 2 rows: {run.stored()}"


def deep_feed_item(run: Run, tmp: Path, opts: dict) -> tuple[dict, str]:
    item = ("<item><guid>deep</guid><title>Deep</title><content:encoded>" + "<div>" * 3000 + "x" + "</div>" * 3000
            + "</content:encoded></item>")
    good = f"<item><guid>ok</guid><title>Fine</title><description>{PARA}</description></item>"
    (tmp / "f.rss").write_text('<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
                               f"<channel><title>T</title>{item}{good}</channel></rss>")
    r = run("ingest", "--silent", str(tmp / "f.rss"))
    return r, f"a feed item nested 3,000 deep, then a good item: {run.stored()}"


def bad_ipv6_link(run: Run, tmp: Path, opts: dict) -> tuple[dict, str]:
    (tmp / "f.rss").write_text('<rss version="2.0"><channel><title>T</title>'
                               f"<item><guid>1</guid><link>http://[::1</link><description>{PARA}</description></item>"
                               f"<item><guid>2</guid><description>{PARA2}</description></item></channel></rss>")
    r = run("ingest", "--silent", str(tmp / "f.rss"))
    return r, f"<link>http://[::1</link> (no --fetch), then a good item: {run.stored()}"


def long_link(run: Run, tmp: Path, opts: dict) -> tuple[dict, str]:
    srv = Server()
    long = srv.url("/x?" + "a" * 70_000)
    srv.routes["/feed"] = ok(('<rss version="2.0"><channel><title>T</title>'
                              f"<item><guid>1</guid><link>{long}</link><title>Long</title></item>"
                              f"<item><guid>2</guid><title>Two</title><description>{PARA}</description></item>"
                              "</channel></rss>").encode(), "application/rss+xml")
    try:
        r = run("-s", "fetch.host_interval", "0", "ingest", "--silent", "--fetch", srv.url("/feed"))
    finally:
        srv.close()
    return r, f"--fetch of a 70,000-character link, then a good item: {run.stored()}"


def warc_no_uri(run: Run, tmp: Path, opts: dict) -> tuple[dict, str]:
    def record(i: int, uri: str | None) -> bytes:
        return warc_record(html(f"Page {i}", [PARA, f"{PARA2} ({i})"]), uri, str(i))

    (tmp / "a.warc").write_bytes(record(1, "https://a.example/1") + record(2, None) + record(3, "https://a.example/3"))
    r = run("ingest", "--silent", str(tmp / "a.warc"))
    return r, f"3 WARC responses, the middle one without WARC-Target-URI: {run.stored()}"


def fifo(run: Run, tmp: Path, opts: dict) -> tuple[dict, str]:
    r = run("ingest", "--silent", str(three_files(tmp, lambda path: os.mkfifo(f"{path}.fifo"))), cap=20)
    return r, f"a FIFO between two files in a folder: {run.stored()}"


def header_trickle(run: Run, tmp: Path, opts: dict) -> tuple[dict, str]:
    t = Trickle()
    try:
        r = run("-s", "fetch.max_seconds", "5", "-s", "fetch.retries", "0", "-s", "fetch.robots", "false", "ingest",
                "--silent", f"http://127.0.0.1:{t.port}/page", cap=60)
    finally:
        t.close()
    return r, "one header line a second, fetch.max_seconds = 5"


def watch_sigterm(run: Run, tmp: Path, opts: dict) -> tuple[dict, str]:
    t = Trickle()
    since: list[float] = []

    def fetching_for_a_second() -> bool:  # the watch is waiting for the trickled headers
        if t.connected.is_set() and not since:
            since.append(time.monotonic())
        return bool(since) and time.monotonic() - since[0] > 1.0

    try:
        r = run("-s", "fetch.retries", "0", "-s", "fetch.robots", "false", "watch", f"http://127.0.0.1:{t.port}/feed",
                term_when=fetching_for_a_second, cap=60)
    finally:
        t.close()
    after = r["after_term"]
    return r, "SIGTERM 1 s into a trickled fetch" + (f": exited {after:.1f} s later" if after is not None else "")


def clean_lines(run: Run, tmp: Path, opts: dict) -> tuple[dict, str]:
    import random

    rnd = random.Random(1)
    vocab = [f"w{i}" for i in range(50_000)]
    (tmp / "big.txt").write_text("\n".join(" ".join(rnd.choice(vocab) for _ in range(10)) for _ in range(16_000)))
    r = run("ingest", "--silent", str(tmp / "big.txt"))
    return r, f"{(tmp / 'big.txt').stat().st_size / 1e6:.1f} MB text of 16,000 distinct lines: {run.stored()}"


def html_paragraphs(run: Run, tmp: Path, opts: dict) -> tuple[dict, str]:
    n = int(opts.get("html", 1_000_000))
    (tmp / "big.html").write_text(f"<html><head><title>Many</title></head><body><article>{'<p>x</p>' * n}"
                                  "</article></body></html>")
    r = run("ingest", "--silent", str(tmp / "big.html"))
    return r, f"{(tmp / 'big.html').stat().st_size / 1e6:.1f} MB HTML of {n:,} paragraphs: {run.stored()}"


def sitemap_fanout(run: Run, tmp: Path, opts: dict) -> tuple[dict, str]:
    n = 20
    srv = Server()
    for c in range(n):
        urls = "".join(f"<url><loc>{srv.url(f'/p/{c}/{i}')}</loc></url>" for i in range(n))
        srv.routes[f"/sm/{c}.xml"] = ok(f"<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{urls}</urlset>"
                                        .encode(), "application/xml")
        for i in range(n):
            srv.routes[f"/p/{c}/{i}"] = ok(html(f"Page {c} {i}", [PARA, f"{PARA2} ({c} {i})"]))
    kids = "".join(f"<sitemap><loc>{srv.url(f'/sm/{c}.xml')}</loc></sitemap>" for c in range(n))
    srv.routes["/index.xml"] = ok(f"<sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{kids}"
                                  "</sitemapindex>".encode(), "application/xml")
    try:
        r = run("-s", "fetch.host_interval", "0", "-s", "fetch.max_sitemap_urls", str(n), "ingest", "--silent",
                "--fetch", srv.url("/index.xml"))
    finally:
        srv.close()
    fetched = sum(1 for p in srv.paths if p not in ("/robots.txt", "/index.xml"))
    return r, f"sitemap index of {n} x {n}, max_sitemap_urls {n}: {fetched} fetches"


def retry_after(run: Run, tmp: Path, opts: dict) -> tuple[dict, str]:
    srv = Server({"/busy": (503, {"Retry-After": "8"}, b"busy")})
    try:
        r = run("-s", "fetch.host_interval", "0", "-s", "fetch.max_retry_after", "10", "ingest", "--silent",
                srv.url("/busy"))
    finally:
        srv.close()
    return r, f"503 + Retry-After: 8 on every attempt, fetch.max_retry_after 10: {srv.paths.count('/busy')} requests"


def _zeros_gz(n: int) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b"\0" * (1 << 24)
    return b"".join([c.compress(chunk) for _ in range(n // len(chunk))] + [c.flush()])


def gzip_gzip(run: Run, tmp: Path, opts: dict) -> tuple[dict, str]:
    gb = float(opts.get("gb", 1))
    body = gzip.compress(_zeros_gz(int(gb * 1024 ** 3)), 9)
    srv = Server({"/bomb": ok(body, "text/html", **{"Content-Encoding": "gzip, gzip"})})
    try:
        r = run("-s", "fetch.host_interval", "0", "-s", "fetch.retries", "0", "ingest", "--silent", srv.url("/bomb"))
    finally:
        srv.close()
    return r, f"Content-Encoding: gzip, gzip; {len(body):,} bytes on the wire, {gb:g} GB inflated"


def _bomb(run: Run, tmp: Path, opts: dict, name: str, prefix: bytes) -> tuple[dict, str]:
    gb = float(opts.get("gb", 1))
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b" " * (1 << 24)
    with (tmp / name).open("wb") as fh:
        fh.write(c.compress(prefix))
        for _ in range(int(gb * 1024 ** 3) // len(chunk)):
            fh.write(c.compress(chunk))
        fh.write(c.flush())
    (tmp / "ok.jsonl").write_text(good_rows(2, "ok"))
    r = run("ingest", "--silent", str(tmp / name), str(tmp / "ok.jsonl"))
    return r, f"{(tmp / name).stat().st_size / 1e6:.1f} MB {name} inflating to {gb:g} GB, then 2 rows: {run.stored()}"


def bomb_jsonl(run: Run, tmp: Path, opts: dict) -> tuple[dict, str]:
    return _bomb(run, tmp, opts, "bomb.jsonl.gz", b'{"text": "')


def bomb_json(run: Run, tmp: Path, opts: dict) -> tuple[dict, str]:
    return _bomb(run, tmp, opts, "bomb.json.gz", b'[{"text": "')


def bomb_csv(run: Run, tmp: Path, opts: dict) -> tuple[dict, str]:
    return _bomb(run, tmp, opts, "bomb.csv.gz", b'title,text\nx,"')


def big_row(run: Run, tmp: Path, opts: dict) -> tuple[dict, str]:
    big = json.dumps({"id": "big", "text": PARA + " x" * 15_000_000})
    (tmp / "r.jsonl").write_text(big + "\n" + good_rows(2, "ok"))
    r = run("ingest", "--silent", str(tmp / "r.jsonl"))
    return r, f"a 30 MB JSONL row (reader.max_article_bytes 10 MB), then 2 rows: {run.stored()}"


def reject_flood(run: Run, tmp: Path, opts: dict) -> tuple[dict, str]:
    n = 200_000
    (tmp / "flood.jsonl").write_text("".join(f'{{"broken": {i}\n' for i in range(n)) + good_rows(2, "ok"))
    r = run("ingest", "--silent", str(tmp / "flood.jsonl"))
    size = sum(p.stat().st_size for p in tmp.glob("a.db*")) / 1e6
    return r, f"{n:,} broken lines: {run.count('SELECT count(*) FROM inputs'):,} input rows, database {size:.1f} MB"


def ssrf_redirect(run: Run, tmp: Path, opts: dict) -> tuple[dict, str]:
    inner = Server({"/admin": ok(html("Internal admin", ["SECRET-TOKEN is the admin password of the internal "
                                                         "service; do not share it.", PARA]))})
    outer = Server()
    outer.routes["/go"] = (302, {"Location": inner.url("/admin")}, b"")
    try:
        r = run("-s", "fetch.host_interval", "0", "ingest", "--silent", outer.url("/go"))
    finally:
        inner.close()
        outer.close()
    secret = run.count("SELECT count(*) FROM articles WHERE text LIKE '%SECRET-TOKEN%'")
    return r, f"a redirect to another loopback service: internal page requested {'/admin' in inner.paths}, " \
              f"secret stored {bool(secret)}"


def ssrf_feed_link(run: Run, tmp: Path, opts: dict) -> tuple[dict, str]:
    inner = Server({"/admin": ok(html("Internal admin", ["SECRET-TOKEN is the admin password.", PARA]))})
    (tmp / "f.rss").write_text('<rss version="2.0"><channel><title>T</title>'
                               f"<item><guid>1</guid><title>x</title><link>{inner.url('/admin')}</link></item>"
                               "</channel></rss>")
    try:
        r = run("-s", "fetch.host_interval", "0", "ingest", "--silent", "--fetch", str(tmp / "f.rss"))
    finally:
        inner.close()
    return r, f"a feed file linking to a loopback service, --fetch: requested {'/admin' in inner.paths}"


def csv_separators(run: Run, tmp: Path, opts: dict) -> tuple[dict, str]:
    (tmp / "c.csv").write_bytes((f"title,text\nA,{PARA[:-1]}\u2028second half\nB,{PARA[:-1]}\fstill B\n"
                                 f"C,{PARA2[:-1]}\n").encode())
    r = run("ingest", "--silent", str(tmp / "c.csv"))
    whole = run.count("SELECT count(*) FROM articles WHERE text LIKE '%second half%' OR text LIKE '%still B%'")
    return r, f"CSV fields holding U+2028 and a form feed: {whole} of 2 kept whole"


def json_types(run: Run, tmp: Path, opts: dict) -> tuple[dict, str]:
    (tmp / "j.json").write_text(json.dumps([{"id": "1", "text": {"nested": "object"}}, {"id": "2", "text": True},
                                            {"id": "3", "text": PARA, "source": False}]))
    r = run("ingest", "--silent", str(tmp / "j.json"))
    junk = run.count("SELECT count(*) FROM articles WHERE text IN ('None', 'True') OR source IN ('None', 'False')")
    return r, f"an object and a boolean as text, a boolean as source: {junk} stored as 'None'/'True'/'False'"


def utf16(run: Run, tmp: Path, opts: dict) -> tuple[dict, str]:
    (tmp / "u.txt").write_bytes(f"Footbridge vote\n\n{PARA}\n\n{PARA2}".encode("utf-16-le"))
    r = run("ingest", "--silent", str(tmp / "u.txt"))
    return r, f"UTF-16 LE without a byte-order mark: {run.stored()}"


def stray_byte(run: Run, tmp: Path, opts: dict) -> tuple[dict, str]:
    (tmp / "s.txt").write_bytes(f"Caf\u00e9 cr\u00e8me: {PARA}".encode() + b" \xff " + PARA2.encode())
    r = run("ingest", "--silent", str(tmp / "s.txt"))
    right = run.count("SELECT count(*) FROM articles WHERE title || text LIKE '%Caf\u00e9 cr\u00e8me%'")
    return r, f"UTF-8 with one stray byte: {run.stored()}, {right} with its accents read right"


def unreachable(run: Run, tmp: Path, opts: dict) -> tuple[dict, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = run("-s", "fetch.retries", "0", "ingest", "--silent", f"http://127.0.0.1:{port}/x", "http://127.0.0.1:99999/x")
    return r, "a closed port, then port 99999"


def bad_output(run: Run, tmp: Path, opts: dict) -> tuple[dict, str]:
    run("articles")
    r = run("export", "articles", "-o", str(tmp / "no" / "such" / "x.jsonl"))
    limit = run("articles", "--limit", "99999999999999999999")
    return r, f"export -o into a missing folder; --limit 1e20 gives exit {limit['code']}"


ATTACKS: dict[str, Callable[[Run, Path, dict], tuple[dict, str]]] = {
    f.__name__: f for f in (deep_json, surrogate, bad_filename, xml_encoding, deep_feed_item, bad_ipv6_link, long_link,
                            warc_no_uri, fifo, header_trickle, watch_sigterm, clean_lines, html_paragraphs,
                            sitemap_fanout, retry_after, gzip_gzip, bomb_jsonl, bomb_json, bomb_csv, big_row,
                            reject_flood, ssrf_redirect, ssrf_feed_link, csv_separators, json_types, utf16, stray_byte,
                            unreachable, bad_output)}


def _attack(name: str, repo: str, opts: dict) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix=f"newsloom-{name}-"))
    try:
        run = Run(repo, tmp, float(opts.get("mem_gb", 6)), float(opts.get("time_cap", 120)))
        r, detail = ATTACKS[name](run, tmp, opts)
        return {"s": round(r["s"], 1), "rss": round(r["rss"]), "exit": r["code"], "outcome": outcome(r),
                "detail": detail}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@benchmark("hostile")
def bench_hostile(repo: str | None = None, before: str | None = None, only: str | None = None,
                  **opts: Any) -> list[Table]:
    """Hostile inputs (issue 15): time, peak RSS and outcome per attack; -o before DIR adds an older checkout."""
    repo = repo or str(Path(__file__).resolve().parents[2])
    names = [n.strip() for n in only.split(",")] if only else list(ATTACKS)
    unknown = set(names) - set(ATTACKS)
    if unknown:
        raise ConfigError(f"unknown attacks {sorted(unknown)}; known: {', '.join(ATTACKS)}", code="E209")
    rows = []
    for name in names:
        row: dict[str, Any] = {"attack": name}
        for label, where in (("before", before), ("after", repo)):
            if where is None:
                continue
            res = _attack(name, where, opts)
            row["detail " + label] = res.pop("detail")
            row.update({f"{label} {k}": v for k, v in res.items()})
        rows.append(row)
    labels = ["before", "after"] if before else ["after"]
    columns = ["attack"] + [f"{label} {k}" for label in labels for k in ("s", "rss", "exit", "outcome", "detail")]
    return [Table("hostile inputs (seconds, peak RSS MB, exit code, outcome)", columns, rows,
                  notes=[f"after: {repo}"] + ([f"before: {before}"] if before else []))]
