"""The public API: listing, running, failing, cancelling."""
import subprocess
import sys
import time

import pytest
import torch

import replication
from replication import runner


def test_import_is_cheap():
    code = "import sys, replication; replication.list_studies; print(any(m in sys.modules for m in ('torch', 'transformers', 'peft')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_list_studies_describes_p30_and_what_this_machine_can_run(tmp_path):
    (p30,) = [s for s in replication.list_studies() if s["study"] == "P30"]
    assert {e["name"] for e in p30["experiments"]} == {"jitdp-codebert", "jitdp-codet5", "cmg-codet5"}
    for exp in p30["experiments"]:
        assert exp["methods"] == ["Full Fine-Tuning", "Adapter (Houlsby)", "LoRA"]
        assert exp["task_fidelity"] == "analogue"
        assert {"name", "task", "architecture", "dataset", "reported_metric", "replicated_metric"} <= set(exp)
    assert {(e["reported_metric"], e["replicated_metric"]) for e in p30["experiments"]} == {("F1", "f1"), ("BLEU", "smoothed-bleu")}
    profiles = p30["profiles"]
    assert profiles["smoke"]["available"] is True
    assert profiles["paper"]["available"] is False
    assert "--data-dir" in profiles["paper"]["reason"]
    import torch

    if not torch.cuda.is_available():
        assert "CUDA" in profiles["paper"]["reason"]


def test_unknown_study_method_or_profile_raise_replication_error():
    with pytest.raises(replication.ReplicationError, match="P999"):
        replication.run("P999")
    with pytest.raises(replication.ReplicationError, match="unknown method"):
        replication.run("P30", methods=["NoSuchTuning"])
    with pytest.raises(replication.ReplicationError, match="profile"):
        replication.run("P30", profile="huge")


def test_paper_profile_fails_fast_naming_what_is_missing(tmp_path):
    start = time.perf_counter()
    with pytest.raises(replication.ReplicationError, match="jitfine/changes_train.pkl"):
        replication.run("P30", profile="paper", data_dir=str(tmp_path))
    assert time.perf_counter() - start < 5


def test_one_smoke_run_fills_the_record():
    (record,) = replication.run("P30", "smoke", methods=["lora"], experiments=["jitdp-codebert"], progress=False)
    assert record.status == "ok", record.error
    assert (record.study, record.experiment, record.method, record.profile) == ("P30", "jitdp-codebert", "LoRA", "smoke")
    assert record.task == "Defect Detection" and record.dataset_kind == "derived"
    assert record.model.startswith("config:") and record.dataset_hash and record.dataset_size == 64
    assert 0 < record.trainable_params < record.total_params and record.steps == 4
    assert record.train_seconds > 0 and record.peak_memory_bytes > 0 and record.memory_kind == "rss"
    assert record.tokens_per_second > 0 and {"f1", "accuracy", "auc"} <= set(record.metrics)
    assert record.method_config["r"] == 64 and "lr" in record.method_config     # the study's LoRA rank
    assert record.versions["torch"] and record.hardware["cpu_count"] >= 1 and record.finished_at


def test_smoke_trains_on_one_thread_and_gives_the_process_its_threads_back(monkeypatch):
    seen, fit = [], runner._fit
    monkeypatch.setattr(runner, "_fit", lambda *a, **k: seen.append(torch.get_num_threads()) or fit(*a, **k))
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        (record,) = replication.run("P5", "smoke", methods=["FMFT"], progress=False)
        assert record.status == "ok", record.error
        assert seen == [1] and record.hardware["torch_threads"] == 1
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_a_failing_method_is_recorded_and_the_loop_goes_on(monkeypatch):
    from replication.methods import lora

    def broken(model, ctx, cfg):
        raise RuntimeError("boom")
    monkeypatch.setattr(type(lora.METHOD), "prepare",
                        lambda self, model, ctx: broken(model, ctx, {}) if self.name == "LoRA"
                        else self.apply(model, ctx, self.config(ctx)))
    records = list(replication.run("P30", "smoke", methods=["LoRA", "FMFT"], experiments=["cmg-codet5"],
                                   progress=False))
    assert [(r.method, r.status) for r in records] == [("LoRA", "failed"), ("Full Fine-Tuning", "ok")]
    assert records[0].error == "RuntimeError: boom"


