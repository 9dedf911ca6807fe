"""A polite HTTP client for feeds and pages (httpx underneath).

Every request:

1. is refused unless the URL is ``http(s)`` (at most ``MAX_URL_CHARS`` long, a valid port), its
   host's addresses are allowed (:mod:`newsloom.readers.netguard`: no loopback, private or
   link-local address unless on an origin the user named or ``allow_private``), and the host's
   robots.txt allows it for our user agent (robots.txt is fetched once per host and cached; a
   ``Crawl-delay`` slows that host; a host that cannot be reached at all is reported as such);
2. waits for the host's turn (at most one request per ``host_interval`` seconds per host);
3. sends ``If-None-Match`` / ``If-Modified-Since`` when the store holds an earlier answer; a 304
   hands back the stored body, flagged ``not_modified``;
4. streams the body, undoing its content codings itself (:mod:`newsloom.readers.inflate`: stacked
   ``gzip, gzip`` included), refusing it once it passes ``max_bytes`` after decoding, or once the
   whole request, from connecting through the headers to the last byte, takes longer than
   ``max_seconds``;
5. retries connection errors, timeouts, 429 and 5xx with exponential backoff, honouring
   ``Retry-After`` (the waits for one URL add up to at most ``max_retry_after``); follows at most
   ``max_redirects`` redirects, checking the address policy and robots.txt on each hop.

:meth:`Fetcher.cancel` ends every wait at once (``newsloom watch`` calls it on SIGTERM).

Settings live under ``[fetch]`` (see default_settings.toml).
"""
from __future__ import annotations

import email.utils
import logging
import re
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Protocol
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

from ..errors import MissingDependency, NewsloomError
from ..settings import default_field
from ..version import __version__
from .decode import decode_bytes
from .inflate import Inflater, TooLarge, UnsupportedCoding, codings
from .netguard import AddressPolicy, AddressRefused, Cancelled, DeadlineExceeded, GuardedBackend

__all__ = ["TRANSIENT_CODES", "Fetcher", "FetchSettings", "FetchError", "Response", "HttpCache", "StoreHttpCache",
           "default_user_agent", "parse_retry_after"]

log = logging.getLogger(__name__)

#: FetchError codes worth trying again later (network, overload); the others are the URL's own fault
TRANSIENT_CODES = frozenset({"E162", "E166", "E167"})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
ROBOTS_MAX_BYTES = 500_000  # RFC 9309: crawlers must read at least 500 KiB
#: a longer URL is refused (E165); servers commonly refuse more than 8 KB of request line
MAX_URL_CHARS = 8192


def default_user_agent() -> str:
    return f"newsloom/{__version__} (+https://github.com/newsloom)"


def short_url(url: str, limit: int = 300) -> str:
    """``url`` cut to ``limit`` characters for messages."""
    return url if len(url) <= limit else url[:limit] + "\u2026"


class FetchError(NewsloomError):
    """A URL could not be fetched; ``url`` names it. Codes E160-E169."""

    code = "E161"

    def __init__(self, url: str, reason: str, *, code: str | None = None) -> None:
        self.url, self.reason = short_url(url), reason
        super().__init__(f"{self.url}: {reason}", code=code)


