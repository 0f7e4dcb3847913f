"""The JIT-DP / commit-message stand-in: each edit's benign twin keeps behaviour, its broken twin changes it."""
import ast
import random

import pytest

from replication.data import derived

CODE = '''def f(xs, limit=3):
    total = 0
    count = 0
    for x in xs:
        if x < limit:
            total = total + x
        count += 1
    scale = 2
    result = total * scale
    if result > 100:
        raise ValueError('result too large.')
    return (result, count)'''
INPUTS = [([1, 2, 3, 4],), ([0, 5, 3, 2],), ([],), ([50], 60), ([50.5], 60), ([49.5], 60), ([60, 60], 100)]


def outcomes(code: str, messages: bool = True):
    namespace: dict = {}
    exec(code, namespace)
    out = []
    for args in INPUTS:
        try:
            out.append(namespace["f"](*args))
        except Exception as exc:         # an exception is an outcome too; its wording only when asked
            out.append((type(exc).__name__, str(exc) if messages else ""))
    return out


def edited(kind: str, broken: bool, seed: int) -> str | None:
    tree = ast.parse(CODE)
    edit = derived._apply(tree, kind, broken, random.Random(seed))
    return ast.unparse(tree) if edit else None


@pytest.mark.parametrize("kind", derived.EDITS)
def test_benign_twin_keeps_behaviour_and_broken_twin_changes_it(kind):
    expected = outcomes(CODE, messages=False)
    benign = [c for c in (edited(kind, False, s) for s in range(12)) if c]
    broken = [c for c in (edited(kind, True, s) for s in range(12)) if c]
    assert benign and broken, kind
    assert all(outcomes(c, messages=False) == expected for c in benign), kind
    changed = sum(outcomes(c, messages=False) != expected for c in broken)
    assert changed >= 0.75 * len(broken), (kind, changed, len(broken))


def test_both_classes_share_the_edit_kinds_and_the_rule_that_solved_them_fails():
    from replication import baselines
    from replication.data import splits

    changes = derived.code_changes(splits.pool()["train"][:400], seed=0)
    rows = [{"text": c["diff"], "label": c["label"]} for c in changes]
    predicted = baselines.change_rule([], rows)
    accuracy = sum(p == r["label"] for p, r in zip(predicted, rows)) / len(rows)
    assert 0.35 < accuracy < 0.7                 # was 0.98 on the first version of the task
    for label in (0, 1):
        share = sum(c["kinds"][0] == "rename" for c in changes if c["label"] == label) / len(changes)
        assert 0.1 < share < 0.3
