"""`slr export --format csvw|jsonld|eval-results`: the reported and replicated numbers, each format
checked against its own rules (CSVW metadata vs header and datatypes, JSON-LD shape, Hugging Face
eval_results fields), with hostile corpus-like strings escaped in each."""
from __future__ import annotations

import csv
import io
import json
import math
import re
import shutil
import uuid

import pytest
import yaml
from typer.testing import CliRunner

from replication.record import RunRecord
from slr import db, export
from slr.cli import app

runner = CliRunner()
HOSTILE = 'mined "quoted", with a comma,\nnewline; colon: - dash | pipe # hash {brace} ü ✓'


@pytest.fixture(scope="module")
def runs_db(built_db, tmp_path_factory) -> str:
    """A copy of the shared database with a few runs: an ok pair (uid'd, two metrics), one with a legacy
    metric name and hostile strings, and a failed run (exported nowhere)."""
    target = tmp_path_factory.mktemp("export-db") / "slr.db"
    shutil.copyfile(built_db.removeprefix("sqlite:///"), target)
    url = f"sqlite:///{target}"
    engine = db.open_current(url)
    common = dict(study="P34", experiment="summarize-codet5", task="Code Summarization", profile="mini",
                  model="base:encoder-decoder", architecture="encoder-decoder", dataset="mined", dataset_hash="abc")
    db.record_run(engine, RunRecord(**common, method="Full Fine-Tuning", metrics={"smoothed-bleu": 10.0}),
                  uid=uuid.uuid4().hex)
    db.record_run(engine, RunRecord(**common, method="Prompt Tuning", seed=1,
                                    metrics={"smoothed-bleu": 12.5, "exact-match": 3.0}), uid=uuid.uuid4().hex)
    db.record_run(engine, RunRecord(**{**common, "model": HOSTILE, "dataset": HOSTILE}, method="LoRA",
                                    metrics={"exact_match": 0.25}))          # legacy: a fraction, shown as 25.0
    db.record_run(engine, RunRecord(**common, method="LoRA", status="failed", error="boom", metrics={"x": 1.0}))
    engine.dispose()
    return url


def slr(url, *args):
    return runner.invoke(app, ["--db", url, "export", *args], catch_exceptions=False)


@pytest.fixture(scope="module")
def csvw(runs_db, tmp_path_factory):
    out = tmp_path_factory.mktemp("csvw")
    result = slr(runs_db, "--format", "csvw", "--out", str(out))
    assert result.exit_code == 0, result.output
    raw = (out / export.CSVW_FILE).read_bytes().decode("utf-8")
    metadata = json.loads((out / export.CSVW_METADATA_FILE).read_text(encoding="utf-8"))
    return raw, metadata


def _parse(cell: str, column: dict):
    """A cell by its CSVW datatype (XSD lexical forms), null for an empty cell."""
    if cell == "":
        return None
    if column.get("separator"):
        return cell.split(column["separator"])
    kind = column["datatype"]
    if kind == "double":
        assert re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|INF|-INF|NaN", cell), cell
        return float(cell.replace("INF", "inf"))
    if kind == "integer":
        assert re.fullmatch(r"[+-]?\d+", cell), cell
        return int(cell)
    if kind == "boolean":
        assert cell in ("true", "false", "1", "0"), cell
        return cell in ("true", "1")
    return cell


def test_csvw_metadata_follows_the_tabular_metadata_vocabulary(csvw):
    raw, metadata = csvw
    context = metadata["@context"]
    assert context == "http://www.w3.org/ns/csvw" or context[0] == "http://www.w3.org/ns/csvw"
    assert metadata["url"] == export.CSVW_FILE
    columns = metadata["tableSchema"]["columns"]
    header = next(csv.reader(io.StringIO(raw)))
    assert [c["name"] for c in columns] == header == [c["titles"] for c in columns]   # one to one, in order
    builtin = {"string", "double", "integer", "boolean", "anyURI", "date", "dateTime", "number"}
    for column in columns:
        assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_]*", column["name"])            # CSVW: no leading "_"
        assert column["datatype"] in builtin and column["dc:description"]
    assert metadata["tableSchema"]["primaryKey"] in header
    assert metadata["dialect"]["header"] is True


