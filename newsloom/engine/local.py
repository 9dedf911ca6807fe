"""The local engine's ingest: inputs -> records -> per-article stages -> store -> corpus stages.

Work is committed in batches; each batch stores its articles and the fate of every input in one
transaction, and queues the new articles for the corpus stages, so a crash or kill at any point
leaves a consistent database and re-running the same ingest finishes the job without storing
anything twice.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from ..errors import Rejected
from ..model import Article, Record, content_id, source_from_url
from ..pipeline import Pipeline
from ..readers import Item, ReadOptions, iter_inputs, unexpected
from ..readers.html import MAX_ELEMENTS, extract_html
from ..readers.limits import check_record, safe_record, safe_text
from ..storage import InputRow, Store

__all__ = ["IngestReport", "ingest", "record_to_article"]

log = logging.getLogger(__name__)


@dataclass
class IngestReport:
    """What an ingest did with every input record."""

    read: int = 0
    stored: int = 0
    duplicate: int = 0
    copies: int = 0
    rejected: int = 0
    rejects: list[tuple[str, str]] = field(default_factory=list)
    #: records a reader passed over on purpose, by kind (e.g. WARC request or image records)
    skipped: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"read": self.read, "stored": self.stored, "duplicate": self.duplicate, "copies": self.copies,
                "rejected": self.rejected, "skipped": self.skipped,
                "rejects": [{"input": w, "reason": r} for w, r in self.rejects]}


def _where(record: Record) -> str:
    return str(record.extra.get("input") or record.external_id)


def record_to_article(record: Record, *, source: str | None = None, max_html_elements: int = MAX_ELEMENTS) -> Article:
    """Make the Article a record starts as (HTML is extracted here when the record has no text).

    A record that carries no source gets ``source``, else the host of its URL (``www.`` dropped); the
    id is the record's own content hash, so this naming never changes an id. Text the reader could only
    decode with replacement characters is flagged ``quality["encoding"]``.
    """
    if not (record.text or "").strip() and record.html:
        extracted = extract_html(record.html, _where(record), url=record.url, max_elements=max_html_elements)
        for name in ("title", "url", "source", "published", "author", "language"):
            if getattr(record, name) is None:
                setattr(record, name, getattr(extracted, name))
        text = extracted.text or ""
    else:
        text = record.text or ""
    article = Article(
        id=content_id(record), external_id=record.external_id, title=record.title or "", text=text, raw_text=text,
        source=record.source or source or source_from_url(record.url), url=record.url, published=record.published,
        language=record.language, author=record.author, fetched=record.fetched, format=record.format,
    )
    replaced = text.count("\ufffd")
    if replaced:
        article.quality["encoding"] = {"score": round(min(1.0, 100 * replaced / max(1, len(text))), 3), "evidence": [
            f"{replaced} character(s) could not be decoded and were replaced with U+FFFD"]}
    return article


def _batches(items: Iterator[Item], size: int) -> Iterator[list[Item]]:
    while chunk := list(islice(items, size)):
        yield chunk


def ingest(store: Store, inputs: Iterable[str], *, pipeline: Pipeline, format: str | None = None,
           options: ReadOptions | None = None, batch_size: int = 64,
           on_item: Callable[[Item], None] | None = None, items: Iterator[Item] | None = None,
           source: str | None = None) -> IngestReport:
    """Ingest every input into ``store``; returns the report. Bad records never stop the batch.

    ``source`` names the source of records that carry none (else it is the host of the record's URL).
    The report adds up: ``read == stored + duplicate + rejected``, also when another process stores
    the same records meanwhile (those are duplicates, decided inside the storing transaction).
    """
    options = options or ReadOptions()
    report = IngestReport()
    queue = [slot.info.name for slot in pipeline.corpus]
    finish_pending(store, pipeline)
    stream = items if items is not None else iter_inputs(inputs, format=format, options=options)
    for chunk in _batches(stream, batch_size):
        rows: list[InputRow] = []
        fresh: list[Article] = []
        seen_ids: set[str] = set()
        where_of: dict[str, str] = {}
        for item in chunk:
            report.read += 1
            if on_item is not None:
                on_item(item)
            if isinstance(item, Rejected):
                more = getattr(item, "count", 1) - 1  # a summary of rejects not listed one by one
                report.read += more
                report.rejected += more
                _reject(report, rows, item.where, None, item)
                continue
            safe_record(item)
            where = _where(item)
            try:
                check_record(item, where, options.max_article_bytes)
                art = record_to_article(item, source=source, max_html_elements=options.max_html_elements)
            except Rejected as exc:
                _reject(report, rows, where, item.external_id, exc)
                continue
            except Exception as exc:  # noqa: BLE001 - one record's surprise must not stop the batch
                _reject(report, rows, where, item.external_id, unexpected(where, "making an article", exc))
                continue
            if art.id in seen_ids or store.has_article(art.id):
                report.duplicate += 1
                rows.append(InputRow(where, item.external_id, art.id, "duplicate",
                                     reason="same content as a stored article"))
                continue
            seen_ids.add(art.id)
            where_of[art.id] = where
            fresh.append(art)

        failed: dict[str, BaseException] = {}
        done = list(pipeline.pipe(fresh, batch_size=batch_size, on_error=lambda name, art, exc: failed.__setitem__(
            art.id, exc)))
        by_id = {a.id: a for a in fresh}
        for aid, exc in failed.items():
            art = by_id[aid]
            _reject(report, rows, where_of[aid], art.external_id,
                    Rejected(where_of[aid], f"stage {getattr(exc, 'stage', '?')} failed: {exc!r}", code="E120"))
        kept = []
        for art in done:  # the pipeline dropped what lives only in memory (the spaCy Doc)
            if not art.text.strip():
                _reject(report, rows, where_of[art.id], art.external_id,
                        Rejected(where_of[art.id], "no article text left after cleaning (all boilerplate)",
                                 code="E121"))
                continue
            kept.append(art)
            rows.append(InputRow(where_of[art.id], art.external_id, art.id, "stored"))
        new_ids = store.add_batch(kept, rows, queue=queue)
        report.stored += len(new_ids)
        report.duplicate += len(kept) - len(new_ids)  # stored meanwhile by another process
        new = set(new_ids)
        report.copies += sum(1 for a in kept if a.copy_of is not None and a.id in new)
        pipeline.run_corpus(store, new_ids)
    for stats in (options.extra.get("skipped", {}) if options is not None else {}).values():
        for kind, count in stats.items():
            if kind != "html":
                report.skipped[kind] = report.skipped.get(kind, 0) + count
    return report


def finish_pending(store: Store, pipeline: Pipeline) -> None:
    """Run corpus stages over articles an interrupted ingest stored but did not finish."""
    for slot in pipeline.corpus:
        pending = store.pending(slot.info.name)
        if pending:
            log.info("finishing %d articles queued for %s", len(pending), slot.info.name)
            slot.component.run(store, pending)


def _reject(report: IngestReport, rows: list[InputRow], where: str, external_id: str | None,
            exc: Rejected) -> None:
    report.rejected += 1
    where, reason = safe_text(exc.where or where) or where, safe_text(exc.reason) or ""
    report.rejects.append((where, reason))
    log.warning("rejected %s: %s", where, reason)
    rows.append(InputRow(where, safe_text(external_id), None, "rejected", exc.code, reason))
