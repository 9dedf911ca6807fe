"""The local engine's ingest: inputs -> records -> per-article stages -> store -> corpus stages.

Work is committed in batches; each batch stores its articles and the fate of every input in one
transaction, and queues the new articles for the corpus stages, so a crash or kill at any point
leaves a consistent database and re-running the same ingest finishes the job without storing
anything twice.
"""
from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from ..errors import Rejected
from ..model import Article
from ..pipeline import Pipeline
from ..readers import Item, ReadOptions, iter_inputs
from ..readers.limits import safe_text
from ..storage import InputRow, Store
from .records import record_to_article, triage
from .workers import InProcess, StagePlan, Work, WorkerPool

__all__ = ["IngestReport", "ingest", "record_to_article", "triage"]

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
    #: seconds per stage (per-article stages summed over the processes that ran them) and "store"
    seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"read": self.read, "stored": self.stored, "duplicate": self.duplicate, "copies": self.copies,
                "rejected": self.rejected, "skipped": self.skipped,
                "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
                "rejects": [{"input": w, "reason": r} for w, r in self.rejects]}


def _batches(items: Iterator[Item], size: int) -> Iterator[list[Item]]:
    while chunk := list(islice(items, size)):
        yield chunk


@dataclass
class _Batch:
    """One batch of input items on its way through the stages: the fate of each, in input order."""

    seq: int
    #: per item: an InputRow already decided (a reader's rejection, a duplicate), or the index of its entry in work
    fates: list[InputRow | int] = field(default_factory=list)
    work: list[Work] = field(default_factory=list)
    external_ids: list[str | None] = field(default_factory=list)


def ingest(store: Store, inputs: Iterable[str], *, pipeline: Pipeline, format: str | None = None,
           options: ReadOptions | None = None, batch_size: int = 64,
           on_item: Callable[[Item], None] | None = None, items: Iterator[Item] | None = None,
           source: str | None = None, workers: int = 1, stages: StagePlan | None = None) -> IngestReport:
    """Ingest every input into ``store``; returns the report. Bad records never stop the batch.

    ``source`` names the source of records that carry none (else it is the host of the record's URL).
    The per-article stages are ``stages`` when given (built when first needed), else ``pipeline``'s; with
    ``workers`` > 1 they run in that many processes, batch by batch, while this process reads, stores (the
    one writer) and runs ``pipeline``'s corpus stages: what is stored is the same as with one process, in
    the same order. The report adds up: ``read == stored + duplicate + rejected``, also when another
    process stores the same records meanwhile (those are duplicates, decided inside the storing transaction).
    """
    options = options or ReadOptions()
    report = IngestReport()
    finish_pending(store, pipeline)
    stream = items if items is not None else iter_inputs(inputs, format=format, options=options)
    build = (lambda: pipeline) if stages is None else stages.build
    runner = WorkerPool(stages or StagePlan.of(pipeline), workers, local=build) if workers > 1 else InProcess(build)
    in_flight: deque[_Batch] = deque()
    try:
        for seq, chunk in enumerate(_batches(stream, batch_size)):
            batch = _prepare(store, report, seq, chunk, on_item, source, options)
            runner.submit(seq, batch.work, (source, options.max_html_elements), batch_size)
            in_flight.append(batch)
            # a batch the workers have done is stored at once, so this process's corpus stages keep pace with them
            # (and little is left for it to do alone after the last batch)
            while in_flight and (len(in_flight) > runner.window or runner.ready(in_flight[0].seq)):
                _finish(store, pipeline, report, in_flight.popleft(), runner)
        while in_flight:
            _finish(store, pipeline, report, in_flight.popleft(), runner)
    finally:
        runner.close()
    for stats in (options.extra.get("skipped", {}) if options is not None else {}).values():
        for kind, count in stats.items():
            if kind != "html":
                report.skipped[kind] = report.skipped.get(kind, 0) + count
    return report


