"""Train and evaluate one (experiment, method) at one profile, filling a RunRecord.

The loop is deliberately plain (nanoGPT-style): seed, model, method, AdamW with linear
warm-up/decay, gradient accumulation through accelerate (which is also what makes
`accelerate launch` spread a paper-profile run over several GPUs), then evaluation.
Where the profile names learning-rate factors, the rate is chosen on the validation split
first (`choose_lr`); the test split is scored once, with the chosen rate's best checkpoint.
"""
from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field

from replication import data as datasets
from replication import environment, methods, models, tasks
from replication.errors import ReplicationError
from replication.methods.base import Context, count_parameters
from replication.record import RunRecord, utc_now


def total_steps(scale, train_size: int) -> int:
    per_epoch = math.ceil(train_size / (scale.batch_size * scale.grad_accum))
    steps = max(1, math.ceil(per_epoch * scale.epochs))
    return min(steps, scale.max_steps) if scale.max_steps else steps


# The baselines depend on the data, the metric and the pool only, not on the method or seed: score them
# once per process for all the runs of an experiment.
_BASELINES: dict[tuple, dict[str, float]] = {}
# The learning rate chosen on validation per (study, experiment, method, profile, data, model): the first
# seed's sweep chooses it and the later seeds of the same process train with it.
_CHOSEN_LR: dict[tuple, dict] = {}


def _trivial_baselines(data, dataset_hash: str, metric: str, pool: int) -> dict[str, float]:
    from replication import baselines

    key = (data.name, dataset_hash, metric, pool)
    if key not in _BASELINES:
        _BASELINES[key] = baselines.trivial_baselines(data, metric, pool)
    return dict(_BASELINES[key])


def selection_metric(experiment) -> str:
    """What picks the checkpoint on the validation split: the study's metric, except pass@k (the
    validation split is mined code without unit tests), where edit similarity stands in."""
    metric = experiment.replicated_metric
    return "edit-sim" if metric.startswith("pass@") else metric


def selection_steps(steps: int, checks: int) -> list[int]:
    """The optimiser steps after which the validation split is scored (always the last)."""
    return sorted({max(1, round(steps * (i + 1) / checks)) for i in range(checks)}) if checks else []


def lr_candidates(base: float, factors: tuple[float, ...]) -> list[float]:
    """The rates a sweep tries: `base` (the study's or the method's rate) times each factor."""
    return sorted({float(f"{base * f:.3g}") for f in factors})


@dataclass
class Fit:
    """One training run: the model with its best-on-validation weights restored, and what it cost."""
    model: object
    bundle: object
    method_config: dict
    trainable: int
    total: int
    steps: int
    tokens: int
    seconds: float
    loss: float
    validation: float | None            # the chosen checkpoint's validation score (None: no validation split)
    notes: list[str] = field(default_factory=list)


