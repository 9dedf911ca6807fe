"""``newsloom watch``: poll feeds, URLs, files and folders and ingest what is new.

State lives in the store (migration 0301): ``watch_sources`` lists every source ever watched
(so a restart with no sources resumes them) and ``watch_seen`` the items of each source already
ingested, keyed by what identifies an item:

* a feed item (RSS, RDF, Atom; file or URL): its guid / id, else its link; sitemap pages: the URL;
* a file in a watched folder: its relative path, size and modification time (a file still being
  written, younger than ``watch.settle_seconds``, waits for the next round);
* a single file that is not a feed: its size and modification time;
* a page URL: the hash of its body (conditional GET makes an unchanged page cheap).

One round polls every source and ingests its new items through :meth:`Loom.ingest`; the keys are
marked seen right after their articles are stored. A kill between the two re-reads those items
next round, and the content-hash ids store nothing twice. An item whose page fetch failed for a
transient reason (network, 429/5xx) is not marked and is tried again next round.
"""
from __future__ import annotations

import hashlib
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError, NewsloomError, Rejected
from ..readers import Item, _walk, iter_inputs
from ..readers.decode import gunzip_bytes
from ..readers.feeds import MAX_SITEMAP_BYTES, FeedEntry, entry_items, looks_like_feed, parse_feed
from ..readers.fetch import TRANSIENT_CODES, FetchError
from ..readers.urls import is_url, response_items
from ..storage.sqlite import now

__all__ = ["Watcher", "SourceRound", "canonical_source", "watch_status", "forget_sources"]

log = logging.getLogger(__name__)

MAX_FEED_BYTES = 100_000_000