def test_ctrl_c_during_training_is_recorded_as_cancelled_and_stops(monkeypatch):
    real = runner.train_and_evaluate

    def interrupt_at_step_2(*args, **kwargs):
        def hook(step, loss):
            if step == 2:
                raise KeyboardInterrupt
        return real(*args, **kwargs, step_hook=hook)
    monkeypatch.setattr(runner, "train_and_evaluate", interrupt_at_step_2)
    records = list(replication.run("P30", "smoke", experiments=["jitdp-codebert"], progress=False))
    assert len(records) == 1
    (record,) = records
    assert record.status == "cancelled" and record.steps == 2 and record.finished_at
    assert record.dataset_hash      # what was known when it stopped is kept


def test_total_steps_respects_epochs_accumulation_and_cap():
    from replication.study import Scale

    assert runner.total_steps(Scale(train_size=100, eval_size=1, batch_size=8, grad_accum=2, epochs=2), 100) == 14
    assert runner.total_steps(Scale(train_size=100, eval_size=1, batch_size=8, max_steps=3), 100) == 3


@pytest.mark.slow
def test_p30_smoke_end_to_end_under_two_minutes():
    start = time.perf_counter()
    records = list(replication.run("P30", "smoke", progress=False))
    elapsed = time.perf_counter() - start
    assert [(r.experiment, r.method) for r in records] == [
        (e, m) for e in ("jitdp-codebert", "jitdp-codet5", "cmg-codet5")
        for m in ("Full Fine-Tuning", "Adapter (Houlsby)", "LoRA")]
    assert all(r.status == "ok" for r in records), [r.error for r in records]
    assert elapsed < 120


def test_module_entry_point_exits_2_on_unknown_study():
    out = subprocess.run([sys.executable, "-m", "replication", "P999"], capture_output=True, text=True)
    assert out.returncode == 2 and "P999" in out.stderr


def test_validation_is_scored_at_spread_steps_always_the_last():
    from replication.runner import selection_steps

    assert selection_steps(10, 2) == [5, 10] and selection_steps(1, 2) == [1] and selection_steps(7, 0) == []


def test_the_checkpoint_tested_is_the_one_best_on_validation(monkeypatch):
    """Validation says step 2 of 4 was best: the test split must be scored with step 2's weights."""
    from replication import runner

    values = iter([0.9, 0.1])                    # checks at steps 2 and 4
    seen = {}

    def validate(accelerator, model, *args):
        step_weights = runner._trainable_state(accelerator.unwrap_model(model))
        seen.setdefault("first", step_weights)
        return next(values)

    real_evaluate = runner.tasks.evaluate

    def evaluate(model, *args, **kwargs):
        seen["tested"] = runner._trainable_state(model)
        return real_evaluate(model, *args, **kwargs)

    monkeypatch.setattr(runner, "_validate", validate)
    monkeypatch.setattr(runner.tasks, "evaluate", evaluate)
    (record,) = replication.run("P30", "smoke", methods=["lora"], experiments=["jitdp-codebert"], progress=False)
    assert record.status == "ok", record.error
    assert seen["tested"].keys() == seen["first"].keys()
    assert all(torch.equal(seen["tested"][k], seen["first"][k]) for k in seen["first"])
    assert any(n.startswith("checkpoint: step 2 of 4, chosen on the validation split by f1") for n in record.notes)


def test_max_steps_and_device_cpu_reach_every_run():
    (record,) = replication.run("P30", "smoke", methods=["lora"], experiments=["jitdp-codebert"], progress=False,
                                device="cpu", max_steps=1)
    assert record.status == "ok" and record.steps == 1
    with pytest.raises(replication.ReplicationError, match="unknown device"):
        list(replication.run("P30", "smoke", device="tpu"))


def _sweeping_smoke(study="P30", experiment="jitdp-codebert"):
    """A smoke setup that sweeps three learning rates with one validation check each."""
    import dataclasses

    from replication import studies

    exp = next(e for e in studies.get(study).experiments if e.name == experiment)
    setup = exp.setups["smoke"]
    scale = dataclasses.replace(setup.scale, lr_factors=(0.3, 1.0, 3.0), validation_checks=1, max_steps=2)
    return exp, dataclasses.replace(setup, scale=scale)


def _record(exp, seed=0):
    from replication.record import RunRecord

    return RunRecord(study="P30", experiment=exp.name, task=exp.task, task_fidelity=exp.task_fidelity, method="LoRA",
                     profile="smoke", model="", architecture=exp.architecture, dataset="", seed=seed)


