"""The paper profile's datasets, read from fixtures in each release's own format and layout
(tests/fixtures/released, written by its make.py), and local checkpoints under --models / SLR_MODELS."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import replication
from replication import data, models
from replication.data import loaders
from replication.data.releases import RELEASES

RELEASED = Path(__file__).resolve().parent.parent / "fixtures" / "released"

# name -> (train, validation, test) sizes in the fixture
FIXTURES = {
    "jit-defects4j": (6, 2, 4), "mcmd-java": (6, 2, 4), "codexglue-code-to-text-python": (6, 2, 4),
    "codesearchnet-python": (12, 4, 8), "advtest": (12, 4, 8), "devign": (6, 2, 4), "bigclonebench": (6, 2, 4),
    "concode": (6, 2, 4), "code-translation-java-cs": (6, 2, 4), "code-translation-cs-java": (6, 2, 4),
    "code-refinement-small": (6, 2, 4),
}


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_each_release_loads_from_its_released_layout_with_validation(name):
    assert data.missing_files(name, RELEASED) == []
    loaded = data.load(name, 100, 100, RELEASED)
    assert (len(loaded.train), len(loaded.validation), len(loaded.test)) == FIXTURES[name]
    assert loaded.kind == "real" and loaded.head == RELEASES[name].head
    for row in loaded.train + loaded.validation + loaded.test:
        if loaded.head == "generation":
            assert isinstance(row["source"], str) and row["source"]
            assert isinstance(row["target"], str) and row["target"]
        else:
            assert isinstance(row["text"], str) and row["text"] and row["label"] in (0, 1)
    assert {r["origin"] for r in loaded.validation} and all("valid" in r["origin"] or "dev" in r["origin"]
                                                           for r in loaded.validation)


def test_jitfine_pickles_read_as_peft4cc_builds_its_input():
    rows = data.load("jit-defects4j", 10, 10, RELEASED).train
    assert rows[1] == {"text": "fix bug 1 [ADD] int x1 = 1;[ADD]return x; [DEL] return 0;", "label": 1,
                       "commit": "train" + "1".zfill(38), "origin": "jitfine/changes_train.pkl+jitfine/features_train.pkl"}


def test_mcmd_token_lists_become_text_not_lists():
    row = data.load("mcmd-java", 10, 10, RELEASED).test[0]
    assert row["source"] == "mmm a / A.java ppp b / A.java - int x ; + long x ;"
    assert row["target"] == "Use long for x0"


def test_code_to_text_concode_devign_bigclonebench_translation_contents():
    assert data.load("codexglue-code-to-text-python", 9, 9, RELEASED).train[0]["target"] == "Return x plus 0 ."
    assert data.load("concode", 9, 9, RELEASED).validation[0]["target"] == "int function ( ) { return _total0 ; }"
    devign = data.load("devign", 9, 9, RELEASED)
    assert devign.test[0]["text"] == "static int f8(int a) { return a + 8; }" and devign.test[0]["label"] == 0
    clones = data.load("bigclonebench", 9, 9, RELEASED).train[0]
    assert (clones["text"], clones["text_pair"]) == ("public int m0() { return 0; }", "public int m1() { return 1; }")
    java_cs = data.load("code-translation-java-cs", 9, 9, RELEASED).train[0]
    cs_java = data.load("code-translation-cs-java", 9, 9, RELEASED).train[0]
    assert java_cs["source"] == cs_java["target"] == "public String toString0() {return pattern();}"


def test_code_search_pairs_each_query_with_its_code_and_another():
    rows = loaders.code_search(RELEASED / "CSN" / "python" / "test.jsonl")
    assert [r["label"] for r in rows] == [1, 0] * 4
    for positive, negative in zip(rows[::2], rows[1::2]):
        assert positive["text"] == negative["text"] and positive["text_pair"] != negative["text_pair"]


def test_devign_preprocessed_jsonl_layout_is_accepted_too(tmp_path):
    root = tmp_path / "Code-Code" / "Defect-detection" / "dataset"
    root.mkdir(parents=True)
    functions = json.loads((RELEASED / "Code-Code/Defect-detection/dataset/function.json").read_text())
    for split, ids in (("train", range(6)), ("test", range(8, 12))):     # as its preprocess.py writes them
        (root / f"{split}.jsonl").write_text("".join(json.dumps({**functions[i], "idx": i}) + "\n" for i in ids))
    loaded = data.load("devign", 9, 9, tmp_path)
    assert (len(loaded.train), len(loaded.validation), len(loaded.test)) == (6, 0, 4)


def copy_release(tmp_path, *parts) -> Path:
    shutil.copytree(RELEASED.joinpath(*parts), tmp_path.joinpath(*parts))
    return tmp_path


def test_a_pickle_where_json_lines_are_expected_names_file_and_what_was_found(tmp_path):
    copy_release(tmp_path, "MCMD")
    target = tmp_path / "MCMD/java/contextual_medits/train.jsonl"
    shutil.copy(RELEASED / "jitfine/changes_train.pkl", target)
    with pytest.raises(loaders.LayoutError, match=r"train\.jsonl: expected MCMD .*found a Python pickle"):
        data.load("mcmd-java", 5, 5, tmp_path)


def test_json_lines_where_the_jitfine_pickle_is_expected(tmp_path):
    copy_release(tmp_path, "jitfine")
    shutil.copy(RELEASED / "MCMD/java/contextual_medits/train.jsonl", tmp_path / "jitfine/changes_train.pkl")
    with pytest.raises(loaders.LayoutError, match=r"changes_train\.pkl: expected JIT-Fine's changes pickle.*found text"):
        data.load("jit-defects4j", 5, 5, tmp_path)


def test_missing_fields_are_named_never_loaded_as_none(tmp_path):
    root = copy_release(tmp_path, "MCMD") / "MCMD/java/contextual_medits"
    (root / "train.jsonl").write_text(json.dumps({"diff": ["+", "a"], "msg": "add a"}) + "\n")
    with pytest.raises(loaders.LayoutError, match="msg_token on every line, found line 1 with keys diff, msg"):
        data.load("mcmd-java", 5, 5, tmp_path)


def test_features_of_another_split_are_refused(tmp_path):
    copy_release(tmp_path, "jitfine")
    shutil.copy(RELEASED / "jitfine/features_test.pkl", tmp_path / "jitfine/features_train.pkl")
    with pytest.raises(loaders.LayoutError, match="commits of the changes pickle have no row here"):
        data.load("jit-defects4j", 5, 5, tmp_path)


def test_parallel_files_of_different_lengths_and_bad_pair_lines(tmp_path):
    copy_release(tmp_path, "Code-Code", "code-to-code-trans")
    (tmp_path / "Code-Code/code-to-code-trans/data/train.java-cs.txt.cs").write_text("one line\n")
    with pytest.raises(loaders.LayoutError, match="has 6 lines but .* has 1"):
        data.load("code-translation-java-cs", 5, 5, tmp_path)
    copy_release(tmp_path, "Code-Code", "Clone-detection-BigCloneBench")
    (tmp_path / "Code-Code/Clone-detection-BigCloneBench/dataset/train.txt").write_text("1000,1001,1\n")
    with pytest.raises(loaders.LayoutError, match=r"expected lines 'idx1<TAB>idx2<TAB>label', found '1000,1001,1'"):
        data.load("bigclonebench", 5, 5, tmp_path)


def test_missing_files_say_the_exact_path_and_what_is_there_instead(tmp_path):
    (tmp_path / "Code-Text/code-to-text/dataset/python/final").mkdir(parents=True)    # preprocess.py not run
    missing = data.missing_files("codexglue-code-to-text-python", tmp_path)
    assert missing[0].startswith(str(tmp_path / "Code-Text/code-to-text/dataset/python/train.jsonl"))
    assert "holds final/" in missing[0]
    assert data.missing_files("jit-defects4j", None) == [
        "--data-dir holding <data-dir>/jitfine/changes_train.pkl, <data-dir>/jitfine/features_train.pkl, "
        "<data-dir>/jitfine/changes_test.pkl, <data-dir>/jitfine/features_test.pkl"]


def test_datasets_report_says_source_layout_known_files_and_presence(tmp_path):
    rows = {r["name"]: r for r in replication.datasets_report(data_dir=str(RELEASED))}
    assert set(RELEASES) <= set(rows)
    trans = rows["code-translation-java-cs"]
    assert trans["present"] and "github.com/microsoft/CodeXGLUE" in trans["source"]
    assert trans["known_files"]["Code-Code/code-to-code-trans/data/test.java-cs.txt.cs"]["bytes"] == 228990
    assert all(f["exists"] and f["size_matches"] is False for f in trans["files"])     # a fixture, not the release
    assert rows["devign"]["used_by"] and rows["humaneval"]["present"]
    absent = replication.datasets_report("bigclonebench", str(tmp_path))[0]
    assert not absent["present"] and absent["missing"][0].endswith("Clone-detection-BigCloneBench/dataset/data.jsonl")
    assert [r["name"] for r in replication.datasets_report("P30")] == ["jit-defects4j", "mcmd-java"]


def test_cli_datasets_prints_release_layout_and_presence(monkeypatch):
    from typer.testing import CliRunner

    from slr.cli import app

    result = CliRunner().invoke(app, ["replicate", "--datasets", "jit-defects4j", "--data-dir", str(RELEASED)])
    assert result.exit_code == 0, result.output
    assert "jit-defects4j  [present]" in result.stdout and "github.com/jacknichao/JIT-Fine" in result.stdout
    assert "<data-dir>/jitfine/changes_{train,valid,test}.pkl + features_{train,valid,test}.pkl" in result.stdout
    assert CliRunner().invoke(app, ["replicate", "--datasets", "P99"]).exit_code == 2


def fake_checkpoint(root: Path, hub_id: str) -> Path:
    path = root.joinpath(*hub_id.split("/"))
    path.mkdir(parents=True)
    (path / "config.json").write_text("{}")
    return path


def test_models_dir_maps_hub_ids_to_local_checkpoints(tmp_path, monkeypatch):
    monkeypatch.delenv("SLR_MODELS", raising=False)
    assert not models.checkpoint_available("microsoft/codebert-base")
    note = models.missing_checkpoint("microsoft/codebert-base")
    assert "HF_HUB_OFFLINE=1" in note and "hf download microsoft/codebert-base" in note
    monkeypatch.setenv("SLR_MODELS", str(tmp_path))
    note = models.missing_checkpoint("microsoft/codebert-base")
    assert f"not in {tmp_path / 'microsoft/codebert-base'}" in note
    assert note.endswith(f"hf download microsoft/codebert-base --local-dir {tmp_path / 'microsoft/codebert-base'}")
    local = fake_checkpoint(tmp_path, "microsoft/codebert-base")
    assert models.checkpoint_available("microsoft/codebert-base") and models.resolve("microsoft/codebert-base") == str(local)
    assert models.missing_checkpoint("microsoft/codebert-base") is None
    assert models.resolve("Salesforce/codet5-base") == "Salesforce/codet5-base"     # not there: the hub id / cache


def test_list_names_per_experiment_what_is_missing_and_the_fix(tmp_path, monkeypatch):
    from replication import studies

    monkeypatch.setenv("SLR_MODELS", str(tmp_path / "models"))
    p30 = studies.get("P30")
    jitdp = next(e for e in p30.experiments if e.name == "jitdp-codebert")
    missing = replication.paper_missing(jitdp, str(tmp_path))
    assert any(m.startswith(str(tmp_path / "jitfine" / "changes_train.pkl")) for m in missing)
    assert missing[-1].endswith(f"--local-dir {tmp_path / 'models' / 'microsoft/codebert-base'}")
    fake_checkpoint(tmp_path / "models", "microsoft/codebert-base")
    assert not any("checkpoint" in m for m in replication.paper_missing(jitdp, str(tmp_path)))


def test_cli_models_option_reaches_list(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from slr.cli import app

    monkeypatch.setenv("SLR_MODELS", "")      # restored after the test: the CLI sets it from --models
    fake_checkpoint(tmp_path, "microsoft/codebert-base")
    result = CliRunner().invoke(app, ["replicate", "--list", "--format", "json", "--models", str(tmp_path)])
    assert result.exit_code == 0, result.output
    p30 = next(s for s in json.loads(result.stdout) if s["study"] == "P30")
    jitdp = next(e for e in p30["experiments"] if e["name"] == "jitdp-codebert")
    assert not any("codebert-base" in m for m in jitdp["paper_missing"])
    cmg = next(e for e in p30["experiments"] if e["name"] == "cmg-codet5")
    assert any(f"--local-dir {tmp_path / 'Salesforce/codet5-base'}" in m for m in cmg["paper_missing"])
