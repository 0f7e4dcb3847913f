"""Bottleneck adapters (Houlsby et al. 2019; Pfeiffer et al. 2021), written here.

peft ships no bottleneck adapters, and the `adapters` package (AdapterHub) pins a
transformers older than 5.x, so it cannot live in the same environment as the rest of
the harness. What follows reproduces AdapterHub's wiring (adapters/methods/modeling.py:
Adapter.pre_forward, forward, post_forward; configuration/adapter_config.py: SeqBnConfig,
DoubleSeqBnConfig, ParBnConfig) with forward hooks, so the host model's code (which reads
e.g. T5's `wo.weight.dtype`) sees the modules it always did.

Where an adapter reads from and what it adds to is what tells the variants apart. For one
sublayer (self-attention or feed-forward) of one layer, with
    x   the sublayer's residual input,
    h   the sublayer's output after its own dropout, before the residual add,
    LN  the layer norm applied to x + h (post-LN BERT/RoBERTa), or nothing (pre-LN T5, Llama),
    A   up(f(down(u))), optionally scaled and followed by the adapter's dropout,
the placements are:

    houlsby   (DoubleSeqBnConfig)  out = LN(x + h + A(h))                the sublayer output, after dropout
    pfeiffer  (SeqBnConfig)        out = LN(x + h + A(LN(x + h)))        after the residual and the norm;
                                   pre-LN: out = y + A(y), y = x + h     the norm is applied again after it
    output    (OpenDelta Adapter)  out = y + A(y),  y = LN(x + h)        after the whole sublayer, own residual
    parallel  (ParBnConfig)        out = LN(x + h + s·A(x))              reads the sublayer's input

Stacked adapters repeat the step as AdapterHub's Stack does: h_i = h_{i-1} + A_i(u_i) with
u_i = h_{i-1} (houlsby) or LN(x + h_{i-1}) (pfeiffer). AdapterFusion (Fusion below) replaces
the sum of the adapters' A_i(u) by attention over them, as AdapterHub's BertFusion.

Every placement adds exactly zero when the up-projection is zero, so a freshly built adapter
leaves the model's output bit-identical to the frozen model's.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

ACTIVATIONS = {"relu": nn.ReLU, "gelu": nn.GELU, "swish": nn.SiLU, "tanh": nn.Tanh,
               "gelu_new": lambda: nn.GELU(approximate="tanh")}      # OpenDelta's default
PLACEMENTS = ("houlsby", "pfeiffer", "output", "parallel")
KINDS = ("attention", "ffn")


class Bottleneck(nn.Module):
    """down -> non-linearity -> up, scaled, then dropout: the change an adapter makes. The
    caller adds it to the residual its placement prescribes (see AdapterSite)."""

    def __init__(self, dim: int, bottleneck: int, non_linearity: str = "relu", dropout: float = 0.0,
                 scale: float = 1.0, init: str = "mam_adapter", dtype: torch.dtype | None = None, device=None):
        super().__init__()
        self.down = nn.Linear(dim, bottleneck, dtype=dtype, device=device)
        self.act = ACTIVATIONS[non_linearity]()
        self.up = nn.Linear(bottleneck, dim, dtype=dtype, device=device)
        self.scale = scale
        # No Dropout module at p=0: a p=0 dropout still draws random numbers in training, which
        # would shift the model's own dropout masks away from the frozen model's.
        self.dropout = nn.Dropout(dropout) if dropout else None
        initialise(self, init)

    def delta(self, u: torch.Tensor) -> torch.Tensor:
        out = self.up(self.act(self.down(u)))
        if self.scale != 1.0:
            out = out * self.scale
        return self.dropout(out) if self.dropout is not None else out

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """A residual adapter on its own input (hidden + delta), for direct use."""
        return hidden + self.delta(hidden)


INITS = ("mam_adapter", "bert", "houlsby", "opendelta")


@torch.no_grad()
def initialise(adapter: Bottleneck, init: str) -> None:
    """The initialisations of the libraries the studies used, by AdapterHub's names
    (Adapter.__init__, init_weights) and OpenDelta's (AdapterLayer._init_weight). Biases start at zero."""
    if init not in INITS:
        raise ValueError(f"unknown adapter init '{init}'; known: {', '.join(INITS)}")
    for layer in (adapter.down, adapter.up):
        nn.init.zeros_(layer.bias)
    if init == "mam_adapter":       # down keeps PyTorch's Kaiming-uniform, up is zero: starts as the base model
        nn.init.zeros_(adapter.up.weight)
    elif init == "bert":            # N(0, 0.02): AdapterHub's default (SeqBnConfig, DoubleSeqBnConfig)
        for layer in (adapter.down, adapter.up):
            nn.init.normal_(layer.weight, std=0.02)
    elif init == "houlsby":         # Houlsby et al.'s near-identity: N(0, 0.01) truncated at two std
        for layer in (adapter.down, adapter.up):
            nn.init.trunc_normal_(layer.weight, std=1e-2, a=-2e-2, b=2e-2)
    else:                           # opendelta: N(0, 0.01)
        for layer in (adapter.down, adapter.up):
            nn.init.normal_(layer.weight, std=0.01)


