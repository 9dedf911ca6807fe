"""The collector's pass after each corpus batch (newsloom/gc_freeze.py) and where the pipeline runs it."""
from __future__ import annotations

import gc
import weakref

import pytest

from newsloom.gc_freeze import GcFreeze
from newsloom.pipeline import Pipeline
from newsloom.settings import Settings


class Node:
    """A weak-referenceable object to build reference cycles with."""

    def __init__(self) -> None:
        self.other: Node | None = None


def cycle() -> weakref.ref:
    """A two-node reference cycle nobody else holds; a weak reference to one node."""
    a, b = Node(), Node()
    a.other, b.other = b, a
    return weakref.ref(a)


@pytest.fixture(autouse=True)
def thawed():
    """Each test starts and ends with nothing frozen and the collector on."""
    gc.unfreeze()
    was = gc.isenabled()
    gc.enable()
    yield
    gc.unfreeze()
    if not was:
        gc.disable()


def frozen(objs: list[object]) -> bool:
    """Whether every object of ``objs`` is in the permanent generation: tracked, in none that a collection walks
    (a check of the objects themselves: the freeze count also falls when another thread of the test process,
    e.g. a test server's request still finishing, frees a frozen object)."""
    walked = {id(o) for o in gc.get_objects()}
    return all(gc.is_tracked(o) and id(o) not in walked for o in objs)


def test_batch_garbage_is_collected_and_survivors_frozen():
    keeper = GcFreeze()
    keeper.after_batch()
    first = gc.get_freeze_count()
    assert 0 < first <= keeper.base and keeper.whole_passes == 1  # the count it kept (it can only fall since)
    kept = [Node() for _ in range(100)]  # survivors of the next batch
    assert not frozen(kept)
    dead = cycle()  # garbage in a cycle, left by the batch
    keeper.after_batch()
    assert dead() is None  # collected before the freeze, not frozen
    assert frozen(kept)
    assert keeper.whole_passes == 1  # the frozen objects have not doubled: no whole pass
    gc.collect()
    assert frozen(kept)  # a collection leaves the frozen objects alone


def test_a_cycle_dropped_after_its_freeze_waits_for_the_whole_pass():
    keeper = GcFreeze(regrow=2.0)
    holder = [cycle()]
    node = holder[0]()  # keep the cycle alive through the first freeze
    keeper.after_batch()
    del node  # the frozen cycle is garbage now
    keeper.after_batch()
    gc.collect()
    assert holder[0]() is not None  # frozen: no collection walks it
    grown = [[] for _ in range(keeper.base + 1)]  # the frozen objects more than double with this batch
    keeper.after_batch()
    assert keeper.whole_passes == 1 and holder[0]() is not None
    keeper.after_batch()  # the next batch finds them doubled
    assert keeper.whole_passes == 2
    assert holder[0]() is None  # the whole pass found it
    assert keeper.base >= len(grown)


def test_frozen_objects_are_still_freed_by_their_reference_count():
    keeper = GcFreeze()
    obj = Node()
    ref = weakref.ref(obj)
    keeper.after_batch()
    del obj
    assert ref() is None


def test_nothing_happens_while_the_collector_is_disabled():
    gc.disable()
    keeper = GcFreeze()
    keeper.after_batch()
    assert gc.get_freeze_count() == 0 and keeper.base is None and keeper.whole_passes == 0


class Counting:
    """A corpus stage that records the batches it was given."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    def run(self, store, ids):
        self.batches.append(list(ids))


@pytest.mark.parametrize("on", [True, False])
def test_run_corpus_runs_the_pass_after_the_stages(on):
    pipeline = Pipeline.default(Settings.load(overrides={"pipeline.gc_freeze": on}), names=["copies"])
    stage = Counting()
    pipeline.corpus[0].component = stage
    pipeline.run_corpus(None, ["a", "b"])
    pipeline.run_corpus(None, [])  # nothing new: no stage, no pass
    assert stage.batches == [["a", "b"]]
    assert (pipeline.gc is not None) is on
    assert (gc.get_freeze_count() > 0) is on
    assert set(pipeline.cpu_seconds) == ({"copies", "gc"} if on else {"copies"})
    assert set(pipeline.seconds) == set(pipeline.cpu_seconds)
    if on:
        assert pipeline.gc.whole_passes == 1