@dataclass(slots=True)
class FetchSettings:
    """Politeness and safety limits: the ``[fetch]`` settings (defaults in default_settings.toml)."""

    user_agent: str = field(default_factory=default_user_agent)  # the setting "" means this
    timeout: float = default_field("fetch.timeout")
    connect_timeout: float = default_field("fetch.connect_timeout")
    max_seconds: float = default_field("fetch.max_seconds")
    max_bytes: int = default_field("fetch.max_bytes")
    retries: int = default_field("fetch.retries")
    backoff: float = default_field("fetch.backoff")
    max_backoff: float = default_field("fetch.max_backoff")
    max_retry_after: float = default_field("fetch.max_retry_after")
    host_interval: float = default_field("fetch.host_interval")
    max_crawl_delay: float = default_field("fetch.max_crawl_delay")
    robots: bool = default_field("fetch.robots")
    robots_ttl: float = default_field("fetch.robots_ttl")
    max_redirects: int = default_field("fetch.max_redirects")
    cache: bool = default_field("fetch.cache")
    cache_max_bytes: int = default_field("fetch.cache_max_bytes")
    trust_env: bool = default_field("fetch.trust_env")
    max_sitemap_urls: int = default_field("fetch.max_sitemap_urls")
    allow_private: bool = default_field("fetch.allow_private")

    @classmethod
    def from_settings(cls, settings: Any) -> "FetchSettings":
        """Build from a :class:`~newsloom.settings.Settings` (its checked ``fetch`` section); "" keeps the default."""
        section = dict(settings.get("fetch", {}) or {}) if settings is not None else {}
        return cls(**{key: value for key, value in section.items() if value != ""})


@dataclass(slots=True)
class Response:
    """One fetched URL. ``url`` is the final URL after redirects; ``fetched`` is UTC ISO 8601."""

    url: str
    status: int
    content: bytes
    content_type: str
    fetched: str
    not_modified: bool = False
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def charset(self) -> str | None:
        for part in self.content_type.split(";")[1:]:
            key, _, value = part.partition("=")
            if key.strip().lower() == "charset" and value.strip():
                return value.strip().strip('"\'')
        return None

    def text(self) -> str:
        """The body as text: the declared charset if it decodes, else detected."""

        if self.charset:
            try:
                return self.content.decode(self.charset)
            except (LookupError, UnicodeDecodeError):
                pass
        return decode_bytes(self.content, self.url)


@dataclass(slots=True)
class CachedEntry:
    etag: str | None
    last_modified: str | None
    content_type: str
    body: bytes
    fetched_at: str


class HttpCache(Protocol):
    """Where conditional-GET validators and bodies are kept."""

    def get(self, url: str) -> CachedEntry | None: ...

    def put(self, url: str, entry: CachedEntry) -> None: ...

    def delete(self, url: str) -> None: ...


