"""Prompt tuning (Lester et al. 2021) through peft: trainable soft-prompt embeddings.

On encoder-decoder models peft allocates num_virtual_tokens rows per transformer submodule
(2 × num_virtual_tokens for seq2seq) but prepends only the first num_virtual_tokens to the
encoder input, so half the rows never receive a gradient. Lester et al. prompt the encoder
only, so we build the one set that is used (num_transformer_submodules=1): the trainable
count is the prompt that trains.
"""
from replication.methods import _peft
from replication.methods.base import Method


def apply(model, ctx, cfg):
    from peft import PromptTuningConfig

    config = PromptTuningConfig(task_type=_peft.task_type(ctx),
                                num_virtual_tokens=cfg["num_virtual_tokens"], num_transformer_submodules=1)
    return _peft.wrap(model, config)


METHOD = Method(name="Prompt Tuning", library="peft", apply=apply, check=_peft.check_soft_prompt,
                defaults={"num_virtual_tokens": 20}, lr=3e-2)
