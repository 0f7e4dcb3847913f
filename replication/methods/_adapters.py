"""Adapter building blocks beyond the single bottleneck: named adapters stacked or fused at
one sublayer (MAD-X's L-/T-Adapters, P22's NER-Adapter, AdapterFusion), parallel adapters
(He et al. 2022; P31's Parallel Adapter and MAM), and pre-training adapters on mined code.

Everything is wired by replication/methods/bottleneck.py (AdapterSite and its placements), so
the host model's code is untouched. MAD-X and AdapterFusion use Pfeiffer's architecture
(AdapterHub's SeqBnConfig, "pfeiffer"), so the named adapters sit after the feed-forward
sublayer's residual add and layer norm; a stack applies them in order as AdapterHub's Stack
does, and a fusion layer combines their outputs as AdapterHub's Fuse/BertFusion does.
"""
from __future__ import annotations

import contextlib

import torch
from torch import nn

from replication.methods import bottleneck
from replication.methods.base import freeze_all_but_head

SLOT = "adapter_slot"             # the attribute the named-adapter sites hang under


class Fusion(nn.Module):
    """AdapterFusion (Pfeiffer et al. 2021) as AdapterHub's BertFusion with its default "dynamic"
    config: per position, attention from the adapters' input u (the sublayer output after the
    layer norm: query_before_ln=False) over the adapters' outputs A_i(u) (keys and values, no
    residual in them: residual_before=False); the result is added to the sublayer output h as
    one adapter's would be. Query and key start as BERT's init (N(0, 0.02), zero bias), the
    value map as the identity (value_initialized), so at first the fusion is the mean of the
    adapters' outputs. Differences: the key map has no bias (BertFusion's has one, d parameters
    per layer, but q·b_k is the same for every adapter, so the softmax ignores it and it never
    receives a gradient); AdapterHub's trainer adds a regulariser pulling the value map to the
    identity (regularization=True), and the harness's loop adds no method losses."""

    def __init__(self, dim: int, dropout: float = 0.0, dtype=None, device=None):
        super().__init__()
        self.query = nn.Linear(dim, dim, dtype=dtype, device=device)
        self.key = nn.Linear(dim, dim, bias=False, dtype=dtype, device=device)
        self.value = nn.Linear(dim, dim, bias=False, dtype=dtype, device=device)
        self.dropout = nn.Dropout(dropout) if dropout else None     # on the scores, as BertFusion
        with torch.no_grad():
            for layer in (self.query, self.key):
                nn.init.normal_(layer.weight, std=0.02)
            nn.init.zeros_(self.query.bias)
            self.value.weight.fill_(1e-6).fill_diagonal_(1.0)

    def forward(self, query: torch.Tensor, outputs: list[torch.Tensor]) -> torch.Tensor:
        stacked = torch.stack(outputs, dim=-2)                       # (..., adapters, dim)
        scores = (self.query(query).unsqueeze(-2) * self.key(stacked)).sum(-1)
        if self.dropout is not None:
            scores = self.dropout(scores)
        weights = scores.softmax(-1).unsqueeze(-1)
        return (weights * self.value(stacked)).sum(-2)

    @staticmethod
    def parameter_count(dim: int) -> int:
        return 3 * dim * dim + dim           # query with bias; key and value without


def insert_slots(model: nn.Module, placement: str = "pfeiffer") -> list[bottleneck.AdapterSite]:
    """An (empty) adapter site after every feed-forward sublayer, Pfeiffer's placement."""
    return [site for _, site in bottleneck.attach(model, placement, SLOT, kinds=("ffn",))]


def slots_of(model: nn.Module) -> list[bottleneck.AdapterSite]:
    return bottleneck.adapter_sites(model, SLOT)


