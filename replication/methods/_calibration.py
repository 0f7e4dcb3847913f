"""Real code for the methods that must look at data before training starts.

A Method's `apply(model, ctx, cfg)` sees the model, not the run's dataset. CorDA (its
covariance), Layer-Wise Optimization (its layer importance) and the pre-trained adapters
(L-, NER-Adapter, AdapterFusion) need some text first: they get functions mined from the
Python standard library (the same source the offline datasets come from), tokenised with
the model's own tokenizer, and a self-supervised loss that needs no task head:

- encoder-only / encoder-decoder: masked-token prediction on the encoder's last hidden
  state through the tied input embeddings (an MLM head without its dense transform);
- decoder-only: next-token prediction through the input embeddings.
"""
from __future__ import annotations

import io
import random
import tokenize as pytokenize

import torch
from torch import nn
from torch.nn import functional as F

MASK_RATE = 0.15


def tokenizer_for(model: nn.Module):
    """The tokenizer the model was loaded with: a checkpoint's own, else the harness's code
    BPE (tiny models are built from configs and carry no path)."""
    path = getattr(model, "name_or_path", "") or getattr(model.config, "_name_or_path", "")
    if path:
        from transformers import AutoTokenizer

        return AutoTokenizer.from_pretrained(path)
    from replication.tokenizer import code_tokenizer

    return code_tokenizer()


def code_snippets(n: int, seed: int = 0) -> list[str]:
    from replication import data

    functions = data.pretraining_functions(600)   # the set the code tokenizer is trained on: no test function
    rows = [f["code_no_doc"] for f in functions]
    random.Random(seed).shuffle(rows)
    return [rows[i % len(rows)] for i in range(n)]


def device_of(model: nn.Module) -> torch.device:
    return next(model.parameters()).device


def batches(model: nn.Module, n_batches: int, batch_size: int = 8, max_len: int = 128,
            offsets: bool = False, seed: int = 0):
    """Tokenised mined functions: [{input_ids, attention_mask[, offset_mapping], "text"}]."""
    tok = tokenizer_for(model)
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    texts = code_snippets(n_batches * batch_size, seed)
    out = []
    for i in range(0, len(texts), batch_size):
        chunk = texts[i:i + batch_size]
        enc = tok(chunk, truncation=True, max_length=max_len, padding=True, return_tensors="pt",
                  return_offsets_mapping=offsets)
        enc = {k: v.to(device_of(model)) for k, v in enc.items()}
        enc["text"] = chunk
        out.append(enc)
    return out, tok


def unwrap(model: nn.Module) -> nn.Module:
    return model.get_base_model() if hasattr(model, "get_base_model") else model


def backbone(model: nn.Module, architecture: str) -> nn.Module:
    """The stack of transformer layers without any task head (the encoder for T5)."""
    inner = unwrap(model).base_model
    return inner.get_encoder() if architecture == "encoder-decoder" else inner


