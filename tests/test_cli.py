"""The CLI contract, through typer's runner (and one real subprocess)."""
from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from slr.cli import app

runner = CliRunner()
pytestmark = pytest.mark.usefixtures("shared_db")


def slr(*args: str, env: dict | None = None):
    result = runner.invoke(app, list(args), env=env, catch_exceptions=False)
    return result


def papers_json(*args: str) -> list[dict]:
    result = slr("papers", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_papers_json_lists_every_study_with_contract_fields():
    records = papers_json()
    assert len(records) == 28
    for record in records:
        for key in ("id", "title", "venue", "year", "tasks", "methods", "architectures"):
            assert key in record
        assert isinstance(record["tasks"], list) and record["tasks"]
        assert isinstance(record["methods"], list) and record["methods"]
    assert [r["id"] for r in records][:3] == ["P1", "P3", "P4"]


@pytest.mark.parametrize("spelling", ["CSum", "csum", "Code Summarization", "code-to-text", "CODE SUMMARIZATION"])
def test_task_abbreviations_and_aliases_mean_the_same_task(spelling):
    ids = [r["id"] for r in papers_json("--task", spelling)]
    assert ids == [r["id"] for r in papers_json("--task", "Code Summarization")]
    assert ids and all("Code Summarization" in r["tasks"] for r in papers_json("--task", spelling))


def test_filters_combine_with_and():
    records = papers_json("--method", "prefix", "--arch", "enc-dec", "--category", "generative")
    assert records
    for r in records:
        assert "Prefix Tuning" in r["methods"]
        assert "encoder-decoder" in r["architectures"]
        assert "generative" in r["categories"]
    everything = {r["id"] for r in papers_json("--method", "prefix")}
    assert {r["id"] for r in records} <= everything


def test_method_alias_and_year_and_venue():
    at = papers_json("--method", "AT", "--year", "2024")
    assert "P30" in {r["id"] for r in at}
    assert all(r["year"] == 2024 for r in at)
    assert {r["id"] for r in papers_json("--venue", "saner")} == {"P30"}


def test_unknown_task_suggests_and_exits_2():
    result = runner.invoke(app, ["papers", "--task", "code sumarization"])
    assert result.exit_code == 2
    assert "did you mean" in result.output.lower() and "Code Summarization" in result.output
    assert "Traceback" not in result.output


def test_show_prints_facts_with_evidence():
    result = slr("show", "P30")
    assert result.exit_code == 0
    out = result.stdout
    assert "Delving into Parameter-Efficient Fine-Tuning" in out
    assert "evidence:" in out and "LoRA" in out and "Commit Message Generation" in out
    record = json.loads(slr("show", "p30", "--format", "json").stdout)
    assert record["id"] == "P30"
    assert record["tasks"] == ["Commit Message Generation", "Defect Detection"]     # the contract's flat list
    cmg = next(t for t in record["facts"]["tasks"] if t["name"] == "Commit Message Generation")
    # regression: sorted for display, CMG used to carry the JIT-DP row's quote (evidence by position)
    assert cmg["evidence"] and not any("P30-DD" in (e.get("quote") or "") for e in cmg["evidence"])
    assert any("P30-CMG" in (e.get("quote") or "") for e in cmg["evidence"])
    assert record["facts"]["artifact"]["url"] == "https://github.com/ishuoliu/PEFT4CC"
    assert record["facts"]["artifact"]["evidence"] and record["facts"]["full_finetuning_baseline"]["evidence"]


def test_show_unknown_id_exits_2():
    result = runner.invoke(app, ["show", "P99"])
    assert result.exit_code == 2 and "no study 'P99'" in result.output


def test_search_ranks_matching_studies_first():
    hits = json.loads(slr("search", "commit message", "--format", "json").stdout)
    assert hits and hits[0]["score"] >= 90
    assert "P30" in [h["id"] for h in hits[:5]]


def test_stats_counts_match_papers():
    counts = json.loads(slr("stats", "--format", "json").stdout)
    assert counts["studies"]["total"] == 28
    csum = len(papers_json("--task", "CSum"))
    assert counts["task"]["Code Summarization"] == csum
    assert sum(counts["year"].values()) == 28


def test_taxonomy_tree_and_graph_exports():
    tree = slr("taxonomy").stdout
    assert "generative" in tree and "Code Summarization" in tree
    import networkx as nx

    graph = nx.node_link_graph(json.loads(slr("taxonomy", "--format", "json").stdout), edges="edges")
    assert nx.is_directed_acyclic_graph(graph)
    graphml = slr("taxonomy", "--format", "graphml").stdout
    assert nx.read_graphml(io.BytesIO(graphml.encode())).number_of_nodes() == graph.number_of_nodes()
    assert slr("taxonomy", "--format", "dot").stdout.startswith("digraph")


def test_csv_export_parses_back():
    text = slr("papers", "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 28
    assert rows[0]["id"] == "P1" and rows[0]["tasks"]
    assert {r["id"] for r in rows} == {r["id"] for r in papers_json()}


def test_bibtex_export_parses_with_a_real_parser_and_keys_are_stable():
    import bibtexparser

    text = slr("papers", "--format", "bibtex").stdout
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks
    keys = [entry.key for entry in library.entries]
    assert len(keys) == 28 and len(set(keys)) == 28
    by_key = {e.key: e for e in library.entries}
    p30 = json.loads(slr("show", "P30", "--format", "json").stdout)["citation_key"]
    assert p30 == "liu2024delving" and p30 in by_key
    assert "Delving" in by_key[p30]["title"]
    assert text == slr("papers", "--format", "bibtex").stdout


def test_real_subprocess_call(tmp_path):
    env = {**os.environ, "SLR_DATA_DIR": str(tmp_path)}
    env.pop("SLR_DB", None)
    out = subprocess.run([sys.executable, "-m", "slr.cli", "papers", "--task", "CMG", "--format", "json"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "P30" in {r["id"] for r in json.loads(out.stdout)}
    bad = subprocess.run([sys.executable, "-m", "slr.cli", "papers", "--year", "twenty"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_completion_offers_vocabulary_values():
    from slr.cli import _complete

    assert "Code Summarization" in _complete("tasks")("Code S")
    assert "CSum" in _complete("tasks")("CS")
    assert "LoRA" in _complete("methods")("Lo")


def test_version_gives_package_corpus_schema_and_review(corpus_copy):
    from slr import corpus as corpus_module
    from slr import migrations

    result = slr("--version")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 4
    assert lines[0].startswith("slr-peft-code ") and lines[2] == f"schema {migrations.HEAD}"
    assert lines[3].startswith("review ") and "28-study revision" in lines[3]
    facts = json.loads(slr("--version", "--format", "json").stdout)
    assert set(facts) == {"version", "corpus_sha256", "schema_revision", "review"}
    assert lines[1] == f"corpus sha256:{facts['corpus_sha256']}"
    assert facts["corpus_sha256"] == corpus_module.digest(corpus_copy)
    # the hash is of the content: an edited corpus says so
    study = corpus_copy / "studies" / "P30.yaml"
    study.write_text(study.read_text() + "\n# edited\n")
    edited = json.loads(slr("--corpus", str(corpus_copy), "--version", "--format", "json").stdout)
    assert edited["corpus_sha256"] != facts["corpus_sha256"]


def test_no_command_prints_help_and_exits_2():
    result = slr()
    assert result.exit_code == 2 and "Commands" in result.output
