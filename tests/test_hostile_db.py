"""Databases that are broken, unreachable or someone else's: one line naming the URL (password
hidden) and what to do, exit 1, no traceback, and the database left untouched."""
from __future__ import annotations

import hashlib
import socket
import sqlite3

import pytest
from typer.testing import CliRunner

from slr.cli import app

runner = CliRunner()


def slr(*args, db: str):
    return runner.invoke(app, list(args), env={"SLR_DB": db, "COLUMNS": "300"})


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]          # free now, so nothing listens there


def test_a_corrupt_sqlite_file_is_named_and_kept(tmp_path):
    path = tmp_path / "corrupt.db"
    path.write_bytes(bytes(range(256)) * 20)
    before = path.read_bytes()
    result = slr("papers", db=f"sqlite:///{path}")
    assert result.exit_code == 1
    assert f"database sqlite:///{path}: file is not a database" in result.output and "move the file away" in result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
    assert path.read_bytes() == before


def test_another_programs_sqlite_file_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "notes.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (text)")
        conn.execute("INSERT INTO notes VALUES ('keep me')")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    for command in (("papers",), ("build",), ("db", "upgrade")):
        result = slr(*command, db=f"sqlite:///{path}")
        assert result.exit_code == 1, (command, result.output)
        assert "holds 1 table(s) that slr did not make (notes)" in result.output
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    assert not (tmp_path / "notes.db-wal").exists()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["notes"]


def test_our_own_database_is_still_opened(tmp_path):
    url = f"sqlite:///{tmp_path / 'ours.db'}"
    assert slr("papers", "--format", "json", db=url).exit_code == 0
    assert slr("papers", "--format", "json", db=url).exit_code == 0      # the second open finds our tables


@pytest.mark.parametrize("command", [("papers",), ("build",), ("db", "upgrade")])
def test_an_unreachable_postgresql_is_one_line_with_the_password_hidden(command):
    pytest.importorskip("psycopg")
    url = f"postgresql+psycopg://slr:s3cret-pw@127.0.0.1:{closed_port()}/slr"
    result = slr(*command, db=url)
    assert result.exit_code == 1, result.output
    assert "s3cret-pw" not in result.output
    assert "postgresql+psycopg://slr:***@127.0.0.1" in result.output and "is the server running" in result.output
    assert "Traceback" not in result.output and "internal error" not in result.output


def test_a_password_is_never_printed(tmp_path):
    assert "s3cret-pw" not in slr("db", "path", db="postgresql+psycopg://slr:s3cret-pw@db.invalid/slr").output
    assert "s3cret-pw" not in slr("papers", db="nonsense:/slr:s3cret-pw@@x").output
