"""The 28 study declarations: complete, in the taxonomy's words, and lined up with the corpus."""
from pathlib import Path

import pytest
import yaml

import replication
from replication import data, methods, studies
from replication.study import PROFILES

ROOT = Path(__file__).resolve().parents[2]
ALL = ("P1 P3 P4 P5 P8 P9 P10 P11 P12 P14 P15 P18 P21 P22 P23 P26 P27 P28 P29 P30 P31 P32 P33 P34 P35 "
       "P36 P37 P38").split()


def vocabulary(name):
    return {t["name"] for t in yaml.safe_load((ROOT / "taxonomy" / "data" / f"{name}.yaml").read_text())}


def test_list_studies_names_all_28():
    assert sorted(s["study"] for s in replication.list_studies()) == sorted(ALL)
    assert sorted(studies.MODULES) == sorted(ALL)


@pytest.mark.parametrize("study_id", ALL)
def test_declaration_uses_the_taxonomy_and_the_harness(study_id):
    study = studies.get(study_id)
    corpus = yaml.safe_load((ROOT / "corpus" / "studies" / f"{study_id}.yaml").read_text())
    tasks, known_methods = vocabulary("tasks"), vocabulary("methods")
    assert study.id == study_id and study.title == corpus["title"] and study.experiments
    studied = {m["name"] for m in corpus["methods"]}
    for exp in study.experiments:
        assert exp.task in tasks
        assert exp.architecture in vocabulary("architectures")
        assert exp.task_fidelity in ("faithful", "analogue", "approximation")
        assert exp.methods[0] == "Full Fine-Tuning"
        for m in exp.methods:
            assert m in known_methods and m in methods.REGISTRY
            assert m == "Full Fine-Tuning" or m in studied, f"{study_id} did not study {m}"
        assert set(exp.setups) == set(PROFILES)
        for setup in exp.setups.values():
            assert setup.dataset in data.DATASETS
            assert data.DATASETS[setup.dataset].head == exp.head
        assert exp.setups["smoke"].model == f"tiny:{exp.architecture}"
        assert set(exp.gpu_only) <= set(exp.methods)
        # the reported metric must name one of the corpus's results for this task, where it has any
        reported = {r["metric"] for r in corpus.get("results") or [] if r.get("task") == exp.task}
        if reported:
            assert any(exp.reported_metric.lower() in m.lower() for m in reported), (exp.name, reported)
    # every PEFT method the corpus records for the study is declared somewhere
    assert studied <= set(study.methods), studied - set(study.methods)


def test_gpu_only_methods_are_left_out_on_a_cpu():
    p37 = studies.get("P37").experiments[0]
    assert p37.methods == ("Full Fine-Tuning", "QLoRA") and p37.gpu_only == ("QLoRA",)
    assert p37.methods_here(cuda=False) == ("Full Fine-Tuning",)
    assert p37.methods_here(cuda=True) == p37.methods


@pytest.mark.slow
def test_every_offline_setup_gives_non_empty_splits_at_its_own_size():
    """What --list calls available at smoke and mini can run: each experiment's offline dataset gives
    training, validation and test examples at the sizes that profile asks for."""

    from replication import data, studies

    seen = set()
    for study in studies.all_studies():
        for exp in study.experiments:
            for profile in ("smoke", "mini"):
                setup = exp.setups[profile]
                key = (setup.dataset, setup.scale.train_size, setup.scale.eval_size)
                if key in seen or data.DATASETS[setup.dataset].released:
                    continue
                seen.add(key)
                built = data.load(setup.dataset, setup.scale.train_size, setup.scale.eval_size)
                assert built.train and built.validation and built.test, (study.id, exp.name, profile, key)


def test_p35_paper_profile_follows_its_released_code():
    """Multilingual-Adapter-for-SE at fe69e31e: sh/run_exp.py's summarize values for codet5_base with
    --apply_adapter (lr 10e-5, 1,000 warm-up steps), the UniXcoder README's search command, and the
    OpenDelta AdapterModel of bottleneck 128 both tasks build, adapters alone trained."""
    search, summarize = (e.setups["paper"].scale for e in studies.get("P35").experiments)
    assert (summarize.train_size, summarize.epochs, summarize.batch_size, summarize.max_source_len,
            summarize.max_target_len, summarize.num_beams, summarize.validation_checks) == (251820, 15, 48, 256, 128, 10, 15)
    assert summarize.lr == {"Adapter (Houlsby)": 1e-4, "Full Fine-Tuning": 5e-5}
    assert int(summarize.warmup_ratio * 15 * -(-251820 // 48)) == 1000          # warm-up steps, as the runner counts
    assert (search.epochs, search.batch_size, search.max_source_len, search.warmup_ratio) == (10, 64, 256, 0.0)
    assert search.lr == {"Adapter (Houlsby)": 5e-5, "Full Fine-Tuning": 5e-5}
    for exp in studies.get("P35").experiments:
        cfg = exp.method_config["Adapter (Houlsby)"]
        assert (cfg["placement"], cfg["init"], cfg["non_linearity"], 768 // cfg["reduction_factor"],
                cfg["train_layer_norm"]) == ("output", "opendelta", "gelu_new", 128, False)
