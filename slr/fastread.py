"""Reads without the ORM: one query layer over DB-API, and the fast path to the embedded database.

slr.queries writes every question once, as portable SQL with `:name` parameters, and runs it
through `reading(db)`:

- on an up-to-date SQLite file (`open_fast`: the file exists, its schema is at
  migrations.HEAD and it holds the current corpus digest) straight through `sqlite3`, so a
  read imports neither SQLAlchemy nor SQLModel nor pydantic;
- on anything else (an Engine: PostgreSQL, a database to build or upgrade, the Python API)
  through SQLAlchemy's `text()`, typed by the SQLModel columns, as before.

Values come back decoded alike on both paths (JSON columns parsed, booleans as bool,
timestamps as UTC datetimes), from COLUMNS below; tests/test_fastread.py checks COLUMNS
against slr/schema.py and the two paths against each other.

This module imports only the standard library (and slr.errors, slr.migrations' HEAD).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from slr.errors import SlrError

SQLITE_BUSY_TIMEOUT_MS = 30_000

# Every table's columns in slr/schema.py's order, ":kind" where a stored value needs decoding
# (json: parsed JSON; bool: 0/1 as bool; utc: an aware UTC datetime). Generated from the SQLModel
# metadata; tests/test_fastread.py fails when the two disagree.
COLUMNS: dict[str, tuple[str, ...]] = {
    "meta": ("key", "value"),
    "task": ("name", "abbreviation", "category", "description", "aliases:json", "in_review"),
    "method": ("name", "family", "library", "description", "aliases:json"),
    "architecture": ("name", "description", "aliases:json"),
    "study": ("id", "number", "title", "authors:json", "venue", "true_venue", "year", "doi", "arxiv", "url",
              "summary", "finding", "artifact_url", "artifact_available", "full_finetuning_baseline", "hardware",
              "citation_key", "sources:json", "open_questions:json", "source_file"),
    "study_task": ("study_id", "task", "as_named", "note", "fact"),
    "study_method": ("study_id", "method", "as_named", "note", "fact"),
    "model": ("id", "study_id", "name", "hf_id", "architecture", "params", "note", "fact"),
    "dataset": ("id", "study_id", "name", "note", "fact"),
    "metric": ("id", "study_id", "name", "note", "fact"),
    "result": ("id", "study_id", "task", "model", "method", "dataset", "metric", "value", "baseline_value",
               "higher_is_better:bool", "note", "fact", "tier", "seeds"),
    "evidence": ("id", "study_id", "fact", "source", "source_key", "locator", "quote", "paraphrase"),
    "conflict": ("id", "study_id", "field", "values:json", "we_use", "why"),
    "review_figure": ("id", "key", "version", "body:json"),
    "corpus_file": ("path", "sha256", "study_id", "size", "mtime_ns", "ctime_ns", "inode"),
    "run": ("id", "study", "experiment", "task", "task_fidelity", "method", "method_config:json", "profile",
            "model", "architecture", "dataset", "dataset_kind", "dataset_size", "dataset_hash", "seed", "steps",
            "trainable_params", "total_params", "train_seconds", "eval_seconds", "peak_memory_bytes",
            "memory_kind", "tokens_per_second", "metrics:json", "notes:json", "base:json", "per_example:json",
            "trivial_baselines:json", "versions:json", "hardware:json", "status", "error", "started_at:utc",
            "finished_at:utc", "recorded_by", "uid", "pid", "host"),
}


def names(table: str) -> list[str]:
    return [c.split(":", 1)[0] for c in COLUMNS[table]]


def kinds(table: str) -> dict[str, str]:
    """Column -> decoding kind, for the columns of a table that need one."""
    return dict(c.split(":", 1) for c in COLUMNS[table] if ":" in c)


def cols(table: str) -> str:
    """`table."col", ...` for every column in schema order (quoted: `values`, `key` are keywords)."""
    return ", ".join(f'{table}."{name}"' for name in names(table))


# --------------------------------------------------------------------------- decoding (sqlite3 path)

def _json(value):
    return json.loads(value) if isinstance(value, (str, bytes)) else value


def _bool(value):
    return None if value is None else bool(value)


def _utc(value):
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.fromisoformat(str(value))
    return value.replace(tzinfo=timezone.utc) if value.utcoffset() is None else value.astimezone(timezone.utc)


DECODERS = {"json": _json, "bool": _bool, "utc": _utc}


# --------------------------------------------------------------------------- the query layer

def expand(sql: str, params: dict[str, Any] | None) -> tuple[str, dict[str, Any]]:
    """`IN (:ids)` with a list or tuple bound to `ids` becomes `IN (:ids_0, :ids_1, ...)`."""
    if not params:
        return sql, {}
    out: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, (list, tuple)):
            keys = [f"{key}_{i}" for i in range(len(value))]
            out.update(zip(keys, value))
            sql = re.sub(rf":{key}\b", ", ".join(f":{k}" for k in keys) if keys else "NULL", sql)
        else:
            out[key] = value
    return sql, out


class Query:
    """Reads on one connection. `table` names the schema table whose column kinds decode the row."""

    dialect = "sqlite"

    def all(self, sql: str, params: dict[str, Any] | None = None, table: str | None = None) -> list[tuple]:
        raise NotImplementedError

    def dicts(self, sql: str, params: dict[str, Any] | None = None, table: str | None = None) -> list[dict]:
        keys, rows = self._run(sql, params, table)
        return [dict(zip(keys, row)) for row in rows]

    def scalars(self, sql: str, params: dict[str, Any] | None = None, table: str | None = None) -> list:
        return [row[0] for row in self.all(sql, params, table)]

    def _run(self, sql, params, table):  # -> (column names, rows as tuples)
        raise NotImplementedError


class SqliteQuery(Query):
    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def all(self, sql, params=None, table=None):
        return self._run(sql, params, table)[1]

    def _run(self, sql, params, table):
        sql, params = expand(sql, params)
        cursor = self.conn.execute(sql, params)
        keys = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
        found = kinds(table) if table else {}
        decoders = [(i, DECODERS[found[k]]) for i, k in enumerate(keys) if k in found]
        if decoders:
            decoded = []
            for row in rows:
                row = list(row)
                for i, decode in decoders:
                    row[i] = decode(row[i])
                decoded.append(tuple(row))
            rows = decoded
        return keys, rows


class EngineQuery(Query):
    """The same SQL through SQLAlchemy (PostgreSQL, or a database that was just built or upgraded)."""

    def __init__(self, conn):
        self.conn = conn
        self.dialect = conn.dialect.name

    def all(self, sql, params=None, table=None):
        return self._run(sql, params, table)[1]

    def _run(self, sql, params, table):
        from sqlalchemy import text
        from sqlmodel import SQLModel

        from slr import schema  # noqa: F401  (fills SQLModel.metadata)

        sql, params = expand(sql, params)
        statement = text(sql)
        if table:
            columns = SQLModel.metadata.tables[table].c
            statement = statement.columns(**{name: columns[name].type for name in kinds(table)})
        result = self.conn.execute(statement, params)
        return list(result.keys()), [tuple(row) for row in result]


class SqliteReader:
    """An open, checked, read-only-in-use SQLite database: what `open_fast` hands the commands."""

    def __init__(self, conn: sqlite3.Connection, path: Path):
        self.conn, self.path = conn, path
        self.dialect = "sqlite"

    def query(self) -> SqliteQuery:
        return SqliteQuery(self.conn)

    def close(self) -> None:
        try:
            self.conn.close()
        except sqlite3.Error:
            pass


@contextmanager
def reading(db) -> Iterator[Query]:
    """A Query on `db`: a Query (passed through), a SqliteReader, or a SQLAlchemy Engine."""
    if isinstance(db, Query):
        yield db
    elif isinstance(db, SqliteReader):
        yield db.query()
    else:
        with db.connect() as conn:
            yield EngineQuery(conn)


# --------------------------------------------------------------------------- where things live

def data_dir() -> Path:
    override = os.environ.get("SLR_DATA_DIR")
    if override:
        return Path(override)
    from platformdirs import user_data_dir

    return Path(user_data_dir("slr", appauthor=False))


def corpus_dir(override: str | os.PathLike | None = None) -> Path:
    """--corpus, else $SLR_CORPUS, else the corpus installed with the package."""
    chosen = override or os.environ.get("SLR_CORPUS")
    return Path(chosen) if chosen else shipped_corpus_dir()


def shipped_corpus_dir() -> Path:
    # The `corpus` data package: the checkout's corpus/ in an editable install, the copy in
    # site-packages in a wheel install. Both are plain folders on disk (not zipped).
    from importlib.util import find_spec

    spec = find_spec("corpus")
    if spec is not None and spec.submodule_search_locations:
        return Path(list(spec.submodule_search_locations)[0])
    from importlib.resources import files  # (slower to import) any other kind of install

    return Path(str(files("corpus")))


def database_url(override: str | None = None) -> str:
    url = override or os.environ.get("SLR_DB")
    if url:
        return url
    directory = data_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe = directory / ".slr-write-probe"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise SlrError(
            f"data directory {directory}: cannot write there ({exc.strerror or exc}). "
            "Set SLR_DATA_DIR to a writable folder or SLR_DB to a database URL."
        ) from None
    return f"sqlite:///{directory / 'slr.db'}"


def sqlite_file(url: str) -> Path | None:
    """The file of a plain `sqlite:///PATH` URL; None for anything else (a server, :memory:, options)."""
    for prefix in ("sqlite:///", "sqlite+pysqlite:///"):
        if url.startswith(prefix):
            path = url[len(prefix):]
            if not path or path == ":memory:" or "?" in path or "%" in path:
                return None
            return Path(path).expanduser()
    return None


# --------------------------------------------------------------------------- is the database current?

MAX_FILE_BYTES = 4 * 1024 * 1024  # as slr.corpus.read_capped


def corpus_digest(directory: Path) -> str | None:
    """slr.corpus.digest without pydantic or YAML: the same hash of the same files, or None when a
    file is not a plain readable file under the size cap (the full path then says what is wrong)."""
    h = hashlib.sha256()
    for _, path in corpus_entries(directory):
        try:
            if not os.path.isfile(path):
                return None
            with open(path, "rb") as handle:
                raw = handle.read(MAX_FILE_BYTES + 1)
        except OSError:
            return None
        if len(raw) > MAX_FILE_BYTES:
            return None
        h.update(os.path.basename(path).encode())
        h.update(raw)
    return h.hexdigest()


def corpus_entries(directory: Path) -> list[tuple[str, str]]:
    """(file key, path) of the files the corpus digest covers, in its order: studies/*.yaml,
    studies/*.yml, review.yaml, then the vocabularies (as slr.corpus.corpus_files + data_files).

    The names `sorted(studies.glob("*.yaml"))` yields (hidden ones too, case-sensitive), in its
    order, since for names in one folder Path order is name order; but as plain strings: sorting
    10,000 Path objects costs more than the staleness check it serves."""
    from taxonomy.vocabulary import data_files

    studies = os.path.join(directory, "studies")
    out = []
    try:
        with os.scandir(studies) as listing:
            found = sorted((entry.name, entry.path) for entry in listing)
    except OSError:
        found = []
    for suffix in (".yaml", ".yml"):
        out += [("studies/" + name, path) for name, path in found if name.endswith(suffix)]
    review = os.path.join(directory, "review.yaml")
    if os.path.isfile(review):
        out.append(("review.yaml", review))
    return out + [(f"vocabulary/{p.name}", str(p)) for p in data_files()]


# A file whose timestamps lie this close to the moment it was read could be written again within
# the same timestamp tick, after the read, and keep its stat (git's "racily clean" index entries):
# its stat is not kept, and the staleness check hashes it. Linux stamps files from a clock that
# ticks every 1-10 ms, so 100 ms covers nanosecond filesystems; whole-second stamps (FAT: 2 s) get 2 s.
RACY_NS = 100_000_000
RACY_COARSE_NS = 2_000_000_000


def trusted_stat(st: os.stat_result, before_read_ns: int) -> tuple[int, int, int, int] | None:
    """(size, mtime_ns, ctime_ns, inode) of a file read just after `before_read_ns` (time.time_ns()),
    or None when a later write could leave them unchanged.

    Why a matching stat means unchanged content: every write sets mtime and ctime to the current
    time, and a tool that puts an old mtime back (touch -d, rsync -t, tar) still sets ctime, which no
    user call can set; replacing the file by another changes the inode or ctime. Kept stats are older
    than the read by more than a timestamp tick, so a write after the read stamps a different time.
    (This takes the file's timestamps to come from this machine's clock: on a network filesystem
    whose server clock runs well behind, two writes within one tick around the read could still
    look like one. The cost of being wrong is a stale answer until the next edit or `slr build`.)"""
    window = RACY_COARSE_NS if st.st_mtime_ns % 1_000_000_000 == 0 else RACY_NS
    if max(st.st_mtime_ns, st.st_ctime_ns) >= before_read_ns - window:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def files_current(conn: sqlite3.Connection, directory: Path) -> bool:
    """files_match against what an open sqlite3 database holds."""
    stored = {row[0]: row[1:] for row in conn.execute(
        "SELECT path, sha256, size, mtime_ns, ctime_ns, inode FROM corpus_file")}
    built_from = conn.execute("SELECT value FROM meta WHERE key = 'corpus_dir'").fetchall()
    return files_match(stored, built_from[0][0] if built_from else None, directory)


def files_match(stored: dict[str, tuple], built_from: str | None, directory: Path) -> bool:
    """Whether the corpus files are, byte for byte, those the last build read (`stored`: corpus_file's
    path -> (sha256, size, mtime_ns, ctime_ns, inode)): what comparing the stored corpus digest with
    the files' digest says, at the cost of one stat per file. A file is read and hashed only when its
    stat differs from the kept one, none was kept (trusted_stat), or the folder is not the one built."""
    import stat as stat_module

    if not stored:
        return False
    try:
        same_folder = built_from is not None and Path(built_from).resolve() == directory.resolve()
        entries = corpus_entries(directory)
        if len(entries) != len(stored):
            return False
        for key, path in entries:
            row = stored.get(key)
            if row is None:
                return False
            st = os.stat(path)
            if not stat_module.S_ISREG(st.st_mode) or st.st_size > MAX_FILE_BYTES:
                return False
            if same_folder and row[2] is not None and (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino) == row[1:]:
                continue
            with open(path, "rb") as handle:
                raw = handle.read(MAX_FILE_BYTES + 1)
            if hashlib.sha256(raw).hexdigest() != row[0]:
                return False
    except OSError:
        return False
    return True


def _connect(path: Path) -> sqlite3.Connection:
    # mode=rw: never creates a file; autocommit, then one deferred read transaction (one snapshot).
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True,
                           timeout=SQLITE_BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    return conn


def open_fast(db: str | None = None, corpus: str | os.PathLike | None = None,
              runs: bool = False) -> SqliteReader | None:
    """The embedded database opened with sqlite3 when it is ready to answer as it is: a SQLite file
    that exists, at schema revision migrations.HEAD, holding the current corpus digest (and, for
    `runs`, no running run of this host whose process is gone). None otherwise: the caller takes
    the full path (slr.db.open_current), which builds, upgrades or says what is wrong."""
    if os.environ.get("SLR_FASTREAD", "1") == "0":
        return None
    from slr.migrations import HEAD

    url = database_url(db)
    path = sqlite_file(url)
    if path is None or not path.is_file():
        return None
    conn = None
    try:
        conn = _connect(path)
        conn.execute("BEGIN")
        if conn.execute("SELECT version_num FROM alembic_version").fetchall() != [(HEAD,)]:
            raise LookupError
        if not conn.execute("SELECT value FROM meta WHERE key = 'corpus_digest'").fetchall():
            raise LookupError
        if not files_current(conn, corpus_dir(corpus)):
            raise LookupError
        if runs and _needs_reaping(conn):
            raise LookupError
    except (sqlite3.Error, LookupError, OSError, ValueError):
        if conn is not None:
            conn.close()
        return None
    return SqliteReader(conn, path)


def _needs_reaping(conn: sqlite3.Connection) -> bool:
    import socket

    rows = conn.execute("SELECT pid FROM run WHERE status = 'running' AND host = ?", (socket.gethostname(),))
    return any(not alive(pid) for (pid,) in rows)


def alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:       # someone else's live process
        return True
    return True


# --------------------------------------------------------------------------- completion

def completion_names(kind: str) -> list[str] | None:
    """Vocabulary spellings for tab completion, from the database the last build wrote (no YAML):
    task names and abbreviations, method and architecture names, in the vocabulary's order.
    None when there is no readable database of ours."""
    table = {"tasks": "task", "methods": "method", "architectures": "architecture"}[kind]
    try:
        path = sqlite_file(os.environ.get("SLR_DB") or f"sqlite:///{data_dir() / 'slr.db'}")
        if path is None or not path.is_file():
            return None
        conn = _connect(path)
        try:
            if kind == "tasks":
                out = []
                for name, abbreviation in conn.execute("SELECT name, abbreviation FROM task ORDER BY rowid"):
                    # the build stores a missing abbreviation as the name: offer it once
                    out += [name] + ([abbreviation] if abbreviation and abbreviation != name else [])
                return out or None
            return [name for (name,) in conn.execute(f"SELECT name FROM {table} ORDER BY rowid")] or None
        finally:
            conn.close()
    except (sqlite3.Error, OSError):
        return None
