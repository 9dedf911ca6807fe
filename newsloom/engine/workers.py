"""Per-article stages on several processes: a bounded pool the local engine feeds batch by batch.

Where the platform can fork and the ingesting process runs a single thread, the ingesting process
builds the per-article stages once, runs them on one article of the first batch (so the models that
load lazily are loaded too; the result is dropped) and forks the workers: they share the loaded models
copy-on-write instead of each loading its own. Otherwise (no fork, or other threads that a fork could
catch holding a lock, e.g. in a web server) each worker is spawned and builds the stages itself
(:class:`StagePlan`: the settings and the stage names). Every worker then runs :func:`run_stages` on
the batches it is sent, in one thread, and writes each result to a pipe of its own (a second thread in the
process, such as a ``multiprocessing.Queue``'s feeder, makes spaCy's parser about a fifth slower). The
parent reads the inputs, keeps the one SQLite writer and runs the corpus stages while a thread of its own
reads the workers' results as they come; at most ``window`` batches are in flight, and results are taken in
the order the batches were sent, so what is stored is the same, in the same order, as with one process.

A stage error comes back as a rejection of that article naming the stage, with the formatted
traceback; a worker that dies (killed, out of memory) stops the ingest with :class:`EngineError`
and nothing of its batches is stored (re-running the ingest finishes the job). A worker whose
parent died exits on its own.
"""
from __future__ import annotations

import copy
import importlib
import logging
import multiprocessing as mp
import os
import queue
import signal
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from ..errors import EngineError, Rejected
from ..model import Article, Record
from ..pipeline import Pipeline, registered_stages
from ..readers import unexpected
from ..readers.html import MAX_ELEMENTS
from .records import record_to_article

__all__ = ["StagePlan", "WorkerPool", "InProcess", "run_stages", "default_workers", "part_bounds", "start_method",
           "Work", "Outcome"]

log = logging.getLogger(__name__)

#: a batch is sent to the workers in parts of at most this many articles (the nlp stage's spaCy batch)
_PART = 16

#: one batch item: an article ready for the stages, or a record still to convert (HTML extraction)
Work = tuple[str, Article | Record]
#: what became of one item: the finished article, a rejection, or (a str) the id of the earlier item of its
#: batch it repeats (found once a record is converted where the stages run)
Outcome = Article | Rejected | str


