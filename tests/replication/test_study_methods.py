"""The methods written for single studies (issue 6): each trains on every architecture where
it makes sense, and keeps the property that defines it. Tiny models from configs."""
import re

import pytest
import torch
from method_steps import COMBOS, batch_for, one_step  # tests/replication/method_steps.py

from replication import methods, models
from replication.errors import MethodUnavailable
from replication.methods import _adapters, _calibration
from replication.methods.base import HEAD_NAMES, Context, count_parameters, layer_stacks

STUDY_METHODS = ["Pass-Tuning", "Layer-Wise Optimization", "FF-LoRA", "CorDA", "MAM", "Parallel Adapter",
                 "L-Adapter", "T-Adapter", "NER-Adapter", "AdapterFusion"]
PREFIXED = {"Pass-Tuning", "MAM"}      # prefix methods: T5ForSequenceClassification refuses them
CHEAP = {"pretrain_steps": 3}


def build(method, arch, head, **config):
    bundle = models.load(f"tiny:{arch}", arch, head)
    ctx = Context(arch, head, bundle.model.config.model_type, total_steps=3, config=config)
    return bundle, methods.get(method).prepare(bundle.model, ctx)


def outputs(model, bundle, arch, head):
    batch = batch_for(bundle, arch, head)
    if head == "classification":
        batch.pop("labels")
    with torch.no_grad():
        return model.eval()(**batch).logits


def is_head(name):
    return any(part in HEAD_NAMES for part in name.split("."))


def trainable(model):
    return {n for n, p in model.named_parameters() if p.requires_grad}


def test_registered_and_canonical():
    for name in STUDY_METHODS:
        assert methods.get(name).name == name
        assert methods.get(name).__module__.startswith("replication.methods.")


@pytest.mark.parametrize("arch,head", COMBOS)
@pytest.mark.parametrize("method", STUDY_METHODS)
def test_trains_only_its_own_parameters(method, arch, head):
    if method in PREFIXED and (arch, head) == ("encoder-decoder", "classification"):
        with pytest.raises(MethodUnavailable, match="input embeddings"):
            build(method, arch, head)
        return
    bundle, model = build(method, arch, head, **(CHEAP if "Adapter" in method else {}))
    names = trainable(model)
    changed = one_step(bundle, model, arch, head)
    assert changed and changed <= names
    assert any(not is_head(n) for n in changed), "the method's own parameters must learn"
    trained, total = count_parameters(model)
    assert trained < total


# ---- defining properties ---------------------------------------------------------------------

FFN_NAME = re.compile(r"(intermediate\.dense|\.output\.dense|\.wi(_[01])?|\.wo|gate_proj|up_proj|down_proj)\.lora_")


@pytest.mark.parametrize("arch,head", COMBOS)
def test_ff_lora_adapts_feed_forward_only(arch, head):
    _, model = build("FF-LoRA", arch, head)
    lora = [n for n in trainable(model) if "lora_" in n]
    assert lora and all(FFN_NAME.search(n) for n in lora)
    assert not any(re.search(r"(attention\.|SelfAttention|EncDecAttention|self_attn)", n) for n in lora)
    assert all("lora_" in n or is_head(n) for n in trainable(model))


@pytest.mark.parametrize("arch,head", [("decoder-only", "generation"), ("encoder-only", "classification"),
                                       ("encoder-decoder", "generation")])
def test_corda_starts_from_the_base_function_with_a_residual_base(arch, head):
    plain = models.load(f"tiny:{arch}", arch, head)
    before = outputs(plain.model, plain, arch, head)
    weights = {n: p.detach().clone() for n, p in plain.model.named_parameters()}
    bundle, model = build("CorDA", arch, head)
    after = outputs(model, bundle, arch, head)
    assert torch.allclose(before, after, atol=1e-3), "W_res + B·A must equal W at initialisation"
    moved = [n for n, p in model.named_parameters() if "base_layer.weight" in n
             and not torch.allclose(p, weights[n.replace("base_model.model.", "").replace(".base_layer", "")])]
    assert moved, "CorDA subtracts the adapter's part from the frozen weight"
    a = next(p for n, p in model.named_parameters() if "lora_A" in n)
    assert a.detach().abs().sum() > 0 and next(p for n, p in model.named_parameters() if "lora_B" in n).abs().sum() > 0


