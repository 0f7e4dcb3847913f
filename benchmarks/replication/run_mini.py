"""Run studies at the mini profile over several seeds and write benchmarks/replication/<ID>_mini.md (+ .json).

    python benchmarks/replication/run_mini.py P30 P34 [--seeds 0,1,2] [--out benchmarks/replication]
    python benchmarks/replication/run_mini.py P30 --merge a/P30_mini.json b/P30_mini.json   # one report of both
    python benchmarks/replication/run_mini.py P30 --merge P30_mini.json --rescore-baselines   # baselines.py changed

The .json keeps every run whole (per-example units included), so a report can be rewritten, or runs made
in several processes merged, with the intervals.

What it measures, for real, on this machine's CPU: every method of every experiment of each study,
once per seed, on the leak-free offline stand-ins; then the comparison `slr runs --compare` makes of
them (mean gain over full fine-tuning, 95% bootstrap interval over seeds and test examples, trivial
baselines, verdict), and per run the trainable share, time and peak memory.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def runs_table(records) -> str:
    from replication.studies import get

    lines = ["| experiment | method | seed | trainable | lr (sweep) | train time | peak RSS | study's metric | checkpoint |",
             "|---|---|---:|---:|---|---:|---:|---:|---|"]
    for r in records:
        key = {e.name: e.replicated_metric for e in get(r.study).experiments}[r.experiment]
        metric = f"{key} {r.metrics[key]:.3f}" if key in r.metrics else f"- ({r.status}: {r.error})"
        chosen = next((n.split(",")[0].removeprefix("checkpoint: ") for n in r.notes if n.startswith("checkpoint")), "-")
        sweep = r.method_config.get("lr_selection") or {}
        lr = f"{r.method_config.get('lr', float('nan')):g}" + (
            "" if not sweep or sweep.get("reused") else
            " (" + ", ".join(f"{k}: {v:.3f}" for k, v in sweep["validation"].items()) + ")")
        lines.append(f"| {r.experiment} | {r.method} | {r.seed} | {100 * r.trainable_share:.2f}% ({r.trainable_params:,}) "
                     f"| {lr} | {r.train_seconds:.0f} s | {r.peak_memory_bytes / 2**30:.2f} GB | {metric} | {chosen} |")
    return "\n".join(lines)


def compare_table(rows) -> str:
    lines = ["| experiment | method | metric | FMFT | PEFT | gain | 95% interval | seeds | trivial baselines | "
             "reported gain | verdict |", "|---|---|---|---:|---:|---:|---|---|---|---:|---|"]
    for r in rows:
        ci = f"[{r['ci95'][0]:+.3f}, {r['ci95'][1]:+.3f}]" + ("†" if r.get("ci95_from") else "") if r["ci95"] else "-"
        baselines = ", ".join(f"{k} {v:.3f}" for k, v in r["trivial_baselines"].items()) or "-"
        reported = f"{r['reported_delta']:+.2f}" if r["reported_delta"] is not None else "-"
        lines.append(f"| {r['experiment']} | {r['method']} | {r['metric']} | {r['baseline_value']:.3f} | "
                     f"{r['method_value']:.3f} | {r['replicated_delta']:+.3f} | {ci} | "
                     f"{','.join(map(str, r['seeds']))} | {baselines} | {reported} | {r['verdict']} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("studies", nargs="+")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    parser.add_argument("--profile", default="mini", help="smoke checks this script in seconds")
    parser.add_argument("--experiment", action="append", dest="experiments", help="only these (repeatable)")
    parser.add_argument("--merge", type=Path, nargs="+", help="no runs: rewrite the study's report from these "
                        "saved <ID>_<profile>.json files (their runs together; later files win on the same run)")
    parser.add_argument("--rescore-baselines", action="store_true", help="with --merge: score the trivial "
                        "baselines again with today's replication.baselines, on the runs' own test split (the "
                        "rebuilt dataset must have the hash the runs recorded)")
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]

    import replication

    if args.merge:
        from replication.record import RunRecord

        runs, args.saved_intervals = {}, {}
        for path in args.merge:
            saved_file = json.loads(path.read_text())
            for saved in saved_file["runs"]:
                record = RunRecord.model_validate(saved)
                runs[(record.experiment, record.method, record.seed)] = record
            for row in saved_file.get("compare", []):
                if row.get("ci95"):
                    args.saved_intervals[(row["experiment"], row["method"], tuple(row["seeds"]))] = row["ci95"]
        (study,) = args.studies
        if args.rescore_baselines:
            rescore_baselines(study, runs.values())
        wanted = list(dict.fromkeys(r.experiment for r in runs.values()))
        write_report(study, list(runs.values()), args, done=wanted, wanted=wanted)
        return
    for study in args.studies:
        from replication import studies

        wanted = args.experiments or [e.name for e in studies.get(study).experiments]
        records = []
        for experiment in wanted:     # the report is rewritten after each experiment: a cut-short run keeps its part
            for record in replication.run(study, profile=args.profile, seeds=seeds, experiments=[experiment]):
                print(f"{record.experiment} {record.method} seed {record.seed}: {record.status} "
                      f"{ {k: round(v, 3) for k, v in record.metrics.items()} }", flush=True)
                records.append(record)
            write_report(study, records, args, done=wanted[:wanted.index(experiment) + 1], wanted=wanted)


def rescore_baselines(study, records):
    """Replace each record's trivial baselines by today's, scored on the same test split: the split is
    rebuilt from the record's dataset and profile sizes and must hash as the run recorded it."""
    from replication import baselines
    from replication import data as datasets
    from replication.studies import get

    experiments = {e.name: e for e in get(study).experiments}
    scored = {}
    for record in records:
        experiment = experiments[record.experiment]
        scale = experiment.setups[record.profile].scale
        key = (record.dataset, record.dataset_hash, experiment.replicated_metric)
        if key not in scored:
            data = datasets.load(record.dataset, scale.train_size, scale.eval_size)
            if data.hash != record.dataset_hash:
                raise SystemExit(f"{record.experiment} {record.method} seed {record.seed}: dataset "
                                 f"'{record.dataset}' now hashes {data.hash[:12]}, the run recorded "
                                 f"{record.dataset_hash[:12]}; rerun instead of rescoring")
            scored[key] = baselines.trivial_baselines(data, experiment.replicated_metric, scale.ranking_pool)
        record.trivial_baselines = dict(scored[key])


