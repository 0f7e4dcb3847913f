"""Where every bottleneck adapter sits: what it reads, what it adds to, and how many parameters it has.

For each bottleneck method, on a tiny RoBERTa (post-LN), T5 and Llama (pre-LN) built from configs,
probes on the host model's own modules record, per layer and sublayer, the residual input x,
the sublayer output h after its dropout (before the residual add), and the sublayer's result.
Then, against the placements of the papers and of AdapterHub (SeqBnConfig, DoubleSeqBnConfig,
ParBnConfig; LN is the post-residual norm, identity on pre-LN models, A(u) = s·up(f(down(u)))):

    Houlsby   reads h                   out = LN(x + h + A(h))
    Pfeiffer  reads y = LN(x + h)       out = LN(x + h + A(y))       (MAD-X's L-/T-Adapters, NER-Adapter)
    Fusion    reads y = LN(x + h)       out = LN(x + h + fuse(y, [A_i(y)]))
    parallel  reads x                   out = LN(x + h + s·A(x))     (Parallel Adapter, MAM)

three checks: with the up-projections zeroed, each adapter's input is bit-identical to the
tensor its placement names and the model's output is bit-identical to the frozen model's
(dropout on, same seed, so Houlsby's "after the dropout" is tested too); with nonzero
weights, each sublayer's result equals the formula computed here by hand from x and h.
"""
import pytest
import torch
from method_steps import batch_for  # tests/replication/method_steps.py
from torch.nn import functional as F

from replication import methods, models
from replication.methods import _prefix
from replication.methods.base import HEAD_NAMES, Context, count_parameters

ARCHS = [("encoder-only", "classification"), ("encoder-decoder", "generation"), ("decoder-only", "generation")]
CHEAP = {"pretrain_steps": 1}
# method -> (kinds of sublayer adapted, placement, attribute the site hangs under, config for the test)
BOTTLENECK = {
    "Adapter (Houlsby)": (("attention", "ffn"), "houlsby", "adapter", {}),
    "Adapter (Pfeiffer)": (("ffn",), "pfeiffer", "adapter", {}),
    "Parallel Adapter": (("ffn",), "parallel", "parallel_adapter", {}),
    "MAM": (("ffn",), "parallel", "parallel_adapter", {}),
    "L-Adapter": (("ffn",), "pfeiffer", "adapter_slot", CHEAP),
    "T-Adapter": (("ffn",), "pfeiffer", "adapter_slot", CHEAP),
    "NER-Adapter": (("ffn",), "pfeiffer", "adapter_slot", CHEAP),
    "AdapterFusion": (("ffn",), "pfeiffer", "adapter_slot", {**CHEAP, "fusion_dropout": 0.0}),
}


def build(method, arch, head, **config):
    bundle = models.load(f"tiny:{arch}", arch, head)
    ctx = Context(arch, head, bundle.model.config.model_type, total_steps=3, config=config)
    return bundle, methods.get(method).prepare(bundle.model, ctx)


def base_of(model):
    return model.get_base_model() if hasattr(model, "get_base_model") else model


class Probe:
    """Records x, h and the result of every (layer, sublayer) of a RoBERTa, T5 or Llama model, from
    the host's own modules (not the adapters' wiring). `records[(layer, kind)]` = dict(x, h, out,
    container); `order` lists the keys as the forward pass met them."""

    def __init__(self, model):
        self.records, self.handles = {}, []
        base = base_of(model)
        kind = base.config.model_type
        for name, module in base.named_modules():
            if kind == "roberta" and name.endswith(".attention.output") and hasattr(module, "LayerNorm"):
                self._bert(name, "attention", module)
            elif kind == "roberta" and name.split(".")[-1] == "output" and name.split(".")[-2].isdigit():
                self._bert(name, "ffn", module)
            elif kind == "t5" and hasattr(module, "SelfAttention") and hasattr(module, "dropout"):
                self._t5(name, "attention", module)
            elif kind == "t5" and hasattr(module, "DenseReluDense"):
                self._t5(name, "ffn", module)
            elif kind == "llama" and hasattr(module, "post_attention_layernorm"):
                self._llama(name, module)

    def _rec(self, key, container, norm):
        return self.records.setdefault(key, {"container": container, "norm": norm})

    def _hook(self, module, fn, pre=False):
        # prepend=True: run before the adapters' own hooks on the same module, so h is the host's h
        if pre:
            self.handles.append(module.register_forward_pre_hook(fn, with_kwargs=True, prepend=True))
        else:
            self.handles.append(module.register_forward_hook(fn, prepend=True))

    def _bert(self, name, kind, module):
        rec = self._rec((name, kind), module, module.LayerNorm)
        self._hook(module, lambda m, a, k: rec.update(x=a[1] if len(a) > 1 else k["input_tensor"]), pre=True)
        self._hook(module.dropout, lambda m, a, o: rec.update(h=o))
        self.handles.append(module.register_forward_hook(lambda m, a, o: rec.update(out=o)))   # the result

    def _t5(self, name, kind, module):
        rec = self._rec((name, kind), module, None)
        self._hook(module, lambda m, a, k: rec.update(x=a[0] if a else k["hidden_states"]), pre=True)
        self._hook(module.dropout, lambda m, a, o: rec.update(h=o))
        self.handles.append(module.register_forward_hook(
            lambda m, a, o: rec.update(out=o[0] if isinstance(o, tuple) else o)))

    def _llama(self, name, layer):
        attn = self._rec((f"{name}.self_attn", "attention"), layer.self_attn, None)
        ffn = self._rec((f"{name}.mlp", "ffn"), layer.mlp, None)
        self._hook(layer, lambda m, a, k: attn.update(x=a[0] if a else k["hidden_states"]), pre=True)
        self._hook(layer.self_attn, lambda m, a, o: attn.update(h=o[0]))
        # x1 = x + attention: the attention sublayer's result and the feed-forward's residual input
        def after_attention(module, args, kwargs):
            x1 = args[0] if args else kwargs["hidden_states"]
            attn.update(out=x1)
            ffn.update(x=x1)

        self._hook(layer.post_attention_layernorm, after_attention, pre=True)
        self._hook(layer.mlp, lambda m, a, o: ffn.update(h=o))
        self.handles.append(layer.register_forward_hook(lambda m, a, o: ffn.update(out=o[0] if isinstance(o, tuple) else o)))

    def remove(self):
        for handle in self.handles:
            handle.remove()