def part_bounds(n: int, workers: int) -> list[int]:
    """Where to cut a batch of ``n`` items into parts for the workers: ``[0, ..., n]``.

    Parts of at most ``_PART`` items (spaCy's batch), at least one per worker, of even sizes: a worker takes
    the next part when it is free, so the workers finish the last batch nearly together (64 items -> 4 x 16,
    42 -> 3 x 14, 20 for 2 workers -> 2 x 10).
    """
    if n == 0:
        return [0]
    parts = max(-(-n // _PART), min(workers, n))
    return [n * k // parts for k in range(parts + 1)]


def default_workers() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class StagePlan:
    """The per-article stages to build in a process: the settings, the stage names in order, and the
    modules that register them (imported first, so a stage registered outside newsloom's own modules and
    entry points, e.g. by an application module, exists in a worker too)."""

    settings: Any
    names: tuple[str, ...]
    modules: tuple[str, ...] = ()

    @classmethod
    def of(cls, pipeline: Pipeline) -> "StagePlan":
        return cls.named(pipeline.settings, [s.info.name for s in pipeline.slots])

    @classmethod
    def article_stages(cls, settings: Any) -> "StagePlan":
        """The per-article stages of ``settings``' pipeline (corpus stages left out, none built)."""
        reg = registered_stages()
        return cls.named(settings, [n for n in settings.stages if n not in reg or reg[n].kind == "article"])

    @classmethod
    def named(cls, settings: Any, names: Sequence[str]) -> "StagePlan":
        reg = registered_stages()
        modules = {getattr(reg[n].factory, "__module__", None) for n in names if n in reg}
        return cls(settings, tuple(names), tuple(sorted(m for m in modules if m and m != "__main__")))

    def build(self) -> Pipeline:
        for module in self.modules:
            importlib.import_module(module)
        return Pipeline.default(self.settings, names=self.names)


def run_stages(pipeline: Pipeline, work: Sequence[Work], *, convert: tuple[str | None, int] | None = None,
               batch_size: int = 64) -> tuple[list[Outcome], dict[str, float]]:
    """Run the per-article stages over one batch; the same code in the parent, in a worker and on Spark.

    Args:
        work: ``(where, item)`` per input, in input order; a ``Record`` is converted here first (HTML
            extraction), and one whose article repeats an earlier item's gets that article's id.
        convert: ``(source, max_html_elements)`` for ``record_to_article``.

    Returns:
        The outcome of each item, in order (a stage error or an article left empty by cleaning is a
        ``Rejected``, with the stage's formatted traceback on ``.formatted``), and seconds per stage.
    """
    source, max_elements = convert or (None, MAX_ELEMENTS)
    out: list[Outcome] = [""] * len(work)
    index: dict[str, int] = {}
    fresh: list[Article] = []
    for i, (where, item) in enumerate(work):
        if isinstance(item, Record):
            try:
                item = record_to_article(item, source=source, max_html_elements=max_elements)
            except Rejected as exc:
                out[i] = exc
                continue
            except Exception as exc:  # noqa: BLE001 - one record's surprise must not stop the batch
                out[i] = unexpected(where, "making an article", exc)
                continue
        if item.id in index:
            out[i] = item.id
            continue
        index[item.id] = i
        fresh.append(item)
    failed: dict[str, BaseException] = {}
    pipeline.seconds = {}
    for art in pipeline.pipe(fresh, batch_size=batch_size, on_error=lambda name, art, exc: failed.__setitem__(
            art.id, exc)):  # the pipeline drops what lives only in memory (the spaCy Doc)
        i = index[art.id]
        if not art.text.strip():
            out[i] = Rejected(work[i][0], "no article text left after cleaning (all boilerplate)", code="E121")
        else:
            out[i] = art
    for aid, exc in failed.items():
        i = index[aid]
        rej = Rejected(work[i][0], f"stage {getattr(exc, 'stage', '?')} failed: {exc!r}", code="E120")
        rej.formatted = getattr(exc, "formatted", "")  # type: ignore[attr-defined]
        out[i] = rej
    return out, dict(pipeline.seconds)


class InProcess:
    """Runs each batch at once in this process (``--workers 1``); ``build`` makes the pipeline when first needed."""

    window = 0

    def __init__(self, build: Callable[[], Pipeline]) -> None:
        self._build = build
        self._pipeline: Pipeline | None = None
        self._done: dict[int, tuple[list[Outcome], dict[str, float]]] = {}

    @property
    def pipeline(self) -> Pipeline:
        if self._pipeline is None:
            self._pipeline = self._build()
        return self._pipeline

    def submit(self, seq: int, work: list[Work], convert: tuple[str | None, int] | None, batch_size: int) -> None:
        self._done[seq] = run_stages(self.pipeline, work, convert=convert, batch_size=batch_size)

    def ready(self, seq: int) -> bool:
        return seq in self._done

    def result(self, seq: int) -> tuple[list[Outcome], dict[str, float]]:
        return self._done.pop(seq)

    def close(self) -> None:
        self._done.clear()


def start_method() -> str:
    """``fork`` when this platform has it and this process runs one thread (the workers then share the models
    the ingesting process loaded), else ``spawn`` (a fork could copy a lock another thread holds)."""
    return "fork" if "fork" in mp.get_all_start_methods() and threading.active_count() == 1 else "spawn"


def _worker(plan: StagePlan, built: Pipeline | None, tasks: Any, results: Connection, parent: int) -> None:
    """A worker process: build the stages once (unless forked with them built), then run batches until told
    to stop or orphaned.

    The worker runs one thread: it writes each result to its pipe itself (``results``), where a
    ``multiprocessing.Queue.put`` would start a feeder thread. A process with a second thread, even an idle one,
    takes glibc's locking paths for every mutex, and spaCy's parser hands the GIL over on nearly every transition
    check (its compiled state methods take it for Cython's exception checks), each hand-over a mutex: the
    nlp stage cost 19 % more CPU (34.6 -> 41.1 s over the first 300 Timeline17 texts; docs/scaling.md).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    try:
        pipeline = built if built is not None else plan.build()
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which raises it
        _reply(results, ("failed", -1, f"{exc}\n{traceback.format_exc()}"))
        return
    while True:
        if os.getppid() != parent:  # the parent died (killed): nobody will read our results
            return
        try:
            task = tasks.get(timeout=1.0)
        except queue.Empty:
            continue
        if task is None:
            return
        seq, work, convert, batch_size = task
        try:
            message: tuple[str, Any, Any] = ("done", seq, run_stages(pipeline, work, convert=convert,
                                                                      batch_size=batch_size))
        except BaseException as exc:  # noqa: BLE001 - a failure outside any stage
            message = ("failed", seq, f"{exc!r}\n{traceback.format_exc()}")
        if not _reply(results, message):
            return


def _reply(results: Connection, message: tuple[str, Any, Any]) -> bool:
    """Send ``message`` to the parent from this thread; False when the parent is gone. A result that cannot be
    pickled is sent as the batch's failure."""
    try:
        results.send(message)
    except OSError:  # the parent closed its end or died
        return False
    except Exception as exc:  # noqa: BLE001 - e.g. an annotation pickle refuses
        try:
            results.send(("failed", message[1], f"its result could not be sent: {exc!r}\n"))
        except OSError:
            return False
    return True


class WorkerPool:
    """``workers`` processes running the per-article stages; at most ``window`` batches in flight, each sent
    in parts of at most 16 articles (:func:`part_bounds`), each taken by the next free worker.

    The processes start at the second batch: an ingest of one batch runs in this process (starting
    workers and loading their models would cost more than it saves). Use as a context manager.
    """

    def __init__(self, plan: StagePlan, workers: int, *, local: Callable[[], Pipeline] | None = None) -> None:
        self.plan, self.workers = plan, workers
        self.window = 2 * workers  # a batch in each worker and one queued for each
        self._local = InProcess(local or plan.build)
        self._held: tuple[int, list[Work], tuple[str | None, int] | None, int] | None = None
        self._procs: list[Any] = []
        self._tasks: Any = None
        self._pipes: list[Connection] = []  # this process's ends of the workers' result pipes
        self._inbox: queue.Queue[tuple[str, Any, Any]] = queue.Queue()  # what the workers sent, as it came
        self._reader: threading.Thread | None = None
        self._stop = threading.Event()
        self._ready: dict[tuple[int, int], tuple[list[Outcome], dict[str, float]]] = {}
        self._parts: dict[int, int] = {}

    def __enter__(self) -> "WorkerPool":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self, first: tuple[list[Work], tuple[str | None, int] | None, int]) -> None:
        """Start the workers; forked ones get this process's stages, built and run once on a copy of the first
        item of ``first`` (work, convert, batch_size) so that the models they load lazily are loaded too."""
        method = start_method()
        ctx = mp.get_context(method)
        built = None
        if method == "fork":  # the children use none of this process's threads, locks or SQLite handles
            try:
                built = self._local.pipeline
            except Exception as exc:  # as a spawned worker's build failure is reported
                raise EngineError(f"building the per-article stages for the workers failed: {exc}\nFix: run with "
                                  "--workers 1 to see the error in this process") from exc
            work, convert, batch_size = first
            run_stages(built, copy.deepcopy(work[:1]), convert=convert, batch_size=batch_size)
        self._tasks = ctx.Queue()  # bounded by the engine's window of batches in flight
        for _ in range(self.workers):
            mine, theirs = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_worker, args=(self.plan, built, self._tasks, theirs, os.getpid()),
                               name="newsloom-worker", daemon=True)
            proc.start()
            theirs.close()  # the worker's end lives in the worker alone: its exit ends the pipe
            self._procs.append(proc)
            self._pipes.append(mine)
        # started after the forks (a fork must not copy a running thread): reads the workers' results as they come,
        # so a worker never waits on a full pipe while this process runs the corpus stages
        self._reader = threading.Thread(target=self._read, name="newsloom-results", daemon=True)
        self._reader.start()
        log.info("started %d worker processes (%s)", self.workers, method)

    def submit(self, seq: int, work: list[Work], convert: tuple[str | None, int] | None, batch_size: int) -> None:
        task = (seq, work, convert, batch_size)
        if not self._procs and self._held is None:
            self._held = task
            return
        if not self._procs:
            held, self._held = self._held, None
            assert held is not None  # the first batch waits here for the second
            self._start(held[1:])
            self._send(*held)
        self._send(*task)

    def _send(self, seq: int, work: list[Work], convert: tuple[str | None, int] | None, batch_size: int) -> None:
        """Send a batch in parts cut by :func:`part_bounds`, which the workers take as they come free."""
        cuts = part_bounds(len(work), self.workers)
        parts = [work[a:b] for a, b in zip(cuts, cuts[1:])] or [[]]
        self._parts[seq] = len(parts)
        for k, part in enumerate(parts):
            self._tasks.put(((seq, k), part, convert, batch_size))

    def _read(self) -> None:
        """Move each worker's messages to the inbox until every worker's pipe is closed or the pool stops."""
        pipes = list(self._pipes)
        while pipes and not self._stop.is_set():
            for pipe in wait(pipes, timeout=0.5):
                try:
                    self._inbox.put(pipe.recv())  # type: ignore[union-attr]
                except (EOFError, OSError):  # the worker exited (or died): its pipe is done
                    pipes.remove(pipe)  # type: ignore[arg-type]

    def ready(self, seq: int) -> bool:
        """Whether batch ``seq``'s outcome is here (takes what the workers have finished, never waits)."""
        if seq not in self._parts:
            return False
        try:
            while True:
                self._take(*self._inbox.get_nowait())
        except queue.Empty:
            pass
        return all((seq, k) in self._ready for k in range(self._parts[seq]))

    def _take(self, kind: str, got: Any, payload: Any) -> None:
        """Keep a part's outcome until its batch is asked for; a worker's failure stops the ingest."""
        if kind == "failed":
            raise EngineError(f"a worker process failed{'' if got == -1 else f' on batch {got[0]}'}: "
                              f"{payload}Fix: run with --workers 1 to see the error in this process")
        self._ready[got] = payload

    def result(self, seq: int) -> tuple[list[Outcome], dict[str, float]]:
        """The outcome of batch ``seq`` (waits for it; batches are taken in the order sent)."""
        if self._held is not None and self._held[0] == seq:  # the only batch: run it here
            held, self._held = self._held, None
            self._local.submit(*held)
            return self._local.result(seq)
        keys = [(seq, k) for k in range(self._parts.pop(seq))]
        while any(key not in self._ready for key in keys):
            try:
                self._take(*self._inbox.get(timeout=1.0))
            except queue.Empty:
                self._check_alive()
        outcomes: list[Outcome] = []
        seconds: dict[str, float] = {}
        for key in keys:
            outs, secs = self._ready.pop(key)
            outcomes += outs
            for name, sec in secs.items():
                seconds[name] = seconds.get(name, 0.0) + sec
        return outcomes, seconds

    def _check_alive(self) -> None:
        dead = [p for p in self._procs if p.exitcode is not None]
        if dead:
            raise EngineError(f"worker process {dead[0].pid} died (exit code {dead[0].exitcode}); nothing of its "
                              "batches was stored. Fix: re-run the ingest (it finishes the job), with --workers 1 "
                              "or a smaller pipeline.batch_size if memory ran out")

    def close(self) -> None:
        """Stop the workers (each finishes its batch or is terminated after a grace period)."""
        self._local.close()
        if not self._procs:
            return
        try:  # batches not started yet are dropped (an error or Ctrl-C is stopping the ingest)
            while True:
                self._tasks.get_nowait()
        except queue.Empty:
            pass
        for _ in self._procs:
            try:
                self._tasks.put_nowait(None)
            except queue.Full:
                break
        deadline = time.monotonic() + 5
        for p in self._procs:
            p.join(max(0.0, deadline - time.monotonic()))
            if p.exitcode is None:
                p.terminate()
                p.join(1)
        self._stop.set()
        if self._reader is not None:
            self._reader.join()
            self._reader = None
        self._tasks.cancel_join_thread()
        self._tasks.close()
        for pipe in self._pipes:
            pipe.close()
        self._pipes = []
        self._procs = []
