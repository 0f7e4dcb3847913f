"""Every method on every architecture: it trains, and it has its defining property."""
import re

import pytest
import torch
from method_steps import CLS, COMBOS, SCALE, one_step  # tests/replication/method_steps.py

from replication import methods, models, tasks
from replication.errors import MethodUnavailable, ReplicationError
from replication.methods import bottleneck
from replication.methods.base import HEAD_NAMES, Context, count_parameters, layer_stacks

# The methods this file owns; others registered later bring their own property tests.
CORE = ("Full Fine-Tuning", "LoRA", "QLoRA", "AdaLoRA", "(IA)3", "Prefix Tuning", "Prompt Tuning",
        "P-Tuning", "Adapter (Houlsby)", "Adapter (Pfeiffer)", "BitFit", "Layer Freezing")
RUNNABLE = [m for m in CORE if m != "QLoRA"]
SOFT_PROMPTS = {"Prefix Tuning", "Prompt Tuning", "P-Tuning"}


def build(method, arch, head):
    bundle = models.load(f"tiny:{arch}", arch, head)
    ctx = Context(arch, head, bundle.model.config.model_type, total_steps=4)
    before = {n: p.detach().clone() for n, p in bundle.model.named_parameters()}
    model = methods.get(method).prepare(bundle.model, ctx)
    return bundle, model, before


def is_head(name):
    return any(part in HEAD_NAMES for part in name.split("."))


@pytest.mark.parametrize("arch,head", COMBOS)
@pytest.mark.parametrize("method", RUNNABLE)
def test_method_trains_and_keeps_its_property(method, arch, head):
    if method in SOFT_PROMPTS and (arch, head) == ("encoder-decoder", "classification"):
        with pytest.raises(MethodUnavailable, match="input embeddings"):
            build(method, arch, head)
        return
    bundle, model, base = build(method, arch, head)
    trainable, total = count_parameters(model)
    names = {n for n, p in model.named_parameters() if p.requires_grad}
    changed = one_step(bundle, model, arch, head)
    assert changed and changed <= names, "only trainable parameters may move"
    share = trainable / total

    if method == "Full Fine-Tuning":
        assert trainable == total
    elif method in ("LoRA", "AdaLoRA"):
        assert all("lora_" in n or is_head(n) for n in names)
        assert any("lora_A" in n for n in names) and any("lora_B" in n for n in names)
        # AdaLoRA adapts all six attention and FFN matrices at rank 12: a large share of a 64-wide model
        assert share < (0.15 if method == "LoRA" else 0.3)
        if method == "AdaLoRA":
            assert any("lora_E" in n for n in names)      # the SVD-style singular values
            methods.get(method).after_step(model, 1)
    elif method == "(IA)3":
        assert all("ia3_l" in n or is_head(n) for n in names) and share < 0.05
    elif method in SOFT_PROMPTS:
        assert all("prompt_encoder" in n or is_head(n) for n in names) and share < 0.25
        assert not any("prompt_encoder" not in n and not is_head(n) for n in changed)
    elif method in ("Adapter (Houlsby)", "Adapter (Pfeiffer)"):
        layers = sum(len(stack) for _, stack in layer_stacks(model))
        per_layer = 2 if method == "Adapter (Houlsby)" else 1
        assert len(bottleneck.adapter_modules(model)) == per_layer * layers
        assert all(".adapter." in n or is_head(n) for n in names) and share < 0.1
    elif method == "BitFit":
        assert names and all(n.endswith("bias") or is_head(n) for n in names)
        assert any(n.endswith("bias") and not is_head(n) for n in names)
    elif method == "Layer Freezing":
        stacks = layer_stacks(model)
        for _, stack in stacks:
            k = len(stack) // 2
            assert all(not p.requires_grad for layer in list(stack)[:k] for p in layer.parameters())
            assert all(p.requires_grad for layer in list(stack)[k:] for p in layer.parameters())
        assert not any(p.requires_grad for p in model.get_input_embeddings().parameters())
    else:
        pytest.fail(f"no property test for {method}")