def test_the_learning_rate_is_chosen_on_validation_and_only_its_model_is_tested(monkeypatch):
    """Validation prefers the third candidate rate: that rate is recorded, the test split is scored once,
    with the third candidate's weights, and a later seed reuses the rate without sweeping again."""
    exp, setup = _sweeping_smoke()
    runner._CHOSEN_LR.clear()
    values, weights, tested = iter([0.1, 0.2, 0.9, 0.5]), [], []

    def validate(accelerator, model, bundle, data, *args):
        assert data.validation and data.validation is not data.test      # selection never sees the test split
        weights.append(runner._trainable_state(accelerator.unwrap_model(model)))
        return next(values)

    real_evaluate = runner.tasks.evaluate

    def evaluate(model, tokenizer, examples, *args, **kwargs):
        tested.append((examples, runner._trainable_state(model)))
        return real_evaluate(model, tokenizer, examples, *args, **kwargs)

    monkeypatch.setattr(runner, "_validate", validate)
    monkeypatch.setattr(runner.tasks, "evaluate", evaluate)
    record = runner.train_and_evaluate(_record(exp), exp, setup, "LoRA", progress=False)
    assert record.status == "ok", record.error
    base = setup.scale.lr.get("LoRA", 1e-3)         # the smoke scale keeps LoRA's default
    selection = record.method_config["lr_selection"]
    assert list(selection["validation"]) == [f"{base * f:.3g}" for f in (0.3, 1.0, 3.0)]
    assert record.method_config["lr"] == selection["chosen"] == float(f"{base * 3:.3g}") and not selection["reused"]
    assert len(tested) == 1 and all(torch.equal(tested[0][1][k], weights[2][k]) for k in weights[2])
    assert any(n.startswith("learning rate ") and "chosen on the validation split by f1" in n for n in record.notes)

    second = runner.train_and_evaluate(_record(exp, seed=1), exp, setup, "LoRA", progress=False)
    assert second.method_config["lr"] == record.method_config["lr"] and second.method_config["lr_selection"]["reused"]
    assert len(weights) == 4                     # one validation check: no second sweep


def test_mini_sweeps_learning_rates_and_paper_keeps_the_studies_own():
    from replication import studies

    for study in studies.all_studies():
        for exp in study.experiments:
            assert exp.setups["mini"].scale.lr_factors == (0.3, 1.0, 3.0), (study.id, exp.name)
            assert exp.setups["paper"].scale.lr_factors == () and exp.setups["smoke"].scale.lr_factors == ()


def test_no_lr_sweep_trains_at_the_profiles_rate(monkeypatch):
    seen = []
    monkeypatch.setattr(runner, "train_and_evaluate", lambda record, exp, setup, *a, **k: seen.append(setup) or record)
    list(replication.run("P30", "mini", methods=["lora"], experiments=["jitdp-codebert"], progress=False))
    list(replication.run("P30", "mini", methods=["lora"], experiments=["jitdp-codebert"], progress=False,
                         lr_sweep=False))
    assert [s.scale.lr_factors for s in seen] == [(0.3, 1.0, 3.0), ()]
    assert seen[1].scale.lr == seen[0].scale.lr


@pytest.mark.parametrize("dataset, architecture, head, names", [
    ("stdlib-defects", "encoder-only", "classification", ("f1", "accuracy", "auc", "precision")),
    ("stdlib-search", "encoder-only", "classification", ("mrr", "f1")),
    ("stdlib-code-docstring", "encoder-decoder", "generation", ("smoothed-bleu", "edit-sim", "exact-match", "no-such")),
    ("stdlib-completion", "decoder-only", "generation", ("edit-sim", "corpus-bleu")),
])
def test_the_validation_score_is_what_the_full_evaluation_reports(dataset, architecture, head, names):
    """tasks.score computes one metric where tasks.evaluate computes all: the number must be the same."""
    from transformers import set_seed

    from replication import data, models, tasks
    from replication.studies._common import SMOKE

    d = data.load(dataset, 16, 8)
    set_seed(0)
    bundle = models.load(f"tiny:{architecture}", architecture, head, d.num_labels, None)
    seen = set()
    for metric in names:
        full, _, _ = tasks.evaluate(bundle.model, bundle.tokenizer, d.validation, architecture, head, SMOKE, "cpu",
                                    metric=metric)
        value = tasks.score(bundle.model, bundle.tokenizer, d.validation, architecture, head, SMOKE, "cpu", metric)
        assert value == full.get(metric, full.get("f1", 0.0)), (dataset, metric)
        seen.add(value)
    assert len(seen) > 1            # the metrics differ here, so a score of the wrong one would show
