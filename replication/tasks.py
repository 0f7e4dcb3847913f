"""Turning examples into batches, and predictions into metrics, for the two task heads.

classification examples: {"text", ["text_pair"], "label"}
generation examples:     {"source", "target"}
"""
from __future__ import annotations

import torch

from replication import metrics
from replication.metrics import units


def collate(examples: list[dict], tokenizer, architecture: str, head: str, scale, for_eval: bool = False):
    if head == "classification":
        pairs = [e["text_pair"] for e in examples] if "text_pair" in examples[0] else None
        batch = tokenizer([e["text"] for e in examples], pairs, truncation=True,
                          max_length=scale.max_source_len, padding=True, return_tensors="pt")
        batch["labels"] = torch.tensor([e["label"] for e in examples])
        return dict(batch)
    if architecture == "decoder-only" and not for_eval:
        return _causal_batch(examples, tokenizer, scale)
    sources = tokenizer([e["source"] for e in examples], truncation=True, max_length=scale.max_source_len,
                        padding=True, return_tensors="pt")
    batch = dict(sources)
    if architecture == "encoder-decoder" and not for_eval:
        labels = tokenizer(text_target=[e["target"] for e in examples], truncation=True,
                           max_length=scale.max_target_len, padding=True, return_tensors="pt")["input_ids"]
        labels[labels == tokenizer.pad_token_id] = -100
        batch["labels"] = labels
    return batch


def _causal_batch(examples, tokenizer, scale):
    """prompt + target + eos, right-padded, with the loss on the target only."""
    rows = []
    for e in examples:
        prompt = tokenizer(e["source"], truncation=True, max_length=scale.max_source_len)["input_ids"]
        target = tokenizer(e["target"], add_special_tokens=False)["input_ids"][: scale.max_target_len - 1]
        target = target + [tokenizer.eos_token_id]
        rows.append((prompt + target, [-100] * len(prompt) + target))
    width = max(len(ids) for ids, _ in rows)
    pad = tokenizer.pad_token_id
    input_ids = torch.tensor([ids + [pad] * (width - len(ids)) for ids, _ in rows])
    labels = torch.tensor([lab + [-100] * (width - len(lab)) for _, lab in rows])
    attention = torch.tensor([[1] * len(ids) + [0] * (width - len(ids)) for ids, _ in rows])
    return {"input_ids": input_ids, "attention_mask": attention, "labels": labels}


def count_tokens(batch: dict) -> int:
    n = int(batch["attention_mask"].sum())
    labels = batch.get("labels")
    if labels is not None and labels.dim() == 2 and labels.shape != batch["input_ids"].shape:
        n += int((labels != -100).sum())      # decoder side of an encoder-decoder
    return n


@torch.no_grad()
def evaluate(model, tokenizer, examples, architecture, head, scale, device, metric: str = "",
             allow_code_execution: bool = False) -> tuple[dict[str, float], list[str], dict]:
    """(metrics, notes, per_example). Every metric that applies to the head is computed, the
    experiment's own (`metric`) among them; notes say what could not be computed and why;
    per_example holds that metric's units per test example (replication.metrics.units), from
    which any resample's value is recomputed."""
    model.eval()
    if head == "classification":
        labels, predictions, scores, classes = _classify(model, tokenizer, examples, architecture, scale, device)
        out = metrics.classification(labels, predictions, scores, classes)
        notes: list[str] = []
        rows = units.classification_units(labels, predictions)
        if metric == "mrr":
            out["mrr"], note, rows = _rank(model, tokenizer, examples, architecture, scale, device)
            notes.append(note)
        return out, notes, {"metric": metric, "num_labels": classes, "units": rows}
    hypotheses = _generate(model, tokenizer, examples, architecture, scale, device, samples=1)
    references = [e["target"] for e in examples]
    stripped = [h[0].strip() for h in hypotheses]
    out = {name: compute(references, stripped) for name, compute in metrics.METRICS.items()}
    notes, rows = [], None
    if metric in metrics.METRICS:
        rows = units.text_units(metric, references, stripped)
    elif metric.startswith("pass@"):
        k = int(metric.split("@", 1)[1])
        if "test" not in examples[0]:
            notes.append(f"{metric} not computed: the test split has no unit tests to run")
        elif not allow_code_execution:
            notes.append(f"{metric} not computed: generated code runs only with --allow-code-execution "
                         f"(sandboxed); the text metrics stand in")
        else:
            if scale.samples > 1:
                hypotheses = _generate(model, tokenizer, examples, architecture, scale, device, scale.samples)
            out[metric], note, rows = _pass_at_k(examples, hypotheses, k)
            notes.append(note)
    return out, notes, ({"metric": metric, "units": rows} if rows is not None else {})


