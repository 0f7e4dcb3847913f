"""Incremental builds: after edits, additions and deletions, the database equals one built from scratch.

Every table is dumped in full and compared; the only things left out are what no reader sees
as content: surrogate row ids (rows are listed in study order, then in id order within a study,
which is the order every query reads them in), the build time, and the files' stats.
"""
from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest
from test_db_backends import backend_url  # noqa: F401  (fixture)

from slr import corpus as corpus_module
from slr import db, fastread, queries

# Tables whose integer `id` is a surrogate key given at insert time.
SURROGATE = {"model", "dataset", "metric", "result", "evidence", "conflict", "review_figure", "run"}


def dump(path: Path) -> dict[str, list]:
    """Every table of the database, as comparable rows."""
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                             "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'search_fts_%' "
                                             "ORDER BY name")]
        number = {sid: n for sid, n in conn.execute("SELECT id, number FROM study")}
        texts = dict(conn.execute("SELECT id, text FROM search_text")) if "search_text" in tables else {}
        out: dict[str, list] = {}
        for table in tables:
            cursor = conn.execute(f'SELECT * FROM "{table}"' + (" ORDER BY id" if table in SURROGATE else ""))
            names = [d[0] for d in cursor.description]
            rows = [dict(zip(names, row)) for row in cursor]
            if table == "search_fts":
                out[table] = sorted(r["text"] for r in rows)
                continue
            if table == "search_text":
                out[table] = sorted(texts.values())
                continue
            for row in rows:
                if table in SURROGATE:
                    row.pop("id")
                if table == "corpus_file":
                    for key in ("size", "mtime_ns", "ctime_ns", "inode"):   # the stat: when it was read
                        row.pop(key)
            if table == "meta":
                rows = [r for r in rows if r["key"] != "built_at"]
            if table == "search_place":
                rows = [{**r, "text_id": texts[r["text_id"]]} for r in rows]
            if "study_id" in names:   # study order, then (stable) id order within a study
                rows.sort(key=lambda r: (number.get(r["study_id"], -1), r["study_id"]))
            if table not in SURROGATE:
                rows.sort(key=lambda r: json.dumps(r, sort_keys=True, default=str))
            out[table] = rows
        fts = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE name = 'search_fts'")]
        if fts:   # the full-text index agrees with its content table
            conn.execute("INSERT INTO search_fts (search_fts) VALUES ('integrity-check')")
        return out
    finally:
        conn.close()


def answers(url: str, directory: Path) -> dict:
    """What a reader gets: every query the CLI, the site and slr check ask."""
    from slr import claims

    engine = db.connect(url)
    reader = fastread.open_fast(url, directory)
    assert reader is not None, "the database is not current for the edited corpus"
    try:
        out = {
            "papers": queries.papers(reader, with_evidence=True),
            "show": [queries.show(reader, sid) for sid in queries.study_ids(reader)],
            "search": [queries.search(reader, q, 30) for q in ("commit message", "lora", "program repair", "zzz")],
            "search_fts": [queries.search(reader, q, 5, exact_up_to=0) for q in ("commit message", "adapter")],
            "stats": queries.stats(reader),
            "taxonomy": queries.taxonomy_tree(reader),
            "results": queries.results(reader),
            "figures": claims.recompute(engine),
        }
    finally:
        reader.close()
        engine.dispose()
    return json.loads(json.dumps(out, default=str))


def edit_corpus(directory: Path) -> None:
    studies = directory / "studies"
    p30 = studies / "P30.yaml"
    text = p30.read_text(encoding="utf-8")
    assert "Commit Message Generation (CMG)" in text
    p30.write_text(text.replace("Commit Message Generation (CMG)", "Commit Message Generation", 1)
                   .replace("title: \"Delving", "title: \"Looking deeper: Delving", 1), encoding="utf-8")
    # A new study whose citation key clashes with P1's: P1's key gains a suffix in both builds.
    p1 = (studies / "P1.yaml").read_text(encoding="utf-8")
    (studies / "P1001.yaml").write_text(p1.replace("id: P1\n", "id: P1001\n", 1), encoding="utf-8")
    (studies / "P3.yaml").unlink()                             # a study removed
    (studies / "P5.yaml").rename(studies / "P5.yml")           # a study renamed, content unchanged
    review = directory / "review.yaml"
    review.write_text(review.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")


def test_incremental_rebuild_equals_a_build_from_scratch(corpus_copy, tmp_path, monkeypatch):
    incremental = tmp_path / "incremental.db"
    url = f"sqlite:///{incremental}"
    engine = db.open_schema(url)
    first = db.refresh(engine, corpus_copy)
    assert first is not None and not first.incremental and first.written == 28
    assert db.refresh(engine, corpus_copy) is None            # nothing changed: nothing built
    edit_corpus(corpus_copy)

    parsed = []
    original = corpus_module.StudyFile.model_validate
    monkeypatch.setattr(corpus_module.StudyFile, "model_validate",
                        lambda data, *a, **k: parsed.append(data["id"]) or original(data, *a, **k))
    report = db.refresh(engine, corpus_copy)
    monkeypatch.undo()
    engine.dispose()
    assert report.incremental and report.studies == 28
    assert sorted(parsed) == ["P1001", "P30", "P5"]            # only the changed and added files were read
    assert report.written == 3

    scratch = tmp_path / "scratch.db"
    fresh = db.open_current(f"sqlite:///{scratch}", corpus_copy, rebuild=True)
    fresh.dispose()
    assert dump(incremental) == dump(scratch)
    assert answers(url, corpus_copy) == answers(f"sqlite:///{scratch}", corpus_copy)
    keys = {r["id"]: r["citation_key"] for r in queries.papers(db.connect(url))}
    assert keys["P1"] != keys["P1001"] and keys["P1"].startswith(keys["P1001"][:-1])
    assert "P3" not in keys and "P5" in keys


def test_a_build_that_changes_nothing_keeps_every_row(corpus_copy, db_url):
    engine = db.open_current(db_url, corpus_copy)
    before = dump(Path(db_url.removeprefix("sqlite:///")))
    path = corpus_copy / "studies" / "P12.yaml"
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))   # touched, content the same
    report = db.refresh(engine, corpus_copy)
    assert report is None or report.written == 0
    assert dump(Path(db_url.removeprefix("sqlite:///"))) == before


