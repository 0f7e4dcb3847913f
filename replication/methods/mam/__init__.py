"""MAM adapter ("Mix-And-Match", He et al. 2022), as P31 compares it.

Prefix tuning on the attention (peft's PrefixTuning: trainable key/value prefixes in every
layer) plus a scaled parallel adapter beside every feed-forward block (He et al.: s=4, a
bottleneck half the width of the model for their 1024-wide BART; l=30 prefix tokens).
Like every prefix method it needs a model that takes past key/values, so it refuses
T5ForSequenceClassification as Prefix Tuning does. On encoder-decoder models the prefix covers
the encoder's self-attention and the decoder's cross-attention too, as in He et al.'s code
(replication/methods/_prefix.py; peft alone prefixes only the decoder's self-attention).
Difference: He et al. train the prefix through a reparameterisation MLP (mid_dim 800;
AdapterHub's MAMConfig: bottleneck_size=800) and count the parameters without it; ours trains
the prefix directly (`prefix_projection` False), the same parameters as theirs at inference.
"""
from replication.methods import _adapters, _peft, _prefix
from replication.methods.base import Method


def apply(model, ctx, cfg):
    from peft import PrefixTuningConfig

    _adapters.insert_parallel(model, cfg["reduction_factor"], cfg["scale"], cfg["non_linearity"])
    config = PrefixTuningConfig(task_type=_peft.task_type(ctx), num_virtual_tokens=cfg["num_virtual_tokens"],
                                prefix_projection=False)
    model = _peft.wrap(model, config)
    if ctx.architecture == "encoder-decoder":
        _prefix.add_t5_prefixes(model, cfg["encoder_prefix"], cfg["cross_prefix"])
    for adapter in _adapters.parallel_adapters(model):
        for p in adapter.parameters():
            p.requires_grad_(True)
    return model


def notes(ctx, cfg):
    out = ["prefix trained directly, without He et al.'s reparameterisation MLP (mid_dim 800)"]
    if ctx.architecture == "encoder-decoder" and not (cfg["encoder_prefix"] and cfg["cross_prefix"]):
        out.append("prefix not in every attention of the encoder-decoder (encoder_prefix/cross_prefix off)")
    return out


METHOD = Method(name="MAM", library="peft+ours", apply=apply, check=_peft.check_soft_prompt, notes=notes,
                defaults={"num_virtual_tokens": 30, "reduction_factor": 2, "scale": 4.0, "non_linearity": "relu",
                          "encoder_prefix": True, "cross_prefix": True},
                lr=1e-3)