@torch.no_grad()
def score(model, tokenizer, examples, architecture, head, scale, device, metric: str) -> float:
    """The one number that picks a checkpoint on the validation split: what `evaluate` reports as
    `metric` (its F1 where it reports no such metric, 0 for a generation metric it does not know),
    without computing the others (twice a run: the rest cost a third of a smoke run's validation)."""
    model.eval()
    if head == "classification":
        if metric == "mrr":
            return _rank(model, tokenizer, examples, architecture, scale, device)[0]
        labels, predictions, scores, classes = _classify(model, tokenizer, examples, architecture, scale, device)
        out = metrics.classification(labels, predictions, scores, classes)
        return out.get(metric, out["f1"])
    if metric not in metrics.METRICS:
        return 0.0
    hypotheses = _generate(model, tokenizer, examples, architecture, scale, device, samples=1)
    return metrics.METRICS[metric]([e["target"] for e in examples], [h[0].strip() for h in hypotheses])


def _batches(examples, scale):
    size = max(1, scale.batch_size * 2)
    return (examples[i:i + size] for i in range(0, len(examples), size))


def _classify(model, tokenizer, examples, architecture, scale, device):
    """(labels, predictions, positive-class scores, number of classes) over `examples`."""
    labels, preds, scores, classes = [], [], [], None
    for chunk in _batches(examples, scale):
        batch = collate(chunk, tokenizer, architecture, "classification", scale)
        gold = batch.pop("labels")
        logits = model(**{k: v.to(device) for k, v in batch.items()}).logits.float()
        probs = logits.softmax(-1).cpu()
        classes = logits.shape[-1]               # the head's classes: the dataset's label set
        labels += gold.tolist()
        preds += probs.argmax(-1).tolist()
        scores += probs[:, -1].tolist()
    return labels, preds, scores, classes


def _rank(model, tokenizer, examples, architecture, scale, device) -> tuple[float, str, list[float]]:
    """Code search as ranking: the matching (query, code) pairs of the test split are cut into pools
    of `scale.ranking_pool`; each query is scored against every code of its pool by the trained
    matcher's match probability and its own code's rank gives the reciprocal rank (ties against it)."""
    blocks, pool = metrics.ranking_pools(examples, scale.ranking_pool)
    if not blocks:
        return 0.0, "mrr: the test split holds no matching pair", []
    reciprocal: list[float] = []
    for block in blocks:
        grid = [{"text": q["text"], "text_pair": c["text_pair"], "label": 0} for q in block for c in block]
        _, _, scores, _ = _classify(model, tokenizer, grid, architecture, scale, device)
        reciprocal += metrics.reciprocal_ranks([scores[i:i + pool] for i in range(0, len(scores), pool)])
    note = (f"mrr: {len(reciprocal)} queries, each ranked against the {pool} codes of its pool "
            f"(chance {metrics.chance_mrr(pool):.3f}); ties count against the true code")
    return sum(reciprocal) / len(reciprocal), note, reciprocal


def _generate(model, tokenizer, examples, architecture, scale, device, samples: int) -> list[list[str]]:
    """`samples` completions per example: greedy (or beam search) for one, sampling for more."""
    out: list[list[str]] = []
    sampling = {"do_sample": True, "temperature": 0.8, "top_p": 0.95, "num_return_sequences": samples} \
        if samples > 1 else {"do_sample": False, "num_beams": scale.num_beams}
    for chunk in _batches(examples, scale):
        batch = collate(chunk, tokenizer, architecture, "generation", scale, for_eval=True)
        batch = {k: v.to(device) for k, v in batch.items()}
        generated = model.generate(**batch, max_new_tokens=scale.max_target_len,
                                   pad_token_id=tokenizer.pad_token_id, **sampling)
        if architecture == "decoder-only":
            generated = generated[:, batch["input_ids"].shape[1]:]
        texts = tokenizer.batch_decode(generated, skip_special_tokens=True)
        out += [texts[i:i + samples] for i in range(0, len(texts), samples)]
    return out


def _pass_at_k(problems, completions: list[list[str]], k: int) -> tuple[float, str, list[list[int]]]:
    """Run each completion against its problem's tests in the sandbox; the unbiased estimator."""
    from replication.metrics.execution import humaneval_program, run_program

    n = len(completions[0])
    if k > n:
        raise ValueError(f"pass@{k} needs at least {k} completions per problem; the scale draws {n}")
    correct = [sum(run_program(humaneval_program(p, c), allow_code_execution=True)[0] for c in cs)
               for p, cs in zip(problems, completions)]
    score = metrics.pass_at_k([n] * len(problems), correct, k)
    note = (f"pass@{k}: {len(problems)} problems, {n} completion(s) each, run in the sandbox; "
            f"{sum(c > 0 for c in correct)} solved")
    return score, note, [[n, c] for c in correct]
