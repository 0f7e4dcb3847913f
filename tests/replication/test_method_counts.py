"""Honest trainable counts: what a run reports as trainable is what receives gradients, and each
peft-based method adapts what its paper adapts."""
import pytest
import torch
from method_steps import COMBOS, SCALE, batch_for  # tests/replication/method_steps.py
from torch import nn

from replication import methods, models
from replication.errors import MethodUnavailable
from replication.methods import _prefix
from replication.methods.base import HEAD_NAMES, Context, count_parameters
from replication.record import RunRecord

CHEAP = {"pretrain_steps": 1, "calibration_samples": 4, "calibration_batches": 1}
ALL = [m for m in methods.REGISTRY if m != "QLoRA"]


def build(method, arch, head, **config):
    bundle = models.load(f"tiny:{arch}", arch, head)
    ctx = Context(arch, head, bundle.model.config.model_type, total_steps=4, config=config)
    return bundle, methods.get(method).prepare(bundle.model, ctx)


def added_tables(model):
    """Embedding tables a method adds (peft's prompt encoders, our prefix sets): every forward pass
    uses every row, so every row must get a gradient. The host model's own tables (tokens,
    positions, relative-position buckets) are reached only in the rows a batch selects."""
    return {f"{name}.weight" for name, m in model.named_modules()
            if isinstance(m, nn.Embedding) and "prompt_encoder" in name}


def reached(model, batch):
    """Elements of trainable parameters that one backward pass reaches, after a small perturbation
    of every trainable parameter (zero-initialised up-projections and LoRA B would otherwise hide
    the down-projections' and A's gradients on this first step). A tensor counts whole when any
    of it gets a gradient (inside one, a ReLU unit dead for this tiny batch, or the exactly-zero
    gradient of an attention key bias, is the data's doing, not the count's); a method's own
    embedding table counts by the rows that get one."""
    torch.manual_seed(0)
    trainable = {n: p for n, p in model.named_parameters() if p.requires_grad}
    with torch.no_grad():
        for p in trainable.values():
            p.add_(torch.randn_like(p) * 0.02)
    model.eval()           # no dropout: every element that can get a gradient gets it
    model.zero_grad(set_to_none=True)
    model(**batch).loss.backward()
    tables = added_tables(model)
    count, missing = 0, []
    for name, p in trainable.items():
        if name.endswith("attention.self.key.bias"):
            # The host's attention key bias adds q·b_k to every score of a query alike, so softmax
            # cancels it: its gradient is zero up to rounding. BitFit and full fine-tuning count it,
            # as their papers do; no method here adds such a bias (our fusion key has none).
            count += p.numel()
        elif p.grad is None or not p.grad.any():
            missing.append(name)
        elif name in tables:
            rows = int(p.grad.ne(0).any(dim=1).sum())
            count += rows * p.shape[1]
            if rows < p.shape[0]:
                missing.append(f"{name}: rows {rows} of {p.shape[0]}")
        else:
            count += p.numel()
    return count, missing


# one combination per architecture, and classification heads where peft wraps them (modules_to_save)
REACH = [("encoder-only", "classification"), ("encoder-decoder", "generation"), ("decoder-only", "generation")]
PEFT = [m for m in ALL if methods.get(m).library.startswith("peft")]


@pytest.mark.parametrize("method,arch,head", [(m, a, h) for m in ALL for a, h in REACH]
                         + [(m, a, h) for m in PEFT for a, h in COMBOS if (a, h) not in REACH])
def test_every_reported_trainable_parameter_receives_a_gradient(method, arch, head):
    try:
        bundle, model = build(method, arch, head, **CHEAP)
    except MethodUnavailable:
        pytest.skip("not available for this architecture and head")
    trainable, _ = count_parameters(model)
    got, missing = reached(model, batch_for(bundle, arch, head))
    assert not missing, f"reported trainable, no gradient: {missing[:5]}"
    assert got == trainable


# ---- soft prompts and prefixes on encoder-decoder models --------------------------------------

@pytest.mark.parametrize("method", ["Prompt Tuning", "P-Tuning"])
def test_seq2seq_soft_prompts_build_only_the_rows_they_use(method):
    """peft would allocate 2 x num_virtual_tokens rows for a seq2seq model and prepend only the first half."""
    _, model = build(method, "encoder-decoder", "generation")
    embedding = model.prompt_encoder[model.active_adapter].embedding
    assert embedding.num_embeddings == 20
    if method == "Prompt Tuning":
        assert count_parameters(model)[0] == 20 * model.config.d_model


def encoder_output(model, batch):
    encoder = model.get_encoder() if hasattr(model, "get_encoder") else model.base_model.get_encoder()
    with torch.no_grad():
        return encoder(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).last_hidden_state


