"""Reported vs replicated: each PEFT run's gain over full fine-tuning beside the study's own.

A replicated delta is (PEFT metric - full fine-tuning metric) for runs of the same study,
experiment, profile and seed; a reported delta is (value - baseline_value) of the corpus
results whose metric names the experiment's reported metric. Models, data and scale differ
below the paper profile, so below it only the direction of the difference is judged, and
every verdict names its profile.
"""
from __future__ import annotations

import math
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

        return {(study, e["name"]): e for study, exps in replication.experiments().items() for e in exps}
    except ImportError:  # the comparison still lists runs if the harness cannot be imported
        return {}


def compare(engine: Engine, study: str | None = None) -> list[dict[str, Any]]:
    """One row per (study, experiment, profile, PEFT method): its gain over full fine-tuning, the mean
    over the seeds both were run with, a 95% bootstrap interval, the trivial baselines and the study's
    own reported gain, with a verdict."""
    from slr import queries

    runs = [{**r, "metrics": _metrics(r)} for r in queries.runs(engine, study) if r["status"] == "ok"]
    experiments = _experiments()
    latest: dict[tuple, dict] = {}
    for run in runs:  # ordered by id: later runs replace earlier ones of the same setting
        latest[(run["study"], run["experiment"], run["profile"], run["method"], run["seed"])] = run
    groups: dict[tuple, dict[int, dict]] = {}
    for (sid, experiment, profile, method, seed), run in latest.items():
        groups.setdefault((sid, experiment, profile, method), {})[seed] = run
    reported_cache: dict[str, list[dict]] = {}
    rows = []
    for (sid, experiment, profile, method), by_seed in sorted(groups.items(), key=lambda kv: (_number(kv[0][0]), kv[0][1:])):
        if method == BASELINE:
            continue
        spec = experiments.get((sid, experiment), {})
        any_run = next(iter(by_seed.values()))
        metric_key = spec.get("replicated_metric") or next(iter(any_run["metrics"]), None)
        bases = groups.get((sid, experiment, profile, BASELINE), {})
        seeds = sorted(seed for seed in by_seed if seed in bases and metric_key in by_seed[seed]["metrics"]
                       and metric_key in bases[seed]["metrics"])
        pairs = [(by_seed[seed], bases[seed]) for seed in seeds]
        method_value = _mean([m["metrics"][metric_key] for m, _ in pairs])
        baseline_value = _mean([b["metrics"][metric_key] for _, b in pairs])
        replicated = None if method_value is None else method_value - baseline_value
        interval = bootstrap_interval(pairs, metric_key) if pairs else None
        if sid not in reported_cache:
            reported_cache[sid] = queries.reported_results(engine, sid)
        reported_rows = _reported_rows(reported_cache[sid], spec, metric_key, method, any_run["task"])
        reported = (sum(r["value"] - r["baseline_value"] for r in reported_rows) / len(reported_rows)
                    if reported_rows else None)
        reported_scale = metric_range(*(v for r in reported_rows for v in (r["value"], r["baseline_value"])))
        trivial = _trivial_baselines(pairs)
        rows.append({
            "study": sid, "experiment": experiment, "profile": profile, "seeds": seeds, "task": any_run["task"],
            "task_fidelity": any_run["task_fidelity"], "fidelity": spec.get("fidelity", {}).get(profile, {}),
            "method": method, "metric": metric_key,
            "method_value": method_value, "baseline_value": baseline_value,
            "reported_metric": spec.get("reported_metric"), "reported_delta": reported,
            "reported_rows": len(reported_rows),
            "reported_tier": ", ".join(sorted({r["tier"] or "untiered" for r in reported_rows})) or None,
            "replicated_delta": replicated, "ci95": interval, "trivial_baselines": trivial,
            "replicated_tier": replicated_tier(profile),
            "run_ids": [m["id"] for m, _ in pairs], "baseline_run_ids": [b["id"] for _, b in pairs],
            "verdict": verdict(profile, reported, replicated, method, spec.get("reported_metric") or metric_key,
                               reported_scale, metric_range(method_value, baseline_value), interval=interval,
                               trivial=trivial, best=max(v for v in (method_value, baseline_value, -math.inf)
                                                         if v is not None)),
        })
    return rows


