"""Output that fits: every table and tree at 80 and 100 columns, no line wider, no word folded
letter by letter (rich's divide_line is watched: a fold of a word longer than its line fails);
`slr check` short by default; NO_COLOR; exit codes in --help."""
from __future__ import annotations

import io
import re

import pytest
import rich.text
from rich.cells import cell_len
from rich.console import Console
from typer.testing import CliRunner

from replication.record import RunRecord
from slr import db, render
from slr.cli import app

WIDTHS = (80, 100)
COMMANDS = [
    ["papers"], ["papers", "--method", "prefix", "--arch", "enc-dec", "--category", "generative"],
    ["show", "P30"], ["show", "P12"], ["search", "code change"], ["stats"], ["taxonomy"],
    ["check"], ["check", "--all"], ["runs"], ["runs", "--compare", "--all"],
]


@pytest.fixture(scope="module")
def db_with_runs(tmp_path_factory):
    import replication

    url = f"sqlite:///{tmp_path_factory.mktemp('widths') / 'slr.db'}"
    engine = db.open_current(url, None)
    spec = {(s["study"], e["name"]): e for s in replication.list_studies() for e in s["experiments"]}
    for (study, name), exp in list(spec.items())[:5]:
        for method in exp["methods"]:
            db.record_run(engine, RunRecord(
                study=study, experiment=name, task=exp["task"], method=method, profile="mini",
                model="base:" + exp["architecture"], architecture=exp["architecture"], dataset="mined",
                metrics={exp.get("replicated_metric") or "accuracy": 0.5, "final_train_loss": 1.25},
                trainable_params=1234, total_params=567890, train_seconds=12.5, peak_memory_bytes=3 * 2**30))
    return url


@pytest.fixture
def folds(monkeypatch):
    """Words rich had to fold because they were longer than their line."""
    seen: list[tuple[str, int]] = []
    original = rich.text.divide_line

    def watched(text, width, fold=True):
        if fold:
            seen.extend((w, width) for w in text.split() if cell_len(w) > width)
        return original(text, width, fold=fold)

    monkeypatch.setattr(rich.text, "divide_line", watched)
    return seen


def _assert_fits(text: str, width: int, folded: list, what) -> None:
    wide = [line for line in text.splitlines() if cell_len(line) > width]
    assert not wide, (what, width, wide[:3])
    assert not folded, (what, width, folded[:5])


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("argv", COMMANDS, ids=" ".join)
def test_every_command_fits_without_folding_a_word(argv, width, db_with_runs, folds):
    result = CliRunner().invoke(app, argv, env={"COLUMNS": str(width), "SLR_DB": db_with_runs},
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip()
    _assert_fits(result.stdout, width, folds, argv)


def _console(width: int) -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, width=width, soft_wrap=False), buffer


@pytest.mark.parametrize("width", WIDTHS)
def test_replicate_list_is_one_line_per_experiment(width, folds):
    import replication

    studies = replication.list_studies()
    console, buffer = _console(width)
    render.experiment_list(console, studies)
    text = buffer.getvalue()
    _assert_fits(text, width, folds, "replicate --list")
    rows = [line for line in text.splitlines() if line.startswith("│")]
    assert len(rows) == sum(len(s["experiments"]) for s in studies)
    assert len(text.splitlines()) < 831 / 3                  # was 831 lines
    assert all(exp["name"] in text for s in studies for exp in s["experiments"])     # names are never cut


@pytest.mark.parametrize("width", WIDTHS)
def test_replicate_summary_is_one_line_per_run(width, folds):
    rows = [{"id": i, "study": "P30", "experiment": "defect-codebert", "task": "Defect Detection",
             "method": method, "profile": "smoke", "status": "ok", "trainable_params": 1000, "total_params": 10**6,
             "train_seconds": 3.25, "peak_memory_bytes": 2**31, "metrics": {"accuracy": 0.5, "f1": 0.25,
                                                                            "final_train_loss": 0.7},
             "error": None} for i, method in enumerate(["Full Fine-Tuning", "LoRA", "Adapter (Houlsby)"] * 3)]
    rows[-1].update(status="failed", metrics={}, error="RuntimeError: a long message " * 10)
    console, buffer = _console(width)
    render.run_summary(console, rows)
    text = buffer.getvalue()
    _assert_fits(text, width, folds, "replicate summary")
    assert len([line for line in text.splitlines() if line.startswith("│")]) == 9      # was 120 lines for 9 runs
    assert "accuracy=0.5" in text


def test_columns_are_chosen_not_squeezed():
    from slr import tables

    table = tables.papers([{"id": "P9", "year": 2022, "venue": "FSE", "title": "Exploring and Evaluating "
                            "Personalized Models for Code Generation", "tasks": ["Unit Test Generation"],
                            "methods": ["Layer Freezing", "Prefix Tuning"], "architectures": ["encoder-decoder"]}],
                          {"Unit Test Generation": "UTG"}, short=True)
    narrow = dict((table.columns[i].header, w) for i, w in render.layout(table, 70))
    assert "ID" in narrow and narrow["Arch."] >= len("enc-dec") and narrow["Title"] >= 20
    assert "Venue" not in narrow                                    # the least important went first
    wide = dict((table.columns[i].header, w) for i, w in render.layout(table, 200))
    assert set(wide) == set(table.headers)


def test_check_is_short_by_default_and_complete_with_all(shared_db):
    short = CliRunner().invoke(app, ["check"], env={"COLUMNS": "100"}).stdout
    full = CliRunner().invoke(app, ["check", "--all"], env={"COLUMNS": "100"}).stdout
    assert re.search(r"\d+ of the review's figures recomputed: \d+ match", short)
    assert " match " not in "\n".join(line for line in short.splitlines()[2:] if line.startswith("match"))
    assert len(short.splitlines()) < len(full.splitlines()) < 381
    assert any(line.startswith("match ") for line in full.splitlines())


def test_no_color_turns_colour_off(shared_db):
    coloured = CliRunner().invoke(app, ["papers"], env={"FORCE_COLOR": "1", "COLUMNS": "100"}).stdout
    plain = CliRunner().invoke(app, ["papers"], env={"FORCE_COLOR": "1", "NO_COLOR": "1", "COLUMNS": "100"}).stdout
    colour_code = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-9]|9[0-7])(?:;[0-9;]*)?m")
    assert colour_code.search(coloured) and not colour_code.search(plain)


def test_help_documents_the_exit_codes():
    text = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "100"}).stdout
    for code in ("0 success", "1 an error", "2 bad usage", "70 an internal error", "130 interrupted"):
        assert code in " ".join(text.split())