def site_of(rec, attribute):
    return getattr(rec["container"], attribute, None)


def delta(adapter, u):
    """A(u) by hand from the adapter's weights: s · up(f(down(u))) (no adapter dropout here)."""
    z = F.linear(u, adapter.down.weight, adapter.down.bias)
    return adapter.scale * F.linear(adapter.act(z), adapter.up.weight, adapter.up.bias)


def expected(placement, rec, site):
    """The sublayer's result by the placement's formula, from the recorded x and h."""
    x, h = rec["x"], rec["h"]
    ln = rec["norm"] if rec["norm"] is not None else (lambda t: t)
    adapters = list(site.adapters.values())
    if site.fusion is not None:
        u = ln(x + h)
        outs = torch.stack([delta(a, u) for a in adapters], dim=-2)
        f = site.fusion
        q = F.linear(u, f.query.weight, f.query.bias)
        k = F.linear(outs, f.key.weight)
        w = torch.softmax((q.unsqueeze(-2) * k).sum(-1), dim=-1).unsqueeze(-1)
        return ln(x + h + (w * F.linear(outs, f.value.weight)).sum(-2))
    if placement == "output" and rec["norm"] is not None:
        y = ln(x + h)
        for a in adapters:
            y = y + delta(a, y)
        return y
    for a in adapters:
        u = {"houlsby": h, "parallel": x}.get(placement, None)
        h = h + delta(a, ln(x + h) if u is None else u)
    return ln(x + h)


def where_it_reads(placement, rec):
    if placement == "houlsby":
        return rec["h"]
    if placement == "parallel":
        return rec["x"]
    return rec["out"]          # pfeiffer: LN(x + h), which is the sublayer's result when the adapter adds 0


def run(model, batch, seed=0, train=True):
    model.train(train)
    torch.manual_seed(seed)
    return model(**batch).logits


def zero_ups(model):
    with torch.no_grad():
        for name, p in model.named_parameters():
            if ".up." in name and ("adapter" in name):
                p.zero_()


@pytest.mark.parametrize("arch,head", ARCHS)
@pytest.mark.parametrize("method", list(BOTTLENECK))
def test_adapter_reads_and_adds_where_its_paper_puts_it(method, arch, head):
    kinds, placement, attribute, config = BOTTLENECK[method]
    frozen = models.load(f"tiny:{arch}", arch, head)
    bundle, model = build(method, arch, head, **config)
    batch = batch_for(bundle, arch, head)      # labels kept: T5 makes its decoder inputs from them
    check_count(method, model, head)

    # 1. up-projections zeroed: the adapter reads its placement's tensor, and adds exactly nothing
    zero_ups(model)
    probe = Probe(model)
    reads = {}
    hooks = [adapter.down.register_forward_pre_hook(lambda m, args, key=id(adapter): reads.setdefault(key, args[0]))
             for adapter in [m for m in model.modules() if hasattr(m, "down") and hasattr(m, "up")]]
    with torch.no_grad():
        logits = run(model, batch)
        base_logits = run(frozen.model, batch)
    for h in hooks:
        h.remove()
    if method != "MAM":      # MAM's prefix changes the model on purpose; its adapters are checked below
        assert torch.equal(logits, base_logits), "with zero up-projections the model must be the frozen model"
    adapted = [(key, rec) for key, rec in probe.records.items() if site_of(rec, attribute) is not None]
    assert sorted({k for (_, k), _ in adapted}) == sorted(kinds), "adapters on exactly these sublayers"
    for (name, _), rec in adapted:
        first = next(iter(site_of(rec, attribute).adapters.values()))
        if site_of(rec, attribute).active is None and id(first) in reads:
            assert torch.equal(reads[id(first)], where_it_reads(placement, rec)), f"{name}: adapter input"
    assert all(id(next(iter(site_of(r, attribute).adapters.values()))) in reads for _, r in adapted)

    # 2. nonzero weights: each sublayer's result is the formula, with the model's dropout on
    torch.manual_seed(1)
    with torch.no_grad():
        for rec in (r for _, r in adapted):
            site = site_of(rec, attribute)
            for p in site.parameters():
                p.normal_(0, 0.3)
        run(model, batch, seed=2)
    for (name, kind), rec in adapted:
        want = expected(placement, rec, site_of(rec, attribute))
        assert torch.allclose(rec["out"], want, atol=1e-5, rtol=1e-4), f"{name} ({kind}): result"
        assert not torch.allclose(rec["out"], rec["norm"](rec["x"] + rec["h"]) if rec["norm"] is not None
                                  else rec["x"] + rec["h"], atol=1e-4), f"{name}: the adapter changes it"
    probe.remove()


