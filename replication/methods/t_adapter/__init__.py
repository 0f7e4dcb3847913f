"""T-Adapter (task adapter stacked on a frozen language adapter), MAD-X style, as in P28 and
P36 (Pfeiffer et al. 2020, "MAD-X").

Every feed-forward block gets two bottleneck adapters in a stack: a language adapter, first
trained alone with the model's self-supervised objective on mined Python code and then
frozen, and a task adapter above it that trains on the task with the head. Difference from
the studies: their language adapters had long MLM pre-training on CodeSearchNet/CodeNet;
ours is short (the run's step count, capped at `pretrain_steps`) on standard-library code.
Placement: Pfeiffer's, the two stacked as AdapterHub's Stack (the task adapter reads the
layer-normed sum after the language adapter; replication/methods/bottleneck.py), init "bert".
Difference: no invertible adapters on the embeddings (MAD-X's "pfeiffer+inv").
"""
from replication.methods import _adapters
from replication.methods.base import Method


def apply(model, ctx, cfg):
    _adapters.add_adapter(model, "language", cfg["language_reduction_factor"], cfg["non_linearity"])
    _adapters.language_pretrain(model, ctx, cfg, "language")
    _adapters.add_adapter(model, "task", cfg["reduction_factor"], cfg["non_linearity"])
    _adapters.set_trainable(model, adapters=("task",))
    return model


METHOD = Method(name="T-Adapter", library="ours", apply=apply,
                notes=("no invertible adapters on the embeddings (MAD-X's pfeiffer+inv)",
                       "language pre-training is short and on mined Python code"),
                defaults={"reduction_factor": 16, "language_reduction_factor": 2, "non_linearity": "relu",
                          **_adapters.PRETRAIN_DEFAULTS},
                lr=1e-3)
