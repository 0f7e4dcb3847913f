"""Pfeiffer adapters: one bottleneck after the FFN of every layer (AdapterFusion's placement).

Written here (replication/methods/bottleneck.py says why no library is used).
"""
from replication.methods import bottleneck
from replication.methods.base import Method


def apply(model, ctx, cfg):
    bottleneck.insert(model, bottleneck.FFN_OUTPUT, bottleneck.width_rule(cfg), cfg["non_linearity"])
    bottleneck.train_adapters_only(model)
    return model


METHOD = Method(name="Adapter (Pfeiffer)", library="ours", apply=apply,
                defaults={"reduction_factor": 16, "non_linearity": "relu"}, lr=1e-3)
