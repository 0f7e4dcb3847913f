"""Houlsby adapters: a bottleneck after the attention block and after the FFN, every layer.

Written here (replication/methods/bottleneck.py says why no library is used).
"""
from replication.methods import bottleneck
from replication.methods.base import Method


def apply(model, ctx, cfg):
    for pattern in (bottleneck.ATTENTION_OUTPUT, bottleneck.FFN_OUTPUT):
        bottleneck.insert(model, pattern, bottleneck.width_rule(cfg), cfg["non_linearity"])
    bottleneck.train_adapters_only(model, cfg["train_layer_norm"])
    return model


METHOD = Method(name="Adapter (Houlsby)", library="ours", apply=apply,
                defaults={"reduction_factor": 16, "non_linearity": "swish", "train_layer_norm": False},
                lr=1e-3)
