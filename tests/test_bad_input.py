"""Bad input: a clear message naming file, field and line; non-zero exit; no traceback; nothing lost."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from slr import corpus as corpus_module
from slr.cli import app

runner = CliRunner()
GOOD = (Path(__file__).resolve().parent.parent / "corpus" / "studies" / "P30.yaml").read_text(encoding="utf-8")


def invoke(*args, env=None):
    result = runner.invoke(app, list(args), env=env)
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.exception
    return result


def snapshot(url: str) -> tuple:
    path = url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        studies = conn.execute("select id, title, year from study order by id").fetchall()
        digest = conn.execute("select value from meta where key='corpus_digest'").fetchone()
    return studies, digest


def good_db(corpus_copy: Path, db_url: str) -> tuple:
    result = invoke("--db", db_url, "--corpus", str(corpus_copy), "papers", "--format", "json")
    assert result.exit_code == 0, result.output
    return snapshot(db_url)


def break_and_query(corpus_copy, db_url, path: Path, content: bytes | str):
    before = good_db(corpus_copy, db_url)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    result = invoke("--db", db_url, "--corpus", str(corpus_copy), "papers")
    assert result.exit_code != 0
    assert snapshot(db_url) == before, "the last good database must stay unchanged"
    return result.output


def test_truncated_file(corpus_copy, db_url):
    path = corpus_copy / "studies" / "P30.yaml"
    out = break_and_query(corpus_copy, db_url, path, GOOD[: GOOD.index("methods:") + 30] + '\n  - name: "Lo')
    assert "studies/P30.yaml:" in out and "YAML syntax error" in out


def test_unknown_task_name(corpus_copy, db_url):
    path = corpus_copy / "studies" / "P30.yaml"
    out = break_and_query(corpus_copy, db_url, path, GOOD.replace("name: Commit Message Generation",
                                                                  "name: Commit Mesage Generaton", 1))
    assert "studies/P30.yaml:" in out and "tasks[" in out and "unknown task 'Commit Mesage Generaton'" in out
    assert "did you mean 'Commit Message Generation'" in out


def test_non_numeric_year(corpus_copy, db_url):
    path = corpus_copy / "studies" / "P30.yaml"
    out = break_and_query(corpus_copy, db_url, path, GOOD.replace("year: 2024", "year: twenty-twenty-four", 1))
    line = next(i for i, text in enumerate(GOOD.splitlines(), 1) if text.startswith("year:"))
    assert f"studies/P30.yaml:{line}: year:" in out


def test_binary_file(corpus_copy, db_url):
    out = break_and_query(corpus_copy, db_url, corpus_copy / "studies" / "P30.yaml", b"\x89PNG\r\n\x1a\n\x00\x00\x01")
    assert "studies/P30.yaml" in out and "binary" in out


def test_duplicate_id(corpus_copy, db_url):
    out = break_and_query(corpus_copy, db_url, corpus_copy / "studies" / "P30b.yaml", GOOD.replace("id: P30", "id: P30", 1))
    assert "P30b.yaml:1: id: duplicate study id 'P30' (also in corpus/studies/P30.yaml)" in out


def test_duplicate_id_and_misnamed_file(tmp_path):
    studies = tmp_path / "corpus" / "studies"
    studies.mkdir(parents=True)
    (studies / "P30.yaml").write_text(GOOD, encoding="utf-8")
    (studies / "P31.yaml").write_text(GOOD, encoding="utf-8")
    loaded = corpus_module.load_corpus(tmp_path / "corpus")
    messages = [str(p) for p in loaded.problems]
    assert any("P31.yaml:1: id: duplicate study id 'P30' (also in corpus/studies/P30.yaml)" in m for m in messages)
    (studies / "P31.yaml").write_text(GOOD.replace("id: P30", "id: P32", 1), encoding="utf-8")
    messages = [str(p) for p in corpus_module.load_corpus(tmp_path / "corpus").problems]
    assert messages == ["corpus/studies/P31.yaml:1: id: 'P32' does not match the file name 'P31'"]


def test_missing_required_field(corpus_copy, db_url):
    text = "\n".join(line for line in GOOD.splitlines() if not line.startswith("title:"))
    out = break_and_query(corpus_copy, db_url, corpus_copy / "studies" / "P30.yaml", text)
    assert "studies/P30.yaml" in out and "title: required field is missing" in out


def test_unreadable_db_url(corpus_copy):
    result = invoke("--db", "not a url at all", "papers")
    assert result.exit_code != 0 and "SLR_DB" in result.output and "not a database URL" in result.output
    result = invoke("papers", env={"SLR_DB": "nosuchdriver://x/y"})
    assert result.exit_code != 0 and "SLR_DB" in result.output


def test_unwritable_data_dir(tmp_path):
    # A folder that cannot be created (its parent is a file) fails the same way for root and users.
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = invoke("papers", env={"SLR_DATA_DIR": str(blocker / "slr")})
    assert result.exit_code != 0 and "data directory" in result.output and "cannot write" in result.output


def test_check_lists_problems_with_file_field_and_line(corpus_copy):
    path = corpus_copy / "studies" / "P30.yaml"
    path.write_text(GOOD.replace("year: 2024", "year: soon", 1), encoding="utf-8")
    result = invoke("check", "--corpus", str(corpus_copy), "--format", "json")
    assert result.exit_code == 1
    import json

    report = json.loads(result.stdout)
    problem = report["problems"][0]
    assert problem["file"].endswith("studies/P30.yaml") and problem["field"] == "year" and problem["line"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(min_value=0, max_value=len(GOOD)), junk=st.binary(max_size=12),
       at=st.integers(min_value=0, max_value=len(GOOD)))
def test_loader_never_raises_on_mangled_files(tmp_path, cut, junk, at):
    data = GOOD.encode()[:cut]
    data = data[:at] + junk + data[at:]
    path = tmp_path / "P30.yaml"
    path.write_bytes(data)
    study, problems = corpus_module.load_study(path, "P30.yaml")
    assert (study is None) == bool(problems)
    for p in problems:
        assert p.file == "P30.yaml" and p.message


def test_good_file_loads():
    study, problems = corpus_module.load_study(
        Path(__file__).resolve().parent.parent / "corpus" / "studies" / "P30.yaml")
    assert problems == [] and study.id == "P30" and study.tasks