def test_an_invalid_edit_leaves_the_database_as_it_was(corpus_copy, db_url):
    engine = db.open_current(db_url, corpus_copy)
    before = dump(Path(db_url.removeprefix("sqlite:///")))
    (corpus_copy / "studies" / "P4.yaml").write_text("id: P4\ntitle: [unclosed\n", encoding="utf-8")
    with pytest.raises(db.CorpusInvalid):
        db.refresh(engine, corpus_copy)
    assert dump(Path(db_url.removeprefix("sqlite:///"))) == before


def test_a_change_of_vocabulary_or_code_rewrites_everything(corpus_copy, db_url, monkeypatch):
    engine = db.open_current(db_url, corpus_copy)
    monkeypatch.setattr(db, "build_key", lambda: "another slr")
    path = corpus_copy / "studies" / "P8.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    report = db.refresh(engine, corpus_copy)
    assert not report.incremental and report.written == 28


def test_the_stat_check_sees_every_content_change(corpus_copy, db_url):
    import time

    time.sleep(fastread.RACY_NS / 1e9 + 0.05)    # the copy's stats become old enough to be kept
    engine = db.open_current(db_url, corpus_copy)
    engine.dispose()
    path = corpus_copy / "studies" / "P9.yaml"
    conn = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None)

    def current() -> bool:
        return fastread.files_current(conn, corpus_copy)

    assert current()
    (kept,) = conn.execute("SELECT mtime_ns FROM corpus_file WHERE path = 'studies/P9.yaml'").fetchone()
    assert kept == path.stat().st_mtime_ns
    # A kept stat that matches is trusted without reading the file: a wrong stored hash goes unseen ...
    conn.execute("UPDATE corpus_file SET sha256 = 'x' WHERE path = 'studies/P9.yaml'")
    assert current()
    # ... until the stat differs; then the file is hashed.
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    assert not current()
    conn.execute("UPDATE corpus_file SET sha256 = ? WHERE path = 'studies/P9.yaml'",
                 (__import__("hashlib").sha256(path.read_bytes()).hexdigest(),))
    assert current()
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5 * 10**9))
    assert current()                                            # a new stat, the same bytes: hashed, still current
    raw = path.read_bytes()
    flipped = raw.replace(b"id: P9\n", b"id: P9\r", 1) if b"id: P9\n" in raw else raw[:-1] + b" "
    assert len(flipped) == len(raw)
    path.write_bytes(flipped)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))         # old size, old mtime put back: ctime still moved
    assert not current()
    path.write_bytes(raw)
    assert current()
    (corpus_copy / "studies" / "P9.yml").write_bytes(raw)       # a file more
    assert not current()
    conn.close()


def test_a_file_written_just_before_it_is_read_keeps_no_stat(tmp_path):
    import time

    path = tmp_path / "f.yaml"
    path.write_text("id: P1\n")
    assert fastread.trusted_stat(path.stat(), time.time_ns()) is None
    assert fastread.trusted_stat(path.stat(), time.time_ns() + 3 * 10**9) is not None


def test_incremental_builds_on_both_backends_answer_as_a_fresh_build(backend_url, corpus_copy, tmp_path):  # noqa: F811
    engine = db.open_schema(backend_url)
    try:
        db.refresh(engine, corpus_copy)
        edit_corpus(corpus_copy)
        report = db.refresh(engine, corpus_copy)
        assert report.incremental and report.written == 3
        fresh = db.open_current(f"sqlite:///{tmp_path / 'fresh.db'}", corpus_copy)
        for ask in (lambda e: queries.papers(e, with_evidence=True), queries.stats, queries.results,
                    lambda e: [queries.show(e, sid) for sid in queries.study_ids(e)],
                    lambda e: queries.search(e, "program repair", 30)):
            assert json.dumps(ask(engine), default=str) == json.dumps(ask(fresh), default=str)
        fresh.dispose()
    finally:
        engine.dispose()
