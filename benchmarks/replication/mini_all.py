"""Every experiment of every study, end to end at the mini profile: benchmarks/replication/mini_all.md (+ .json).

    python benchmarks/replication/mini_all.py [--max-steps 2] [--methods all|first] [--study P30 ...]

What it checks: that each experiment's mini setup runs on this machine: its dataset at the mini sizes
(train, validation and test non-empty), its mini model (the packaged MiniLM or a small pretrained base),
each method applied to it, validation-based checkpoint selection, and its metric on the whole mini test
split, recorded as `slr` records a run. Training is capped at --max-steps steps at the profile's own
learning rate (no sweep), so the scores say nothing about the methods: the seeded, full-length mini runs
are run_mini.py's. "peft" runs the experiment's first PEFT method, "first" full fine-tuning too, "all" every
method (smoke runs every method of every study on tiny models in CI).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-steps", type=int, default=2)
    parser.add_argument("--methods", choices=("all", "first", "peft"), default="peft")
    parser.add_argument("--study", action="append", dest="studies", help="only these (repeatable)")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    parser.add_argument("--allow-code-execution", action="store_true", help="score pass@k in the sandbox")
    args = parser.parse_args(argv)

    import replication
    from replication import studies

    chosen = [s for s in studies.all_studies() if not args.studies or s.id in args.studies]
    rows, began = [], time.perf_counter()
    for study in chosen:
        for exp in study.experiments:
            methods = exp.methods_here(cuda=False)
            methods = list({"all": methods, "first": methods[:2], "peft": methods[1:2]}[args.methods])
            start = time.perf_counter()
            for record in replication.run(study.id, "mini", methods=methods, experiments=[exp.name], progress=False,
                                          max_steps=args.max_steps, lr_sweep=False, device="cpu",
                                          allow_code_execution=args.allow_code_execution):
                metric = exp.replicated_metric
                rows.append({"study": study.id, "experiment": exp.name, "method": record.method,
                             "status": record.status, "error": record.error, "model": record.model,
                             "dataset": record.dataset, "dataset_size": record.dataset_size,
                             "steps": record.steps, "metric": metric, "value": record.metrics.get(metric),
                             "trivial_baselines": record.trivial_baselines,
                             "seconds": round(record.train_seconds + record.eval_seconds, 1)})
                print(f"{study.id} {exp.name} {record.method}: {record.status} {record.error or ''}", flush=True)
            skipped = [m for m in exp.methods if m not in methods]
            if skipped and args.methods == "all":
                rows.append({"study": study.id, "experiment": exp.name, "method": ", ".join(skipped),
                             "status": "skipped", "error": "needs CUDA (gpu_only)", "seconds": 0.0})
            print(f"  {time.perf_counter() - start:.0f} s", flush=True)
            write(rows, args, time.perf_counter() - began)      # after each experiment: a cut-short run keeps its part


def write(rows, args, seconds: float) -> None:
    import platform

    ok = [r for r in rows if r["status"] == "ok"]
    failed = [r for r in rows if r["status"] not in ("ok", "skipped")]
    experiments = {(r["study"], r["experiment"]) for r in rows}
    fine = {(r["study"], r["experiment"]) for r in ok} - {(r["study"], r["experiment"]) for r in failed}
    from replication import studies

    total = sum(len(s.experiments) for s in studies.all_studies())
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    steps = f"{args.max_steps} step" + ("s" if args.max_steps != 1 else "")
    lines = [f"# Every experiment at the mini profile ({args.methods} methods, {steps})", "",
             f"`python benchmarks/replication/mini_all.py --max-steps {args.max_steps} --methods {args.methods}` "
             f"on {when}, {platform.machine()}, shared 2-core machine (one thread); {seconds / 60:.0f} minutes in all, "
             f"{sum(r['seconds'] for r in rows) / 60:.0f} inside the runs, of which "
             f"{sum(r['seconds'] for r in rows if 'search' in r['experiment']) / 60:.0f} in code search's ranking "
             "(400 validation and 400 test queries, each against a pool of 50 codes: 20,000 pair scores a split). "
             "pass@k needs --allow-code-execution (the HumanEval rows show '-' without it).", "",
             "A plumbing check, not a comparison: each run is the mini setup end to end (mini data, model, "
             "method, validation checkpoint choice, the study's metric on the whole mini test split) with "
             f"training capped at {steps} at the profile's rate, so the values below say nothing "
             "about the methods (see <STUDY>_mini.md for full-length runs over three seeds).", "",
             f"**{len(fine)} of the {len(experiments)} experiments run so far (of {total} in all) ran with every "
             f"method tried; {len(ok)} runs ok, {len(failed)} failed.** Where an experiment's only PEFT method needs "
             "CUDA (QLoRA), full fine-tuning runs in its place.", "",
             "| study | experiment | method | status | model | dataset (train+test) | metric | value | s |",
             "|---|---|---|---|---|---|---|---:|---:|"]
    for r in rows:
        value = f"{r['value']:.3f}" if r.get("value") is not None else "-"
        status = r["status"] + (f": {r['error']}" if r.get("error") else "")
        lines.append(f"| {r['study']} | {r['experiment']} | {r['method']} | {status} | {r.get('model', '')} | "
                     f"{r.get('dataset', '')} {r.get('dataset_size', '')} | {r.get('metric', '')} | {value} | "
                     f"{r['seconds']:.0f} |")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "mini_all.md").write_text("\n".join(lines) + "\n")
    (args.out / "mini_all.json").write_text(json.dumps(rows, indent=1, default=str))
    print("\n".join(lines[:8]))


if __name__ == "__main__":
    main()