def _prepare(store: Store, report: IngestReport, seq: int, chunk: list[Item],
             on_item: Callable[[Item], None] | None, source: str | None, options: ReadOptions) -> _Batch:
    """Sort a chunk of input items: rejected, already stored, or work for the stages (see :func:`triage`)."""
    batch = _Batch(seq)
    seen: set[str] = set()
    for item in chunk:
        report.read += 1
        if on_item is not None:
            on_item(item)
        where, ext, got = triage(item, source=source, options=options)
        if isinstance(got, Rejected):
            if item is got:
                more = getattr(item, "count", 1) - 1  # a summary of rejects not listed one by one
                report.read += more
                report.rejected += more
            batch.fates.append(_reject(report, where, ext, got))
        elif isinstance(got, Article) and (got.id in seen or store.has_article(got.id)):
            report.duplicate += 1
            batch.fates.append(_duplicate(where, ext, got.id))
        else:
            if isinstance(got, Article):
                seen.add(got.id)
            batch.fates.append(len(batch.work))
            batch.work.append((where, got))
            batch.external_ids.append(ext)
    return batch


def _finish(store: Store, pipeline: Pipeline, report: IngestReport, batch: _Batch,
            runner: InProcess | WorkerPool) -> None:
    """Store one batch's articles and the fate of every input in one transaction, then run the corpus stages.

    An article stored meanwhile (by an earlier batch in flight), or found by its id only after HTML
    extraction or on another worker to repeat an earlier one of the batch, is a duplicate, as it would have
    been found before the stages with one process.
    """
    outcomes, seconds = runner.result(batch.seq)
    for name, sec in seconds.items():
        report.seconds[name] = report.seconds.get(name, 0.0) + sec
    t0 = time.perf_counter()
    rows: list[InputRow] = []
    kept: list[Article] = []
    seen: set[str] = set()
    for fate in batch.fates:
        if isinstance(fate, InputRow):
            rows.append(fate)
            continue
        where, ext = batch.work[fate][0], batch.external_ids[fate]
        out = outcomes[fate]
        if isinstance(out, Rejected):
            if getattr(out, "formatted", ""):
                log.debug("%s: %s", where, out.formatted)
            more = getattr(out, "count", 1) - 1  # a reader's summary of rejects (records read on Spark)
            report.read += more
            report.rejected += more
            rows.append(_reject(report, where, ext, out))
        elif isinstance(out, str) or out.id in seen or store.has_article(out.id):
            report.duplicate += 1
            rows.append(_duplicate(where, ext, out if isinstance(out, str) else out.id))
        else:
            seen.add(out.id)
            kept.append(out)
            rows.append(InputRow(where, ext, out.id, "stored"))
    new_ids = store.add_batch(kept, rows, queue=[slot.info.name for slot in pipeline.corpus])
    report.seconds["store"] = report.seconds.get("store", 0.0) + time.perf_counter() - t0
    report.stored += len(new_ids)
    report.duplicate += len(kept) - len(new_ids)  # stored meanwhile by another process
    new = set(new_ids)
    report.copies += sum(1 for a in kept if a.copy_of is not None and a.id in new)
    pipeline.seconds = {}
    pipeline.run_corpus(store, new_ids)
    for name, sec in pipeline.seconds.items():
        report.seconds[name] = report.seconds.get(name, 0.0) + sec


def _duplicate(where: str, external_id: str | None, article_id: str | None) -> InputRow:
    return InputRow(where, external_id, article_id, "duplicate", reason="same content as a stored article")


def finish_pending(store: Store, pipeline: Pipeline) -> None:
    """Run corpus stages over articles an interrupted ingest stored but did not finish."""
    for slot in pipeline.corpus:
        pending = store.pending(slot.info.name)
        if pending:
            log.info("finishing %d articles queued for %s", len(pending), slot.info.name)
            slot.component.run(store, pending)


def _reject(report: IngestReport, where: str, external_id: str | None, exc: Rejected) -> InputRow:
    report.rejected += 1
    where, reason = safe_text(exc.where or where) or where, safe_text(exc.reason) or ""
    report.rejects.append((where, reason))
    log.warning("rejected %s: %s", where, reason)
    return InputRow(where, safe_text(external_id), None, "rejected", exc.code, reason)
