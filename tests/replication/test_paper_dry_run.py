"""The paper profile end to end on a CPU: P30's every experiment and method from its data in the released
layouts (tests/fixtures/released) and local checkpoints under --models, capped at 2 steps.

The checkpoints are tiny models of the studies' architectures saved under the hub ids P30 declares
(microsoft/codebert-base, Salesforce/codet5-base): the loading path is the real one, the weights are not."""
import shutil
from pathlib import Path

import pytest

import replication
from replication import configs
from replication.studies import get

RELEASED = Path(__file__).resolve().parents[1] / "fixtures" / "released"


def _save_tiny_checkpoints(root: Path) -> None:
    import transformers as tf

    from replication.tokenizer import code_tokenizer

    tokenizer = code_tokenizer()
    for hub_id, arch, cls in (("microsoft/codebert-base", "encoder-only", tf.RobertaForMaskedLM),
                              ("Salesforce/codet5-base", "encoder-decoder", tf.T5ForConditionalGeneration)):
        folder = root.joinpath(*hub_id.split("/"))
        tf.set_seed(0)
        cls(configs.make_config(arch, tokenizer, configs.TINY)).save_pretrained(str(folder))
        tokenizer.save_pretrained(str(folder))


@pytest.mark.slow
def test_p30_paper_profile_runs_on_a_cpu_from_released_layouts_and_local_checkpoints(tmp_path, monkeypatch):
    models = tmp_path / "models"
    _save_tiny_checkpoints(models)
    data_dir = tmp_path / "data"
    shutil.copytree(RELEASED, data_dir)
    monkeypatch.setenv("SLR_MODELS", str(models))
    records = list(replication.run("P30", profile="paper", data_dir=str(data_dir), device="cpu", max_steps=2,
                                   progress=False))
    study = get("P30")
    assert {(r.experiment, r.method) for r in records} == {(e.name, m) for e in study.experiments for m in e.methods}
    for r in records:
        assert r.status == "ok", (r.experiment, r.method, r.error)
        assert r.profile == "paper" and r.steps == 2 and r.model in ("microsoft/codebert-base", "Salesforce/codet5-base")
        assert r.dataset in ("jit-defects4j", "mcmd-java") and r.per_example.get("units")
    # without --device cpu the same command names what is missing here: a GPU
    if not __import__("torch").cuda.is_available():
        with pytest.raises(replication.ReplicationError, match="CUDA GPU"):
            list(replication.run("P30", profile="paper", data_dir=str(data_dir), max_steps=2, progress=False))
