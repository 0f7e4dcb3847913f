"""Reported vs replicated: each PEFT run's gain over full fine-tuning beside the study's own.

A replicated delta is (PEFT metric - full fine-tuning metric) for runs of the same study,
experiment, profile and seed; a reported delta is (value - baseline_value) of the corpus
results whose metric names the experiment's reported metric. Models, data and scale differ
below the paper profile, so below it only the direction of the difference is judged, and
every verdict names its profile.
"""
from __future__ import annotations

import sys
from typing import Any

from sqlalchemy.engine import Engine

BASELINE = "Full Fine-Tuning"
# Differences smaller than this share of the metric's range count as "no difference" on both
# sides: runs at these scales are not more precise than that.
TOLERANCE = 0.01
# Runs stored before the metrics were named as replication.metrics names them: name -> (name, scale),
# the old exact matches being fractions where CodeXGLUE's evaluators (and ours now) print percentages.
LEGACY_METRIC_KEYS = {"bleu": ("smoothed-bleu", 1.0), "exact_match": ("exact-match", 100.0),
                      "exact_match_strict": ("exact-match-strict", 100.0), "edit_similarity": ("edit-sim", 1.0)}


def _metrics(run: dict) -> dict[str, float]:
    out = {}
    for key, value in (run.get("metrics") or {}).items():
        name, scale = LEGACY_METRIC_KEYS.get(key, (key, 1.0))
        out[name] = value * scale
    return out


def metric_range(*values: float | None) -> float:
    """100 for metrics written as percentages or BLEU points, 1 for fractions: read off the values."""
    return 100.0 if any(v is not None and abs(v) > 1.0 for v in values) else 1.0


def _direction(delta: float, scale: float) -> int:
    return 0 if abs(delta) <= TOLERANCE * scale else (1 if delta > 0 else -1)


def _experiments() -> dict[tuple[str, str], dict[str, Any]]:
    try:
        import replication

        return {(s["study"], e["name"]): e for s in replication.list_studies() for e in s["experiments"]}
    except Exception:  # the comparison still lists runs if the harness cannot be imported
        return {}


def compare(engine: Engine, study: str | None = None) -> list[dict[str, Any]]:
    from slr import queries

    runs = [{**r, "metrics": _metrics(r)} for r in queries.runs(engine, study) if r["status"] == "ok"]
    experiments = _experiments()
    latest: dict[tuple, dict] = {}
    for run in runs:  # ordered by id: later runs replace earlier ones of the same setting
        latest[(run["study"], run["experiment"], run["profile"], run["seed"], run["method"])] = run
    reported_cache: dict[str, list[dict]] = {}
    rows = []
    for (sid, experiment, profile, seed, method), run in sorted(latest.items(), key=lambda kv: (int(kv[0][0][1:]) if kv[0][0][1:].isdigit() else 0, kv[0][1:])):
        if method == BASELINE:
            continue
        spec = experiments.get((sid, experiment), {})
        metric_key = spec.get("replicated_metric") or next(iter(run["metrics"]), None)
        base = latest.get((sid, experiment, profile, seed, BASELINE))
        replicated = None
        if base and metric_key in run["metrics"] and metric_key in base["metrics"]:
            replicated = run["metrics"][metric_key] - base["metrics"][metric_key]
        if sid not in reported_cache:
            reported_cache[sid] = queries.reported_results(engine, sid)
        wanted = (spec.get("reported_metric") or metric_key or "").lower()
        candidates = [r for r in reported_cache[sid] if r["method"] == method and r["baseline_value"] is not None
                      and wanted and wanted in r["metric"].lower()]
        # Results of this experiment's task; a result that names no task stands for the study as a whole.
        reported_rows = ([r for r in candidates if r["task"] == run["task"]]
                         or [r for r in candidates if r["task"] is None])
        reported = None
        reported_scale = metric_range(*(v for r in reported_rows for v in (r["value"], r["baseline_value"])))
        replicated_scale = metric_range(run["metrics"].get(metric_key), (base or {"metrics": {}})["metrics"].get(metric_key))
        if reported_rows:
            deltas = [r["value"] - r["baseline_value"] for r in reported_rows]
            reported = sum(deltas) / len(deltas)
        rows.append({
            "study": sid, "experiment": experiment, "profile": profile, "seed": seed, "task": run["task"],
            "task_fidelity": run["task_fidelity"], "method": method, "metric": metric_key,
            "reported_metric": spec.get("reported_metric"), "reported_delta": reported,
            "reported_rows": len(reported_rows),
            "reported_tier": ", ".join(sorted({r["tier"] or "untiered" for r in reported_rows})) or None,
            "replicated_delta": replicated, "replicated_tier": replicated_tier(profile), "run_id": run["id"],
            "baseline_run_id": base["id"] if base else None,
            "verdict": verdict(profile, reported, replicated, method, spec.get("reported_metric") or metric_key,
                               reported_scale, replicated_scale),
        })
    return rows


def replicated_tier(profile: str) -> str:
    """The verification tier of a number this tool measured: always with its profile."""
    return f"replicated-here ({profile})"


def verdict(profile: str, reported: float | None, replicated: float | None, method: str, metric: str | None,
            reported_scale: float = 1.0, replicated_scale: float = 1.0) -> str:
    if replicated is None:
        return f"not comparable ({profile}): no FMFT run of this setting"
    if reported is None:
        return f"not comparable ({profile}): no reported {metric or 'metric'} vs FMFT"
    if profile == "smoke":
        return "not comparable (smoke): random tiny models"
    same = _direction(reported, reported_scale) == _direction(replicated, replicated_scale)
    if profile == "paper":
        a, b = reported / reported_scale, replicated / replicated_scale
        close = abs(a - b) <= max(TOLERANCE, 0.1 * abs(a))
        return "reproduced within tolerance (paper)" if close else "diverged (paper)"
    return (f"same direction ({profile})" if same else f"diverged ({profile})")


class _CallableModule(type(sys.modules[__name__])):
    """`slr.compare` names this module once it is imported, and the API's function before: the
    module called like the function (`slr.compare("P30")`) answers as the API does, a DataFrame."""

    def __call__(self, study: str | None = None):
        from slr import api

        return api.compare(study)


sys.modules[__name__].__class__ = _CallableModule
