"""Miners are deterministic; derived tasks are what they say; loaders read the real formats."""
import json
import shutil

import pytest

from replication import data
from replication.data import derived, loaders, mining
from replication.paths import data_cache_dir


def test_miner_is_deterministic_and_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("SLR_CACHE", str(tmp_path))      # its own cache: the session's mined pool stays
    first = mining.mine_functions(limit=60)
    shutil.rmtree(data_cache_dir())
    second = mining.mine_functions(limit=60)
    assert first == second and len(first) == 60
    assert all(f["code"].startswith(("def ", "async def ", "@")) for f in first)
    assert list(data_cache_dir().glob("functions-*.json"))


def test_mined_datasets_have_stable_hashes_and_labels():
    for name in ("stdlib-code-docstring", "stdlib-method-names", "stdlib-completion", "stdlib-cloze",
                 "stdlib-search", "stdlib-clones", "stdlib-defects", "stdlib-repair",
                 "stdlib-code-changes-jit", "stdlib-code-changes-cmg"):
        a, b = data.load(name, 30, 10), data.load(name, 30, 10)
        assert a.hash == b.hash and len(a.test) == 10 and a.train, name
        assert a.kind == ("derived" if any(k in name for k in ("clones", "defects", "repair", "changes"))
                          else "real")
        if a.head == "classification":
            assert {r["label"] for r in a.train + a.test} == {0, 1}, name


NESTED = """
def top():
    def inner():
        return 1
    return inner
class C:
    if True:
        def in_if(self):
            pass
    try:
        def in_try(self): pass
    except ValueError:
        async def in_except(self): pass
    else:
        def in_else(self): pass
    finally:
        def in_finally(self): pass
    match x:
        case 1:
            def in_case(self): pass
    f = lambda: 0
    with open(x) as handle:
        for item in handle:
            def in_loop(self): pass
"""


def test_function_definitions_come_in_ast_walks_order():
    """Visiting statements only must find what ast.walk finds, in its (breadth-first) order."""
    import ast

    files = mining.source_files(mining.stdlib_root())[:40]
    for source in [NESTED] + [p.read_text(encoding="utf-8") for p in files]:
        tree = ast.parse(source)
        walked = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        assert list(mining.function_definitions(tree)) == walked
    assert [n.name for n in mining.function_definitions(ast.parse(NESTED))][:3] == ["top", "inner", "in_if"]


def _tree_of_sources(root):
    root.mkdir()
    for i in range(6):
        body = "\n".join(f"def f{i}_{j}(a, b):\n    \"\"\"Add {j}.\"\"\"\n    c = a + b\n    return c + {j}\n"
                         for j in range(i + 1))
        (root / f"m{i}.py").write_text(body + ("x = (" if i == 3 else ""), encoding="utf-8")   # m3 does not parse
    return root


def test_a_helper_process_mines_the_same_functions_in_the_same_order(tmp_path, monkeypatch):
    monkeypatch.setenv("SLR_CACHE", str(tmp_path / "cache"))
    root = _tree_of_sources(tmp_path / "src")
    alone = mining.mine_functions(root, limit=100, min_lines=3)
    shutil.rmtree(data_cache_dir())
    helped = mining.mine_functions(root, limit=100, min_lines=3, workers=2)
    assert helped == alone and len(alone) == 1 + 2 + 3 + 5 + 6
    assert [f["path"] for f in alone][-1] == "m5.py" and all(f["key"] for f in alone)
    shutil.rmtree(data_cache_dir())
    assert mining.mine_functions(root, limit=4, min_lines=3, workers=2) == alone[:4]


def test_a_failed_helper_leaves_the_mining_to_this_process(tmp_path, monkeypatch):
    import sys

    monkeypatch.setenv("SLR_CACHE", str(tmp_path / "cache"))
    root = _tree_of_sources(tmp_path / "src")
    alone = mining.mine_functions(root, limit=100, min_lines=3)
    failing, garbling = tmp_path / "failing-python", tmp_path / "garbling-python"
    failing.write_text("#!/bin/sh\ncat > /dev/null\necho '[]'\nexit 3\n", encoding="utf-8")
    garbling.write_text("#!/bin/sh\ncat > /dev/null\necho '[{\"path\": '\n", encoding="utf-8")
    for script in (failing, garbling):
        script.chmod(0o755)
    for executable in (str(failing), str(garbling), str(tmp_path / "no-such-python")):
        shutil.rmtree(data_cache_dir())
        monkeypatch.setattr(sys, "executable", executable)
        assert mining.mine_functions(root, limit=100, min_lines=3, workers=2) == alone


def test_method_names_mask_the_name():
    rows = mining.method_names(mining.mine_functions(limit=20))
    assert all("<mask>" in r["source"] and r["target"] not in r["source"].split("(")[0] for r in rows)


def test_derived_changes_are_diffs_with_messages():
    """Changed on purpose (the data issue): the label is whether the change alters behaviour, and both
    classes share the edit kinds; messages name the function in varied phrasings."""
    from collections import Counter

    from replication.data import splits

    changes = derived.code_changes(splits.pool()["train"][:300], seed=0)
    assert {c["label"] for c in changes} == {0, 1}
    for c in changes:
        assert c["diff"].startswith("@@ ") and c["before"] != c["after"]
        assert c["name"] in c["message"] or derived._words_of(c["name"]) in c["message"]
    kinds = {label: Counter(c["kinds"][0] for c in changes if c["label"] == label) for label in (0, 1)}
    assert set(kinds[0]) == set(kinds[1]) == set(derived.EDITS)
    assert len({c["message"].split()[0] for c in changes}) > 15       # not a handful of templates


