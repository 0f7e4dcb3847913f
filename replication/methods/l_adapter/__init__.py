"""L-Adapter (language adapter), as P28 and P36 use it after MAD-X (Pfeiffer et al. 2020).

The studies train a language adapter with masked language modelling on one programming
language's unlabelled code (CodeSearchNet, CodeNet), then use it on the task. Here, in one
run: a bottleneck adapter after every feed-forward block (MAD-X's placement) is first
trained alone with the model's self-supervised objective on Python functions mined from the
standard library (replication/methods/_calibration.py), then, backbone still frozen, it goes
on training on the task with the task head. Difference from the studies: the language
pre-training is short (the run's step count, capped at `pretrain_steps`) and uses a tied-
embedding MLM head rather than the checkpoint's own; the language is Python.
Placement: MAD-X's Pfeiffer architecture (AdapterHub SeqBnConfig): the adapter reads the
feed-forward sublayer's output after its residual add and layer norm, its output is added
before that add and norm are applied again (replication/methods/bottleneck.py), init "bert".
Difference: MAD-X's language adapters come with invertible adapters on the embeddings
("pfeiffer+inv"); ours have none.
"""
from replication.methods import _adapters
from replication.methods.base import Method


def apply(model, ctx, cfg):
    _adapters.add_adapter(model, "language", cfg["reduction_factor"], cfg["non_linearity"])
    _adapters.language_pretrain(model, ctx, cfg, "language")
    _adapters.set_trainable(model, adapters=("language",))
    return model


METHOD = Method(name="L-Adapter", library="ours", apply=apply,
                notes=("no invertible adapters on the embeddings (MAD-X's pfeiffer+inv)",
                       "language pre-training is short and on mined Python code"),
                defaults={"reduction_factor": 2, "non_linearity": "relu", **_adapters.PRETRAIN_DEFAULTS},
                lr=1e-3)
