"""AdapterFusion (Pfeiffer et al. 2021), as P22 combines its adapters.

Several adapters are trained first and frozen; a fusion layer per feed-forward block then
learns, on the task, attention from the sublayer output over the adapters' outputs. Our
adapters: a language adapter (self-supervised objective on mined Python code, as
L-Adapter) and a token-type adapter (Token Type Classification, as NER-Adapter). Only the
fusion layers and the task head train on the task. Placement: Pfeiffer's (after the
feed-forward sublayer's residual add and layer norm), the fusion as AdapterHub's BertFusion
(replication/methods/_adapters.py: Fusion), with its dropout on the attention scores at the
model's attention dropout unless `fusion_dropout` is set. Differences: the study fuses the
adapters it trained on its own corpora with long pre-training, ours are short; AdapterHub's
value-matrix regulariser is not added to the loss.
"""
from replication.methods import _adapters
from replication.methods.base import Method


def apply(model, ctx, cfg):
    _adapters.add_adapter(model, "language", cfg["reduction_factor"], cfg["non_linearity"])
    _adapters.add_adapter(model, "ner", cfg["reduction_factor"], cfg["non_linearity"])
    _adapters.language_pretrain(model, ctx, cfg, "language")
    _adapters.token_type_pretrain(model, ctx, cfg, "ner")
    dropout = cfg["fusion_dropout"]
    if dropout is None:
        dropout = getattr(model.config, "attention_probs_dropout_prob", 0.0)
    _adapters.add_fusion(model, dropout)
    _adapters.set_trainable(model, fusion=True)
    return model


METHOD = Method(name="AdapterFusion", library="ours", apply=apply,
                notes=("no AdapterFusion value regulariser in the loss (AdapterHub's dynamic fusion adds one)",
                       "adapters pre-trained briefly on mined Python code, not the study's corpora"),
                defaults={"reduction_factor": 16, "non_linearity": "relu", "fusion_dropout": None,
                          **_adapters.PRETRAIN_DEFAULTS},
                lr=1e-3)