def write_report(study, records, args, done, wanted):
    from slr import comparison, db

    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("SLR_CACHE", tmp)
        engine = db.open_current(f"sqlite:///{Path(tmp) / 'mini.db'}")
        for record in records:
            db.record_run(engine, record)
        rows = comparison.compare(engine, study)
    # A saved file whose runs kept no per-example units cannot give its interval again; the one its own
    # process computed from them (in the file's "compare" rows) is kept, and marked.
    for row in rows:
        saved = getattr(args, "saved_intervals", {}).get((row["experiment"], row["method"], tuple(row["seeds"])))
        if row["ci95"] is None and saved:
            row["ci95"], row["ci95_from"] = saved, "saved"
    first = records[0]
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    bases = {r.model: r.base for r in records if r.base}
    partial = [] if done == wanted else [f"**Partial**: experiments run so far: {', '.join(done)}; not yet: "
                                         f"{', '.join(e for e in wanted if e not in done)}.", ""]
    text = "\n".join([
        f"# {study} at the {args.profile} profile, seeds {args.seeds}", "",
        f"`python benchmarks/replication/run_mini.py {study} --seeds {args.seeds}"
        + "".join(f" --experiment {e}" for e in args.experiments or []) + f"`, report written {when}"
        + (f" from the runs of {', '.join(p.name if p.parent == args.out else str(p) for p in args.merge)} merged"
           if getattr(args, "merge", None) else "")
        + ("; trivial baselines rescored by today's replication/baselines.py on each run's own test split "
           "(dataset hashes checked)" if getattr(args, "rescore_baselines", False) else "") + "; "
        f"{first.hardware.get('cpu_count')} CPU cores (shared with other work: times compare within this "
        f"table only), torch {first.versions.get('torch')}, transformers {first.versions.get('transformers')}, "
        f"peft {first.versions.get('peft')}.", "", *partial,
        "Data: the offline stand-ins (deduplicated, split by source file, validation split for checkpoint "
        "and learning-rate selection); models: the packaged MiniLM encoder and this tool's small pretrained bases "
        + "; ".join(f"{m} ({b.get('steps')} steps, {b.get('tokens', 0):,} tokens, final loss "
                    f"{b.get('final_loss', float('nan')):.2f})" for m, b in bases.items()) + ".", "",
        "## Reported vs replicated", "",
        "Gain = PEFT minus full fine-tuning (FMFT) on the study's metric, mean over seeds; the interval is a "
        "paired bootstrap over seeds and test examples (1,000 resamples). A gain whose interval includes 0 "
        "is within noise; where a trivial baseline scores at or above every method the stand-in cannot "
        "tell methods apart and no verdict is given.", "",
        compare_table(rows), "",
        *(["† the interval the runs' own process computed (saved with them); their .json kept no per-example "
           "units, so this report could not compute it again; the verdict beside it was computed here without "
           "an interval.", ""] if any(r.get("ci95_from") for r in rows) else []),
        "## Runs", "",
        *(["Each method's learning rate was chosen on the validation split from 0.3x, 1x and 3x its mini rate, "
        "trained with the first seed; the later seeds reuse it (the lr column; sweep = the validation scores "
        "the first seed's three trainings reached). Train time excludes validation and the sweep.", ""]
          if any(r.method_config.get("lr_selection") for r in records) else []),
        runs_table(records), "",
        "Dataset sizes (train+test): " + ", ".join(sorted({f"{r.dataset} {r.dataset_size}" for r in records})) + ".",
        "",
    ])
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{study}_{args.profile}.md").write_text(text)
    (args.out / f"{study}_{args.profile}.json").write_text(json.dumps(
        {"runs": [r.model_dump(mode="json") for r in records], "compare": rows}, default=str))
    print(text, flush=True)


if __name__ == "__main__":
    main()