def test_csvw_rows_round_trip_and_parse_as_their_datatypes(csvw, runs_db):
    raw, metadata = csvw
    columns = metadata["tableSchema"]["columns"]
    rows = list(csv.DictReader(io.StringIO(raw, newline="")))
    parsed = [{c["name"]: _parse(row[c["name"]], c) for c in columns} for row in rows]
    for row in parsed:
        for column in columns:
            if column.get("required"):
                assert row[column["name"]] is not None, (column["name"], row)
        assert isinstance(row["value"], float) and math.isfinite(row["value"])
    ids = [r["id"] for r in parsed]
    assert len(ids) == len(set(ids))                                              # the primary key holds
    kinds = {k: [r for r in parsed if r["kind"] == k] for k in ("reported", "replicated")}
    engine = db.open_current(runs_db)
    from slr import queries

    assert len(kinds["reported"]) == len(queries.results(engine))
    assert {r["tier"] for r in kinds["reported"]} <= {"paper-table", "paper-text", "artifact-file", "secondary"}
    assert all(r["source"] for r in kinds["reported"])
    # 1 + 2 + 1 metrics of the three ok runs; the failed run is left out
    assert len(kinds["replicated"]) == 4 and {r["tier"] for r in kinds["replicated"]} == {"replicated-here (mini)"}
    hostile = next(r for r in kinds["replicated"] if r["dataset"] == HOSTILE)     # quoted, comma, newline intact
    assert hostile["model"] == HOSTILE and hostile["metric"] == "exact-match" and hostile["value"] == 25.0
    assert hostile["seed"] == 0 and isinstance(hostile["run_id"], int)
    p1 = next(r for r in kinds["reported"] if r["id"] == "P1-results-0")
    assert p1["value"] == 75.0 and p1["baseline_value"] == 38.0 and p1["higher_is_better"] is True
    assert len(p1["source"]) == len(p1["locator"]) == 2
    evidence = {r["id"]: r["evidence"] for r in export.interop_records(engine) if r["kind"] == "reported"}
    assert all(len(r["source"]) == len(evidence[r["id"]]) for r in kinds["reported"])   # no source holds " | "


def test_jsonld_has_a_type_and_the_values_of_every_number(runs_db):
    result = slr(runs_db, "--format", "jsonld")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["@type"] == "Dataset" and document["@context"] == {"@vocab": "https://schema.org/"}
    records = document["variableMeasured"]
    engine = db.open_current(runs_db)
    expected = {r["id"]: r for r in export.interop_records(engine)}
    assert [r["identifier"] for r in records] == list(expected)
    for record in records:
        assert record["@type"] == "PropertyValue" and record["@id"].startswith("#")
        assert record["value"] == expected[record["identifier"]]["value"] and record["propertyID"]
        assert all(ref["@type"] == "PropertyValue" and "value" in ref for ref in record["valueReference"])
    hostile = next(r for r in records if {"propertyID": "dataset", "value": HOSTILE, "@type": "PropertyValue"}
                   in r["valueReference"])
    assert hostile["measurementMethod"] == "replicated-here (mini)"


def test_jsonld_expands_where_a_json_ld_processor_is_installed(runs_db):
    pyld = pytest.importorskip("pyld")          # not in constraints.txt: skipped unless installed
    document = json.loads(slr(runs_db, "--format", "jsonld").stdout)
    expanded = pyld.jsonld.expand(document)
    assert expanded[0]["@type"] == ["https://schema.org/Dataset"]


def test_eval_results_are_one_record_per_ok_run_metric(runs_db, tmp_path):
    result = slr(runs_db, "--format", "eval-results", "--out", str(tmp_path / "new" / "dir"))
    assert result.exit_code == 0, result.output
    text = (tmp_path / "new" / "dir" / export.EVAL_RESULTS_FILE).read_text(encoding="utf-8")
    assert text == slr(runs_db, "--format", "eval-results").stdout               # stdout and --out agree
    records = yaml.safe_load(text)
    engine = db.open_current(runs_db)
    from slr import queries

    ok = [r for r in queries.runs(engine) if r["status"] == "ok"]
    assert len(records) == sum(len(r["metrics"]) for r in ok) == 4
    for record in records:
        assert {"id", "name", "type", "split"} <= set(record["dataset"])
        assert {"type", "name", "value"} <= set(record["metric"]) and record["metric"]["verified"] is False
        assert record["value"] == record["metric"]["value"] and isinstance(record["value"], float)
        assert record["verified"] is False and record["verification"]["tier"] == "replicated-here (mini)"
        assert {"tool", "run_id", "profile", "seed"} <= set(record["source"])
        assert record["source"]["tool"].startswith("slr-peft-code ")
    uids = [r for r in records if "url" in r["source"]]
    assert len(uids) == 3 and all(r["source"]["url"].startswith("urn:uuid:") for r in uids)
    hostile = next(r for r in records if r["dataset"]["name"] == HOSTILE)        # safe_dump kept it intact
    assert hostile["model"]["name"] == HOSTILE and hostile["metric"]["value"] == 25.0


@pytest.mark.parametrize("args, message", [
    (["--format", "csvw"], "give --out DIR"),
    (["--format", "xml"], "'xml' is not one of"),
])
def test_bad_usage_exits_2_with_a_message(runs_db, args, message):
    result = slr(runs_db, *args)
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output


def test_an_unwritable_out_is_an_error_not_a_traceback(runs_db, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    for out in (blocker, blocker / "sub"):
        result = slr(runs_db, "--format", "jsonld", "--out", str(out))
        assert result.exit_code == 1 and "slr: export:" in result.output and "Traceback" not in result.output
