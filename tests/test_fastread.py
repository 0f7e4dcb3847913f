"""Reads without the ORM (slr.fastread): the same answers, no SQLAlchemy/SQLModel/pydantic/YAML
imported, and the full path whenever the database is missing, stale or at an older schema."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from slr import fastread

REPO = Path(__file__).resolve().parent.parent
HEAVY = ("sqlalchemy", "sqlmodel", "pydantic", "yaml", "alembic")

# Runs the CLI in a fresh interpreter, then writes the heavy modules it imported to stderr's last line.
WRAPPER = """
import atexit, sys
def report():
    heavy = sorted({m.split('.')[0] for m in sys.modules if m.split('.')[0] in %r})
    sys.stderr.write('\\nIMPORTED=' + ','.join(heavy) + '\\n')
atexit.register(report)
if %r:
    import slr.typer_light
    slr.typer_light.install = lambda: None
sys.argv = ['slr'] + sys.argv[1:]
from slr.cli import main
main()
""".strip()


def run_cli(*args: str, orm: bool = False, light: bool = True, env: dict | None = None):
    environ = {**os.environ, "COLUMNS": "120", **(env or {})}
    if orm:
        environ["SLR_FASTREAD"] = "0"
    done = subprocess.run([sys.executable, "-c", WRAPPER % (HEAVY, not light), *args], capture_output=True,
                          text=True, env=environ, timeout=120)
    stderr, _, imported = done.stderr.rpartition("IMPORTED=")
    return done.returncode, done.stdout, stderr.rstrip("\n"), [m for m in imported.strip().split(",") if m]


def test_columns_match_the_schema():
    from sqlalchemy import JSON, Boolean
    from sqlmodel import SQLModel
    from sqlmodel.sql.sqltypes import UTCDateTime

    from slr import schema  # noqa: F401

    def kind(column):
        for cls, name in ((JSON, "json"), (Boolean, "bool"), (UTCDateTime, "utc")):
            if isinstance(column.type, cls):
                return name
        return None

    expected = {name: tuple(c.name + (f":{kind(c)}" if kind(c) else "") for c in table.columns)
                for name, table in SQLModel.metadata.tables.items()}
    assert fastread.COLUMNS == expected


def test_digest_is_the_corpus_digest(corpus_copy):
    from slr import corpus

    assert fastread.corpus_digest(REPO / "corpus") == corpus.digest(REPO / "corpus")
    study = next((corpus_copy / "studies").glob("P*.yaml"))
    study.write_text(study.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert fastread.corpus_digest(corpus_copy) == corpus.digest(corpus_copy) != corpus.digest(REPO / "corpus")


READS = [
    ("papers", "--format", "json"),
    ("papers", "--task", "CSum", "--method", "lora", "--format", "json"),
    ("papers", "--category", "generative", "--arch", "enc-dec", "--format", "csv"),
    ("papers", "--family", "additive", "--venue", "ase", "--year", "2024", "--format", "bibtex"),
    ("papers", "--evidence", "--format", "json"),
    ("papers", "--format", "md"),
    ("show", "P30", "--format", "json"),
    ("show", "p3", "--format", "latex"),
    ("search", "commit message", "--format", "json"),
    ("stats", "--format", "json"),
    ("taxonomy", "--format", "json"),
    ("runs", "--format", "json"),
]


@pytest.mark.parametrize("args", READS, ids=lambda a: " ".join(a))
def test_reads_import_no_orm_and_answer_as_the_orm_path(shared_db, args):
    code, out, err, imported = run_cli(*args)
    assert code == 0, err
    assert imported == [], f"slr {' '.join(args)} imported {imported}"
    orm_code, orm_out, orm_err, orm_imported = run_cli(*args, orm=True)
    assert "sqlalchemy" in orm_imported           # the switch does take the other path
    assert (code, out) == (orm_code, orm_out)


def test_tab_completion_reads_the_database_not_yaml(shared_db):
    code, out, err, imported = run_cli(env={"_SLR_COMPLETE": "complete_bash", "COMP_WORDS": "slr papers --task CS",
                                            "COMP_CWORD": "3"})
    assert code == 0, err
    assert "CSum" in out.split() and imported == []
    code, out, err, imported = run_cli(env={"_SLR_COMPLETE": "complete_bash", "COMP_WORDS": "slr papers --method Lo",
                                            "COMP_CWORD": "3"})
    assert "LoRA" in out.split() and imported == []


def test_completion_without_a_database_reads_the_vocabulary(tmp_path, monkeypatch):
    from slr.cli import _complete

    monkeypatch.setenv("SLR_DB", f"sqlite:///{tmp_path / 'none.db'}")
    assert fastread.completion_names("tasks") is None
    assert "CSum" in _complete("tasks")("CS")


BAD_AND_GOOD_VALUES = [
    ("papers", "--year", "20x4"), ("papers", "--year", " 2024", "--format", "json"), ("papers", "--format", "JSON"),
    ("papers", "--category", "gen"), ("search", "lora", "--limit", "0"), ("search", "lora", "-n", "2", "-f", "json"),
    ("runs", "--profile", "huge"), ("taxonomy", "--format", "dot", "--out", ""), ("show",), ("papers", "--year"),
]


@pytest.mark.parametrize("args", BAD_AND_GOOD_VALUES, ids=lambda a: " ".join(a))
def test_light_option_coercion_answers_as_typer_does(shared_db, args):
    assert run_cli(*args)[:3] == run_cli(*args, light=False)[:3]


def _revision(url: str) -> str:
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        return conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]


def test_missing_stale_and_old_databases_take_the_full_path(tmp_path, corpus_copy):
    from slr import migrations

    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    env = {"SLR_DB": url, "SLR_CORPUS": str(corpus_copy)}
    assert fastread.open_fast(url, corpus_copy) is None               # no file yet
    code, out, err, imported = run_cli("papers", "--format", "json", env=env)
    assert code == 0, err
    assert len(json.loads(out)) == 28 and "sqlalchemy" in imported
    reader = fastread.open_fast(url, corpus_copy)
    assert reader is not None
    reader.close()
    # A curator edits a study: the next read rebuilds through the full path and shows the edit.
    study = corpus_copy / "studies" / "P30.yaml"
    text = study.read_text(encoding="utf-8")
    title = next(line for line in text.splitlines() if line.startswith("title:"))
    study.write_text(text.replace(title, "title: An edited title", 1), encoding="utf-8")
    assert fastread.open_fast(url, corpus_copy) is None
    code, out, err, imported = run_cli("show", "P30", "--format", "json", env=env)
    assert code == 0, err
    assert json.loads(out)["title"] == "An edited title" and "sqlalchemy" in imported
    assert run_cli("show", "P30", "--format", "json", env=env)[3] == []   # current again: the fast path
    # A database at an older schema revision is upgraded first.
    with sqlite3.connect(tmp_path / "fresh.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0004_run_liveness'")
    assert fastread.open_fast(url, corpus_copy) is None
    code, out, err, imported = run_cli("stats", "--format", "json", env=env)
    assert code == 0, err
    assert "sqlalchemy" in imported and _revision(url) == migrations.HEAD


def test_a_dead_running_run_is_reaped_before_listing(tmp_path):
    import socket

    from test_db_backends import make_record

    from slr import db

    url = f"sqlite:///{tmp_path / 'runs.db'}"
    engine = db.open_current(url)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    db.record_run(engine, make_record("gone", 0), uid="u1", status="running", pid=dead.pid,
                  host=socket.gethostname())
    engine.dispose()
    assert fastread.open_fast(url, runs=True) is None
    code, out, err, imported = run_cli("--db", url, "runs", "--format", "json")
    assert code == 0, err
    assert [r["status"] for r in json.loads(out)] == ["interrupted"] and "sqlalchemy" in imported
    code, out, err, imported = run_cli("--db", url, "runs", "--format", "json")
    assert [r["status"] for r in json.loads(out)] == ["interrupted"] and imported == []


def test_a_server_url_never_takes_the_fast_path():
    assert fastread.sqlite_file("postgresql+psycopg://u@h/db") is None
    assert fastread.sqlite_file("sqlite://") is None and fastread.sqlite_file("sqlite:///:memory:") is None
    assert fastread.sqlite_file("sqlite:///x.db?mode=ro") is None
    assert fastread.sqlite_file("sqlite:////tmp/a.db") == Path("/tmp/a.db")