def _number(study_id: str) -> int:
    return int(study_id[1:]) if study_id[1:].isdigit() else 0


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _reported_rows(reported: list[dict], spec: dict, metric_key: str | None, method: str, task: str) -> list[dict]:
    wanted = (spec.get("reported_metric") or metric_key or "").lower()
    candidates = [r for r in reported if r["method"] == method and r["baseline_value"] is not None
                  and wanted and wanted in r["metric"].lower()]
    # Results of this experiment's task; a result that names no task stands for the study as a whole.
    return [r for r in candidates if r["task"] == task] or [r for r in candidates if r["task"] is None]


def _trivial_baselines(pairs: list[tuple[dict, dict]]) -> dict[str, float]:
    """The trivial baselines scored on the runs' test split (the same for every seed: the split is fixed)."""
    for method_run, baseline_run in pairs:
        found = baseline_run.get("trivial_baselines") or method_run.get("trivial_baselines")
        if found:
            return dict(found)
    return {}


BOOTSTRAP_SAMPLES = 1000


def bootstrap_interval(pairs: list[tuple[dict, dict]], metric: str, samples: int = BOOTSTRAP_SAMPLES,
                       seed: int = 0) -> list[float] | None:
    """95% percentile interval of (PEFT - full fine-tuning), resampling seeds and test examples.

    Each replicate draws seeds with replacement and, independently, test examples with replacement;
    the same examples are drawn for both methods of a seed (they saw the same test split), and the
    metric is recomputed from the runs' per-example units. None when a run lacks them."""
    import numpy as np

    from replication.metrics import units

    stacked = []
    for method_run, baseline_run in pairs:
        a, b = method_run.get("per_example") or {}, baseline_run.get("per_example") or {}
        if a.get("metric") != metric or b.get("metric") != metric or not a.get("units") \
                or len(a["units"]) != len(b["units"]) or method_run["dataset_hash"] != baseline_run["dataset_hash"]:
            return None
        stacked.append((np.asarray(a["units"], dtype=float), np.asarray(b["units"], dtype=float),
                        a.get("num_labels", 2)))
    rng = np.random.default_rng(seed)
    n = len(stacked[0][0])
    deltas = np.empty(samples)
    for i in range(samples):
        chosen = rng.integers(0, len(stacked), len(stacked))
        examples = rng.integers(0, n, n)
        deltas[i] = np.mean([units.aggregate(metric, stacked[s][0][examples], stacked[s][2])
                             - units.aggregate(metric, stacked[s][1][examples], stacked[s][2]) for s in chosen])
    low, high = np.percentile(deltas, [2.5, 97.5])
    return [float(low), float(high)]


def replicated_tier(profile: str) -> str:
    """The verification tier of a number this tool measured: always with its profile."""
    return f"replicated-here ({profile})"


def verdict(profile: str, reported: float | None, replicated: float | None, method: str, metric: str | None,
            reported_scale: float = 1.0, replicated_scale: float = 1.0, interval: list[float] | None = None,
            trivial: dict[str, float] | None = None, best: float | None = None) -> str:
    """A difference is a direction only when its interval excludes zero, and no verdict is given where
    a trivial baseline does as well as every method (the stand-in then does not tell methods apart)."""
    if replicated is None:
        return f"not comparable ({profile}): no FMFT run of this setting"
    if profile == "smoke":
        return "not comparable (smoke): random tiny models"
    beaten = sorted(name for name, value in (trivial or {}).items() if best is not None and value >= best)
    if beaten:
        return (f"no verdict ({profile}): trivial baseline {', '.join(beaten)} scores at or above every method")
    if interval is None:
        return f"within noise ({profile}): no interval (the runs lack per-example outputs)"
    if interval[0] <= 0.0 <= interval[1]:
        return f"within noise ({profile}): the 95% interval includes 0"
    if reported is None:
        return f"not comparable ({profile}): no reported {metric or 'metric'} vs FMFT"
    same = _direction(reported, reported_scale) == (1 if replicated > 0 else -1)
    if profile == "paper":
        a, b = reported / reported_scale, replicated / replicated_scale
        close = abs(a - b) <= max(TOLERANCE, 0.1 * abs(a))
        return "reproduced within tolerance (paper)" if close else "diverged (paper)"
    return f"same direction ({profile})" if same else f"diverged ({profile})"
