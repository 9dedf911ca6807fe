"""The network under the fetcher: which addresses it may connect to, and a deadline on every socket wait.

Address policy (server-side request forgery). A URL the user named (``newsloom ingest URL``, a
watched URL) may be on any address. Every other URL (a redirect to another origin, a feed item's
link, a sitemap entry) is refused (E168) when its host resolves to a loopback, private (10/8,
172.16/12, 192.168/16, fc00::/7), link-local (169.254/16, fe80::/10: the cloud metadata service at
169.254.169.254 among them), multicast, reserved or otherwise non-public address, unless it is on an
origin the user named. ``fetch.allow_private = true`` admits loopback, private and other non-public
unicast addresses (a newsroom's own intranet); link-local, multicast and unspecified addresses stay
refused. IPv4 addresses inside IPv6 ones (mapped, 6to4, NAT64, Teredo) are judged as IPv4.

The check runs twice: on the URL before each request and each redirect hop (:meth:`AddressPolicy.check`),
and again when the socket is opened (:class:`GuardedBackend`), which connects to the very address it
checked, so a DNS answer that changes between the two (DNS rebinding) gains nothing.

Deadline. httpx's timeouts bound each socket wait, not the request: a server sending one header
line a second holds a request forever. :class:`GuardedBackend` slices every wait into short steps
and raises :class:`DeadlineExceeded` once the request's deadline (``fetch.max_seconds``) has passed,
or :class:`Cancelled` once :meth:`GuardedBackend.cancel` was called (``newsloom watch`` on SIGTERM).
"""
from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ..settings import default_field