def train_and_evaluate(record: RunRecord, experiment, setup, method_name: str, data_dir=None,
                       progress: bool = True, step_hook=None, allow_code_execution: bool = False,
                       device: str = "auto") -> RunRecord:
    """Fills `record` in place as it goes, so a failure or Ctrl-C leaves what was known. `device`:
    "auto" (CUDA when torch sees it), "cpu" or "cuda"."""
    from accelerate import Accelerator

    # peft calls a transformers API that warns of its own deprecation on every wrap
    warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
    scale = setup.scale
    method = methods.get(method_name)
    cuda = environment.use_cuda(device)
    accelerator = Accelerator(cpu=not cuda, mixed_precision="bf16" if cuda else "no",
                              gradient_accumulation_steps=scale.grad_accum)

    data = datasets.load(setup.dataset, scale.train_size, scale.eval_size, data_dir)
    record.dataset, record.dataset_kind = data.name, data.kind
    record.dataset_size, record.dataset_hash = data.size, data.hash
    if not data.train or not data.test:
        raise ReplicationError(f"dataset '{data.name}' gave {len(data.train)} training and "
                               f"{len(data.test)} test examples; both must be non-empty")
    record.trivial_baselines = _trivial_baselines(data, record.dataset_hash, experiment.replicated_metric,
                                                  scale.ranking_pool)
    # each process of an `accelerate launch` sees its shard of every epoch
    steps = math.ceil(total_steps(scale, len(data.train)) / accelerator.num_processes)
    if accelerator.num_processes > 1:
        record.notes.append(f"distributed: {accelerator.num_processes} processes ({accelerator.distributed_type.value}), "
                            f"{steps} steps each on its shard; every process scores the whole test split and the "
                            f"main one reports")

    fits = []

    def fit(lr: float) -> Fit:
        if fits:        # a sweep: drop the accelerator's hold on the last candidate (a gc pass: not per run)
            accelerator.free_memory()
        fits.append(lr)
        return _fit(record, experiment, setup, method, data, accelerator, steps, lr, cuda, progress, step_hook)

    threads = None if cuda else scale.cpu_threads
    if threads is not None:
        record.hardware = {**record.hardware, "torch_threads": threads}
    with environment.CpuThreads(threads), environment.PeakMemory(cuda) as memory:
        chosen, selection = choose_lr(record, experiment, setup, method, data, fit)
        record.method_config = {**chosen.method_config, **({"lr_selection": selection} if selection else {})}
        record.trainable_params, record.total_params = chosen.trainable, chosen.total
        record.steps, record.train_seconds = chosen.steps, chosen.seconds
        record.tokens_per_second = chosen.tokens / chosen.seconds if chosen.seconds else 0.0
        record.notes += chosen.notes
        start = time.perf_counter()
        record.metrics, notes, record.per_example = tasks.evaluate(
            accelerator.unwrap_model(chosen.model), chosen.bundle.tokenizer, data.test, experiment.architecture,
            experiment.head, scale, accelerator.device, metric=experiment.replicated_metric,
            allow_code_execution=allow_code_execution)
        record.notes += notes
        record.eval_seconds = time.perf_counter() - start
    record.peak_memory_bytes, record.memory_kind = memory.peak, memory.kind
    record.metrics["final_train_loss"] = chosen.loss
    record.status, record.finished_at = "ok", utc_now()
    return record


def choose_lr(record, experiment, setup, method, data, fit) -> tuple[Fit, dict | None]:
    """Train at the profile's rate, or, where the profile names `lr_factors` and there is a validation
    split, at each candidate rate with the record's seed, keeping the one whose best checkpoint scores
    highest on validation. A later seed of the same experiment reuses the rate the first one chose.
    Returns the fit to test and what the sweep saw (None where nothing was chosen)."""
    scale = setup.scale
    base = scale.lr.get(method.name, method.lr)
    if not scale.lr_factors or not data.validation or not scale.validation_checks:
        return fit(base), None
    key = (record.study, experiment.name, method.name, record.profile, record.dataset_hash, setup.model)
    if key in _CHOSEN_LR:
        return fit(_CHOSEN_LR[key]["chosen"]), {**_CHOSEN_LR[key], "reused": True}
    began, best, scores = time.perf_counter(), None, {}
    for lr in lr_candidates(base, scale.lr_factors):
        candidate = fit(lr)
        scores[f"{lr:g}"] = candidate.validation
        if best is None or candidate.validation > best.validation:
            best = candidate
        candidate = None          # let a losing model go before the next one trains
    selection = {"metric": selection_metric(experiment), "base_lr": base, "factors": list(scale.lr_factors),
                 "validation": scores, "chosen": best.method_config["lr"], "seed": record.seed,
                 "sweep_seconds": round(time.perf_counter() - began, 1)}
    _CHOSEN_LR[key] = selection
    best.notes.append(f"learning rate {best.method_config['lr']:g} chosen on the validation split by "
                      f"{selection['metric']} from {', '.join(f'{k}: {v:.4g}' for k, v in scores.items())} "
                      f"(seed {record.seed}; later seeds reuse it)")
    return best, {**selection, "reused": False}


