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

A source that fails the same way (the same error code, or message) ``watch.quarantine_after``
rounds in a row is quarantined: skipped for ``watch.quarantine_seconds``, twice as long after each
further identical failure (at most a day), instead of being retried at full cost every round. A
round that succeeds, or fails differently, ends the quarantine (migration 0302). SIGINT/SIGTERM
also cancel the fetch in flight, so a server trickling its answer cannot hold the watch.
"""
from __future__ import annotations

import hashlib
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from ..errors import ConfigError, NewsloomError, Rejected
from ..readers import Item, _walk, iter_inputs, not_regular
from ..readers.decode import gunzip_bytes
from ..readers.feeds import (MAX_SITEMAP_BYTES, FeedEntry, SitemapBudget, entry_items, looks_like_feed, newest_first,
                             parse_feed)
from ..readers.fetch import TRANSIENT_CODES, FetchError
from ..readers.urls import is_url, response_items
from ..storage.sqlite import now

__all__ = ["Watcher", "SourceRound", "canonical_source", "watch_status", "forget_sources"]

log = logging.getLogger(__name__)

MAX_FEED_BYTES = 100_000_000
#: the longest quarantine of a failing source, seconds
MAX_QUARANTINE = 86_400.0


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
    quarantined_until: str | None = None  # set when the source is (still) set aside

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "kind": self.kind, "new": self.new, "stored": self.stored,
                "duplicate": self.duplicate, "rejected": self.rejected, "error": self.error,
                "quarantined_until": self.quarantined_until}


def canonical_source(source: str) -> str:
    """The name a source is kept under: URLs as given, paths made absolute."""
    return source if is_url(source) else str(Path(source).expanduser().resolve())


@dataclass
class _Unit:
    """Items of one source to ingest, with the key each item belongs to."""

    kind: str
    items: list[tuple[str, Callable[[], Iterator[Item]]]] = field(default_factory=list)
    budget: int | None = None  # the most items to fetch this round (sitemaps)


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
        self.quarantine_after = int(cfg.get("watch.quarantine_after"))
        self.quarantine_seconds = float(cfg.get("watch.quarantine_seconds"))
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
        """Ask the watcher to stop after the item in hand, cancelling a fetch in flight (signal-safe)."""
        self.stopping.set()
        fetcher = getattr(self.loom, "_fetcher", None)
        if fetcher is not None:
            fetcher.cancel()

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
            fetcher = getattr(self.loom, "_fetcher", None)
            if fetcher is not None:
                fetcher.resume()
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
        until = self._quarantined(source)
        if until is not None:
            result.quarantined_until = until
            result.error = f"quarantined until {until} after failing the same way round after round " \
                f"(last error in --status); not polled"
            return result
        try:
            unit = self._discover(source)
            result.kind = unit.kind
            seen = self._seen(source)
            fresh = [(key, make) for key, make in unit.items if key not in seen]
            if unit.budget is not None:  # sitemap pages: at most fetch.max_sitemap_urls fetches a round
                over = max(0, len(fresh) - unit.budget)
                fresh = fresh[:unit.budget]
                if over:
                    log.info("watch %s: %d more sitemap pages left for later rounds (fetch.max_sitemap_urls)",
                             source, over)
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

    def _quarantined(self, source: str) -> str | None:
        row = self.store.execute("SELECT quarantined_until FROM watch_sources WHERE source = ?", (source,)).fetchone()
        until = row[0] if row else None
        return until if until and until > _stamp(datetime.now(timezone.utc)) else None

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
        problems: list[Rejected] = []
        for path in _walk(folder, problems):  # as ingest walks folders: sorted, hidden skipped, no symlinked dirs
            rel = path.relative_to(folder)
            try:
                st = path.stat()
            except OSError:  # removed since the walk
                continue
            if st.st_mtime > young:
                continue  # may still be being written: next round
            key = f"{rel.as_posix()}:{st.st_size}:{st.st_mtime_ns}"
            skip = not_regular(path)  # a FIFO would be read forever
            unit.items.append((key, (lambda r=skip: iter([r])) if skip else
                               (lambda p=path: iter_inputs([str(p)], options=self._options()))))
        for problem in problems:  # an unreadable sub-folder: reported once (its key is then seen)
            unit.items.append((f"unreadable:{problem.where}", lambda r=problem: iter([r])))
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
        if feed.kind in ("sitemap", "sitemapindex") and not self.fetch:
            raise Rejected(where, f"a {feed.kind} lists links only; watch it with --fetch", code="E154")
        unit = _Unit(feed.kind)
        if feed.kind in ("sitemap", "sitemapindex"):
            budget = SitemapBudget(int(self.loom.fetcher.settings.max_sitemap_urls))
            entries = newest_first(entries)
            if feed.kind == "sitemapindex":
                entries = newest_first(self._expand_index(entries, where, budget))
            unit.budget = budget.left
        fmt = "sitemap" if feed.kind == "sitemapindex" else feed.kind
        for entry in entries:
            unit.items.append((entry.key, lambda e=entry: entry_items(
                e, f"{where}#{e.key}", self._options(), fmt=fmt, fetcher=self.loom.fetcher, fetched=fetched)))
        return unit

    def _expand_index(self, children: list[FeedEntry], where: str, budget: SitemapBudget) -> list[FeedEntry]:
        """The pages of an index's child sitemaps (each child fetch spends one of ``budget``)."""
        pages: list[FeedEntry] = []
        for child in children:
            if child.link is None or child.error or not budget.take():
                continue
            try:
                body = self.loom.fetcher.get(child.link, named=False).content
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
        """Store the round's outcome; a source failing the same way again and again is quarantined."""
        with self.store.transaction() as conn:
            row = conn.execute("SELECT failures, last_error FROM watch_sources WHERE source = ?", (source,)).fetchone()
            failures, until = 0, None
            if result.error is not None:
                same = row is not None and row[1] is not None and _same_failure(row[1], result)
                failures = (row[0] if same else 0) + 1
                if failures >= self.quarantine_after:
                    seconds = min(MAX_QUARANTINE, self.quarantine_seconds * 2 ** (failures - self.quarantine_after))
                    until = _stamp(datetime.now(timezone.utc) + timedelta(seconds=seconds))
                    result.quarantined_until = until
                    log.warning("watch %s: failed the same way %d rounds in a row; quarantined until %s",
                                source, failures, until)
            conn.execute("UPDATE watch_sources SET kind = coalesce(?, kind), last_polled = ?, rounds = rounds + 1, "
                         "items = items + ?, last_error = ?, failures = ?, quarantined_until = ? WHERE source = ?",
                         (result.kind or None, now(), result.stored, result.error, failures, until, source))

    def status(self) -> list[dict[str, Any]]:
        return watch_status(self.store)