def test_t5_prefix_tuning_prefixes_encoder_decoder_and_cross_attention():
    arch, head = "encoder-decoder", "generation"
    frozen = models.load(f"tiny:{arch}", arch, head).model.eval()
    bundle, model = build("Prefix Tuning", arch, head)
    model.eval()
    batch = batch_for(bundle, arch, head)
    config = frozen.config
    sets = model.prompt_encoder[model.active_adapter]
    # three sets of num_virtual_tokens x layers x 2 x width, as in Li & Liang's code
    assert count_parameters(model)[0] == 3 * _prefix.parameter_count(10, config.num_layers, config.d_model)
    assert {n for n, _ in sets.named_children()} >= {"encoder_prefix", "cross_prefix"}

    base = encoder_output(frozen, batch)
    ours = encoder_output(model, batch)
    assert not torch.allclose(base, ours, atol=1e-4), "the encoder attends its prefix"
    with torch.no_grad():
        logits = model(**batch).logits.clone()
        sets.cross_prefix.embedding.weight.add_(1.0)
        assert torch.equal(encoder_output(model, batch), ours), "the cross prefix is not the encoder's"
        assert not torch.allclose(model(**batch).logits, logits, atol=1e-4), "the decoder attends the cross prefix"

    # padding is honoured: a padded position changes nothing for the real tokens once masked
    short = {k: v[:1] for k, v in batch.items()}
    padded = dict(short, input_ids=torch.cat([short["input_ids"], torch.ones_like(short["input_ids"][:, :3])], 1),
                  attention_mask=torch.cat([short["attention_mask"], torch.zeros_like(short["attention_mask"][:, :3])], 1))
    n = short["input_ids"].shape[1]
    assert torch.allclose(encoder_output(model, short), encoder_output(model, padded)[:, :n], atol=1e-5)

    # generation (beam search reorders the cross-attention cache that carries the prefix)
    with torch.no_grad():
        out = model.generate(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"],
                             max_new_tokens=4, num_beams=2)
    assert out.shape[0] == batch["input_ids"].shape[0]


def test_peft_decoder_only_prefix_is_still_available_and_recorded():
    arch, head = "encoder-decoder", "generation"
    frozen = models.load(f"tiny:{arch}", arch, head).model.eval()
    bundle, model = build("Prefix Tuning", arch, head, encoder_prefix=False, cross_prefix=False)
    batch = batch_for(bundle, arch, head)
    assert torch.equal(encoder_output(frozen, batch), encoder_output(model.eval(), batch)), \
        "peft's own seq2seq prefix leaves the encoder as it was"
    assert count_parameters(model)[0] == _prefix.parameter_count(10, frozen.config.num_decoder_layers,
                                                                 frozen.config.d_model)
    ctx = Context(arch, head, "t5", config={"encoder_prefix": False, "cross_prefix": False})
    notes = methods.get("Prefix Tuning").config(ctx)["deviations"]
    assert any("no encoder or cross-attention prefix" in n for n in notes)
    faithful = Context(arch, head, "t5", config={"prefix_projection": True})
    assert "deviations" not in methods.get("Prefix Tuning").config(faithful)


def test_deviations_travel_in_the_run_record():
    ctx = Context("encoder-decoder", "generation", "t5")
    config = methods.get("Pass-Tuning").config(ctx)
    assert any("decoder's self-attention only" in d for d in config["deviations"])
    record = RunRecord(study="P26", experiment="x", task="t", method="Pass-Tuning", method_config=config,
                       profile="smoke", model="m", architecture="encoder-decoder", dataset="d")
    assert record.deviations == config["deviations"]
    assert RunRecord.model_validate_json(record.model_dump_json()).deviations == config["deviations"]
    assert methods.get("LoRA").config(ctx).get("deviations") is None


# ---- what (IA)3 and AdaLoRA adapt ----------------------------------------------------------------

def adapted_modules(model, marker):
    return {n.split(f".{marker}")[0].split("base_model.model.")[-1] for n, _ in model.named_parameters()
            if marker in n}


def test_ia3_scales_keys_values_and_the_ffn_output_only():
    """(IA)3: l_k, l_v and l_ff; a bare "output.dense" suffix also matched attention.output.dense."""
    _, model = build("(IA)3", "encoder-only", "classification")
    config = model.config
    names = adapted_modules(model, "ia3_l")
    suffixes = {n.split(".layer.", 1)[1].split(".", 1)[1] for n in names}
    assert suffixes == {"attention.self.key", "attention.self.value", "output.dense"}
    heads = sum(p.numel() for n, p in model.named_parameters()
                if p.requires_grad and any(h in n.split(".") for h in HEAD_NAMES))
    per_layer = 2 * config.hidden_size + config.intermediate_size      # l_k, l_v, and l_ff on the FFN's inner width
    assert count_parameters(model)[0] - heads == config.num_hidden_layers * per_layer


@pytest.mark.parametrize("arch,head,want", [
    ("encoder-only", "classification", {"attention.self.query", "attention.self.key", "attention.self.value",
                                        "attention.output.dense", "intermediate.dense", "output.dense"}),
    ("decoder-only", "generation", {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                                    "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"}),
])
def test_adalora_adapts_all_attention_and_ffn_matrices_by_default(arch, head, want):
    _, model = build("AdaLoRA", arch, head)
    names = adapted_modules(model, "lora_A")
    sep = ".layer." if arch == "encoder-only" else ".layers."
    assert {n.split(sep, 1)[1].split(".", 1)[1] for n in names} == want
    _, narrowed = build("AdaLoRA", arch, head, target_modules=["query", "value"] if arch == "encoder-only"
                        else ["q_proj", "v_proj"])
    assert len(adapted_modules(narrowed, "lora_A")) == 2 * narrowed.config.num_hidden_layers


def test_reach_check_catches_unused_prompt_rows():
    """The check above would have caught peft's unused seq2seq prompt rows."""
    from peft import PromptTuningConfig, TaskType, get_peft_model

    bundle = models.load("tiny:encoder-decoder", "encoder-decoder", "generation")
    model = get_peft_model(bundle.model, PromptTuningConfig(task_type=TaskType.SEQ_2_SEQ_LM, num_virtual_tokens=20))
    got, missing = reached(model, batch_for(bundle, "encoder-decoder", "generation"))
    assert count_parameters(model)[0] == 40 * bundle.model.config.d_model
    assert got == 20 * bundle.model.config.d_model and missing
    assert SCALE.batch_size == 4
