"""Shared glue for the methods that huggingface/peft implements."""
from __future__ import annotations

import inspect
import types

from torch import nn

from replication.methods.base import Context, head_names

# Explicit rather than peft's internal defaults, so a record says what was adapted.
ATTENTION_QV = {
    "roberta": ["query", "value"], "bert": ["query", "value"],
    "t5": ["q", "v"], "llama": ["q_proj", "v_proj"],
}
# (IA)3 (Liu et al. 2022) rescales keys, values and the feed-forward's inner activation (the
# input of its output projection). On BERT/RoBERTa a plain "output.dense" suffix would also
# catch attention.output.dense (and scale the attention output's input): regexes, anchored on
# the layer, take only the feed-forward's output projection.
_BERT_FFN_OUT = r".*\.layer\.\d+\.output\.dense$"
IA3_TARGETS = {   # (targets, feed-forward subset)
    "roberta": (r".*\.layer\.\d+\.(attention\.self\.(key|value)|output\.dense)$", _BERT_FFN_OUT),
    "bert": (r".*\.layer\.\d+\.(attention\.self\.(key|value)|output\.dense)$", _BERT_FFN_OUT),
    "t5": (["k", "v", "wo"], ["wo"]),
    "llama": (["k_proj", "v_proj", "down_proj"], ["down_proj"]),
}
# Every weight matrix of attention and feed-forward (AdaLoRA's paper set: W_q, W_k, W_v, W_o,
# W_f1, W_f2; CorDA's); on T5 the suffixes also match the decoder's cross-attention.
ALL_LINEAR = {
    "roberta": r".*\.layer\.\d+\.(attention\.self\.(query|key|value)|attention\.output\.dense|"
               r"intermediate\.dense|output\.dense)$",
    "bert": r".*\.layer\.\d+\.(attention\.self\.(query|key|value)|attention\.output\.dense|"
            r"intermediate\.dense|output\.dense)$",
    "t5": ["q", "k", "v", "o", "wi", "wi_0", "wi_1", "wo"],
    "llama": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
}


def check_soft_prompt(ctx: Context) -> None:
    """Soft prompts enter as input embeddings, which T5ForSequenceClassification refuses
    (it finds its answer position from input_ids); say so before building anything."""
    from replication.errors import MethodUnavailable

    if ctx.head == "classification" and ctx.architecture == "encoder-decoder":
        raise MethodUnavailable("soft-prompt methods need a model that accepts input embeddings; "
                                "transformers' T5ForSequenceClassification does not: use the "
                                "generation head (label words) or an encoder-only model")


def task_type(ctx: Context):
    from peft import TaskType

    if ctx.head == "classification":
        return TaskType.SEQ_CLS
    return TaskType.SEQ_2_SEQ_LM if ctx.architecture == "encoder-decoder" else TaskType.CAUSAL_LM


def targets(table: dict, ctx: Context, override=None):
    if override:
        return override
    try:
        return table[ctx.model_type]
    except KeyError:
        raise ValueError(f"no default target modules for model type '{ctx.model_type}'; "
                         f"pass target_modules in the method config") from None


def wrap(model: nn.Module, peft_config) -> nn.Module:
    from peft import PeftModelForSequenceClassification, PeftType, get_peft_model

    peft_model = get_peft_model(model, peft_config)
    if isinstance(peft_model, PeftModelForSequenceClassification) and peft_config.peft_type == PeftType.PREFIX_TUNING:
        keyword = cache_keyword(model)
        if keyword != "past_key_values":
            peft_model._prefix_tuning_forward = types.MethodType(_prefix_forward(keyword), peft_model)
    return peft_model


def cache_keyword(model: nn.Module) -> str:
    """The keyword a model's forward takes its key/value cache by: `past_key_values` up to
    transformers 5.2x, `cache` after (the old name still works through **kwargs, with a warning)."""
    backbone = getattr(model, getattr(model, "base_model_prefix", ""), model)
    for module in (model, backbone):
        parameters = inspect.signature(module.forward).parameters
        for keyword in ("past_key_values", "cache"):
            if keyword in parameters:
                return keyword
    return "past_key_values"


def _prefix_forward(keyword: str):
    """peft (0.21) runs prefix tuning on a classification head only when the model's forward
    names `past_key_values` in its signature, and otherwise raises "Model does not support past
    key values". Since transformers renamed the argument to `cache`, every classification model
    fails that check although it takes the prefix perfectly well. This replaces peft's
    PeftModelForSequenceClassification._prefix_tuning_forward with one that hands the prefix over
    under the name the model uses; the prompt itself and its attention mask stay peft's (the mask
    is already extended by peft's forward before this is called)."""

    def forward(self, input_ids=None, attention_mask=None, inputs_embeds=None, labels=None,
                output_attentions=None, output_hidden_states=None, return_dict=None, **kwargs):
        batch_size = (input_ids if input_ids is not None else inputs_embeds).shape[0]
        kwargs.update(input_ids=input_ids, attention_mask=attention_mask, inputs_embeds=inputs_embeds,
                      output_attentions=output_attentions, output_hidden_states=output_hidden_states,
                      return_dict=return_dict)
        kwargs[keyword] = self.get_prompt(batch_size)
        return self.base_model(labels=labels, **kwargs)

    return forward


def modules_to_save(model: nn.Module, ctx: Context) -> list[str] | None:
    return head_names(model) or None if ctx.head == "classification" else None
