"""Model sizes and configs of the three architectures, shared by the tiny smoke models
(replication/models.py) and the mini bases pretrained here (replication/bases.py).

Its own module so that those two do not import each other: models -> bases -> configs.
"""
from __future__ import annotations

import hashlib

from replication.errors import ReplicationError

ARCHITECTURES = ("encoder-only", "encoder-decoder", "decoder-only")
TINY = {"hidden": 64, "layers": 2, "heads": 4, "ffn": 128}
BASE = {"hidden": 192, "layers": 4, "heads": 4, "ffn": 768}
MAX_POSITIONS = 512


def make_config(architecture: str, tokenizer, size: dict):
    from transformers import LlamaConfig, RobertaConfig, T5Config

    ids = {"pad_token_id": tokenizer.pad_token_id, "bos_token_id": tokenizer.bos_token_id,
           "eos_token_id": tokenizer.eos_token_id}
    vocab = len(tokenizer)
    if architecture == "encoder-only":
        return RobertaConfig(vocab_size=vocab, hidden_size=size["hidden"], num_hidden_layers=size["layers"],
                             num_attention_heads=size["heads"], intermediate_size=size["ffn"],
                             max_position_embeddings=MAX_POSITIONS + ids["pad_token_id"] + 2,
                             type_vocab_size=1, **ids)
    if architecture == "encoder-decoder":
        return T5Config(vocab_size=vocab, d_model=size["hidden"], d_kv=size["hidden"] // size["heads"],
                        d_ff=size["ffn"], num_layers=size["layers"], num_decoder_layers=size["layers"],
                        num_heads=size["heads"], feed_forward_proj="relu",
                        decoder_start_token_id=ids["pad_token_id"], **ids)
    if architecture == "decoder-only":
        return LlamaConfig(vocab_size=vocab, hidden_size=size["hidden"], intermediate_size=size["ffn"],
                           num_hidden_layers=size["layers"], num_attention_heads=size["heads"],
                           num_key_value_heads=size["heads"], max_position_embeddings=MAX_POSITIONS, **ids)
    raise ReplicationError(f"unknown architecture '{architecture}'; known: {', '.join(ARCHITECTURES)}")


def config_hash(config) -> str:
    return "config:" + hashlib.sha256(config.to_json_string(use_diff=False).encode()).hexdigest()[:12]
