"""Run P30 at the mini profile and write benchmarks/replication/P30_mini.md (+ .json).

    python benchmarks/replication/run_p30_mini.py [--seed 0] [--out benchmarks/replication]

What it compares, for real, on this machine's CPU: full fine-tuning, adapter tuning and
LoRA on the P30 analogues (defect prediction over derived code changes; commit message
generation for them), with the packaged MiniLM encoder standing in for CodeBERT and our
pretrained small T5 for CodeT5.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def table(records) -> str:
    lines = ["| experiment | model | method | trainable | train time | peak RSS | metric | other metrics | status |",
             "|---|---|---|---:|---:|---:|---:|---|---|"]
    from replication.studies import get

    wanted = {e.name: e.replicated_metric for e in get("P30").experiments}
    for r in records:
        key = wanted[r.experiment]
        metric = f"{key} {r.metrics[key]:.3f}" if key in r.metrics else "-"
        others = ", ".join(f"{k} {v:.3f}" for k, v in r.metrics.items() if k != key)
        status = r.status if r.status == "ok" else f"{r.status}: {r.error}"
        lines.append(f"| {r.experiment} | {r.model} | {r.method} | {100 * r.trainable_share:.2f}% "
                     f"({r.trainable_params:,}) | {r.train_seconds:.0f} s | {r.peak_memory_bytes / 2**30:.2f} GB | "
                     f"{metric} | {others} | {status} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    parser.add_argument("--experiments", nargs="*")
    args = parser.parse_args(argv)

    import replication

    records = []
    for record in replication.run("P30", profile="mini", seed=args.seed, experiments=args.experiments):
        print(f"{record.experiment} {record.method}: {record.status} {record.metrics}", flush=True)
        records.append(record)
    first = records[0]
    from replication.bases import base_path

    meta_path = base_path("encoder-decoder") / "meta.json"
    base = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    text = "\n".join([
        "# P30 at the mini profile", "",
        f"`python benchmarks/replication/run_p30_mini.py` on {when}, seed {args.seed}; "
        f"{first.hardware.get('cpu_count')} CPU cores, torch {first.versions.get('torch')}, "
        f"transformers {first.versions.get('transformers')}, peft {first.versions.get('peft')}.", "",
        "Tasks are analogues (task_fidelity = analogue): defect prediction over commit-like changes "
        "derived from the Python standard library (half inject a defect, half rename a local or "
        "add/drop a docstring), and generating those changes' messages. jitdp-codebert uses the "
        "packaged MiniLM encoder (all-MiniLM-L6-v2) for CodeBERT; the CodeT5 rows use the small T5 "
        f"this tool pretrained on mined stdlib code ({base.get('objective', '?')}, {base.get('steps', '?')} "
        f"steps, {base.get('tokens_seen', 0):,} tokens, final loss {base.get('final_loss', float('nan')):.2f}). "
        "Method settings are the study's released ones (AT bottleneck ratio 128/768, LoRA r=64 for JIT-DP, "
        "r=8 for CMG, alpha 32, on q/v). Peak memory is the process's resident set sampled during the run "
        "(it includes the Python process and libraries, so differences between methods are what matter). "
        "Times are wall-clock on a shared machine: compare them within this table only.", "",
        table(records), "",
        "Dataset sizes (train+test): " + ", ".join(sorted({f"{r.dataset} {r.dataset_size}" for r in records})) + ".",
        "",
    ])
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "P30_mini.md").write_text(text)
    (args.out / "P30_mini.json").write_text(json.dumps([r.model_dump(mode="json") for r in records], indent=1))
    print(text)


if __name__ == "__main__":
    main()
