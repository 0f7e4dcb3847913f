"""slr.collector.paused: no cyclic collection inside, the survivors moved to the oldest generation
after, nothing leaked and nobody else's frozen objects unfrozen."""
import gc
import weakref

import pytest

from slr import collector


class Node:
    def __init__(self):
        self.other = None


@pytest.fixture(autouse=True)
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def _in_generation(obj, generation: int) -> bool:
    return any(o is obj for o in gc.get_objects(generation))


def test_nothing_is_collected_inside_and_the_survivors_skip_the_young_generations():
    started = []
    watch = lambda phase, _info: started.append(phase) if phase == "start" else None  # noqa: E731
    gc.callbacks.append(watch)
    try:
        with collector.paused():
            made = [[i] for i in range(50_000)]          # far past the young generation's threshold
            assert not gc.isenabled()
        assert started == []
    finally:
        gc.callbacks.remove(watch)
    assert gc.isenabled()
    assert _in_generation(made[-1], 2) and not _in_generation(made[-1], 0) and not _in_generation(made[-1], 1)


def test_cyclic_garbage_made_inside_is_still_freed():
    with collector.paused():
        a, b = Node(), Node()
        a.other, b.other = b, a
        gone = weakref.ref(a)
        del a, b
    assert gone() is not None          # a cycle: only the collector frees it
    gc.collect()
    assert gone() is None


def test_a_collector_already_off_is_left_off_and_untouched():
    gc.disable()
    with collector.paused():
        made = [0]
    assert not gc.isenabled() and _in_generation(made, 0)      # not moved: whoever switched it off decides
    gc.enable()
    with collector.paused():
        with collector.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()      # the inner block does not switch it back on for the outer one
    assert gc.isenabled()


def test_objects_someone_else_froze_stay_frozen():
    keep = [object()]
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with collector.paused():
            [[1] for _ in range(10)]
        assert gc.get_freeze_count() == frozen and gc.isenabled()
        assert not any(_in_generation(keep, g) for g in range(3))       # still in the permanent generation
    finally:
        gc.unfreeze()
