"""Prefix tuning (Li & Liang 2021): trainable key/value prefixes in every attention layer.

peft's PrefixTuning, plus, on encoder-decoder models, the two prefix sets peft leaves out:
the encoder's self-attention and the decoder's cross-attention (replication/methods/_prefix.py;
Li & Liang's BART code and AdapterHub's PrefixTuningConfig have all three). `encoder_prefix`
and `cross_prefix` turn them off, to run peft's decoder-only prefix. Difference kept from peft:
no reparameterisation MLP by default (`prefix_projection`; Li & Liang train through one and
drop it after training, so the inference-time parameters are the same).
"""
from replication.methods import _peft, _prefix
from replication.methods.base import Method


def apply(model, ctx, cfg):
    from peft import PrefixTuningConfig

    config = PrefixTuningConfig(task_type=_peft.task_type(ctx),
                                num_virtual_tokens=cfg["num_virtual_tokens"],
                                prefix_projection=cfg["prefix_projection"])
    model = _peft.wrap(model, config)
    if ctx.architecture == "encoder-decoder":
        _prefix.add_t5_prefixes(model, cfg["encoder_prefix"], cfg["cross_prefix"])
    return model


def notes(ctx, cfg):
    out = []
    if ctx.architecture == "encoder-decoder":
        missing = [name for name, on in (("encoder", cfg["encoder_prefix"]), ("cross-attention", cfg["cross_prefix"]))
                   if not on]
        if missing:
            out.append(f"no {' or '.join(missing)} prefix (peft prefixes only the decoder's self-attention)")
    if not cfg["prefix_projection"]:
        out.append("prefix trained directly, without Li & Liang's reparameterisation MLP (prefix_projection=False)")
    return out


METHOD = Method(name="Prefix Tuning", library="peft+ours", apply=apply, check=_peft.check_soft_prompt, notes=notes,
                defaults={"num_virtual_tokens": 10, "prefix_projection": False, "encoder_prefix": True,
                          "cross_prefix": True},
                lr=1e-2)
