"""Pfeiffer adapters (Pfeiffer et al. 2021, AdapterFusion; AdapterHub's SeqBnConfig): one
bottleneck per layer, after the feed-forward sublayer's residual add and layer norm.

In AdapterHub's terms (original_ln_before=True, original_ln_after=True, residual_before_ln=True,
mh_adapter=False, output_adapter=True): the adapter reads y = LN(x + h), the feed-forward
output h after its dropout added to the residual x and normalised; its output is added to h,
and the layer's residual add and layer norm are applied again: out = LN(x + h + A(y)). On the
pre-LN T5 and Llama, where there is no norm after the residual, out = y + A(y) with y = x + h.
Wiring in replication/methods/bottleneck.py (which says why no library is used). Init "bert"
(N(0, 0.02), AdapterHub's default); `train_layer_norm` and `dropout` as for Houlsby.
"""
from replication.methods import bottleneck
from replication.methods.base import Method


def apply(model, ctx, cfg):
    bottleneck.insert(model, cfg["placement"], bottleneck.width_rule(cfg), cfg["non_linearity"], kinds=("ffn",),
                      dropout=cfg["dropout"], init=cfg["init"])
    bottleneck.train_adapters_only(model, cfg["train_layer_norm"])
    return model


METHOD = Method(name="Adapter (Pfeiffer)", library="ours", apply=apply,
                defaults={"reduction_factor": 16, "non_linearity": "relu", "train_layer_norm": False,
                          "dropout": 0.0, "placement": "pfeiffer", "init": "bert"},
                lr=1e-3)