def _stamp(when: datetime) -> str:
    """A UTC time as ISO 8601 with milliseconds (quarantine ends compare as text)."""
    return when.isoformat(timespec="milliseconds")


def _same_failure(last_error: str, result: SourceRound) -> bool:
    """True when ``result`` failed as the stored ``last_error`` did: the same code (``[E162] ...``), else message."""
    if last_error.startswith("[") and result.error and result.error.startswith("["):
        return last_error.split("]", 1)[0] == result.error.split("]", 1)[0]
    return last_error == result.error


def forget_sources(store: Any, sources: list[str] | tuple[str, ...]) -> int:
    """Stop watching ``sources``: drop them and their seen items (stored articles stay). Returns how many."""
    with store.transaction() as conn:
        names = [canonical_source(s) for s in sources]
        conn.executemany("DELETE FROM watch_seen WHERE source = ?", [(n,) for n in names])
        return sum(conn.execute("DELETE FROM watch_sources WHERE source = ?", (n,)).rowcount for n in names)


def watch_status(store: Any) -> list[dict[str, Any]]:
    """Every stored source with its kind, rounds, items stored, items seen and last error."""
    return [dict(r) for r in store.execute(
        "SELECT s.source, s.kind, s.rounds, s.items, s.last_polled, s.last_error, s.failures, s.quarantined_until, "
        "(SELECT count(*) FROM watch_seen w WHERE w.source = s.source) AS seen "
        "FROM watch_sources s ORDER BY s.rowid")]