def _fit(record, experiment, setup, method, data, accelerator, steps: int, lr: float, cuda: bool,
         progress: bool, step_hook) -> Fit:
    import torch
    from tqdm.auto import tqdm
    from transformers import get_linear_schedule_with_warmup, set_seed

    scale, head, arch = setup.scale, experiment.head, experiment.architecture
    set_seed(record.seed)
    ctx = Context(architecture=arch, head=head, model_type="", total_steps=steps, cuda=cuda)
    bundle = models.load(setup.model, arch, head, data.num_labels,
                         method.load_kwargs(ctx) if method.load_kwargs else None)
    record.model, record.base = bundle.model_id, bundle.base
    ctx = Context(architecture=arch, head=head, model_type=bundle.model.config.model_type,
                  total_steps=steps, cuda=cuda, config=experiment.method_config.get(method.name, {}))
    set_seed(record.seed)                   # the method's new weights do not depend on the base's path
    model = method.prepare(bundle.model, ctx)
    config = {**method.config(ctx), "lr": lr}
    trainable, total = count_parameters(model)
    # known before training: a failure or Ctrl-C leaves them on the record
    record.method_config, record.trainable_params, record.total_params = config, trainable, total

    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=scale.weight_decay)
    schedule = get_linear_schedule_with_warmup(optimizer, int(steps * scale.warmup_ratio), steps)
    loader = torch.utils.data.DataLoader(
        data.train, batch_size=scale.batch_size, shuffle=True,
        generator=torch.Generator().manual_seed(record.seed),
        collate_fn=lambda b: tasks.collate(b, bundle.tokenizer, arch, head, scale))
    # the schedule stays unprepared and steps once per optimiser step (see the loop)
    model, optimizer, loader = accelerator.prepare(model, optimizer, loader)

    checks = selection_steps(steps, scale.validation_checks if data.validation else 0)
    chooser = selection_metric(experiment)
    best: tuple[float, int, dict] | None = None
    scored: list[str] = []
    validating = 0.0              # seconds spent scoring the validation split: not training time
    tokens, step = 0, 0
    bar = tqdm(total=steps, desc=f"{record.study} {experiment.name} {method.name} lr {lr:g}",
               disable=not progress, leave=False)
    start = time.perf_counter()
    model.train()
    while step < steps:
        for batch in loader:
            with accelerator.accumulate(model):
                loss = model(**batch).loss
                accelerator.backward(loss)
                if accelerator.sync_gradients:      # the studies' released code clips at 1.0 (PEFT4CC, PT4Code)
                    accelerator.clip_grad_norm_(params, 1.0)
                optimizer.step()                  # a no-op until the accumulation completes
                if accelerator.sync_gradients:
                    schedule.step()
                    if method.after_step:
                        method.after_step(accelerator.unwrap_model(model), step)
                optimizer.zero_grad()
            tokens += tasks.count_tokens(batch)
            if accelerator.sync_gradients:
                step += 1
                record.steps = step
                bar.update(1)
                bar.set_postfix(loss=f"{loss.item():.3f}")
                if step_hook:
                    step_hook(step, loss.item())
                if step in checks:      # keep the trainable weights that score best on validation
                    began = time.perf_counter()
                    value = _validate(accelerator, model, bundle, data, arch, head, scale, chooser)
                    validating += time.perf_counter() - began
                    scored.append(f"{step}: {value:.4g}")
                    if best is None or value > best[0]:
                        best = (value, step, _trainable_state(accelerator.unwrap_model(model)))
                    model.train()
                if step >= steps:
                    break
    seconds = time.perf_counter() - start - validating
    bar.close()
    notes = []
    if best is not None:
        _restore(accelerator.unwrap_model(model), best[2])
        notes.append(f"checkpoint: step {best[1]} of {steps}, chosen on the validation split by "
                     f"{chooser} (step: value, {'; '.join(scored)})")
    return Fit(model=model, bundle=bundle, method_config=config, trainable=trainable, total=total, steps=step,
               tokens=tokens, seconds=seconds, loss=float(loss.item()), validation=best[0] if best else None,
               notes=notes)


def _validate(accelerator, model, bundle, data, arch, head, scale, metric: str) -> float:
    return tasks.score(accelerator.unwrap_model(model), bundle.tokenizer, data.validation, arch, head, scale,
                       accelerator.device, metric)


def _trainable_state(model) -> dict:
    return {name: p.detach().clone() for name, p in model.named_parameters() if p.requires_grad}


def _restore(model, state: dict) -> None:
    import torch

    with torch.no_grad():
        for name, p in model.named_parameters():
            if name in state:
                p.copy_(state[name])
