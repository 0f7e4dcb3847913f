"""Houlsby adapters (Houlsby et al. 2019): a bottleneck after the self-attention and after the
feed-forward sublayer of every layer, reading the sublayer's output after its dropout and
adding to it before the residual add and layer norm: out = LN(x + h + A(h)) (AdapterHub's
DoubleSeqBnConfig; replication/methods/bottleneck.py has the wiring and says why no library
is used). Init "houlsby": the paper's near-identity N(0, 0.01), truncated at two std.

Options the studies set: `bottleneck_dim` (exact width) or `reduction_factor`;
`train_layer_norm` (Houlsby et al. tuned the layer norms too, as P30's OpenDelta code does;
off by default as in AdapterHub); `dropout` (the adapter's own, after its up-projection, 0 as
in AdapterHub); `placement` ("houlsby"; P30's OpenDelta AdapterModel is "output": after
the whole sublayer, with init "opendelta" and non_linearity "gelu_new"); `init`.
Difference: T5's cross-attention gets no adapter (AdapterHub's cross_adapter=False default).
"""
from replication.methods import bottleneck
from replication.methods.base import Method


def apply(model, ctx, cfg):
    bottleneck.insert(model, cfg["placement"], bottleneck.width_rule(cfg), cfg["non_linearity"],
                      kinds=("attention", "ffn"), dropout=cfg["dropout"], init=cfg["init"])
    bottleneck.train_adapters_only(model, cfg["train_layer_norm"])
    return model


METHOD = Method(name="Adapter (Houlsby)", library="ours", apply=apply,
                defaults={"reduction_factor": 16, "non_linearity": "swish", "train_layer_norm": False,
                          "dropout": 0.0, "placement": "houlsby", "init": "houlsby"},
                lr=1e-3)
