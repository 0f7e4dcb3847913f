"""BitFit (Ben Zaken et al. 2022): train only the bias terms (and the task head).

Hand-written: it is a selection of existing parameters, and no maintained library ships
it for arbitrary Hugging Face models. T5 and Llama have no biases in their linear layers,
so on those we add zero-initialised biases to the layers' linear maps (the model's output
is unchanged at the start) and train only those: the method's defining property holds.
"""
import torch
from torch import nn

from replication.methods.base import Method, freeze_all_but_head, head_names, layer_stacks


def apply(model, ctx, cfg):
    if cfg["add_missing_biases"]:
        for _, stack in layer_stacks(model):
            for module in stack.modules():
                if isinstance(module, nn.Linear) and module.bias is None:
                    module.bias = nn.Parameter(torch.zeros(
                        module.out_features, dtype=module.weight.dtype, device=module.weight.device))
    freeze_all_but_head(model)
    heads = tuple(f"{h}." for h in head_names(model))
    for name, p in model.named_parameters():
        if name.endswith("bias") and not name.startswith(heads):
            p.requires_grad_(True)
    return model


def notes(ctx, cfg):
    if cfg["add_missing_biases"] and ctx.model_type in ("t5", "llama"):
        return [f"{ctx.model_type} has no linear biases: zero-initialised ones are added and trained"]
    return []


METHOD = Method(name="BitFit", library="ours", apply=apply, notes=notes,
                defaults={"add_missing_biases": True}, lr=1e-3)
