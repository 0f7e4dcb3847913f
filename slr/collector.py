"""The cyclic garbage collector held off while a large corpus is loaded or written.

Loading 10,000 studies allocates about ten million small objects that all stay alive, and the
build's rows as many again. The collector's passes over them find nothing to free; with it merely
switched off for the block, its first passes afterwards still walk every one of them (a young and
then a middle generation that had grown to millions: 1.6 s of a 10,000-study build from scratch,
timed with gc.callbacks; benchmarks/RESULTS.md). So after the block the survivors go straight to the
oldest generation, which the collector walks only when it has grown by a quarter.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def paused() -> Iterator[None]:
    """No cyclic collection inside the block; the objects alive after it are moved to the oldest
    generation without a pass over them (gc.freeze then gc.unfreeze: freeze gathers every tracked
    object, unfreeze hands them all to the oldest generation). Cyclic garbage made in the block is
    still freed by the next full collection. Nested blocks and a collector already off are left to
    whoever switched it off, and a process that froze objects itself (a pre-fork server) keeps them
    frozen: the move is skipped and only the collector is switched back on."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
        gc.enable()
