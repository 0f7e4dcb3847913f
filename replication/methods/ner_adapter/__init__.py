"""NER-Adapter (P22: Saberi & Fard, "Model-Agnostic Syntactical Information for Pre-Trained
Programming Language Models", MSR 2023).

The study trains adapters with Token Type Classification (TTC): label each code token with
its syntactic type and learn to predict it, so the adapter carries syntax into a frozen
model; the adapter is then used on downstream tasks. Here: a bottleneck adapter after every
feed-forward block, trained first with TTC on mined Python functions (types from Python's
`tokenize`: keyword, identifier, builtin, number, string, operator, punctuation; a linear
probe that is then discarded), then trained on the task with the head, backbone frozen.
Difference: the study labels tokens from a parser of each language with its own type set;
ours uses Python's lexical types, and the TTC phase is short.
Placement: Pfeiffer's (AdapterHub SeqBnConfig, the library the study's adapters come from):
after the feed-forward sublayer's residual add and layer norm (replication/methods/bottleneck.py).
"""
from replication.methods import _adapters
from replication.methods.base import Method


def apply(model, ctx, cfg):
    _adapters.add_adapter(model, "ner", cfg["reduction_factor"], cfg["non_linearity"])
    _adapters.token_type_pretrain(model, ctx, cfg, "ner")
    _adapters.set_trainable(model, adapters=("ner",))
    return model


METHOD = Method(name="NER-Adapter", library="ours", apply=apply,
                defaults={"reduction_factor": 16, "non_linearity": "relu", **_adapters.PRETRAIN_DEFAULTS},
                lr=1e-3)
