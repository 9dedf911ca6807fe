"""A real HTTP server on 127.0.0.1 for the network tests (feeds, fetch, watch); never another address."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

Reply = tuple[int, dict[str, str], bytes]


@dataclass
class Hit:
    path: str
    headers: dict[str, str]
    at: float


@dataclass
class LocalServer:
    """Routes paths to fixed replies or functions ``fn(hit) -> (status, headers, body)``; logs every request."""

    routes: dict[str, Reply | Callable[[Hit], Reply]] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)

    def __post_init__(self) -> None:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                hit = Hit(self.path, {k.lower(): v for k, v in self.headers.items()}, time.monotonic())
                server.hits.append(hit)
                route = server.routes.get(self.path.split("?", 1)[0])
                if route is None:
                    status, headers, body = 404, {"Content-Type": "text/plain"}, b"not found"
                else:
                    status, headers, body = route(hit) if callable(route) else route
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                if "Content-Length" not in headers and "Transfer-Encoding" not in headers:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            block_on_close = False

            def handle_error(self, request: object, client_address: object) -> None:
                """Stay quiet: a client hanging up on a slow reply is what the timeout tests do."""

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                       daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def paths(self) -> list[str]:
        return [h.path for h in self.hits]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def text(body: str, ctype: str = "text/html; charset=utf-8", status: int = 200, **headers: str) -> Reply:
    """A reply with ``body`` encoded as UTF-8."""
    return status, {"Content-Type": ctype, **{k.replace("_", "-"): v for k, v in headers.items()}}, body.encode()


def page(title: str, paragraphs: list[str]) -> str:
    """A small news page with a main article."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<!DOCTYPE html><html><head><title>{title}</title></head><body><nav>Home | World | Sport</nav>"
            f"<article><h1>{title}</h1>{body}</article><footer>Copyright Example News</footer></body></html>")


@pytest.fixture
def server():
    """A LocalServer whose robots.txt disallows /private (imported by the test modules that use it)."""
    srv = LocalServer()
    srv.routes["/robots.txt"] = text("User-agent: *\nDisallow: /private\n", "text/plain")
    yield srv
    srv.close()