def hidden_states(model: nn.Module, architecture: str, batch: dict) -> torch.Tensor:
    out = backbone(model, architecture)(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
    return out.last_hidden_state


def lm_loss(model: nn.Module, architecture: str, batch: dict, tokenizer, seed: int = 0) -> torch.Tensor:
    """Self-supervised loss through the tied input embeddings, reaching every layer:
    next-token (decoder-only), masked-token (encoder-only), or reconstructing the input from
    its masked copy through encoder and decoder (encoder-decoder)."""
    ids, mask = batch["input_ids"], batch["attention_mask"]
    emb = model.get_input_embeddings().weight
    if architecture == "decoder-only":
        h = hidden_states(model, architecture, batch)
        logits = h[:, :-1] @ emb.T
        target = ids[:, 1:].masked_fill(mask[:, 1:] == 0, -100)
        return F.cross_entropy(logits.reshape(-1, logits.size(-1)).float(), target.reshape(-1))
    g = torch.Generator().manual_seed(seed)
    chosen = (torch.rand(ids.shape, generator=g) < MASK_RATE).to(ids.device) & (mask == 1)
    chosen[:, 0] |= ~chosen.any(1)              # at least one target per row
    mask_id = tokenizer.mask_token_id if tokenizer.mask_token_id is not None else tokenizer.unk_token_id
    corrupted = ids.masked_fill(chosen, mask_id if mask_id is not None else 0)
    if architecture == "encoder-only":
        h = hidden_states(model, architecture, {"input_ids": corrupted, "attention_mask": mask})
        return F.cross_entropy((h[chosen] @ emb.T).float(), ids[chosen])
    inner = unwrap(model).base_model
    encoded = inner.get_encoder()(input_ids=corrupted, attention_mask=mask).last_hidden_state
    start = model.config.decoder_start_token_id or 0
    decoder_ids = torch.cat([torch.full_like(ids[:, :1], start), ids[:, :-1]], dim=1)
    h = inner.get_decoder()(input_ids=decoder_ids, encoder_hidden_states=encoded,
                            encoder_attention_mask=mask).last_hidden_state
    target = ids.masked_fill(mask == 0, -100)
    logits = h @ emb.T
    return F.cross_entropy(logits.reshape(-1, logits.size(-1)).float(), target.reshape(-1))


def forward_code(model: nn.Module, architecture: str, head: str, batch: dict) -> None:
    """One forward pass of the whole model on code (for statistics such as CorDA's covariance)."""
    kwargs = {"input_ids": batch["input_ids"], "attention_mask": batch["attention_mask"]}
    if architecture == "encoder-decoder" and head == "generation":
        kwargs["decoder_input_ids"] = batch["input_ids"]
    model(**kwargs)


# ---- token types, for the NER adapter's Token Type Classification (P22) ------------------

TOKEN_TYPES = ("other", "keyword", "identifier", "builtin", "number", "string", "operator", "punctuation")
_KEYWORDS = set(__import__("keyword").kwlist)
_BUILTINS = set(dir(__import__("builtins")))
_PUNCT = set("()[]{}:,;.")


def _lexical_types(code: str) -> list[tuple[int, int, int]]:
    """(start char, end char, type id) for each Python token of `code`."""
    starts = [0]
    for line in code.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    spans = []
    try:
        for t in pytokenize.generate_tokens(io.StringIO(code).readline):
            if t.type in (pytokenize.NEWLINE, pytokenize.NL, pytokenize.INDENT, pytokenize.DEDENT,
                          pytokenize.ENDMARKER, pytokenize.COMMENT):
                continue
            if t.type == pytokenize.NAME:
                kind = "keyword" if t.string in _KEYWORDS else "builtin" if t.string in _BUILTINS else "identifier"
            elif t.type == pytokenize.NUMBER:
                kind = "number"
            elif t.type == pytokenize.STRING or t.type >= 59 and "STRING" in pytokenize.tok_name.get(t.type, ""):
                kind = "string"
            elif t.type == pytokenize.OP:
                kind = "punctuation" if t.string in _PUNCT else "operator"
            else:
                kind = "other"
            (r0, c0), (r1, c1) = t.start, t.end
            spans.append((starts[r0 - 1] + c0, starts[r1 - 1] + c1, TOKEN_TYPES.index(kind)))
    except (pytokenize.TokenError, IndentationError, SyntaxError):
        pass
    return spans


def token_type_labels(batch: dict) -> torch.Tensor:
    """One lexical type per sub-word (by its first character), -100 on specials and padding."""
    labels = torch.full(batch["input_ids"].shape, -100, dtype=torch.long)
    for row, (code, offsets) in enumerate(zip(batch["text"], batch["offset_mapping"].tolist())):
        spans = _lexical_types(code)
        for col, (a, b) in enumerate(offsets):
            while a < b and code[a].isspace():      # byte-level BPE glues the space to the word
                a += 1
            if b <= a:
                continue
            labels[row, col] = next((k for s, e, k in spans if s <= a < e), 0)
    return labels.to(batch["input_ids"].device)
