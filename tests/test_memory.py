"""The process-tree memory the benchmarks report: resident and proportional set sizes."""
from __future__ import annotations

import multiprocessing as mp
import sys
import time

import pytest

from newsloom.bench.memory import TreePeak, tree_rss_mb

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

_SHARED = bytearray(b"x" * (64 << 20))  # 64 MB, written so that its pages are resident


def _hold(ready, done) -> None:
    ready.set()
    done.wait(30)


def test_pages_a_forked_child_shares_count_once_in_the_proportional_size():
    ctx = mp.get_context("fork")
    ready, done = ctx.Event(), ctx.Event()
    child = ctx.Process(target=_hold, args=(ready, done))
    with TreePeak(every=0.05) as peak:
        child.start()
        assert ready.wait(30)
        rss, pss = tree_rss_mb(), tree_rss_mb(proportional=True)
        time.sleep(0.5)  # the sampler sees the child a few times
        done.set()
        child.join(30)
    assert rss - pss > 50  # the 64 MB buffer is resident in both processes, shared: counted twice in RSS only
    assert peak.mb - peak.pss_mb > 50
