"""P-Tuning (Liu et al. 2021) through peft: soft prompts produced by a small MLP encoder.

As for prompt tuning, peft would give a seq2seq model 2 × num_virtual_tokens prompt rows and
use only the first half (the encoder's); we build the rows that are used
(num_transformer_submodules=1), so every trainable parameter receives a gradient.
"""
from replication.methods import _peft
from replication.methods.base import Method


def apply(model, ctx, cfg):
    from peft import PromptEncoderConfig

    config = PromptEncoderConfig(task_type=_peft.task_type(ctx),
                                 num_virtual_tokens=cfg["num_virtual_tokens"],
                                 encoder_hidden_size=cfg["encoder_hidden_size"],
                                 encoder_reparameterization_type="MLP", num_transformer_submodules=1)
    return _peft.wrap(model, config)


METHOD = Method(name="P-Tuning", library="peft", apply=apply, check=_peft.check_soft_prompt,
                defaults={"num_virtual_tokens": 20, "encoder_hidden_size": 128}, lr=1e-2)
