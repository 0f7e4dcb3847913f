"""A byte-level BPE tokenizer trained locally with `tokenizers` on mined Python code.

Used by the tiny smoke models and the mini bases (the hubs are unreachable, and a code
vocabulary is what the studies' models have). Cached by vocabulary size and corpus size.
"""
from __future__ import annotations

from pathlib import Path

N_SENTINELS = 32          # T5-style <extra_id_i> for span corruption
SPECIALS = ["<pad>", "<s>", "</s>", "<unk>", "<mask>"] + [f"<extra_id_{i}>" for i in range(N_SENTINELS)]


def train(texts: list[str], vocab_size: int):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=SPECIALS, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(texts, trainer)
    bos, eos = tok.token_to_id("<s>"), tok.token_to_id("</s>")
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> $B </s>", special_tokens=[("<s>", bos), ("</s>", eos)])
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<s>", eos_token="</s>", pad_token="<pad>", unk_token="<unk>",
        mask_token="<mask>", additional_special_tokens=SPECIALS[5:])


def code_tokenizer(vocab_size: int = 1024, functions: int = 600):
    """The cached tokenizer for (vocab_size, functions), training it on first use."""
    from transformers import PreTrainedTokenizerFast

    from replication import data
    from replication.paths import cache_dir

    path: Path = cache_dir() / "tokenizers" / f"code-bpe-{vocab_size}-{functions}-train-files"
    if (path / "tokenizer.json").exists():
        return PreTrainedTokenizerFast.from_pretrained(str(path))
    texts = [f["code"] for f in data.pretraining_functions(functions)]     # training files only
    tok = train(texts, vocab_size)
    tok.save_pretrained(str(path))
    return tok