@pytest.mark.parametrize("arch,head", [("encoder-only", "classification"), ("encoder-decoder", "generation")])
def test_opendelta_placement_sits_after_the_whole_sublayer(arch, head):
    """P30's OpenDelta AdapterModel: y + A(y) on the sublayer's output after its residual and norm."""
    bundle, model = build("Adapter (Houlsby)", arch, head, placement="output", init="opendelta",
                          non_linearity="gelu_new")
    batch = batch_for(bundle, arch, head)      # labels kept: T5 makes its decoder inputs from them
    probe = Probe(model)
    with torch.no_grad():
        run(model, batch, seed=3)
    for rec in probe.records.values():
        assert torch.allclose(rec["out"], expected("output", rec, site_of(rec, "adapter")), atol=1e-5, rtol=1e-4)
    probe.remove()


# ---- exact parameter counts -----------------------------------------------------------------

def bottleneck_params(d, m):
    return 2 * d * m + m + d


def layers(config):
    return (config.num_layers + config.num_decoder_layers) if config.model_type == "t5" else config.num_hidden_layers


def head_params(model):
    return sum(p.numel() for n, p in model.named_parameters()
               if p.requires_grad and any(part in HEAD_NAMES for part in n.split(".")))


def expected_count(method, config):
    d, n = config.hidden_size if config.model_type != "t5" else config.d_model, layers(config)
    if method == "Adapter (Houlsby)":
        return 2 * n * bottleneck_params(d, d // 16)            # attention and FFN of every layer
    if method in ("Adapter (Pfeiffer)", "NER-Adapter", "T-Adapter"):
        return n * bottleneck_params(d, d // 16)                # FFN only; T-Adapter: the task adapter
    if method == "Parallel Adapter":
        return n * bottleneck_params(d, int(d / 16))
    if method == "L-Adapter":
        return n * bottleneck_params(d, d // 2)
    if method == "AdapterFusion":
        return n * (3 * d * d + d)                              # query (with bias), key, value
    if method == "MAM":
        tokens = 30
        if config.model_type == "t5":
            inner = config.num_heads * config.d_kv
            prefix = (_prefix.parameter_count(tokens, config.num_decoder_layers, d)       # peft: decoder self
                      + _prefix.parameter_count(tokens, config.num_layers, inner)         # encoder
                      + _prefix.parameter_count(tokens, config.num_decoder_layers, inner))  # cross
        else:
            prefix = _prefix.parameter_count(tokens, n, d)
        return n * bottleneck_params(d, int(d / 2)) + prefix
    raise AssertionError(method)


def check_count(method, model, head):
    trainable, _ = count_parameters(model)
    heads = head_params(model)
    assert (heads > 0) == (head == "classification")
    assert trainable - heads == expected_count(method, base_of(model).config)


@pytest.mark.parametrize("arch,head", [("decoder-only", "classification"), ("encoder-decoder", "classification")])
@pytest.mark.parametrize("method", list(BOTTLENECK))
def test_trainable_count_is_the_formula_with_a_classification_head(method, arch, head):
    """(The placement test above checks the count on the other architectures.)"""
    if method == "MAM" and arch == "encoder-decoder":
        pytest.skip("prefix methods refuse T5ForSequenceClassification")
    _, model = build(method, arch, head, **BOTTLENECK[method][3])
    check_count(method, model, head)


def test_train_layer_norm_adds_exactly_the_layer_norms():
    """P30's code unfreezes every LayerNorm (RoBERTa: embeddings' and each layer's two)."""
    _, plain = build("Adapter (Houlsby)", "encoder-only", "classification")
    _, with_ln = build("Adapter (Houlsby)", "encoder-only", "classification", train_layer_norm=True)
    config = with_ln.config
    norms = (1 + 2 * config.num_hidden_layers) * 2 * config.hidden_size
    assert count_parameters(with_ln)[0] - count_parameters(plain)[0] == norms
    assert {n for n, p in with_ln.named_parameters() if p.requires_grad} - \
        {n for n, p in plain.named_parameters() if p.requires_grad} == \
        {n for n, _ in with_ln.named_parameters() if "LayerNorm" in n}