def test_mutation_changes_behaviour_and_rename_keeps_it():
    import random

    code = "def f(xs):\n    total = 0\n    for x in xs:\n        if x < 3:\n            total = total + x\n    return total"
    ns: dict = {}
    exec(code, ns)
    renamed, message = derived.rename(code, random.Random(0))
    exec(renamed, ns2 := {})
    assert ns2["f"]([1, 2, 3, 4]) == ns["f"]([1, 2, 3, 4]) and message.startswith("Rename ")
    outcomes = set()
    for seed in range(10):
        mutated, _ = derived.mutate(code, random.Random(seed))
        exec(mutated, ns3 := {})
        outcomes.add(ns3["f"]([1, 2, 3, 4]) != ns["f"]([1, 2, 3, 4]))
    assert True in outcomes


def test_humaneval_ships_164_problems():
    problems = loaders.humaneval()
    assert len(problems) == 164 and {"prompt", "test", "entry_point"} <= set(problems[0])


# ---- real formats, on fixture files written here ----------------------------------------

def write_jsonl(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def test_code_to_text_jsonl(tmp_path):
    write_jsonl(tmp_path / "t.jsonl", [
        {"code_tokens": ["def", "f", "(", ")", ":"], "docstring_tokens": ["Do", "it", "."]},
        {"code": "def g(): pass", "docstring": "Do\nnothing."}])
    assert loaders.code_to_text(tmp_path / "t.jsonl") == [
        {"source": "def f ( ) :", "target": "Do it ."}, {"source": "def g(): pass", "target": "Do nothing."}]


def test_devign_function_json_with_split(tmp_path):
    rows = [{"func": f"int f{i}() {{}}", "target": i % 2, "project": "qemu", "commit_id": "x"} for i in range(4)]
    (tmp_path / "function.json").write_text(json.dumps(rows))
    (tmp_path / "train.txt").write_text("0\n3\n")
    out = loaders.devign(tmp_path / "function.json", tmp_path / "train.txt")
    assert out == [{"text": "int f0() {}", "label": 0}, {"text": "int f3() {}", "label": 1}]


def test_bigclonebench_pairs(tmp_path):
    write_jsonl(tmp_path / "data.jsonl", [{"func": "a()", "idx": "1"}, {"func": "b()", "idx": "2"}])
    (tmp_path / "train.txt").write_text("1\t2\t1\n2\t1\t0\n1\t9\t1\n")
    assert loaders.bigclonebench(tmp_path / "data.jsonl", tmp_path / "train.txt") == [
        {"text": "a()", "text_pair": "b()", "label": 1}, {"text": "b()", "text_pair": "a()", "label": 0}]


def test_concode(tmp_path):
    write_jsonl(tmp_path / "c.json", [{"nl": "add two ints", "code": "int add(int a,int b){return a+b;}"}])
    assert loaders.concode(tmp_path / "c.json")[0]["target"].startswith("int add")


def test_commit_messages_line_files_and_jsonl(tmp_path):
    (tmp_path / "train.diff").write_text("- a<nl>+ b\n- c<nl>+ d\n")
    (tmp_path / "train.msg").write_text("change a to b\nchange c to d\n")
    assert loaders.commit_messages(tmp_path, "train")[0] == {"source": "- a\n+ b", "target": "change a to b"}
    write_jsonl(tmp_path / "test.jsonl", [{"diff": "- x\n+ y", "msg": "fix x"}])
    assert loaders.commit_messages(tmp_path, "test") == [{"source": "- x\n+ y", "target": "fix x"}]
    (tmp_path / "valid.diff").write_text("a\n")
    (tmp_path / "valid.msg").write_text("a\nb\n")
    with pytest.raises(ValueError, match="lines"):
        loaders.commit_messages(tmp_path, "valid")


def test_jit_defects_field_variants(tmp_path):
    write_jsonl(tmp_path / "j.jsonl", [{"code_change": "+x", "is_buggy_commit": 1.0, "msg": "fix"},
                                       {"diff": "-y", "label": 0}])
    assert loaders.jit_defects(tmp_path / "j.jsonl") == [{"text": "fix\n+x", "label": 1}, {"text": "-y", "label": 0}]


def test_data_dir_datasets_say_what_is_missing(tmp_path):
    from replication.errors import ReplicationError

    with pytest.raises(ReplicationError, match="data-dir"):
        data.load("jit-defects", 10, 10, None)
    with pytest.raises(ReplicationError, match="jit-defects/train.jsonl"):
        data.load("jit-defects", 10, 10, tmp_path)
    write_jsonl(tmp_path / "jit-defects" / "train.jsonl", [{"diff": "+a", "label": i % 2} for i in range(6)])
    write_jsonl(tmp_path / "jit-defects" / "test.jsonl", [{"diff": "+b", "label": i % 2} for i in range(4)])
    loaded = data.load("jit-defects", 5, 3, tmp_path)
    assert (len(loaded.train), len(loaded.test), loaded.kind) == (5, 3, "real")


def test_defects_are_balanced_between_intact_and_mutated():
    from replication.data import derived, mining

    rows = derived.defects(mining.mine_functions())
    share = sum(r["label"] for r in rows) / len(rows)
    assert 0.4 <= share <= 0.6
    assert all(r["buggy"] != r["fixed"] for r in rows if r["label"] == 1)