def add_adapter(model: nn.Module, name: str, reduction_factor: int, non_linearity: str, init: str = "bert") -> None:
    """Adapter `name` in every slot (slots made on first use). Init "bert": AdapterHub's default
    for the Pfeiffer config that MAD-X and AdapterFusion use."""
    slots = slots_of(model) or insert_slots(model)
    for slot in slots:
        slot.add(name, max(1, slot.dim // reduction_factor), non_linearity, init=init)


def add_fusion(model: nn.Module, dropout: float = 0.0) -> None:
    for slot in slots_of(model):
        slot.fusion = Fusion(slot.dim, dropout, slot.dtype, slot.device)


def set_trainable(model: nn.Module, adapters: tuple[str, ...] = (), fusion: bool = False) -> None:
    """Freeze everything but the task head, the named adapters and (optionally) the fusion layers."""
    freeze_all_but_head(model)
    for slot in slots_of(model):
        for name in adapters:
            for p in slot.adapters[name].parameters():
                p.requires_grad_(True)
        if fusion and slot.fusion is not None:
            for p in slot.fusion.parameters():
                p.requires_grad_(True)


# ---- parallel adapters ---------------------------------------------------------------------

PARALLEL = "parallel_adapter"


class ParallelAdapter(bottleneck.Bottleneck):
    """s · up(f(down(x))): read from the sublayer's input x, added to its output h after the
    sublayer's dropout and before the residual add and norm (He et al. 2022; AdapterHub's
    ParBnConfig, whose ParallelAdapter.pre_forward hands the adapter the residual input). On
    the pre-LN T5 and Llama, x is the residual stream entering the feed-forward sublayer, before
    its layer norm, as in AdapterHub's T5 and Llama adapters and He et al.'s code. Init
    "mam_adapter": Kaiming-uniform down, zero up, zero biases; starts as the pretrained model."""


def insert_parallel(model: nn.Module, reduction_factor: float, scale: float,
                    non_linearity: str = "relu") -> list[str]:
    """A parallel adapter beside every feed-forward sublayer; returns the sublayers' names."""
    placed = bottleneck.attach(model, "parallel", PARALLEL, kinds=("ffn",))
    for _, site in placed:
        site.adapters["default"] = ParallelAdapter(
            site.dim, max(1, int(site.dim / reduction_factor)), non_linearity, scale=scale, init="mam_adapter",
            dtype=site.dtype, device=site.device)
    return [name for name, _ in placed]


def parallel_adapters(model: nn.Module) -> list[ParallelAdapter]:
    return [m for m in model.modules() if isinstance(m, ParallelAdapter)]


# ---- pre-training adapters on mined code ---------------------------------------------------

def pretrain(model: nn.Module, ctx, params: list[nn.Parameter], loss_fn, steps: int, lr: float,
             batch_size: int = 8, max_len: int = 128, offsets: bool = False) -> list[float]:
    """A few AdamW steps on `params` only, over mined functions; returns the losses."""
    from replication.methods import _calibration

    data, tok = _calibration.batches(model, min(steps, 16), batch_size, max_len, offsets=offsets)
    optimizer = torch.optim.AdamW(params, lr=lr)
    losses = []
    was_training = model.training
    model.train()
    for step in range(steps):
        loss = loss_fn(data[step % len(data)], tok)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        losses.append(float(loss.detach()))
    model.train(was_training)
    return losses


@contextlib.contextmanager
def only(model: nn.Module, name: str):
    """Run adapter `name` alone in every slot (AdapterHub's set_active_adapters(name)): each
    adapter is pre-trained by itself, never through the others sharing its slots."""
    slots = slots_of(model)
    saved = [slot.active for slot in slots]
    for slot in slots:
        slot.active = (name,)
    try:
        yield
    finally:
        for slot, active in zip(slots, saved):
            slot.active = active


def pretraining_steps(ctx, cfg) -> int:
    """The run's own step count, capped at `pretrain_steps`: seconds at smoke, more at paper."""
    return max(1, min(cfg["pretrain_steps"], ctx.total_steps))


def language_pretrain(model, ctx, cfg, name: str) -> list[float]:
    """Train adapter `name` alone with the model's self-supervised objective on code (MAD-X's
    language adapter, trained with MLM on the language)."""
    from replication.methods import _calibration

    params = [p for slot in slots_of(model) for p in slot.adapters[name].parameters()]
    for p in model.parameters():
        p.requires_grad_(False)
    for p in params:
        p.requires_grad_(True)
    with only(model, name):
        return pretrain(model, ctx, params,
                        lambda batch, tok: _calibration.lm_loss(model, ctx.architecture, batch, tok),
                        pretraining_steps(ctx, cfg), cfg["pretrain_lr"], max_len=cfg["pretrain_max_len"])


def token_type_pretrain(model, ctx, cfg, name: str) -> list[float]:
    """Train adapter `name` with Token Type Classification (P22's NER adapter): predict each
    sub-word's lexical type (keyword, identifier, builtin, number, string, operator, ...)
    from Python's tokenize, through a temporary linear probe that is discarded afterwards."""
    from torch.nn import functional as F

    from replication.methods import _calibration

    params = [p for slot in slots_of(model) for p in slot.adapters[name].parameters()]
    for p in model.parameters():
        p.requires_grad_(False)
    for p in params:
        p.requires_grad_(True)
    weight = model.get_input_embeddings().weight
    probe = nn.Linear(weight.shape[1], len(_calibration.TOKEN_TYPES), dtype=weight.dtype, device=weight.device)

    def loss(batch, tok):
        h = _calibration.hidden_states(model, ctx.architecture, batch)
        labels = _calibration.token_type_labels(batch)
        return F.cross_entropy(probe(h).reshape(-1, probe.out_features).float(), labels.reshape(-1))

    with only(model, name):
        return pretrain(model, ctx, params + list(probe.parameters()), loss, pretraining_steps(ctx, cfg),
                        cfg["pretrain_lr"], max_len=cfg["pretrain_max_len"], offsets=True)


PRETRAIN_DEFAULTS = {"pretrain_steps": 200, "pretrain_lr": 1e-3, "pretrain_max_len": 128}
