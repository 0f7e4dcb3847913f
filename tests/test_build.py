"""The corpus build: atomic, only when the corpus changed, and never touching recorded runs."""
from __future__ import annotations

import sqlite3

import pytest

from replication.record import RunRecord
from slr import db, queries


def count(url: str, table: str) -> int:
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        return conn.execute(f"select count(*) from {table}").fetchone()[0]


def a_run(**overrides) -> RunRecord:
    values = dict(study="P30", experiment="jit-defect", task="Defect Detection", method="LoRA", profile="smoke",
                  model="config:tiny", architecture="encoder-only", dataset="mined", trainable_params=10,
                  total_params=1000, metrics={"f1": 0.5})
    values.update(overrides)
    return RunRecord(**values)


def test_failed_build_mid_way_leaves_the_last_good_database(corpus_copy, db_url, monkeypatch):
    engine = db.open_current(db_url, corpus_copy)
    before = count(db_url, "study"), count(db_url, "evidence")
    (corpus_copy / "studies" / "P1.yaml").write_text(
        (corpus_copy / "studies" / "P1.yaml").read_text().replace("year: 2024", "year: 2023", 1))
    # Fail after the old rows are deleted and some new ones written: the transaction must undo both.
    calls = {"n": 0}
    original = db._insert_rows

    def explode(session, table, rows):
        calls["n"] += 1
        if calls["n"] == 5:
            raise RuntimeError("disk full")
        return original(session, table, rows)

    monkeypatch.setattr(db, "_insert_rows", explode)
    with pytest.raises(RuntimeError):
        db.open_current(db_url, corpus_copy)
    assert calls["n"] == 5
    assert (count(db_url, "study"), count(db_url, "evidence")) == before
    assert queries.show(engine, "P1")["year"] == 2024


def test_sqlite_bulk_insert_writes_what_sqlalchemy_would(corpus_copy, tmp_path, monkeypatch):
    """The build's SQLite insert (tuples through each column's bind processor, slr.db._insert_rows)
    against SQLAlchemy's own executemany: the same rows, and the same storage classes for the JSON,
    integer, boolean and float columns."""
    from test_incremental_build import dump

    tables = {}
    for driver in (True, False):
        monkeypatch.setattr(db, "_DRIVER_INSERT", driver)
        url = f"sqlite:///{tmp_path / f'driver-{driver}.db'}"
        db.open_current(url, corpus_copy).dispose()
        tables[driver] = dump(tmp_path / f"driver-{driver}.db")
        with sqlite3.connect(tmp_path / f"driver-{driver}.db") as conn:   # storage classes too, not just values
            tables[driver]["types"] = conn.execute(
                "SELECT typeof(authors), typeof(sources), typeof(open_questions), typeof(year) FROM study "
                "ORDER BY id").fetchall() + conn.execute(
                "SELECT typeof(higher_is_better), typeof(value) FROM result ORDER BY id").fetchall()
    assert tables[True] == tables[False]
    assert tables[True]["study"] and tables[True]["evidence"]


def _schema(file) -> list[tuple]:
    with sqlite3.connect(file) as conn:
        return sorted(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall(),
                      key=lambda row: (row[0], row[1]))


def test_a_build_leaves_every_index_as_the_migrations_made_it(corpus_copy, tmp_path):
    """A full build drops the corpus tables' indexes and the search index's while it refills them
    (slr.db._indexes_rebuilt, _search_rebuild), and makes them again from the same statements."""
    from slr import corpus, migrations

    file = tmp_path / "slr.db"
    engine = db.connect(f"sqlite:///{file}")
    migrations.upgrade(engine)
    migrated = _schema(file)
    assert sum(1 for row in migrated if row[0] == "index" and row[3]) >= 10
    db.build(engine, corpus.load_corpus(corpus_copy))
    built = _schema(file)
    assert [row for row in built if not row[2].startswith("search_")] == migrated
    search_indexes = [row[3] for row in built if row[0] == "index" and row[2].startswith("search_")]
    assert sorted(search_indexes) == sorted(db.SEARCH_INDEXES)
    db.build(engine, corpus.load_corpus(corpus_copy), full=True)
    assert _schema(file) == built
    engine.dispose()


def test_invalid_corpus_is_refused_whole(corpus_copy, db_url):
    db.open_current(db_url, corpus_copy)
    before = count(db_url, "study")
    (corpus_copy / "studies" / "P3.yaml").write_text("id: P3\ntitle: [unclosed\n")
    with pytest.raises(db.CorpusInvalid) as info:
        db.open_current(db_url, corpus_copy)
    assert "P3.yaml" in str(info.value)
    assert count(db_url, "study") == before


def test_rebuild_only_when_the_corpus_changes(corpus_copy, db_url):
    engine = db.open_current(db_url, corpus_copy)
    with sqlite3.connect(db_url.removeprefix("sqlite:///")) as conn:
        built = conn.execute("select value from meta where key='built_at'").fetchone()[0]
    db.open_current(db_url, corpus_copy)
    with sqlite3.connect(db_url.removeprefix("sqlite:///")) as conn:
        assert conn.execute("select value from meta where key='built_at'").fetchone()[0] == built
    path = corpus_copy / "studies" / "P30.yaml"
    path.write_text(path.read_text().replace("SANER", "SANER", 1) + "\n# edited\n")
    db.open_current(db_url, corpus_copy)
    assert queries.show(engine, "P30")["id"] == "P30"


def test_runs_survive_a_rebuild(corpus_copy, db_url):
    engine = db.open_current(db_url, corpus_copy)
    db.record_run(engine, a_run())
    db.record_run(engine, a_run(method="Full Fine-Tuning", metrics={"f1": 0.6}))
    db.open_current(db_url, corpus_copy, rebuild=True)
    runs = queries.runs(engine, "P30")
    assert [r["method"] for r in runs] == ["LoRA", "Full Fine-Tuning"]
    assert runs[0]["metrics"] == {"f1": 0.5} and runs[0]["trainable_share"] == 0.01


def test_sqlite_is_in_wal_mode_with_a_busy_timeout(db_url, corpus_copy):
    engine = db.open_current(db_url, corpus_copy)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000


def test_parse_cache_round_trips_every_study_and_reparses_only_edited_files(corpus_copy, tmp_path, monkeypatch):
    from slr import corpus as corpus_module

    cache = tmp_path / "cache"
    cold = corpus_module.load_corpus(corpus_copy, cache_dir=cache)
    assert len(list(cache.glob("*.json"))) == 28
    calls = {"n": 0}
    original = corpus_module.StudyFile.model_validate

    def counting(*args, **kwargs):
        calls["n"] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(corpus_module.StudyFile, "model_validate", counting)
    warm = corpus_module.load_corpus(corpus_copy, cache_dir=cache)
    assert calls["n"] == 0 and warm.studies == cold.studies  # every study back from the cache, equal
    path = corpus_copy / "studies" / "P30.yaml"
    path.write_text(path.read_text().replace("name: Commit Message Generation", "name: Commit Mesage Generation", 1))
    edited = corpus_module.load_corpus(corpus_copy, cache_dir=cache)
    assert calls["n"] == 1  # only the edited file was parsed again
    assert any("unknown task 'Commit Mesage Generation'" in str(p) and p.line for p in edited.problems)
