"""Bottleneck adapters (Houlsby et al. 2019; Pfeiffer et al. 2020), written here.

peft ships no bottleneck adapters, and the `adapters` package (AdapterHub) pins a
transformers older than 5.x, so it cannot live in the same environment as the rest of
the harness. An adapter is a residual down-project / non-linearity / up-project MLP
placed on the output of a sublayer's output projection, before the residual add and
layer norm, which is where Houlsby puts it. It is attached as a child module of that
projection plus a forward hook, so the host model's code (which reads e.g. T5's
`wo.weight.dtype`) sees the same modules it always did.
"""
from __future__ import annotations

import re

import torch
from torch import nn

# Output projection of the self-attention sublayer, per model family.
ATTENTION_OUTPUT = re.compile(r"(\.attention\.output\.dense|\.SelfAttention\.o|\.self_attn\.o_proj)$")
# Output projection of the feed-forward sublayer.
FFN_OUTPUT = re.compile(r"(\.layer\.\d+\.output\.dense|\.DenseReluDense\.wo|\.mlp\.down_proj)$")

ACTIVATIONS = {"relu": nn.ReLU, "gelu": nn.GELU, "swish": nn.SiLU, "tanh": nn.Tanh}


class Bottleneck(nn.Module):
    def __init__(self, dim: int, bottleneck: int, non_linearity: str = "relu",
                 dtype: torch.dtype | None = None, device=None):
        super().__init__()
        self.down = nn.Linear(dim, bottleneck, dtype=dtype, device=device)
        self.act = ACTIVATIONS[non_linearity]()
        self.up = nn.Linear(bottleneck, dim, dtype=dtype, device=device)
        # Zero up-projection: the adapted model starts as the pretrained one (near-identity init).
        nn.init.zeros_(self.up.weight)
        nn.init.zeros_(self.up.bias)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return hidden + self.up(self.act(self.down(hidden)))


def width_rule(cfg: dict):
    """The adapter's bottleneck width for a sublayer of width `dim`: `bottleneck_dim` exactly where
    given (what OpenDelta and the studies' code set: 100 means 100, not hidden // (hidden // 100)),
    else dim // reduction_factor as AdapterHub computes it."""
    if cfg.get("bottleneck_dim"):
        return lambda dim: int(cfg["bottleneck_dim"])
    return lambda dim: max(1, dim // cfg["reduction_factor"])


def attach_after_outputs(model: nn.Module, pattern: re.Pattern, attribute: str, make) -> list[tuple[str, nn.Module]]:
    """Attach `make(width, dtype, device)` as `attribute` of every Linear whose name matches, and run it
    on that Linear's output (a forward hook). Returns (name, attached module) pairs."""
    def run(module: nn.Module, inputs, output):
        return getattr(module, attribute)(output)

    placed = []
    for name, module in list(model.named_modules()):
        if isinstance(module, nn.Linear) and pattern.search(name):
            dtype = module.weight.dtype if module.weight.is_floating_point() else None
            child = make(module.out_features, dtype, module.weight.device)
            module.add_module(attribute, child)
            module.register_forward_hook(run)
            placed.append((name, child))
    if not placed:
        raise ValueError(f"no sublayer output projections found for {type(model).__name__}; "
                         f"adapters know BERT/RoBERTa, T5 and Llama layouts")
    return placed


def insert(model: nn.Module, pattern: re.Pattern, width, non_linearity: str) -> list[str]:
    """Attach an adapter after every Linear whose name matches; return their names.
    `width(dim)` gives its bottleneck width (see width_rule)."""
    placed = attach_after_outputs(model, pattern, "adapter", lambda dim, dtype, device: Bottleneck(
        dim, width(dim), non_linearity, dtype=dtype, device=device))
    return [name for name, _ in placed]


def adapter_modules(model: nn.Module) -> list[Bottleneck]:
    return [m for m in model.modules() if isinstance(m, Bottleneck)]


def train_adapters_only(model: nn.Module, train_layer_norm: bool = False) -> None:
    from replication.methods.base import freeze_all_but_head

    freeze_all_but_head(model)
    for adapter in adapter_modules(model):
        for p in adapter.parameters():
            p.requires_grad_(True)
    if train_layer_norm:    # Houlsby also tuned layer norms; off by default as in AdapterHub
        for name, p in model.named_parameters():
            if "layernorm" in name.lower() or "layer_norm" in name.lower():
                p.requires_grad_(True)