def parameter_count(dim: int, width: int) -> int:
    """Weights and biases of one Bottleneck: down (dim·width + width) and up (width·dim + dim)."""
    return 2 * dim * width + width + dim


def width_rule(cfg: dict):
    """The adapter's bottleneck width for a sublayer of width `dim`: `bottleneck_dim` exactly where
    given (what OpenDelta and the studies' code set: 100 means 100, not hidden // (hidden // 100)),
    else dim // reduction_factor as AdapterHub computes it."""
    if cfg.get("bottleneck_dim"):
        return lambda dim: int(cfg["bottleneck_dim"])
    return lambda dim: max(1, int(dim // cfg["reduction_factor"]))


# ---- where the sublayers are, per model family -----------------------------------------------

@dataclass
class Site:
    """One sublayer of one layer, and the modules its tensors can be read from."""
    name: str                   # the container's module name (adapters attach to it as a child)
    kind: str                   # attention | ffn
    container: nn.Module
    h_from: nn.Module           # its output (or output[0]) is h: the sublayer output after dropout
    x_from: nn.Module           # its forward input carries x, the sublayer's residual input
    x_arg: tuple[int, str]      # x's position and keyword in x_from.forward
    norm: nn.Module | None      # the post-residual LayerNorm (post-LN models), else None
    dim: int
    reference: nn.Linear        # a Linear of the sublayer: the adapter takes its dtype and device


def _bert_sites(name, module):
    # RobertaSelfOutput / RobertaOutput (and BERT's): LayerNorm(dropout(dense(h_in)) + input_tensor)
    if not all(isinstance(getattr(module, a, None), t) for a, t in
               (("dense", nn.Linear), ("dropout", nn.Dropout), ("LayerNorm", nn.LayerNorm))):
        return []
    parts = name.split(".")
    if parts[-2:-1] == ["attention"] and parts[-1] == "output":
        kind = "attention"
    elif parts[-1] == "output" and len(parts) > 1 and parts[-2].isdigit():
        kind = "ffn"
    else:
        return []
    return [Site(name, kind, module, module.dropout, module, (1, "input_tensor"), module.LayerNorm,
                 module.dense.out_features, module.dense)]


def _t5_sites(name, module):
    # T5LayerSelfAttention: x + dropout(SelfAttention(LN(x))); T5LayerFF: x + dropout(DenseReluDense(LN(x)))
    if hasattr(module, "SelfAttention") and isinstance(getattr(module, "dropout", None), nn.Dropout):
        o = module.SelfAttention.o
        return [Site(name, "attention", module, module.dropout, module, (0, "hidden_states"), None, o.out_features, o)]
    if hasattr(module, "DenseReluDense") and isinstance(getattr(module, "dropout", None), nn.Dropout):
        wo = module.DenseReluDense.wo
        return [Site(name, "ffn", module, module.dropout, module, (0, "hidden_states"), None, wo.out_features, wo)]
    return []


def _llama_sites(name, module):
    # LlamaDecoderLayer (and its kin): x1 = x + self_attn(LN1(x)); out = x1 + mlp(LN2(x1)); no dropout
    if not all(hasattr(module, a) for a in ("self_attn", "mlp", "input_layernorm", "post_attention_layernorm")):
        return []
    o, down = module.self_attn.o_proj, module.mlp.down_proj
    return [Site(f"{name}.self_attn", "attention", module.self_attn, module.self_attn, module, (0, "hidden_states"),
                 None, o.out_features, o),
            Site(f"{name}.mlp", "ffn", module.mlp, module.mlp, module.post_attention_layernorm, (0, "hidden_states"),
                 None, down.out_features, down)]


def sites(model: nn.Module, kinds=KINDS) -> list[Site]:
    """Every self-attention and feed-forward sublayer of every layer (T5's cross-attention is
    left out, as AdapterHub's configs leave it out unless cross_adapter is set)."""
    found = []
    for name, module in model.named_modules():
        for site in _bert_sites(name, module) or _t5_sites(name, module) or _llama_sites(name, module):
            if site.kind in kinds:
                found.append(site)
    if not found:
        raise ValueError(f"no transformer sublayers found for {type(model).__name__}; "
                         f"adapters know BERT/RoBERTa, T5 and Llama layouts")
    return found


# ---- the adapters at one sublayer, and their wiring -------------------------------------------

class AdapterSite(nn.Module):
    """The adapters at one sublayer: applied in order (a stack), or combined by an
    AdapterFusion layer when one is set; `placement` says where they read and add."""

    def __init__(self, site: Site, placement: str):
        super().__init__()
        if placement not in PLACEMENTS:
            raise ValueError(f"unknown adapter placement '{placement}'; known: {', '.join(PLACEMENTS)}")
        self.placement, self.kind, self.dim = placement, site.kind, site.dim
        ref = site.reference.weight
        self.dtype = ref.dtype if ref.is_floating_point() else None
        self.device = ref.device
        self.adapters = nn.ModuleDict()
        self.fusion: nn.Module | None = None
        self.active: tuple[str, ...] | None = None      # None: all, in order (AdapterHub's active setup)
        # A plain tuple, not an attribute nn.Module would register: the norm belongs to the host
        # layer (registering it here would list its parameters twice).
        self._norm = (site.norm,)
        self._x: torch.Tensor | None = None

    def add(self, name: str, width: int, non_linearity: str, **kwargs) -> Bottleneck:
        adapter = Bottleneck(self.dim, width, non_linearity, dtype=self.dtype, device=self.device, **kwargs)
        self.adapters[name] = adapter
        return adapter

    def _post(self, stream: torch.Tensor) -> torch.Tensor:
        norm = self._norm[0]
        return norm(stream) if norm is not None else stream

    def input_of(self, h: torch.Tensor, x: torch.Tensor | None) -> torch.Tensor:
        """What an adapter reads, given the sublayer's output so far and its residual input."""
        if self.placement == "houlsby":
            return h
        if self.placement == "parallel":
            return x
        return self._post(x + h)        # pfeiffer, and output on pre-LN models (see module docstring)

    def on_h(self, h: torch.Tensor) -> torch.Tensor:
        """The sublayer output h -> h' that the layer's own residual add (and norm) then take."""
        x, self._x = self._x, None
        if self.fusion is not None and self.active is None:
            u = self.input_of(h, x)
            return h + self.fusion(u, [adapter.delta(u) for adapter in self.adapters.values()])
        for adapter in self.running():
            h = h + adapter.delta(self.input_of(h, x))
        return h

    def on_output(self, y: torch.Tensor) -> torch.Tensor:
        """`output` placement on a post-LN sublayer: y = LN(x + h) -> y + A(y)."""
        for adapter in self.running():
            y = y + adapter.delta(y)
        return y

    def running(self) -> list[Bottleneck]:
        return [self.adapters[n] for n in (self.active if self.active is not None else self.adapters)]


def _tensor_of(output):
    return output[0] if isinstance(output, tuple) else output


def _replace(output, tensor):
    return (tensor,) + tuple(output[1:]) if isinstance(output, tuple) else tensor


def attach(model: nn.Module, placement: str, attribute: str = "adapter", kinds=KINDS) -> list[tuple[str, AdapterSite]]:
    """An empty AdapterSite on every sublayer of the given kinds, wired in by forward hooks.
    Returns (sublayer name, site) pairs; add adapters to the sites with AdapterSite.add."""
    placed = []
    for site in sites(model, kinds):
        holder = AdapterSite(site, placement)
        site.container.add_module(attribute, holder)
        needs_x = placement in ("pfeiffer", "parallel") or (placement == "output" and site.norm is None)
        if needs_x:
            index, keyword = site.x_arg

            def remember(module, args, kwargs, holder=holder, index=index, keyword=keyword):
                holder._x = args[index] if len(args) > index else kwargs[keyword]

            site.x_from.register_forward_pre_hook(remember, with_kwargs=True)
        if placement == "output" and site.norm is not None:
            site.container.register_forward_hook(
                lambda module, args, output, holder=holder: _replace(output, holder.on_output(_tensor_of(output))))
        else:
            site.h_from.register_forward_hook(
                lambda module, args, output, holder=holder: _replace(output, holder.on_h(_tensor_of(output))))
        placed.append((site.name, holder))
    return placed


def insert(model: nn.Module, placement: str, width, non_linearity: str, kinds=KINDS, attribute: str = "adapter",
           **adapter_kwargs) -> list[str]:
    """One adapter at every sublayer of the given kinds; return the sublayers' names.
    `width(dim)` gives its bottleneck width (see width_rule)."""
    placed = attach(model, placement, attribute, kinds)
    for _, holder in placed:
        holder.add("default", width(holder.dim), non_linearity, **adapter_kwargs)
    return [name for name, _ in placed]


def adapter_modules(model: nn.Module) -> list[Bottleneck]:
    return [m for m in model.modules() if isinstance(m, Bottleneck)]


def adapter_sites(model: nn.Module, attribute: str | None = None) -> list[AdapterSite]:
    return [m for n, m in model.named_modules()
            if isinstance(m, AdapterSite) and (attribute is None or n.rsplit(".", 1)[-1] == attribute)]


def layer_norm_parameters(model: nn.Module) -> list[tuple[str, nn.Parameter]]:
    """Every layer norm's parameters, by name as the studies' code selects them (P30's OpenDelta
    setup unfreezes "LayerNorm" for RoBERTa and "layer_norm" for T5, which includes
    final_layer_norm); Llama's RMSNorms are input_layernorm / post_attention_layernorm / norm."""
    out = []
    for name, module in model.named_modules():
        leaf = name.rsplit(".", 1)[-1].lower()
        if "layernorm" in leaf or "layer_norm" in leaf or (leaf == "norm" and "RMSNorm" in type(module).__name__):
            out.extend((f"{name}.{n}", p) for n, p in module.named_parameters(recurse=False))
    return out


def train_adapters_only(model: nn.Module, train_layer_norm: bool = False) -> None:
    """Freeze everything but the task head and the adapters, and (where the study trained them,
    as Houlsby et al. did) the layer norms."""
    from replication.methods.base import freeze_all_but_head

    freeze_all_but_head(model)
    for adapter in adapter_modules(model):
        for p in adapter.parameters():
            p.requires_grad_(True)
    if train_layer_norm:
        for _, p in layer_norm_parameters(model):
            p.requires_grad_(True)
