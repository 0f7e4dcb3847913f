"""P30's paper profile on real-shaped checkpoints and released-format data: memory, speed and MFU of
full fine-tuning, adapters and LoRA. Run it through gpu_check.sh (at most 10 minutes on one H100/H200):

    bash benchmarks/replication/gpu_check.sh                       # CUDA, bf16, 300 steps per method
    bash benchmarks/replication/gpu_check.sh --device cpu --size tiny --steps 2 --rows 24   # CPU dry run

The checkpoints have codebert-base's and codet5-base's configs with random weights (the hubs are out of
reach), saved under those hub ids in a --models folder; the data are commit-like changes mined from the
standard library written in the layouts PEFT4CC reads (JIT-Fine pickles, MCMD contextual_medits). The
task numbers are therefore meaningless; what is measured is the cost of each method at the study's shapes:
peak GPU memory (torch.cuda.max_memory_allocated), step time, tokens per second and model FLOPs
utilisation. Writes gpu_check.json and gpu_check.md next to this file (or --out).
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

# Dense bf16 peak of one H100 SXM / H200 (NVIDIA's data sheets, without sparsity), for MFU.
PEAK_FLOPS = {"H100": 989.4e12, "H200": 989.4e12}
SIZES = {"real": None, "tiny": {"hidden": 64, "layers": 2, "heads": 4, "ffn": 128}}


def save_checkpoints(root: Path, size: str) -> None:
    """codebert-base and codet5-base shapes (random weights) under their hub ids, with a code tokenizer."""
    import transformers as tf

    from replication import configs
    from replication.tokenizer import code_tokenizer

    tokenizer = code_tokenizer()
    tf.set_seed(0)
    if size == "tiny":
        shapes = {"microsoft/codebert-base": (tf.RobertaForMaskedLM, configs.make_config("encoder-only", tokenizer,
                                                                                        SIZES["tiny"])),
                  "Salesforce/codet5-base": (tf.T5ForConditionalGeneration,
                                             configs.make_config("encoder-decoder", tokenizer, SIZES["tiny"]))}
    else:   # the published configs' shapes (vocabularies included, so embeddings cost what they cost)
        ids = {"pad_token_id": tokenizer.pad_token_id, "bos_token_id": tokenizer.bos_token_id,
               "eos_token_id": tokenizer.eos_token_id}
        shapes = {"microsoft/codebert-base": (tf.RobertaForMaskedLM, tf.RobertaConfig(
                      vocab_size=50265, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                      intermediate_size=3072, max_position_embeddings=514, type_vocab_size=1, **ids)),
                  "Salesforce/codet5-base": (tf.T5ForConditionalGeneration, tf.T5Config(
                      vocab_size=32100, d_model=768, d_kv=64, d_ff=3072, num_layers=12, num_decoder_layers=12,
                      num_heads=12, feed_forward_proj="relu", decoder_start_token_id=ids["pad_token_id"], **ids))}
    for hub_id, (cls, config) in shapes.items():
        folder = root.joinpath(*hub_id.split("/"))
        cls(config).save_pretrained(str(folder))
        tokenizer.save_pretrained(str(folder))


def write_released_data(root: Path, rows: int) -> None:
    """Mined code changes in the layouts PEFT4CC reads: jitfine/changes_*.pkl + features_*.pkl
    (JIT-Fine) and MCMD/java/contextual_medits/*.jsonl (token lists)."""
    import pandas as pd

    from replication.data import load

    jit = load("stdlib-code-changes-jit", rows, rows // 4)
    cmg = load("stdlib-code-changes-cmg", rows, rows // 4)
    features = ["la", "ld", "nf", "ns", "nd", "entropy", "ndev", "lt", "nuc", "age", "exp", "rexp", "sexp", "fix"]
    (root / "jitfine").mkdir(parents=True, exist_ok=True)
    for split, examples in (("train", jit.train), ("valid", jit.validation), ("test", jit.test)):
        ids = [f"{split}{i:038d}" for i in range(len(examples))]
        lines = [e["text"].splitlines() for e in examples]
        codes = [{"added_code": [x[1:] for x in ls if x.startswith("+")],
                  "removed_code": [x[1:] for x in ls if x.startswith("-")]} for ls in lines]
        pd.to_pickle([ids, [e["label"] for e in examples], ["change" for _ in examples], codes],
                     root / f"jitfine/changes_{split}.pkl")
        frame = pd.DataFrame({"commit_hash": ids, **{c: [0.0] * len(ids) for c in features}})
        frame["fix"] = False
        frame.to_pickle(root / f"jitfine/features_{split}.pkl")
    folder = root / "MCMD" / "java" / "contextual_medits"
    folder.mkdir(parents=True, exist_ok=True)
    for split, examples in (("train", cmg.train), ("valid", cmg.validation), ("test", cmg.test)):
        with open(folder / f"{split}.jsonl", "w", encoding="utf-8") as handle:
            for e in examples:
                handle.write(json.dumps({"diff": e["source"].split(), "msg_token": e["target"].split()}) + "\n")


def flops_per_token(total: int, trainable: int) -> float:
    """Training FLOPs a token costs: 2N forward, 2N for the activations' gradients, and 2N for the
    weights' gradients of the trainable parameters only (Kaplan et al.'s 6N when all are trained)."""
    return 4.0 * total + 2.0 * trainable


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cuda", choices=("cuda", "cpu", "auto"))
    parser.add_argument("--size", default="real", choices=tuple(SIZES))
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--rows", type=int, default=2000, help="training changes written per dataset")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args(argv)

    import torch

    import replication

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() and args.device != "cpu" else None
    peak = next((v for k, v in PEAK_FLOPS.items() if gpu and k in gpu), None)
    results = []
    with tempfile.TemporaryDirectory(prefix="slr-gpu-check-") as tmp:
        models, data = Path(tmp) / "models", Path(tmp) / "data"
        save_checkpoints(models, args.size)
        write_released_data(data, args.rows)
        os.environ["SLR_MODELS"] = str(models)
        for record in replication.run("P30", profile="paper", data_dir=str(data), device=args.device,
                                      max_steps=args.steps, progress=False):
            step_seconds = record.train_seconds / record.steps if record.steps else None
            flops = flops_per_token(record.total_params, record.trainable_params) * record.tokens_per_second
            results.append({
                "experiment": record.experiment, "method": record.method, "model": record.model,
                "status": record.status, "error": record.error, "steps": record.steps,
                "trainable_params": record.trainable_params, "total_params": record.total_params,
                "peak_memory_bytes": record.peak_memory_bytes, "memory_kind": record.memory_kind,
                "step_seconds": step_seconds, "tokens_per_second": record.tokens_per_second,
                "model_flops_per_second": flops, "mfu": flops / peak if peak else None})
            print(json.dumps(results[-1]), flush=True)
    meta = {"when": datetime.now(timezone.utc).isoformat(timespec="seconds"), "device": gpu or "cpu",
            "precision": "bf16" if gpu else "fp32", "size": args.size, "steps": args.steps, "rows": args.rows,
            "peak_flops": peak, "torch": torch.__version__}
    args.out.mkdir(parents=True, exist_ok=True)
    stem = "gpu_check" if gpu else "gpu_check_cpu_dry_run"
    (args.out / f"{stem}.json").write_text(json.dumps({"meta": meta, "runs": results}, indent=1))
    lines = [f"# P30 paper profile: cost per method ({meta['device']}, {meta['precision']}, {args.size} shapes, "
             f"{args.steps} steps)", "", f"`bash benchmarks/replication/gpu_check.sh {' '.join(argv or sys.argv[1:])}`"
             f" on {meta['when']}; torch {meta['torch']}. MFU = training FLOPs per second / {peak or 'n/a'} "
             "(dense bf16 peak); training FLOPs per token = 4N + 2N_trainable.", "",
             "| experiment | method | trainable | peak memory | step time | tokens/s | MFU | status |",
             "|---|---|---:|---:|---:|---:|---:|---|"]
    for r in results:
        lines.append(f"| {r['experiment']} | {r['method']} | {r['trainable_params']:,} / {r['total_params']:,} | "
                     f"{r['peak_memory_bytes'] / 2**30:.2f} GiB ({r['memory_kind']}) | "
                     f"{(r['step_seconds'] or 0) * 1000:.0f} ms | {r['tokens_per_second']:,.0f} | "
                     f"{'%.1f%%' % (100 * r['mfu']) if r['mfu'] else '-'} | {r['status']} |")
    (args.out / f"{stem}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0 if all(r["status"] == "ok" for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
