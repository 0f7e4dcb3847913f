"""Score the trivial baselines of every offline dataset at the mini profile's sizes; write trivial_baselines.md.

    .venv/bin/python benchmarks/replication/trivial_baselines.py [--out PATH] [--json PATH]

Each dataset is scored with every metric an experiment replicates on it (replication/studies), on
its test split, with training on its training split; the leak checks run on the same build.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def metrics_by_dataset() -> dict[str, list[str]]:
    from replication import studies

    out: dict[str, list[str]] = {}
    for study in studies.all_studies():
        for exp in study.experiments:
            dataset = exp.setups["mini"].dataset
            if exp.replicated_metric not in out.setdefault(dataset, []):
                out[dataset].append(exp.replicated_metric)
    return out


def measure() -> list[dict]:
    from replication import baselines, data
    from replication.data import splits
    from replication.studies._common import MINI_CLS, MINI_GEN

    wanted = metrics_by_dataset()
    pretraining = data.pretraining_functions()
    rows = []
    for name, source in data.DATASETS.items():
        if source.released:
            continue
        scale = MINI_CLS if source.head == "classification" else MINI_GEN
        start = time.perf_counter()
        d = data.load(name, scale.train_size, scale.eval_size)
        leaks = splits.leaks({"train": d.train, "validation": d.validation, "test": d.test}, pretraining)
        metric_names = wanted.get(name) or (["f1"] if source.head == "classification" else ["smoothed-bleu"])
        if source.head == "classification":      # accuracy too, the audit's yardstick, for every classifier
            metric_names = list(dict.fromkeys(metric_names + ["accuracy"]))
        scores = {m: baselines.trivial_baselines(d, m, ranking_pool=scale.ranking_pool) for m in metric_names}
        rows.append({"dataset": name, "kind": d.kind, "head": d.head, "train": len(d.train),
                     "validation": len(d.validation), "test": len(d.test), "leaks": leaks, "scores": scores,
                     "seconds": round(time.perf_counter() - start, 1)})
    return rows


BEFORE = """## Before (the first stand-ins, per-example splits)

Measured by the audit of the data issue, at the mini sizes: `stdlib-code-changes-jit` rule (pure add/remove or
fresh name -> benign) accuracy 0.980 / F1 0.974, TF-IDF + logistic regression F1 0.844 (every tuned model
0.70-0.78); `stdlib-code-changes-cmg` template rule smoothed BLEU-4 83.3 (FMFT 25.7, LoRA 19.4, AT 10.9);
`stdlib-search` word-overlap threshold accuracy 0.795 (MiniLM + LoRA 0.545). This script's baselines on the
first version's builders, for comparison: {before}
"""


def fmt(value: float, metric: str) -> str:
    return f"{value:.1f}" if metric not in ("f1", "accuracy", "precision", "recall", "mrr") else f"{value:.3f}"


def render(rows: list[dict], before: str) -> str:
    lines = ["# Trivial baselines of the offline datasets", "",
             f"Produced by `benchmarks/replication/trivial_baselines.py` on {platform.node() or 'this machine'} "
             f"({platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
             f"{platform.python_version()}), {time.strftime('%Y-%m-%d')}. Sizes are the mini profile's "
             "(classification 1600 train / 400 test, generation 1600 / 200; validation as large as test); "
             "every score is on the test split; classification metrics are fractions, text metrics 0..100 "
             "as `replication.metrics.METRICS` prints them. A stand-in task on which a rule or TF-IDF baseline "
             "is near the methods does not compare methods.", "",
             "| dataset | kind | train / valid. / test | metric | baseline | score |", "|---|---|---|---|---|---|"]
    for r in rows:
        sizes = f"{r['train']} / {r['validation']} / {r['test']}"
        for metric, scores in r["scores"].items():
            if not scores:
                lines.append(f"| {r['dataset']} | {r['kind']} | {sizes} | {metric} | (execution metric: none) | |")
            for baseline, value in scores.items():
                lines.append(f"| {r['dataset']} | {r['kind']} | {sizes} | {metric} | {baseline} | {fmt(value, metric)} |")
    lines += ["", "Leak checks (`replication.data.splits.leaks`: files, normalised functions, identical inputs "
              "across splits, and against the pretraining corpus of the small bases):", ""]
    for r in rows:
        lines.append(f"- {r['dataset']}: " + ("; ".join(r["leaks"]) if r["leaks"] else "none"))
    lines += ["", BEFORE.format(before=before or "(not measured)")]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(HERE / "trivial_baselines.md"))
    parser.add_argument("--json", default=None, help="also write the measurements as JSON")
    parser.add_argument("--before", default="", help="a sentence of earlier scores to quote under 'Before'")
    args = parser.parse_args()
    rows = measure()
    Path(args.out).write_text(render(rows, args.before))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    print(Path(args.out).read_text())


if __name__ == "__main__":
    main()
