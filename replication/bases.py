"""Small bases for the mini profile, pretrained here on mined Python code and cached.

The hubs are unreachable, and a randomly initialised model learns nothing transferable
in a few CPU minutes of fine-tuning, so PEFT-versus-full comparisons on it carry no
signal. A few minutes of pretraining on real code (masked LM for the encoder, causal LM
for the decoder, T5 span corruption for the encoder-decoder) gives a base that has
something to adapt.

Training is budgeted in optimiser steps (a fixed number of tokens), never in minutes, so the
base does not depend on how loaded the machine was; it runs on one CPU thread with fixed
seeds, so the same torch build rebuilds it bit for bit. meta.json records its identity
(config and weights hashes, steps, tokens, final loss), and every run from it carries that.
"""
from __future__ import annotations

import hashlib
import json
import math
import random
import shutil
import time
from pathlib import Path

ARCHITECTURES = ("encoder-only", "encoder-decoder", "decoder-only")
VOCAB_SIZE = 8000
FUNCTIONS = 8000          # mined functions: tokenizer and pretraining corpus
BLOCK = 128
BATCH = 16
STEPS = 400               # 400 x 16 x 128 = 819,200 tokens (the committed time-budgeted base had 428 steps)
PEAK_LR = 1e-3
WARMUP = 50


def base_path(architecture: str) -> Path:
    from replication.paths import bases_dir

    return bases_dir() / architecture


def is_built(architecture: str) -> bool:
    return (base_path(architecture) / "meta.json").exists()


def ensure(architecture: str, progress: bool = True, steps: int | None = None, force: bool = False) -> Path:
    if force and base_path(architecture).exists():
        shutil.rmtree(base_path(architecture))
    if not is_built(architecture) or "weights_hash" not in identity(architecture):   # older, minute-budgeted
        pretrain(architecture, steps or STEPS, progress)
    return base_path(architecture)


def identity(architecture: str) -> dict:
    """What names a built base: {"config_hash", "weights_hash", "steps", "tokens", "final_loss", ...}."""
    meta = base_path(architecture) / "meta.json"
    return json.loads(meta.read_text()) if meta.exists() else {}


def _weights_hash(path: Path) -> str:
    digest = hashlib.sha256()
    for file in sorted(path.glob("*.safetensors")):
        digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def _blocks(tokenizer, texts: list[str]) -> list[list[int]]:
    stream: list[int] = []
    for text in texts:
        stream += tokenizer(text, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
    size = BLOCK - 2
    return [stream[i:i + size] for i in range(0, len(stream) - size, size)]


def span_corrupt(ids: list[int], sentinels: list[int], eos: int, rng: random.Random,
                 noise: float = 0.15, mean_span: float = 3.0) -> tuple[list[int], list[int]]:
    """T5's objective: drop ~15% of tokens in short spans, each replaced by a sentinel; the
    target lists each sentinel followed by the tokens it hid."""
    n = len(ids)
    masked = [False] * n
    budget = max(1, round(n * noise))
    spans = 0
    while sum(masked) < budget and spans < len(sentinels):
        length = max(1, round(rng.expovariate(1 / mean_span)))
        start = rng.randrange(n)
        for i in range(start, min(n, start + length)):
            masked[i] = True
        spans += 1
    source, target, k, i = [], [], 0, 0
    while i < n:
        if masked[i] and k < len(sentinels):
            source.append(sentinels[k])
            target.append(sentinels[k])
            while i < n and masked[i]:
                target.append(ids[i])
                i += 1
            k += 1
        else:
            source.append(ids[i])
            i += 1
    return source + [eos], target + [eos]


def _pad(rows: list[list[int]], pad: int, fill: int | None = None):
    import torch

    width = max(len(r) for r in rows)
    return torch.tensor([r + [pad if fill is None else fill] * (width - len(r)) for r in rows])


def _batch(architecture: str, rows: list[list[int]], tokenizer, rng: random.Random, mlm):

    pad, bos, eos = tokenizer.pad_token_id, tokenizer.bos_token_id, tokenizer.eos_token_id
    if architecture == "encoder-only":
        return mlm([{"input_ids": [bos] + r + [eos]} for r in rows])
    if architecture == "decoder-only":
        ids = _pad([[bos] + r + [eos] for r in rows], pad)
        labels = ids.clone()
        labels[ids == pad] = -100
        return {"input_ids": ids, "attention_mask": (ids != pad).long(), "labels": labels}
    sentinels = tokenizer.convert_tokens_to_ids([f"<extra_id_{i}>" for i in range(32)])
    pairs = [span_corrupt(r, sentinels, eos, rng) for r in rows]
    src = _pad([s for s, _ in pairs], pad)
    labels = _pad([t for _, t in pairs], pad, fill=-100)
    return {"input_ids": src, "attention_mask": (src != pad).long(), "labels": labels}


def pretrain(architecture: str, steps: int = STEPS, progress: bool = True) -> Path:
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)          # a sum split over threads rounds differently: one thread, one answer
    try:
        return _pretrain(architecture, steps, progress)
    finally:
        torch.set_num_threads(threads)