@pytest.mark.parametrize("method", ["Adapter (Houlsby)", "Adapter (Pfeiffer)"])
def test_adapters_start_as_identity_with_a_zero_up_projection(method):
    """init="mam_adapter" (zero up-projection): the adapted model computes exactly what the base
    computed. The papers' inits (Houlsby's N(0, 0.01), AdapterHub's N(0, 0.02)) start near it."""
    arch, head = "encoder-only", "classification"
    plain = models.load(f"tiny:{arch}", arch, head).model.eval()
    batch = tasks.collate(CLS, models.load(f"tiny:{arch}", arch, head).tokenizer, arch, head, SCALE)
    batch.pop("labels")
    for init, exact in (("mam_adapter", True), (None, False)):
        bundle = models.load(f"tiny:{arch}", arch, head)
        ctx = Context(arch, head, "roberta", config={"init": init} if init else {})
        adapted = methods.get(method).prepare(bundle.model, ctx).eval()
        with torch.no_grad():
            base, out = plain(**batch).logits, adapted(**batch).logits
        assert torch.equal(base, out) == exact
        assert torch.allclose(base, out, atol=1e-3)


def test_qlora_refuses_without_cuda_and_bitsandbytes():
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    bundle = models.load("tiny:decoder-only", "decoder-only", "generation")
    ctx = Context("decoder-only", "generation", "llama")
    with pytest.raises(MethodUnavailable, match="CUDA"):
        methods.get("QLoRA").prepare(bundle.model, ctx)


def test_aliases_resolve_and_unknown_methods_explain():
    assert methods.canonical("AT") == "Adapter (Houlsby)"
    assert methods.canonical("FMFT") == "Full Fine-Tuning"
    assert methods.canonical("telly-k") == "Layer Freezing"
    with pytest.raises(ReplicationError, match="unknown method 'LoRAA'.*LoRA"):
        methods.canonical("LoRAA")
    from taxonomy import methods as vocabulary

    missing = [n for n in vocabulary().names if n not in methods.REGISTRY]
    if missing:
        with pytest.raises(ReplicationError, match="no implementation"):
            methods.canonical(missing[0])


def test_registry_names_are_canonical_in_the_taxonomy():
    from taxonomy import methods as vocabulary

    assert set(CORE) <= set(methods.REGISTRY)
    for name in methods.REGISTRY:
        assert vocabulary().get(name).name == name
        assert re.fullmatch(r"[a-z0-9_]+", methods.REGISTRY[name])


@pytest.mark.parametrize("method", ["Prefix Tuning", "MAM", "Pass-Tuning"])
@pytest.mark.parametrize("arch", ["encoder-only", "decoder-only"])
def test_prefixes_reach_the_attention_of_classification_heads(method, arch):
    """The prefix is not only accepted but used: changing the prefix encoder changes the logits.
    (Guards the adaptation in _peft.wrap for transformers' `cache` keyword.)"""
    bundle, model, _ = build(method, arch, "classification")
    batch = tasks.collate(CLS, bundle.tokenizer, arch, "classification", SCALE)
    batch.pop("labels")
    model.eval()
    with torch.no_grad():
        before = model(**batch).logits.clone()
        for p in model.prompt_encoder.parameters():
            p.add_(torch.randn_like(p))
        after = model(**batch).logits
    assert before.shape == after.shape and not torch.allclose(before, after, atol=1e-4)


@pytest.mark.parametrize("method", ["Adapter (Houlsby)", "Adapter (Pfeiffer)"])
@pytest.mark.parametrize("width", [3, 7, 20])
def test_bottleneck_dim_is_built_as_asked(method, width):
    """bottleneck_dim=100 used to build 109 (hidden // (hidden // 100)); the width asked is the width built."""
    bundle = models.load("tiny:encoder-only", "encoder-only", "classification")
    ctx = Context("encoder-only", "classification", bundle.model.config.model_type, config={"bottleneck_dim": width})
    model = methods.get(method).prepare(bundle.model, ctx)
    assert {a.down.out_features for a in bottleneck.adapter_modules(model)} == {width}