@pytest.mark.parametrize("arch,head", COMBOS)
def test_layer_wise_optimization_trains_the_top_scored_layers(arch, head):
    from replication.methods.layer_wise_optimization import importance

    bundle = models.load(f"tiny:{arch}", arch, head)
    ctx = Context(arch, head, bundle.model.config.model_type, total_steps=3)
    method = methods.get("Layer-Wise Optimization")
    scores = importance(bundle.model, ctx, method.config(ctx))
    model = method.prepare(bundle.model, ctx)
    k = max(1, -(-len(scores) // 4))
    assert len(model.lwo_selected_layers) == k
    best = sorted(scores, key=scores.get, reverse=True)[:k]
    assert sorted(best) == model.lwo_selected_layers
    for name, stack in layer_stacks(model):
        for i, layer in enumerate(stack):
            want = f"{name}.{i}" in model.lwo_selected_layers
            assert all(p.requires_grad == want for p in layer.parameters())
    assert not any(p.requires_grad for p in model.get_input_embeddings().parameters())


def test_pass_tuning_prefixes_come_from_a_gnn_over_the_ast_graph():
    import ast

    from replication.methods.pass_tuning import GraphPrefixEncoder, ast_type_graph

    names, adjacency = ast_type_graph(12)
    # the 12 most frequent node types of the mined functions (which types make the cut depends on the mined set)
    assert {"Name", "Call", "arguments"} <= set(names) and all(isinstance(getattr(ast, n), type) for n in names)
    assert (adjacency - torch.eye(len(names))).sum() > 0, "parent-child edges between node types"
    bundle, model = build("Pass-Tuning", "encoder-decoder", "generation")
    encoder = model.prompt_encoder[model.active_adapter]
    assert isinstance(encoder, GraphPrefixEncoder) and len(encoder.gnn) == 2
    assert all("prompt_encoder" in n or is_head(n) for n in trainable(model))
    changed = one_step(bundle, model, "encoder-decoder", "generation")
    assert any(".gnn." in n for n in changed), "the loss reaches the graph network"


def test_parallel_adapter_sits_beside_every_ffn_and_starts_as_identity():
    arch, head = "encoder-only", "classification"
    plain = models.load(f"tiny:{arch}", arch, head)
    before = outputs(plain.model, plain, arch, head)
    bundle, model = build("Parallel Adapter", arch, head)
    layers = sum(len(stack) for _, stack in layer_stacks(model))
    assert len(_adapters.parallel_adapters(model)) == layers
    assert torch.allclose(before, outputs(model, bundle, arch, head), atol=1e-6)
    assert all(".parallel_adapter." in n or is_head(n) for n in trainable(model))


@pytest.mark.parametrize("arch,head", [("encoder-only", "classification"), ("decoder-only", "generation")])
def test_mam_is_prefix_plus_scaled_parallel_adapter(arch, head):
    _, model = build("MAM", arch, head)
    adapters = _adapters.parallel_adapters(model)
    assert adapters and all(a.scale == 4.0 for a in adapters)
    names = trainable(model)
    assert any("prompt_encoder" in n for n in names) and any(".parallel_adapter." in n for n in names)
    assert all("prompt_encoder" in n or ".parallel_adapter." in n or is_head(n) for n in names)


def _slot_adapter(model, name):
    return [slot.adapters[name] for slot in _adapters.slots_of(model)]


@pytest.fixture
def pretraining(monkeypatch):
    """Spies on adapter pre-training: per call, which adapters ran (the slots' active set) and
    whether the parameters it trained moved."""
    calls = []
    real = _adapters.pretrain

    def spy(model, ctx, params, *args, **kwargs):
        before = [p.detach().clone() for p in params]
        active = {slot.active for slot in _adapters.slots_of(model)}
        out = real(model, ctx, params, *args, **kwargs)
        calls.append({"active": active, "moved": all(not torch.equal(b, p) for b, p in zip(before, params))})
        return out

    monkeypatch.setattr(_adapters, "pretrain", spy)
    return calls


def test_l_adapter_is_pretrained_on_code_then_tuned(pretraining):
    _, model = build("L-Adapter", "encoder-only", "classification", **CHEAP)
    assert pretraining == [{"active": {("language",)}, "moved": True}], "language pre-training moved the adapter"
    assert all(".adapter_slot.adapters.language." in n or is_head(n) for n in trainable(model))


def test_t_adapter_stacks_a_task_adapter_on_a_frozen_language_adapter(pretraining):
    _, model = build("T-Adapter", "encoder-only", "classification", **CHEAP)
    assert pretraining == [{"active": {("language",)}, "moved": True}]
    for slot in _adapters.slots_of(model):
        assert list(slot.adapters) == ["language", "task"] and slot.active is None     # a stack, in this order
        assert not any(p.requires_grad for p in slot.adapters["language"].parameters())
        assert all(p.requires_grad for p in slot.adapters["task"].parameters())


def test_ner_adapter_learns_token_types(pretraining):
    bundle = models.load("tiny:encoder-only", "encoder-only", "classification")
    data, _ = _calibration.batches(bundle.model, 1, 2, 64, offsets=True)
    labels = _calibration.token_type_labels(data[0])
    types = {_calibration.TOKEN_TYPES[i] for i in labels[labels >= 0].tolist()}
    assert {"keyword", "identifier", "punctuation"} <= types
    _, model = build("NER-Adapter", "encoder-only", "classification", **CHEAP)
    assert pretraining == [{"active": {("ner",)}, "moved": True}]
    assert all(".adapter_slot.adapters.ner." in n or is_head(n) for n in trainable(model))


def test_adapter_fusion_trains_only_the_fusion_over_frozen_adapters(pretraining):
    bundle, model = build("AdapterFusion", "encoder-only", "classification", **CHEAP)
    # each adapter pre-trained alone, never through the other sharing its slots
    assert pretraining == [{"active": {("language",)}, "moved": True}, {"active": {("ner",)}, "moved": True}]
    slots = _adapters.slots_of(model)
    assert slots and all(set(s.adapters) == {"language", "ner"} and s.fusion is not None for s in slots)
    names = trainable(model)
    assert all(".fusion." in n or is_head(n) for n in names)
    assert one_step(bundle, model, "encoder-only", "classification") & {n for n in names if ".fusion." in n}