def _pretrain(architecture: str, steps: int, progress: bool) -> Path:
    import torch
    import transformers as tf
    from tqdm.auto import tqdm

    from replication import configs, data
    from replication.tokenizer import code_tokenizer

    tf.set_seed(0)
    rng = random.Random(0)
    tokenizer = code_tokenizer(VOCAB_SIZE, FUNCTIONS)
    # training files only: no function of any fine-tuning validation or test split reaches the base
    texts = [f["code"] for f in data.pretraining_functions(FUNCTIONS)]
    blocks = _blocks(tokenizer, texts)
    config = configs.make_config(architecture, tokenizer, configs.BASE)
    cls = {"encoder-only": tf.RobertaForMaskedLM, "decoder-only": tf.LlamaForCausalLM,
           "encoder-decoder": tf.T5ForConditionalGeneration}[architecture]
    model = cls(config)
    mlm = tf.DataCollatorForLanguageModeling(tokenizer, mlm_probability=0.15)
    optimizer = torch.optim.AdamW(model.parameters(), lr=PEAK_LR, weight_decay=0.01)
    bar = tqdm(total=steps, desc=f"pretraining {architecture} base", unit="step", disable=not progress)
    start, losses = time.perf_counter(), []
    model.train()
    for step in range(steps):
        if step % math.ceil(len(blocks) / BATCH) == 0:
            rng.shuffle(blocks)
        i = (step * BATCH) % max(1, len(blocks) - BATCH)
        batch = _batch(architecture, blocks[i:i + BATCH], tokenizer, rng, mlm)
        lr = PEAK_LR * min(1.0, (step + 1) / WARMUP) * max(0.1, 1 - step / steps)
        for group in optimizer.param_groups:
            group["lr"] = lr
        loss = model(**batch).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())
        bar.update(1)
        bar.set_postfix(loss=f"{sum(losses[-20:]) / len(losses[-20:]):.3f}")
    bar.close()
    path = base_path(architecture)
    model.save_pretrained(str(path))
    tokenizer.save_pretrained(str(path))
    meta = {"architecture": architecture, "objective": {"encoder-only": "masked LM", "decoder-only": "causal LM",
                                                        "encoder-decoder": "span corruption"}[architecture],
            "steps": steps, "seconds": round(time.perf_counter() - start, 1), "batch": BATCH, "block": BLOCK,
            "tokens": steps * BATCH * BLOCK, "corpus_blocks": len(blocks), "functions": len(texts),
            "corpus": "training files of the mined split (replication.data.pretraining_functions)",
            "config_hash": configs.config_hash(config), "weights_hash": _weights_hash(path), "seed": 0,
            "first_loss": losses[0] if losses else None,
            "final_loss": sum(losses[-50:]) / len(losses[-50:]) if losses else None,
            "parameters": sum(p.numel() for p in model.parameters()), "size": configs.BASE}
    (path / "meta.json").write_text(json.dumps(meta, indent=2))
    return path