__all__ = ["AddressPolicy", "AddressRefused", "DeadlineExceeded", "Cancelled", "GuardedBackend", "address_kind",
           "origin_of"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
#: kinds of address ``fetch.allow_private`` admits; the others are refused unless the user named the origin
_PRIVATE_KINDS = frozenset({"loopback", "private", "non-public"})
#: the longest single socket wait, so that a deadline or a cancel is noticed soon
SLICE = 0.25


class AddressRefused(Exception):
    """A URL's host resolves only to addresses the policy refuses (the fetcher reports E168)."""

    def __init__(self, host: str, reason: str) -> None:
        self.host, self.reason = host, reason
        super().__init__(reason)


class DeadlineExceeded(Exception):
    """The request ran past its deadline (``fetch.max_seconds``), headers included."""


class Cancelled(Exception):
    """The fetcher was asked to stop (the watcher got SIGTERM or SIGINT)."""


def _embedded_v4(ip: IPAddress) -> IPAddress:
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip.sixtofour is not None:
            return ip.sixtofour
        if ip.teredo is not None:
            return ip.teredo[1]
        if ip in _NAT64:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip


def address_kind(ip: IPAddress) -> str | None:
    """Why ``ip`` is not a public address ("loopback", "private", "link-local", ...); None when it is."""
    ip = _embedded_v4(ip)
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if ip.is_private:
        return "private"
    if ip.is_reserved:
        return "reserved"
    if not ip.is_global:
        return "non-public"
    return None


def origin_of(url: str) -> tuple[str, int]:
    """(host, port) of an http(s) URL, the host lower-cased and the port filled in from the scheme."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return host, parts.port or (443 if parts.scheme.lower() == "https" else 80)


@dataclass
class AddressPolicy:
    """Which addresses may be connected to (see the module docstring)."""

    allow_private: bool = default_field("fetch.allow_private")
    named: set[tuple[str, int]] = field(default_factory=set)
    resolve: Callable[[str, int], Iterable[str]] | None = None  # tests; default: getaddrinfo

    def name(self, url: str) -> None:
        """Record ``url``'s origin as one the user named: any address is allowed there."""
        self.named.add(origin_of(url))

    def refusal(self, host: str, port: int, ip: IPAddress) -> str | None:
        """Why connecting to ``ip`` for ``host:port`` is refused; None when it is allowed."""
        kind = address_kind(ip)
        if kind is None or (host.lower().strip("[]"), port) in self.named:
            return None
        if self.allow_private and kind in _PRIVATE_KINDS:
            return None
        hint = "; set fetch.allow_private = true to fetch from private networks" if kind in _PRIVATE_KINDS else ""
        shown = host if host.strip("[]") == str(ip) else f"{host} ({ip})"
        return f"{shown} is a {kind} address and not on an origin you named{hint}"

    def addresses(self, host: str, port: int) -> list[str]:
        """The addresses of ``host`` the policy allows, in resolver order.

        Raises:
            AddressRefused: every address is refused.
            OSError: the host does not resolve (``socket.gaierror``).
        """
        bare = host.strip("[]")
        try:
            literal: IPAddress | None = ipaddress.ip_address(bare)
        except ValueError:
            literal = None
        found = [bare] if literal is not None else list(dict.fromkeys(self._resolve(bare, port)))
        allowed, reasons = [], []
        for addr in found:
            why = self.refusal(host, port, ipaddress.ip_address(addr.split("%", 1)[0]))
            (reasons if why else allowed).append(why or addr)
        if not allowed:
            raise AddressRefused(host, reasons[0] if reasons else f"{host} has no address")
        return allowed

    def check(self, url: str) -> None:
        """Raise AddressRefused (or OSError when the host does not resolve) unless ``url`` may be fetched."""
        host, port = origin_of(url)
        self.addresses(host, port)

    def _resolve(self, host: str, port: int) -> Iterable[str]:
        if self.resolve is not None:
            return self.resolve(host, port)
        return [info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


class GuardedBackend:
    """An httpcore network backend: connects only where the policy allows, and bounds every wait.

    Args:
        policy: the address policy.
        inner: the backend that opens sockets (httpcore's ``SyncBackend`` by default).
    """

    def __init__(self, policy: AddressPolicy, inner: Any = None) -> None:
        import httpcore

        self.policy = policy
        self.inner = inner or httpcore.SyncBackend()
        self._local = threading.local()
        self._cancel = threading.Event()

    # -- the request's deadline (per thread) and the stop switch ---------------------------------
    def set_deadline(self, deadline: float | None) -> float | None:
        """Set this thread's deadline (``time.monotonic()`` seconds, None for none); returns the previous one."""
        old = getattr(self._local, "deadline", None)
        self._local.deadline = deadline
        return old

    def cancel(self) -> None:
        """Make every wait (in any thread) end with Cancelled; safe to call from a signal handler."""
        self._cancel.set()

    def resume(self) -> None:
        self._cancel.clear()

    def wait(self, seconds: float) -> bool:
        """Sleep ``seconds``, or less when cancelled meanwhile; True when cancelled."""
        return self._cancel.wait(seconds)

    def check(self) -> float | None:
        """Raise Cancelled or DeadlineExceeded when due; else the seconds left before the deadline (or None)."""
        if self._cancel.is_set():
            raise Cancelled("stopped")
        deadline = getattr(self._local, "deadline", None)
        if deadline is None:
            return None
        left = deadline - time.monotonic()
        if left <= 0:
            raise DeadlineExceeded("deadline passed")
        return left

    def bounded(self, timeout: float | None) -> float | None:
        left = self.check()
        if left is None:
            return timeout
        return left if timeout is None else min(timeout, left)

    def sliced(self, op: Callable[[float], Any], timeout: float | None, timeout_error: type[Exception]) -> Any:
        """``op(wait)`` in waits of at most SLICE seconds until it returns, ``timeout`` passes, or the deadline."""
        end = None if timeout is None else time.monotonic() + timeout
        while True:
            left = self.check()
            wait = SLICE if left is None else min(SLICE, left)
            if end is not None:
                remaining = end - time.monotonic()
                if remaining <= 0:
                    raise timeout_error("timed out")
                wait = min(wait, remaining)
            try:
                return op(max(wait, 0.001))
            except timeout_error:
                if end is not None and time.monotonic() >= end:
                    raise

    # -- httpcore's NetworkBackend interface ------------------------------------------------------
    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Any = None) -> Any:
        import httpcore

        try:
            allowed = self.policy.addresses(host, port)
        except OSError as exc:  # the name does not resolve
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        error: Exception | None = None
        for addr in allowed:
            try:
                stream = self.inner.connect_tcp(addr, port, timeout=self.bounded(timeout), local_address=local_address,
                                                socket_options=socket_options)
                return GuardedStream(stream, self)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        assert error is not None
        raise error

    def connect_unix_socket(self, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover - never configured
        raise AddressRefused("unix socket", "refused: newsloom fetches over TCP only")

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


class GuardedStream:
    """An httpcore network stream whose reads and writes honour the backend's deadline and stop switch."""

    def __init__(self, inner: Any, backend: GuardedBackend) -> None:
        self.inner, self.backend = inner, backend

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        import httpcore

        return self.backend.sliced(lambda wait: self.inner.read(max_bytes, wait), timeout, httpcore.ReadTimeout)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.inner.write(buffer, self.backend.bounded(timeout))

    def close(self) -> None:
        self.inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None) -> Any:
        return GuardedStream(self.inner.start_tls(ssl_context, server_hostname, self.backend.bounded(timeout)),
                             self.backend)

    def get_extra_info(self, info: str) -> Any:
        return self.inner.get_extra_info(info)
