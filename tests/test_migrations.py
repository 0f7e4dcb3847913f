"""Schema migrations (Alembic, run from code) on SQLite and PostgreSQL: new, old and pre-Alembic databases."""
from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from test_db_backends import backend_url, cli_json, make_record  # noqa: F401  (fixture)

from slr import db, migrations
from slr.errors import SlrError

OLD = "0001_baseline"
OLD_RUN = dict(
    study="P30", experiment="defect-detection", task="Defect Detection", task_fidelity="faithful",
    method="LoRA", method_config={"r": 8}, profile="smoke", model="config:old", architecture="encoder-only",
    dataset="mined-defects", dataset_kind="derived", dataset_size=64, dataset_hash="h", seed=0, steps=3,
    trainable_params=1000, total_params=100_000, train_seconds=1.5, eval_seconds=0.5,
    peak_memory_bytes=1_000_000, tokens_per_second=10.0, metrics={"accuracy": 0.75},
    versions={"torch": "2.3"}, hardware={"cpu": "x"}, status="ok", error=None,
    started_at=datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc), finished_at=None,
)


def upgrade_to(engine, revision: str) -> None:
    from alembic import command

    with engine.begin() as conn:
        command.upgrade(migrations.config(conn), revision)


def insert_old_runs(engine, count: int) -> None:
    """Runs as an old slr stored them: through the tables as they are, not slr/schema.py."""
    run = sa.Table("run", sa.MetaData(), autoload_with=engine)
    assert "recorded_by" not in run.c and "memory_kind" not in run.c
    with engine.begin() as conn:
        conn.execute(run.insert(), [dict(OLD_RUN, seed=i, metrics={"accuracy": i / 10}) for i in range(count)])


def schema_drift(engine) -> list:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    from slr import schema  # noqa: F401

    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, SQLModel.metadata)


def test_head_constant_is_alembics_head():
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrations.config())
    assert script.get_heads() == [migrations.HEAD], "one head, and migrations.HEAD names it"
    assert migrations.head() == migrations.HEAD


def test_upgrade_at_head_is_cheap_and_skips_alembic(tmp_path):
    url = f"sqlite:///{tmp_path / 'slr.db'}"
    engine = db.connect(url)
    migrations.upgrade(engine)
    code = (
        "import sys, time; from slr import db, migrations\n"
        f"e = db.connect({url!r}); t = time.perf_counter(); migrations.upgrade(e)\n"
        "took = time.perf_counter() - t\n"
        "assert 'alembic' not in sys.modules, 'alembic imported at head'\n"
        "assert took < 0.05, took\n"
        "print(migrations.current(e))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == migrations.HEAD


def test_migrations_build_exactly_the_models(backend_url):  # noqa: F811
    engine = db.connect(backend_url)
    try:
        assert migrations.current(engine) == migrations.BASE
        migrations.upgrade(engine)
        assert migrations.current(engine) == migrations.HEAD
        assert schema_drift(engine) == [], "slr/schema.py changed without a revision (python -m slr.migrations revision ...)"
    finally:
        engine.dispose()


def test_old_database_upgrades_with_its_runs(backend_url):  # noqa: F811
    engine = db.connect(backend_url)
    try:
        upgrade_to(engine, OLD)
        assert migrations.current(engine) == OLD
        insert_old_runs(engine, 5)
        migrations.upgrade(engine)
        assert migrations.current(engine) == migrations.HEAD
        assert schema_drift(engine) == []
    finally:
        engine.dispose()
    runs = cli_json(backend_url, "runs")  # the CLI builds the corpus on the upgraded database
    assert [r["seed"] for r in runs] == [0, 1, 2, 3, 4]
    first = runs[0]
    assert first["memory_kind"] == "rss" and first["recorded_by"] is None
    assert first["metrics"] == {"accuracy": 0.0} and first["method_config"] == {"r": 8}
    assert first["started_at"] == "2024-05-06T07:08:09+00:00" and first["train_seconds"] == 1.5
    assert len(cli_json(backend_url, "papers")) == 28
    engine = db.connect(backend_url)
    db.record_run(engine, make_record("new", 0, peak_memory_bytes=5 * 2**30))
    engine.dispose()
    assert [r["peak_memory_bytes"] for r in cli_json(backend_url, "runs")][-1] == 5 * 2**30


@pytest.mark.parametrize("legacy", ["old-columns", "current-models"])
def test_pre_alembic_database_is_adopted(backend_url, legacy):  # noqa: F811
    """A database pre-Alembic slr made with create_all (no alembic_version) upgrades in place."""
    from sqlmodel import SQLModel

    from slr import schema  # noqa: F401

    engine = db.connect(backend_url)
    try:
        if legacy == "old-columns":
            upgrade_to(engine, OLD)
            with engine.begin() as conn:
                conn.execute(sa.text("DROP TABLE alembic_version"))
            insert_old_runs(engine, 3)
        else:
            SQLModel.metadata.create_all(engine)
            for i in range(3):
                db.record_run(engine, make_record("legacy", i))
        assert migrations.current(engine) == migrations.BASE
        migrations.upgrade(engine)
        assert migrations.current(engine) == migrations.HEAD
        assert schema_drift(engine) == []
    finally:
        engine.dispose()
    assert [r["seed"] for r in cli_json(backend_url, "runs")] == [0, 1, 2]


def test_database_from_a_newer_slr_is_refused_clearly(backend_url):  # noqa: F811
    engine = db.connect(backend_url)
    try:
        migrations.upgrade(engine)
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE alembic_version SET version_num = '0099_future'"))
        with pytest.raises(SlrError, match="0099_future.*newer slr"):
            migrations.upgrade(engine)
    finally:
        engine.dispose()


def test_downgrade_and_upgrade_again(backend_url):  # noqa: F811
    from alembic import command

    engine = db.connect(backend_url)
    try:
        migrations.upgrade(engine)
        with engine.begin() as conn:
            command.downgrade(migrations.config(conn), OLD)
        assert migrations.current(engine) == OLD
        with engine.begin() as conn:
            command.downgrade(migrations.config(conn), "base")
        assert sa.inspect(engine).get_table_names() in ([], ["alembic_version"])
        migrations.upgrade(engine)
        assert migrations.current(engine) == migrations.HEAD
    finally:
        engine.dispose()


def test_cli_db_upgrade_says_the_revision(backend_url):  # noqa: F811
    from typer.testing import CliRunner

    from slr.cli import app

    result = CliRunner().invoke(app, ["--db", backend_url, "db", "upgrade"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert migrations.HEAD in result.output
