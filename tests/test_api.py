"""The Python API: the CLI's queries as DataFrames, importing nothing heavy until called."""
from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest
from typer.testing import CliRunner

import slr
from replication.record import RunRecord
from slr import api
from slr import db as db_module
from slr.cli import app

pytestmark = pytest.mark.usefixtures("shared_db")


def cli_json(*args: str):
    result = CliRunner().invoke(app, [*args, "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_import_slr_loads_nothing_heavy():
    code = ("import sys, slr, slr.cli; heavy = [m for m in ('pandas', 'sqlalchemy', 'rich', 'torch', "
            "'transformers', 'peft', 'plotly', 'slr.api') if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_studies_are_the_28_studies_of_slr_papers():
    df = slr.studies()
    assert isinstance(df, pd.DataFrame) and len(df) == 28
    assert df["id"].tolist() == [r["id"] for r in cli_json("papers")]
    for column in ("id", "title", "venue", "year", "tasks", "methods", "architectures"):
        assert column in df.columns
    assert df.set_index("id").loc["P30", "citation_key"] == "liu2024delving"


@pytest.mark.parametrize("filters, argv", [
    ({"task": "CSum"}, ["--task", "CSum"]),
    ({"method": "prefix", "arch": "enc-dec", "category": "generative"},
     ["--method", "prefix", "--arch", "enc-dec", "--category", "generative"]),
    ({"task": ["CSum", "CG"]}, ["--task", "CSum", "--task", "CG"]),
    ({"venue": "saner", "year": 2024}, ["--venue", "saner", "--year", "2024"]),
    ({"family": "additive"}, ["--family", "additive"]),
])
def test_studies_take_the_filters_of_slr_papers(filters, argv):
    assert slr.studies(**filters)["id"].tolist() == [r["id"] for r in cli_json("papers", *argv)]


def test_a_filter_that_matches_nothing_keeps_the_columns():
    df = slr.studies(year=1990)
    assert df.empty and list(df.columns[:7]) == ["id", "title", "authors", "venue", "true_venue", "year", "doi"]


def test_results_are_the_reported_numbers_with_tier_and_evidence():
    df = slr.results()
    expected = [(r["id"], res["method"], res["metric"], res["value"])
                for r in (cli_json("show", sid) for sid in slr.studies()["id"]) for res in r["results"]]
    assert list(zip(df["study"], df["method"], df["metric"], df["value"])) == expected
    assert len(df) > 0 and df["tier"].notna().all()
    with_baseline = df[df["baseline_value"].notna()]
    assert (with_baseline["delta"] == with_baseline["value"] - with_baseline["baseline_value"]).all()
    assert df["evidence"].map(len).gt(0).all() and df["source"].notna().all()
    assert slr.results("p1")["study"].unique().tolist() == ["P1"]


def test_facts_carry_their_evidence():
    df = slr.facts("P30")
    record = cli_json("show", "P30")
    tasks = df[df["kind"] == "task"]
    assert tasks["name"].tolist() == record["tasks"]
    assert tasks["evidence"].tolist() == [t["evidence"] for t in record["facts"]["tasks"]]
    assert tasks["quote"].tolist() == [t["evidence"][0].get("quote") for t in record["facts"]["tasks"]]
    assert set(df["kind"]) >= {"bibliography", "finding", "task", "method", "model", "dataset", "metric",
                               "full_finetuning_baseline", "hardware", "artifact"}
    everything = slr.facts()
    assert everything["study"].nunique() == 28
    results = everything[everything["kind"] == "result"]
    assert len(results) == len(slr.results()) and results["tier"].notna().all()


def test_unknown_study_says_so():
    from slr.errors import UsageError

    with pytest.raises(UsageError, match="no study 'P99'"):
        slr.facts("P99")


def test_runs_and_compare_from_another_database(tmp_path):
    kb = slr.connect(f"sqlite:///{tmp_path / 'other.db'}")
    assert kb.runs().empty and "metrics" in kb.runs().columns and "verdict" in kb.compare().columns
    import replication

    spec = next(e for s in replication.list_studies() if s["study"] == "P34" for e in s["experiments"]
                if e["name"] == "summarize-codet5")
    key = spec.get("replicated_metric") or "bleu"
    for method, bleu in (("Full Fine-Tuning", 10.0), ("Prompt Tuning", 12.0)):
        db_module.record_run(kb.engine, RunRecord(
            study="P34", experiment="summarize-codet5", task="Code Summarization", method=method, profile="mini",
            model="base:encoder-decoder", architecture="encoder-decoder", dataset="mined", metrics={key: bleu}))
    runs = kb.runs(study="p34")
    assert runs["method"].tolist() == ["Full Fine-Tuning", "Prompt Tuning"]
    assert runs["tier"].tolist() == ["replicated-here (mini)"] * 2
    assert pd.json_normalize(runs["metrics"].tolist())[key].tolist() == [10.0, 12.0]
    compared = kb.compare("P34")
    assert compared["replicated_delta"].tolist() == [pytest.approx(2.0)]
    assert compared["verdict"].str.contains("(mini)", regex=False).all()      # a verdict names its profile
    assert slr.runs().empty          # the default database has none of them


def test_slr_compare_is_the_api_function_even_after_the_comparison_module_is_imported():
    import slr.comparison  # noqa: F401  (the module has its own name, so it cannot shadow the function)

    assert slr.compare is api.compare
    assert list(slr.compare().columns) == list(api.COMPARE_COLUMNS)            # empty: the known columns