@dataclass
class SourceRound:
    """What one round did with one source."""

    source: str
    kind: str = ""
    new: int = 0
    stored: int = 0
    duplicate: int = 0
    rejected: int = 0
    error: str | None = None
    rejects: list[tuple[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "kind": self.kind, "new": self.new, "stored": self.stored,
                "duplicate": self.duplicate, "rejected": self.rejected, "error": self.error}


def canonical_source(source: str) -> str:
    """The name a source is kept under: URLs as given, paths made absolute."""
    return source if is_url(source) else str(Path(source).expanduser().resolve())


@dataclass
class _Unit:
    """Items of one source to ingest, with the key each item belongs to."""

    kind: str
    items: list[tuple[str, Callable[[], Iterator[Item]]]] = field(default_factory=list)


class Watcher:
    """Polls sources and ingests their new items into a :class:`~newsloom.Loom`.

    Args:
        loom: the database and pipeline.
        sources: sources to watch (added to the stored list); empty: every stored source.
        fetch: fetch the linked pages of summary-only feed items (and sitemap pages).
        settle_seconds: a folder file younger than this waits for the next round.
        batch_files: folder files per ingest call (the stop flag is checked between calls).

    Example:
        >>> Watcher(loom, ["https://example.org/feed.xml", "inbox/"]).run(interval=300)
    """

    def __init__(self, loom: Any, sources: list[str] | tuple[str, ...] = (), *, fetch: bool = False,
                 settle_seconds: float | None = None, batch_files: int | None = None) -> None:
        self.loom = loom
        self.store = loom.store
        self.fetch = fetch
        cfg = loom.settings
        self.settle = float(cfg.get("watch.settle_seconds") if settle_seconds is None else settle_seconds)
        self.batch_files = int(cfg.get("watch.batch_files") if batch_files is None else batch_files)
        self.stopping = threading.Event()
        with self.store.transaction() as conn:
            for src in sources:
                conn.execute("INSERT OR IGNORE INTO watch_sources (source, added_at) VALUES (?, ?)",
                             (canonical_source(src), now()))
        self.sources = [canonical_source(s) for s in sources] or self.stored_sources()
        if not self.sources:
            raise ConfigError("no sources to watch: give feeds, URLs, files or folders (none are stored yet)",
                              code="E210")

    def stored_sources(self) -> list[str]:
        return [r[0] for r in self.store.execute("SELECT source FROM watch_sources ORDER BY rowid")]

    def stop(self, *_: object) -> None:
        """Ask the watcher to stop after the item in hand (safe from a signal handler)."""
        self.stopping.set()

    # -- the loop ---------------------------------------------------------------------------
    def run(self, *, interval: float = 300.0, max_rounds: int | None = None,
            on_round: Callable[[int, list[SourceRound]], None] | None = None) -> int:
        """Poll every ``interval`` seconds until stopped (SIGINT/SIGTERM) or ``max_rounds`` done.

        Returns:
            The number of rounds completed.
        """
        restore = self._install_signals()
        rounds = 0
        try:
            while not self.stopping.is_set():
                results = self.poll_once()
                rounds += 1
                if on_round is not None:
                    on_round(rounds, results)
                if max_rounds is not None and rounds >= max_rounds:
                    break
                self.stopping.wait(interval)
        finally:
            restore()
        return rounds

    def _install_signals(self) -> Callable[[], None]:
        if threading.current_thread() is not threading.main_thread():
            return lambda: None
        old = {sig: signal.signal(sig, self.stop) for sig in (signal.SIGINT, signal.SIGTERM)}

        def restore() -> None:
            for sig, handler in old.items():
                signal.signal(sig, handler)

        return restore

    def poll_once(self) -> list[SourceRound]:
        """One round over every source; a failing source is reported and the others go on."""
        results = []
        for source in self.sources:
            if self.stopping.is_set():
                break
            results.append(self.poll_source(source))
        return results

    def poll_source(self, source: str) -> SourceRound:
        result = SourceRound(source)
        try:
            unit = self._discover(source)
            result.kind = unit.kind
            seen = self._seen(source)
            fresh = [(key, make) for key, make in unit.items if key not in seen]
            result.new = len(fresh)
            step = self.batch_files if unit.kind == "folder" else max(len(fresh), 1)
            for start in range(0, len(fresh), step):
                if self.stopping.is_set():
                    break
                self._ingest(source, fresh[start:start + step], result)
        except (NewsloomError, OSError) as exc:
            result.error = str(exc)
            log.warning("watch %s: %s", source, exc)
        except Exception as exc:  # noqa: BLE001 - a long-running watch outlives one source's surprise
            result.error = f"{type(exc).__name__}: {exc}"
            log.exception("watch %s failed", source)
        self._record_round(source, result)
        return result

    # -- discovery --------------------------------------------------------------------------
    def _discover(self, source: str) -> _Unit:
        if is_url(source):
            return self._discover_url(source)
        path = Path(source)
        if path.is_dir():
            return self._discover_folder(path)
        if path.is_file():
            return self._discover_file(path)
        raise Rejected(source, "no such file or folder", code="E114")

    def _options(self) -> Any:
        return self.loom.read_options(fetch=self.fetch)

    def _discover_folder(self, folder: Path) -> _Unit:
        unit = _Unit("folder")
        young = time.time() - self.settle
        for path in _walk(folder):  # as ingest walks folders: sorted, hidden skipped, no symlinked dirs
            rel = path.relative_to(folder)
            try:
                st = path.stat()
            except OSError:  # removed since the walk
                continue
            if st.st_mtime > young:
                continue  # may still be being written: next round
            key = f"{rel.as_posix()}:{st.st_size}:{st.st_mtime_ns}"
            unit.items.append((key, lambda p=path: iter_inputs([str(p)], options=self._options())))
        return unit

    def _discover_file(self, path: Path) -> _Unit:
        with path.open("rb") as fh:
            head = fh.read(16384)
        st = path.stat()
        if path.suffix.lower() in (".rss", ".atom", ".rdf") or looks_like_feed(head):
            if st.st_size > MAX_FEED_BYTES:
                raise Rejected(str(path), f"feed larger than {MAX_FEED_BYTES:,} bytes", code="E106")
            return self._feed_unit(path.read_bytes(), str(path), fetched=None, base_url=None)
        return _Unit("file", [(f"{st.st_size}:{st.st_mtime_ns}",
                               lambda: iter_inputs([str(path)], options=self._options()))])

    def _discover_url(self, url: str) -> _Unit:
        fetcher = self.loom.fetcher
        resp = fetcher.get(url)
        if looks_like_feed(resp.content[:16384]):
            return self._feed_unit(resp.content, url, fetched=resp.fetched, base_url=resp.url)
        key = "page:" + hashlib.sha256(resp.content).hexdigest()[:24]
        return _Unit("page", [(key, lambda: response_items(resp, url, None, self._options(), fetcher))])

    def _feed_unit(self, data: bytes, where: str, *, fetched: str | None, base_url: str | None) -> _Unit:
        feed = parse_feed(data, where, base_url=base_url)
        entries = list(feed.entries)
        if feed.kind == "sitemapindex":
            entries = self._expand_index(entries, where)
        if feed.kind in ("sitemap", "sitemapindex") and not self.fetch:
            raise Rejected(where, f"a {feed.kind} lists links only; watch it with --fetch", code="E154")
        unit = _Unit(feed.kind)
        fmt = "sitemap" if feed.kind == "sitemapindex" else feed.kind
        for entry in entries:
            unit.items.append((entry.key, lambda e=entry: entry_items(
                e, f"{where}#{e.key}", self._options(), fmt=fmt, fetcher=self.loom.fetcher, fetched=fetched)))
        return unit

    def _expand_index(self, children: list[FeedEntry], where: str) -> list[FeedEntry]:
        pages: list[FeedEntry] = []
        for child in children:
            if child.link is None:
                continue
            try:
                body = self.loom.fetcher.get(child.link).content
                if body[:2] == b"\x1f\x8b":
                    body = gunzip_bytes(body, child.link, MAX_SITEMAP_BYTES)
                pages.extend(e for e in parse_feed(body, child.link).entries if e.kind == "page")
            except (FetchError, Rejected) as exc:
                log.warning("watch %s: child sitemap %s: %s", where, child.link, exc)
        return pages

    # -- ingest and state -------------------------------------------------------------------
    def _seen(self, source: str) -> set[str]:
        return {r[0] for r in self.store.execute("SELECT item_key FROM watch_seen WHERE source = ?", (source,))}

    def _ingest(self, source: str, batch: list[tuple[str, Callable[[], Iterator[Item]]]],
                result: SourceRound) -> None:
        done: dict[str, bool] = {}

        def items() -> Iterator[Item]:
            for key, make in batch:
                if self.stopping.is_set():
                    return
                done[key] = True
                for item in make():
                    if isinstance(item, Rejected) and item.code in TRANSIENT_CODES:
                        done[key] = False  # try again next round
                    yield item

        report = self.loom.ingest(items=items(), fetch=self.fetch)
        result.stored += report.stored
        result.duplicate += report.duplicate
        result.rejected += report.rejected
        result.rejects.extend(report.rejects)
        stamp = now()
        with self.store.transaction() as conn:
            conn.executemany("INSERT OR IGNORE INTO watch_seen (source, item_key, seen_at) VALUES (?, ?, ?)",
                             [(source, key, stamp) for key, ok in done.items() if ok])

    def _record_round(self, source: str, result: SourceRound) -> None:
        with self.store.transaction() as conn:
            conn.execute("UPDATE watch_sources SET kind = coalesce(?, kind), last_polled = ?, rounds = rounds + 1, "
                         "items = items + ?, last_error = ? WHERE source = ?",
                         (result.kind or None, now(), result.stored, result.error, source))

    def status(self) -> list[dict[str, Any]]:
        return watch_status(self.store)


def forget_sources(store: Any, sources: list[str] | tuple[str, ...]) -> int:
    """Stop watching ``sources``: drop them and their seen items (stored articles stay). Returns how many."""
    with store.transaction() as conn:
        names = [canonical_source(s) for s in sources]
        conn.executemany("DELETE FROM watch_seen WHERE source = ?", [(n,) for n in names])
        return sum(conn.execute("DELETE FROM watch_sources WHERE source = ?", (n,)).rowcount for n in names)


def watch_status(store: Any) -> list[dict[str, Any]]:
    """Every stored source with its kind, rounds, items stored, items seen and last error."""
    return [dict(r) for r in store.execute(
        "SELECT s.source, s.kind, s.rounds, s.items, s.last_polled, s.last_error, "
        "(SELECT count(*) FROM watch_seen w WHERE w.source = s.source) AS seen "
        "FROM watch_sources s ORDER BY s.rowid")]
