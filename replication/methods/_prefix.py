"""The encoder's and the cross-attention's prefixes that peft leaves out on encoder-decoder models.

Li & Liang (2021) prefix every attention of an encoder-decoder: their BART code keeps three
prefix sets (wte/control_trans for the decoder's self-attention, wte_enc/control_trans_enc for
the encoder's, wte2/control_trans2 for the decoder's cross-attention), as do He et al.'s
(2022) MAM code and AdapterHub's PrefixTuningConfig (encoder_prefix=True, cross_prefix=True).
peft 0.21's PrefixTuning on a seq2seq model builds only the decoder's self-attention set: the
T5 encoder takes no cache, so its output stays bit-identical to the frozen model's, and peft
empties the cross-attention cache. This module adds the two missing sets for T5:

- encoder: a forward pre-hook on every encoder self-attention hands it a cache holding that
  layer's prefix keys/values (T5Attention appends its own after them, and shifts its relative
  positions by the prefix length as the decoder's prefix does) and widens the mask by the
  prefix, always attended;
- cross: a forward pre-hook on every decoder cross-attention fills that layer's (empty)
  cross-attention cache with its prefix before T5 appends the encoder's keys/values, so
  generation reuses both, and widens the encoder mask.

Each set has peft's PrefixEncoder form (an embedding of num_virtual_tokens x layers·2·inner,
or, with prefix_projection, an embedding and a two-layer MLP), so the three sets are alike.
They hang under peft's prompt encoder (prompt_encoder.<adapter>.encoder_prefix / .cross_prefix),
so they train with it and are counted with it.
"""
from __future__ import annotations

import copy

import torch
from torch import nn

SETS = ("encoder_prefix", "cross_prefix")


def _t5_attention(stack, sublayer: str):
    """(layer index, T5Attention) of each block of a T5 stack for `SelfAttention` or `EncDecAttention`."""
    out = []
    for block in stack.block:
        for layer in block.layer:
            attention = getattr(layer, sublayer, None)
            if attention is not None:
                out.append((attention.layer_idx, attention))
    return out


def _widen(mask, tokens: int):
    """Let every query attend the prefix: prepend `tokens` key positions to a 4-D mask (bool:
    True attends; float: additive, 0 attends)."""
    if mask is None:
        return None
    if mask.dim() != 4:
        raise ValueError(f"prefix: cannot widen an attention mask of shape {tuple(mask.shape)}")
    fill = torch.ones if mask.dtype == torch.bool else torch.zeros
    pad = fill((*mask.shape[:-1], tokens), dtype=mask.dtype, device=mask.device)
    return torch.cat([pad, mask], dim=-1)


class _Set:
    """One prefix set: computes (layers, 2, heads, tokens, head_dim) once per stack forward."""

    def __init__(self, encoder: nn.Module, tokens: int, layers: int, heads: int, head_dim: int):
        self.encoder, self.tokens, self.layers, self.heads, self.head_dim = encoder, tokens, layers, heads, head_dim
        self.kv: torch.Tensor | None = None

    def compute(self, *_):
        weight = self.encoder.embedding.weight
        ids = torch.arange(self.tokens, device=weight.device).unsqueeze(0)
        kv = self.encoder(ids)[0]                                  # (tokens, layers * 2 * heads * head_dim)
        self.kv = kv.view(self.tokens, self.layers, 2, self.heads, self.head_dim).permute(1, 2, 3, 0, 4)

    def layer(self, index: int, batch: int, dtype):
        k, v = self.kv[index, 0], self.kv[index, 1]               # (heads, tokens, head_dim)
        return (k.unsqueeze(0).expand(batch, -1, -1, -1).to(dtype),
                v.unsqueeze(0).expand(batch, -1, -1, -1).to(dtype))


def add_t5_prefixes(peft_model: nn.Module, encoder: bool = True, cross: bool = True) -> list[str]:
    """Add Li & Liang's encoder and cross-attention prefix sets to a peft prefix-tuned T5;
    returns the names of the sets added."""
    from peft.tuners.prefix_tuning import PrefixEncoder
    from transformers.cache_utils import DynamicCache, EncoderDecoderCache

    base = peft_model.get_base_model()
    if base.config.model_type != "t5":
        raise ValueError(f"encoder/cross prefixes are written for T5; got '{base.config.model_type}'")
    adapter = peft_model.active_adapter
    config = peft_model.peft_config[adapter]
    holder = peft_model.prompt_encoder[adapter]
    heads, head_dim = base.config.num_heads, base.config.d_kv
    tokens = config.num_virtual_tokens
    weight_dtype = holder.embedding.weight.dtype
    added = []

    def make(name: str, layers: int) -> _Set:
        own = copy.copy(config)
        own.num_layers, own.token_dim = layers, heads * head_dim
        module = PrefixEncoder(own).to(device=holder.embedding.weight.device, dtype=weight_dtype)
        holder.add_module(name, module)
        added.append(name)
        return _Set(module, tokens, layers, heads, head_dim)

    encoder_stack, decoder_stack = base.get_encoder(), base.get_decoder()
    if encoder:
        kv = make("encoder_prefix", len(encoder_stack.block))
        encoder_stack.register_forward_pre_hook(kv.compute)

        def encoder_self_attention(module, args, kwargs, kv=kv):
            hidden = args[0] if args else kwargs["hidden_states"]
            k, v = kv.layer(module.layer_idx, hidden.shape[0], module.k.weight.dtype)
            cache = DynamicCache()
            cache.update(k, v, module.layer_idx)
            kwargs["cache"] = cache
            kwargs["mask"] = _widen(kwargs.get("mask"), tokens)
            return args, kwargs

        for _, attention in _t5_attention(encoder_stack, "SelfAttention"):
            attention.register_forward_pre_hook(encoder_self_attention, with_kwargs=True)
    if cross:
        kv = make("cross_prefix", len(decoder_stack.block))
        decoder_stack.register_forward_pre_hook(kv.compute)

        def cross_attention(module, args, kwargs, kv=kv):
            cache = kwargs.get("cache")
            if not isinstance(cache, EncoderDecoderCache):
                raise RuntimeError("the cross-attention prefix rides on the decoder's EncoderDecoderCache, "
                                   "which peft's prefix tuning always passes; this call had none")
            index = module.layer_idx
            if not cache.is_updated.get(index) and cache.cross_attention_cache.get_seq_length(index) == 0:
                hidden = args[0] if args else kwargs["hidden_states"]
                k, v = kv.layer(index, hidden.shape[0], module.k.weight.dtype)
                cache.cross_attention_cache.update(k, v, index)
            kwargs["mask"] = _widen(kwargs.get("mask"), tokens)
            return args, kwargs

        for _, attention in _t5_attention(decoder_stack, "EncDecAttention"):
            attention.register_forward_pre_hook(cross_attention, with_kwargs=True)
    return added


def parameter_count(tokens: int, layers: int, width: int, projection_hidden: int | None = None) -> int:
    """One prefix set as peft's PrefixEncoder builds it: tokens x layers·2·width, or with the
    reparameterisation an embedding (tokens x width) and the MLP width -> hidden -> layers·2·width."""
    if projection_hidden is None:
        return tokens * layers * 2 * width
    out = layers * 2 * width
    return tokens * width + width * projection_hidden + projection_hidden + projection_hidden * out + out
