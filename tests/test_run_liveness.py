"""No run is lost: a run is stored as running before it trains; SIGTERM records it cancelled, SIGKILL
leaves it for the next command to mark interrupted; a database that takes no writes is found before
training; a finished run whose insert fails waits in the journal for `slr runs import`."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from slr.cli import app

runner = CliRunner()


def rows(db_file: Path) -> list[tuple]:
    with sqlite3.connect(db_file) as conn:
        return conn.execute("SELECT id, method, status, pid, error FROM run ORDER BY id").fetchall()


def start_replication(tmp_path: Path) -> tuple[subprocess.Popen, Path]:
    db_file = tmp_path / "runs.db"
    env = {**os.environ, "SLR_DB": f"sqlite:///{db_file}"}
    subprocess.run([sys.executable, "-m", "slr.cli", "papers", "--format", "json"], env=env, check=True,
                   capture_output=True)
    process = subprocess.Popen([sys.executable, "-m", "slr.cli", "replicate", "P30", "--profile", "smoke"],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return process, db_file


def wait_for(db_file: Path, predicate, timeout: float = 120.0) -> list[tuple]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = rows(db_file)
        if predicate(found):
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out; runs: {rows(db_file)}")


def second_run_running(found):
    return any(r[2] == "ok" for r in found) and any(r[2] == "running" for r in found)


@pytest.mark.slow
def test_sigterm_records_the_run_as_cancelled_and_keeps_the_earlier_ones(tmp_path):
    process, db_file = start_replication(tmp_path)
    before = wait_for(db_file, second_run_running)
    running = next(r for r in before if r[2] == "running")
    assert running[3] == process.pid
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 1 and "cancelled" in err
    after = rows(db_file)
    assert [r[:3] for r in after if r[2] == "ok"] == [r[:3] for r in before if r[2] == "ok"]
    assert next(r for r in after if r[0] == running[0])[2] == "cancelled"


@pytest.mark.slow
def test_sigkill_leaves_a_running_row_that_the_next_command_marks_interrupted(tmp_path):
    process, db_file = start_replication(tmp_path)
    before = wait_for(db_file, second_run_running)
    running = next(r for r in before if r[2] == "running")
    process.kill()
    process.wait(timeout=60)
    assert next(r for r in rows(db_file) if r[0] == running[0])[2] == "running"
    listed = runner.invoke(app, ["runs", "--format", "json"], env={"SLR_DB": f"sqlite:///{db_file}"})
    by_id = {r["id"]: r for r in json.loads(listed.stdout)}
    assert by_id[running[0]]["status"] == "interrupted" and str(process.pid) in by_id[running[0]]["error"]
    assert all(by_id[r[0]]["status"] == "ok" for r in before if r[2] == "ok")


def test_a_database_that_takes_no_writes_is_found_before_training(tmp_path, monkeypatch):
    from replication import runner as harness_runner
    from slr import db

    url = f"sqlite:///{tmp_path / 'ro.db'}"
    assert runner.invoke(app, ["papers", "--format", "json"], env={"SLR_DB": url}).exit_code == 0
    original = db._sqlite_pragmas

    def read_only(connection, record):      # SQLite itself refuses every write from here on
        original(connection, record)
        connection.execute("PRAGMA query_only = ON")

    trained = []
    monkeypatch.setattr(db, "_sqlite_pragmas", read_only)
    monkeypatch.setattr(harness_runner, "train_and_evaluate", lambda *a, **k: trained.append(a))
    result = runner.invoke(app, ["replicate", "P30", "--profile", "smoke", "--method", "LoRA"], env={"SLR_DB": url})
    assert result.exit_code == 1, result.output
    assert "readonly" in result.output.replace(" ", "").lower() and "Traceback" not in result.output
    assert trained == []


def test_a_failed_insert_leaves_the_run_in_the_journal_for_runs_import(tmp_path, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from slr import db

    url = f"sqlite:///{tmp_path / 'j.db'}"
    env = {"SLR_DB": url}
    monkeypatch.setenv("SLR_CACHE", str(tmp_path / "cache"))   # a journal of this test's runs only

    def broken(engine, run_id, record):
        raise OperationalError("UPDATE run", {}, Exception("disk I/O error"))

    working = db.finish_run
    monkeypatch.setattr(db, "finish_run", broken)
    result = runner.invoke(app, ["replicate", "P30", "--profile", "smoke", "--method", "LoRA"], env=env)
    assert result.exit_code == 1 and "slr runs import" in result.output and "disk I/O error" in result.output
    monkeypatch.setattr(db, "finish_run", working)      # the database takes writes again
    imported = runner.invoke(app, ["runs", "import"], env=env)
    assert imported.exit_code == 0 and "1 running/interrupted run(s) completed" in imported.output, imported.output
    listed = json.loads(runner.invoke(app, ["runs", "--format", "json"], env=env).stdout)
    assert [r["status"] for r in listed] == ["ok"] and listed[0]["metrics"]
    again = runner.invoke(app, ["runs", "import"], env=env)
    assert "0 run(s) stored, 0 running/interrupted run(s) completed, 1 already" in again.output