class StoreHttpCache:
    """The HTTP cache in the store's ``http_cache`` table (migration 0300)."""

    def __init__(self, store: Any) -> None:
        self.store = store

    def get(self, url: str) -> CachedEntry | None:
        row = self.store.execute("SELECT etag, last_modified, content_type, body, fetched_at FROM http_cache "
                                 "WHERE url = ?", (url,)).fetchone()
        return CachedEntry(row[0], row[1], row[2] or "", bytes(row[3]), row[4]) if row else None

    def put(self, url: str, entry: CachedEntry) -> None:
        with self.store.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO http_cache (url, etag, last_modified, content_type, body, fetched_at)"
                         " VALUES (?, ?, ?, ?, ?, ?)", (url, entry.etag, entry.last_modified, entry.content_type,
                                                        entry.body, entry.fetched_at))

    def delete(self, url: str) -> None:
        with self.store.transaction() as conn:
            conn.execute("DELETE FROM http_cache WHERE url = ?", (url,))


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta seconds or an HTTP date), else None."""
    if not value:
        return None
    value = value.strip()
    if re.fullmatch(r"[0-9]+", value):
        return float(value) if len(value) < 16 else float("inf")
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class Fetcher:
    """The polite HTTP client. Cheap to build: the connection pool opens on the first request.

    Args:
        settings: limits; defaults when None.
        cache: where conditional-GET validators live (e.g. :class:`StoreHttpCache`); None: no conditional GET.
        transport: an httpx transport (tests); None: the network, through the address guard.
        sleep: the function used to wait (tests record the waits); None: a wait :meth:`cancel` ends.
    """

    def __init__(self, settings: FetchSettings | None = None, *, cache: HttpCache | None = None,
                 transport: Any = None, sleep: Callable[[float], None] | None = None) -> None:
        self.settings = settings or FetchSettings()
        self.cache = cache if self.settings.cache else None
        self.policy = AddressPolicy(allow_private=self.settings.allow_private)
        self._backend = GuardedBackend(self.policy)
        self._transport = transport
        self._sleep = sleep if sleep is not None else self._pause
        self._client: Any = None
        self._lock = threading.RLock()
        self._next_ok: dict[str, float] = {}
        self._host_delay: dict[str, float] = {}
        self._robots: dict[str, tuple[float, RobotFileParser]] = {}

    @classmethod
    def from_settings(cls, settings: Any, *, store: Any = None) -> "Fetcher":
        """A fetcher with the ``[fetch]`` settings, caching validators in ``store`` when given."""
        return cls(FetchSettings.from_settings(settings), cache=StoreHttpCache(store) if store is not None else None)

    # -- plumbing ---------------------------------------------------------------------------
    def _http(self) -> Any:
        if self._client is None:
            httpx = _httpx()

            s = self.settings
            transport, mounts = self._transport, {}
            if transport is None:
                transport = httpx.HTTPTransport(trust_env=s.trust_env)
                # every connection goes through the address guard and the request deadline (httpcore's
                # documented NetworkBackend interface, set on the pool httpx 0.28 builds)
                transport._pool._network_backend = self._backend
                mounts = _proxy_mounts(httpx, s.trust_env)
            self._client = httpx.Client(
                timeout=httpx.Timeout(s.timeout, connect=s.connect_timeout), follow_redirects=False,
                transport=transport, mounts=mounts, trust_env=s.trust_env,
                # only codings whose inflation the size cap can follow chunk by chunk
                headers={"User-Agent": s.user_agent, "Accept-Encoding": "gzip, deflate"},
            )
        return self._client

    def cancel(self) -> None:
        """Stop: every wait of this fetcher (socket, backoff) ends with FetchError E169. Signal-safe."""
        self._backend.cancel()

    def resume(self) -> None:
        """Undo :meth:`cancel`: fetch again."""
        self._backend.resume()

    def _pause(self, seconds: float) -> None:
        if self._backend.wait(seconds):
            raise Cancelled("stopped")

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def __enter__(self) -> "Fetcher":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _wait_turn(self, host: str) -> None:
        """Book ``host``'s next free slot, then sleep until it comes (other hosts are not held up)."""
        with self._lock:
            interval = max(self.settings.host_interval, self._host_delay.get(host, 0.0))
            now = time.monotonic()
            slot = max(now, self._next_ok.get(host, 0.0))
            self._next_ok[host] = slot + interval
        if slot > now:
            self._sleep(slot - now)

    def _backoff(self, attempt: int) -> float:
        return min(self.settings.max_backoff, self.settings.backoff * (2 ** attempt))

    # -- robots.txt ---------------------------------------------------------------------------
    def allowed(self, url: str) -> bool:
        """True when the host's robots.txt lets our user agent fetch ``url`` (always True with robots off)."""
        if not self.settings.robots:
            return True
        parts = urlsplit(url)
        origin = _origin(url)
        with self._lock:
            cached = self._robots.get(origin)
            if cached is None or cached[0] < time.monotonic():
                parser = self._load_robots(origin)
                if isinstance(parser, FetchError):  # the host cannot be reached: say so for a while
                    self._robots[origin] = (time.monotonic() + min(self.settings.robots_ttl, 60.0), parser)
                    raise parser
                # an unreachable robots.txt (disallow all) is asked again sooner than a real one
                ttl = min(self.settings.robots_ttl, 300.0) if getattr(parser, "unreachable", False) \
                    else self.settings.robots_ttl
                self._robots[origin] = (time.monotonic() + ttl, parser)
                delay = parser.crawl_delay(self.settings.user_agent)
                if delay:
                    self._host_delay[parts.netloc] = min(float(delay), self.settings.max_crawl_delay)
            parser = self._robots[origin][1]
            if isinstance(parser, FetchError):
                raise parser
        return parser.can_fetch(self.settings.user_agent, url)

    def _load_robots(self, origin: str) -> RobotFileParser | FetchError:
        """Fetch and parse ``origin/robots.txt`` following RFC 9309's rules for failures.

        Returns the error instead when the host cannot be reached at all (refused, no such host, timeout).
        """
        parser = RobotFileParser(origin + "/robots.txt")
        try:
            # RFC 9309: a robots.txt over 500 KiB is read up to there
            resp = self._get(origin + "/robots.txt", conditional=False, max_bytes=ROBOTS_MAX_BYTES,
                             check_robots=False, accept_status=lambda st: 200 <= st < 500, truncate=True)
        except FetchError as exc:
            if exc.code in ("E162", "E163", "E168", "E169"):
                host = urlsplit(origin).netloc
                return FetchError(origin, f"cannot reach {host}: {exc.reason}", code=exc.code)
            # unreachable robots.txt (5xx, 429): RFC 9309 says assume complete disallow
            log.warning("robots.txt of %s unreachable (%s); not fetching from that host for now", origin, exc.reason)
            parser.disallow_all = True
            parser.unreachable = True  # type: ignore[attr-defined]
            parser.reason = exc.reason  # type: ignore[attr-defined]
            return parser
        if resp.status in (401, 403):
            parser.disallow_all = True  # as urllib.robotparser does: the site keeps its pages to itself
        elif resp.status >= 400:
            parser.allow_all = True  # no robots.txt: everything is allowed
        else:
            parser.parse(resp.content.decode("utf-8", "replace").splitlines())
        return parser

    # -- requests -----------------------------------------------------------------------------
    def get(self, url: str, *, conditional: bool = True, named: bool = True) -> Response:
        """Fetch ``url`` politely; see the module docstring for the steps.

        Args:
            url: an ``http://`` or ``https://`` URL.
            conditional: send the cached validators; a 304 returns the cached body with ``not_modified``.
            named: the user named ``url`` (its origin may be on any address); False for links found in content.

        Returns:
            The response (status 200, or 304 served from the cache).

        Raises:
            FetchError: refused by robots.txt (E160), HTTP error (E161), network or timeout (E162),
                too large or too slow (E163), bad redirect (E164), bad URL (E165), Retry-After too long (E166),
                429/5xx still after every retry (E167), address refused (E168), stopped (E169). E162, E166
                and E167 are worth retrying later.
        """
        if named:
            _check_url(url)
            self.policy.name(url)
        return self._get(url, conditional=conditional, max_bytes=self.settings.max_bytes, check_robots=True,
                         accept_status=lambda st: 200 <= st < 300)

    def _get(self, url: str, *, conditional: bool, max_bytes: int, check_robots: bool,
             accept_status: Callable[[int], bool], truncate: bool = False) -> Response:
        cached = self.cache.get(url) if (conditional and self.cache is not None) else None
        current = url
        for _hop in range(self.settings.max_redirects + 1):
            _check_url(current)
            self._check_address(current)
            if check_robots and not self.allowed(current):
                parser = self._robots[_origin(current)][1]
                why = f"robots.txt of {urlsplit(current).netloc} could not be read ({parser.reason}); RFC 9309: " \
                    "nothing is fetched from that host for now" if getattr(parser, "unreachable", False) else \
                    f"robots.txt of {urlsplit(current).netloc} disallows it for user agent {self.settings.user_agent!r}"
                raise FetchError(current, why, code="E160")
            status, headers, body = self._attempts(current, cached, max_bytes, accept_status, truncate)
            if status in REDIRECT_STATUSES:
                location = headers.get("location")
                if not location:
                    raise FetchError(current, f"HTTP {status} redirect without a Location header", code="E164")
                try:
                    current = urljoin(current, location)
                except ValueError as exc:
                    raise FetchError(current, f"HTTP {status} redirect to a malformed URL ({exc})", code="E164") \
                        from None
                continue
            ctype = headers.get("content-type", "")
            if status == 304 and cached is not None:
                return Response(current, 304, cached.body, cached.content_type or ctype, _now_iso(), True, headers)
            if status == 304:
                raise FetchError(current, "HTTP 304 Not Modified for a request that was not conditional", code="E161")
            resp = Response(current, status, body, ctype, _now_iso(), False, headers)
            if conditional and self.cache is not None and 200 <= status < 300:
                self._remember(url, resp)
            return resp
        raise FetchError(url, f"more than {self.settings.max_redirects} redirects", code="E164")

    def _remember(self, url: str, resp: Response) -> None:
        etag, modified = resp.headers.get("etag"), resp.headers.get("last-modified")
        assert self.cache is not None
        if (etag or modified) and len(resp.content) <= self.settings.cache_max_bytes:
            self.cache.put(url, CachedEntry(etag, modified, resp.content_type, resp.content, resp.fetched))
        elif self.cache.get(url) is not None:
            self.cache.delete(url)

    def _check_address(self, url: str) -> None:
        """Refuse (E168) a URL whose host resolves only to addresses the policy refuses."""
        try:
            self.policy.check(url)
        except AddressRefused as exc:
            raise FetchError(url, f"refused {short_url(url, 120)}: {exc.reason}", code="E168") from None
        except OSError:
            return  # the host does not resolve: the connection attempt reports it (and is retried)

    def _attempts(self, url: str, cached: CachedEntry | None, max_bytes: int, accept_status: Callable[[int], bool],
                  truncate: bool = False) -> tuple[int, dict[str, str], bytes]:
        """One hop with retries; returns (status, lower-cased headers, body)."""
        try:
            return self._retrying(url, cached, max_bytes, accept_status, truncate)
        except AddressRefused as exc:
            raise FetchError(url, f"refused {short_url(url, 120)}: {exc.reason}", code="E168") from None
        except DeadlineExceeded:
            raise FetchError(url, f"the request took longer than fetch.max_seconds ({self.settings.max_seconds}s, "
                             "waiting for the headers included)", code="E163") from None
        except Cancelled:
            raise FetchError(url, "stopped before it was fetched (newsloom is shutting down)", code="E169") from None

    def _retrying(self, url: str, cached: CachedEntry | None, max_bytes: int, accept_status: Callable[[int], bool],
                  truncate: bool) -> tuple[int, dict[str, str], bytes]:
        httpx = _httpx()

        headers = {}
        if cached is not None:
            if cached.etag:
                headers["If-None-Match"] = cached.etag
            if cached.last_modified:
                headers["If-Modified-Since"] = cached.last_modified
        host = urlsplit(url).netloc
        tries = self.settings.retries + 1
        waited = 0.0
        for attempt in range(tries):
            self._wait_turn(host)
            try:
                status, rheaders, body = self._once(url, headers, max_bytes, truncate)
            except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
                raise FetchError(url, f"not a URL that can be fetched: {exc}", code="E165") from None
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "connection failed"
                if attempt + 1 >= tries:
                    raise FetchError(url, f"{kind} after {tries} attempt(s): {type(exc).__name__}: {exc}",
                                     code="E162") from exc
                delay = self._backoff(attempt)
                log.info("%s: %s, retrying in %.1fs", url, kind, delay)
                self._sleep(delay)
                waited += delay
                continue
            if status in RETRY_STATUSES:
                hinted = parse_retry_after(rheaders.get("retry-after"))
                cap = self.settings.max_retry_after
                if hinted is not None and waited + hinted > cap:
                    already = f" (after {waited:.0f}s of waiting already)" if waited else ""
                    raise FetchError(url, f"HTTP {status}, and the server asks to retry after {hinted:.0f}s{already}, "
                                     f"longer than fetch.max_retry_after ({cap:.0f}s) allows", code="E166")
                if attempt + 1 >= tries:
                    raise FetchError(url, f"HTTP {status} after {tries} attempt(s)", code="E167")
                delay = hinted if hinted is not None else self._backoff(attempt)
                log.info("%s: HTTP %d, retrying in %.1fs", url, status, delay)
                self._sleep(delay)
                waited += delay
                continue
            if status in REDIRECT_STATUSES or status == 304 or accept_status(status):
                return status, rheaders, body
            raise FetchError(url, f"HTTP {status}", code="E161")
        raise AssertionError("unreachable")  # pragma: no cover

    def _once(self, url: str, headers: dict[str, str], max_bytes: int,
              truncate: bool = False) -> tuple[int, dict[str, str], bytes]:
        """One request; the body is read only for final answers, within the size and time caps.

        With ``truncate``, a body over ``max_bytes`` is cut there instead of refused. The whole request
        runs under one deadline (``max_seconds``), enforced at every socket wait by the guarded backend.
        """
        start = time.monotonic()
        previous = self._backend.set_deadline(start + self.settings.max_seconds)
        try:
            with self._http().stream("GET", url, headers=headers) as r:
                rheaders = {k.lower(): v for k, v in r.headers.items()}
                if r.status_code in REDIRECT_STATUSES or r.status_code in RETRY_STATUSES or r.status_code == 304:
                    return r.status_code, rheaders, b""
                declared = rheaders.get("content-length", "")
                if declared.isdigit() and int(declared) > max_bytes and not truncate:
                    raise FetchError(url, f"declares {int(declared):,} bytes, more than fetch.max_bytes "
                                     f"({max_bytes:,})", code="E163")
                return r.status_code, rheaders, self._body(r, url, max_bytes, truncate, start)
        finally:
            self._backend.set_deadline(previous)

    def _body(self, r: Any, url: str, max_bytes: int, truncate: bool, start: float) -> bytes:
        """The decoded body, capped at ``max_bytes`` (cut there with ``truncate``, else refused)."""
        encoding = r.headers.get("content-encoding")
        try:
            inflater = Inflater(codings(encoding), max_bytes)
        except UnsupportedCoding as exc:
            raise FetchError(url, f"unsupported Content-Encoding {encoding!r} ({exc}); newsloom asks for gzip or "
                             "deflate only", code="E161") from None
        body = bytearray()
        try:
            for chunk in r.iter_raw():
                for piece in inflater.feed(chunk):
                    body += piece
                if time.monotonic() - start > self.settings.max_seconds:  # a transport without the guard
                    raise DeadlineExceeded("deadline passed")
            for piece in inflater.flush():
                body += piece
        except TooLarge:
            if truncate:
                return bytes(body[:max_bytes])
            raise FetchError(url, f"body larger than fetch.max_bytes ({max_bytes:,} bytes, after decompression)",
                             code="E163") from None
        except zlib.error as exc:
            raise FetchError(url, f"corrupt {encoding} body: {exc}", code="E161") from None
        return bytes(body)


def _httpx() -> Any:
    try:
        import httpx
    except ImportError as exc:  # pragma: no cover - the feeds extra is missing
        raise MissingDependency("httpx (fetching URLs)", "pip install 'newsloom[feeds]'") from exc
    return httpx


def _proxy_mounts(httpx: Any, trust_env: bool) -> dict[str, Any]:
    """The proxies the environment names (HTTP(S)_PROXY, NO_PROXY), as httpx would mount them itself."""
    if not trust_env:
        return {}
    try:
        from httpx._utils import get_environment_proxies
    except ImportError:  # pragma: no cover - another httpx
        return {}
    return {pattern: httpx.HTTPTransport(proxy=proxy, trust_env=True) if proxy else None
            for pattern, proxy in get_environment_proxies().items()}


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _check_url(url: str) -> None:
    if len(url) > MAX_URL_CHARS:
        raise FetchError(url, f"a URL longer than {MAX_URL_CHARS:,} characters ({len(url):,})", code="E165")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise FetchError(url, f"not a valid URL: {exc}", code="E165") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(url, "not an http(s) URL with a host name", code="E165")
    if port == 0:
        raise FetchError(url, "port 0 is not a port that can be fetched from", code="E165")
