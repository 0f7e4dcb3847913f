"""Turning examples into batches, and predictions into metrics, for the two task heads.

classification examples: {"text", ["text_pair"], "label"}
generation examples:     {"source", "target"}
"""
from __future__ import annotations

import torch

from replication import metrics


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
def evaluate(model, tokenizer, examples, architecture, head, scale, device) -> dict[str, float]:
    model.eval()
    size = max(1, scale.batch_size * 2)
    if head == "classification":
        labels, preds, scores, classes = [], [], [], None
        for i in range(0, len(examples), size):
            batch = collate(examples[i:i + size], tokenizer, architecture, head, scale)
            gold = batch.pop("labels")
            logits = model(**{k: v.to(device) for k, v in batch.items()}).logits.float()
            probs = logits.softmax(-1).cpu()
            classes = logits.shape[-1]               # the head's classes: the dataset's label set
            labels += gold.tolist()
            preds += probs.argmax(-1).tolist()
            scores += probs[:, -1].tolist()
        return metrics.classification(labels, preds, scores, num_labels=classes)
    hypotheses = []
    for i in range(0, len(examples), size):
        batch = collate(examples[i:i + size], tokenizer, architecture, head, scale, for_eval=True)
        batch = {k: v.to(device) for k, v in batch.items()}
        out = model.generate(**batch, max_new_tokens=scale.max_target_len, num_beams=scale.num_beams,
                             do_sample=False, pad_token_id=tokenizer.pad_token_id)
        if architecture == "decoder-only":
            out = out[:, batch["input_ids"].shape[1]:]
        hypotheses += [h.strip() for h in tokenizer.batch_decode(out, skip_special_tokens=True)]
    references = [e["target"] for e in examples]
    return {"bleu": metrics.smoothed_bleu4(references, hypotheses),
            "sacrebleu": metrics.corpus_bleu(references, hypotheses),
            "exact_match": metrics.exact_match(references, hypotheses),
            "exact_match_strict": metrics.exact_match_strict(references, hypotheses),
            "edit_similarity": metrics.edit_similarity(references, hypotheses)}
