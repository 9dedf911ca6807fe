"""Keep the garbage collector's full passes off the corpus stages' long-lived objects.

CPython's full collection walks every tracked object. The corpus stages keep structures that live for the
whole run and grow with the corpus (the stories index, resolve's context caches, the thread and quote
caches), so the full passes cost more per article the larger the corpus (measured: 0.8 s each over a 1.3 GB
heap at 100,000 articles, against a few ms for the young generations). After each batch,
:meth:`GcFreeze.after_batch` collects the young generations (the batch's short-lived garbage) and freezes
every object not frozen yet (:func:`gc.freeze`: the permanent generation, which no collection walks), so the
collector's own full passes walk only what was made since. A frozen object is still freed by its reference
count as usual; only a reference cycle that becomes garbage once it is in the old generation or frozen waits,
until the objects frozen since the last whole pass outnumber ``REGROW - 1`` times those it froze: then
everything is unfrozen and collected once. That garbage is bounded, and the whole passes cost O(1) per
object frozen (one pass over N objects per N * (REGROW - 1) new ones).

Example:
    >>> keeper = GcFreeze()
    >>> keeper.after_batch()   # after storing a batch and running the corpus stages on it
"""
from __future__ import annotations

import gc

__all__ = ["GcFreeze", "REGROW"]

#: a whole pass (unfreeze, collect) when the frozen objects are this many times those after the last one
REGROW = 2.0


class GcFreeze:
    """Collect a batch's garbage and freeze its survivors; now and then a whole pass (see the module).

    Does nothing while the collector is disabled (``gc.disable()``): the process has chosen its own policy.
    """

    def __init__(self, regrow: float = REGROW) -> None:
        self.regrow = regrow
        self.base: int | None = None  # frozen objects after this keeper's last whole pass
        self.frozen = 0  # objects this keeper froze since then (some freed since: an upper bound on the growth)
        self.whole_passes = 0

    def after_batch(self) -> None:
        """Collect the young generations and freeze every object not frozen yet; a whole pass when due
        (the first call, or the objects frozen since the last whole pass more than ``regrow - 1`` times those
        frozen by it). The frozen count is never walked (``gc.get_freeze_count`` walks every frozen object)."""
        if not gc.isenabled():
            return
        whole = self.base is None or self.base + self.frozen > self.regrow * self.base
        if whole:
            gc.unfreeze()
            self.whole_passes += 1
        gc.collect(2 if whole else 1)  # the young generations; the whole heap on a whole pass
        survivors = len(gc.get_objects(generation=2))  # every unfrozen object is there now
        gc.freeze()
        if whole:
            self.base, self.frozen = max(1, gc.get_freeze_count()), 0
        else:
            self.frozen += survivors
