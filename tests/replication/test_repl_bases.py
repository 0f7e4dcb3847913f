"""The mini profile's self-pretrained bases."""
import json
import random

import pytest

from replication import bases, configs, models


def test_span_corruption_hides_spans_behind_sentinels():
    ids = list(range(100, 200))
    sentinels = [1000 + i for i in range(32)]
    source, target = bases.span_corrupt(ids, sentinels, eos=2, rng=random.Random(0))
    assert source[-1] == 2 and target[-1] == 2
    used = [t for t in target if t in sentinels]
    assert used and used == [s for s in source if s in sentinels] == sentinels[:len(used)]
    # putting each span back where its sentinel stands gives the original text
    spans, current = {}, None
    for t in target[:-1]:
        if t in sentinels:
            current = t
            spans[current] = []
        else:
            spans[current].append(t)
    restored = [x for s in source[:-1] for x in (spans[s] if s in sentinels else [s])]
    assert restored == ids
    hidden = sum(len(v) for v in spans.values())
    assert 0.1 * len(ids) <= hidden <= 0.4 * len(ids)


@pytest.mark.slow
@pytest.mark.parametrize("arch", bases.ARCHITECTURES)
def test_pretrain_writes_a_loadable_base_that_names_itself(monkeypatch, arch):
    monkeypatch.setattr(bases, "FUNCTIONS", 150)
    monkeypatch.setattr(bases, "VOCAB_SIZE", 600)
    monkeypatch.setattr(configs, "BASE", configs.TINY)
    path = bases.ensure(arch, progress=False, steps=3, force=True)
    meta = json.loads((path / "meta.json").read_text())
    assert meta["steps"] == 3 and meta["tokens"] == 3 * bases.BATCH * bases.BLOCK and meta["architecture"] == arch
    assert meta["weights_hash"] and meta["config_hash"].startswith("config:") and meta["final_loss"] > 0
    head = "classification" if arch == "encoder-only" else "generation"
    bundle = models.load(f"base:{arch}", arch, head)
    assert bundle.model_id == f"slr-base:{arch}@{meta['weights_hash']}" and bundle.base == meta
    assert len(bundle.tokenizer) == bundle.model.config.vocab_size


@pytest.mark.slow
def test_a_base_is_rebuilt_bit_for_bit_from_its_step_budget(monkeypatch):
    monkeypatch.setattr(bases, "FUNCTIONS", 150)
    monkeypatch.setattr(bases, "VOCAB_SIZE", 600)
    monkeypatch.setattr(configs, "BASE", configs.TINY)
    first = bases.identity(bases.ensure("decoder-only", progress=False, steps=4, force=True).name)
    second = bases.identity(bases.ensure("decoder-only", progress=False, steps=4, force=True).name)
    assert first["weights_hash"] == second["weights_hash"] and first["final_loss"] == second["final_loss"]
    third = bases.identity(bases.ensure("decoder-only", progress=False, steps=5, force=True).name)
    assert third["weights_hash"] != first["weights_hash"]          # the hash does tell bases apart


def test_models_and_bases_do_not_import_each_other():
    import ast
    from pathlib import Path

    source = Path(bases.__file__).read_text()
    imported = {n.module for n in ast.walk(ast.parse(source)) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(ast.parse(source)) if isinstance(n, ast.ImportFrom)
                 and n.module == "replication" for a in n.names}
    assert "replication.models" not in imported and "models" not in imported
