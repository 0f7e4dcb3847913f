"""The database: where it lives, how it is opened, and the atomic corpus build.

SQLite in the user's data directory by default; `SLR_DB` takes any SQLAlchemy URL.
A build validates the whole corpus first and writes nothing if anything is wrong; the
write itself is one transaction, so a failure leaves the last good database in place.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, create_engine, delete

from slr import schema
from slr.errors import SlrError
from slr.fastread import alive as _alive  # noqa: F401  (kept here for callers)
from slr.fastread import corpus_dir, data_dir, database_url, shipped_corpus_dir  # noqa: F401  (light: the fast read path uses them)

SQLITE_BUSY_TIMEOUT_MS = 30_000
PG_BUILD_LOCK_KEY = 0x534C525F424C44  # "SLR_BLD": serialises corpus builds on PostgreSQL


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets queries read while a replication writes; the busy timeout makes a second
    # writer wait for the lock instead of failing at once.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin_immediate(conn) -> None:
    # Take the write lock when a transaction starts, not on its first write, so two writers
    # queue on the busy timeout instead of deadlocking on a lock upgrade.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def connect(url: str | None = None) -> Engine:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    raw = database_url(url)
    try:
        parsed = make_url(raw)
    except ArgumentError:
        raise SlrError(f"SLR_DB: '{_redact(raw)}' is not a database URL (e.g. sqlite:///path/slr.db "
                       "or postgresql+psycopg://user@host/db)") from None
    try:
        if parsed.get_backend_name() == "sqlite":
            engine = create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin_immediate)
            if parsed.database and parsed.database != ":memory:":
                file = Path(parsed.database).expanduser()
                if not file.parent.is_dir():
                    raise SlrError(f"SLR_DB: folder {file.parent} does not exist")
                _refuse_foreign_sqlite(file, raw)   # before the engine's first connection sets WAL on it
        else:
            engine = create_engine(parsed, pool_pre_ping=True)
    except NoSuchModuleError:
        raise SlrError(f"SLR_DB: no database driver for '{parsed.drivername}' "
                       "(for PostgreSQL use postgresql+psycopg:// and install slr-peft-code[postgres])") from None
    except ModuleNotFoundError as exc:
        raise SlrError(f"SLR_DB: the driver for '{parsed.drivername}' is not installed ({exc.name})") from None
    return engine


# Tables that mark a database as slr's: Alembic's stamp, or the meta/run tables of pre-Alembic slr.
OUR_MARKERS = {"alembic_version", "meta", "run"}


def _refuse_foreign_sqlite(file: Path, url: str) -> None:
    """Read an existing SQLite file's table list, read-only (no WAL switch, no lock taken), and
    refuse a file that is not a database or belongs to another program."""
    import sqlite3

    if not file.is_file() or file.stat().st_size == 0:
        return
    try:
        with sqlite3.connect(f"{file.resolve().as_uri()}?mode=ro", uri=True) as conn:
            tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    except sqlite3.DatabaseError as exc:
        raise SlrError(f"database {_redact(url)}: {exc} (it is not an SQLite database slr can read); move the file "
                       "away (slr then builds a new one there) or set SLR_DB to another database") from None
    _refuse_foreign_tables(tables, url)


def _refuse_foreign_tables(tables: list[str], url: str) -> None:
    if tables and not OUR_MARKERS & set(tables):
        shown = ", ".join(sorted(tables)[:5]) + (" ..." if len(tables) > 5 else "")
        raise SlrError(f"database {_redact(url)} holds {len(tables)} table(s) that slr did not make ({shown}); "
                       "slr writes only into an empty database or one of its own, and left this one untouched: "
                       "set SLR_DB to a new database")


def _friendly_operational_error(url: str, exc: Exception) -> SlrError:
    first = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else type(exc).__name__
    hint = ""
    if "connect" in first.lower() or "could not translate host" in first.lower():
        hint = "; is the server running and reachable, and is SLR_DB (or --db) right?"
    elif "not a database" in first.lower() or "malformed" in first.lower():
        hint = "; move the file away (slr builds a new one) or set SLR_DB to another database"
    elif "readonly" in first.lower().replace("-", "").replace(" ", ""):
        hint = "; make it writable or set SLR_DB to a database you can write"
    return SlrError(f"database {_redact(url)}: {first}{hint}")


def _redact(url: str) -> str:
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:   # not a URL SQLAlchemy can parse: hide whatever sits between a ':' and an '@'
        import re

        return re.sub(r":[^:@/]*@", ":***@", url)


def create_schema(engine: Engine) -> None:
    from slr import migrations

    migrations.upgrade(engine)


def meta_get(session: Session, key: str) -> str | None:
    row = session.get(schema.Meta, key)
    return row.value if row else None


def _meta_set(session: Session, key: str, value: str) -> None:
    row = session.get(schema.Meta, key)
    if row:
        row.value = value
    else:
        session.add(schema.Meta(key=key, value=value))


@dataclass
class BuildReport:
    built: bool
    studies: int
    digest: str


def build(engine: Engine, corpus) -> BuildReport:
    """Replace every corpus table with the validated corpus, in one transaction."""
    from sqlalchemy import insert

    from slr.corpus import citation_keys
    from taxonomy import vocabularies

    if corpus.problems:
        raise CorpusInvalid(corpus.problems)
    vocab = vocabularies()
    keys = citation_keys(corpus.studies)
    rows: dict[str, list[dict]] = {name: [] for name in schema.CORPUS_TABLES}
    rows["task"] = [dict(name=t.name, abbreviation=t.abbreviation or t.name, category=t.category,
                         description=t.description, aliases=list(t.aliases), in_review=t.in_review)
                    for t in vocab["tasks"].terms]
    rows["method"] = [dict(name=t.name, family=t.family, library=t.library, description=t.description,
                           aliases=list(t.aliases)) for t in vocab["methods"].terms]
    rows["architecture"] = [dict(name=t.name, description=t.description, aliases=list(t.aliases))
                            for t in vocab["architectures"].terms]
    for sid in sorted(corpus.studies, key=lambda s: int(s[1:])):
        _study_rows(rows, corpus.studies[sid], keys[sid], vocab)
    if corpus.review is not None:
        rows["review_figure"] = [dict(key=str(f.get("key", "")), version=f.get("version"), body=f)
                                 for f in corpus.review.figures]
        rows["review_figure"].append(dict(key="__review__", version=None,
                                          body=corpus.review.model_dump(exclude={"figures"})))
    tables = SQLModel.metadata.tables
    # Children before parents when deleting, parents before children when inserting (foreign keys).
    with Session(engine) as session, session.begin():
        if engine.dialect.name == "postgresql":
            # Two builds at once would both delete, then collide inserting the same keys:
            # queue them (SQLite's BEGIN IMMEDIATE already does).
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_BUILD_LOCK_KEY})
        for table in schema.CORPUS_TABLES:
            session.execute(delete(tables[table]))
        for table in reversed(schema.CORPUS_TABLES):
            if rows[table]:
                session.execute(insert(tables[table]), rows[table])
        _meta_set(session, "corpus_digest", corpus.digest)
        _meta_set(session, "corpus_dir", str(corpus.directory))
        _meta_set(session, "built_at", datetime.now(timezone.utc).isoformat(timespec="seconds"))
    return BuildReport(True, len(corpus.studies), corpus.digest)


def _state(fact) -> str | None:
    if fact is None:
        return None
    value = fact if isinstance(fact, (str, bool)) else getattr(fact, "value", getattr(fact, "available", None))
    return str(value).lower()


def _study_rows(rows: dict[str, list[dict]], study, key: str, vocab) -> None:
    from slr.corpus import ArtifactFact, Fact

    artifact = study.artifact if isinstance(study.artifact, ArtifactFact) else None
    sid = study.id
    rows["study"].append(dict(
        id=sid, number=int(sid[1:]), title=study.title, authors=study.authors,
        venue=study.venue, true_venue=study.true_venue, year=study.year, doi=study.doi,
        arxiv=study.arxiv, url=study.url, summary=study.summary,
        finding=study.finding.text if study.finding else None,
        artifact_url=artifact.url if artifact else None,
        artifact_available=_state(artifact if artifact else study.artifact),
        full_finetuning_baseline=_state(study.full_finetuning_baseline),
        hardware=study.hardware.text if isinstance(study.hardware, Fact) else study.hardware,
        citation_key=key, sources=study.sources, open_questions=study.open_questions,
        source_file=f"studies/{sid}.yaml",
    ))
    # A fact row carries its field path ("tasks[2]"); evidence rows name the same path. A task or
    # method listed twice under one canonical name is one row, and the second entry's evidence is
    # filed under the first entry's path, so no evidence is lost and none is left without a fact.
    same_fact: dict[str, str] = {}
    for kind, table, column in (("tasks", "study_task", "task"), ("methods", "study_method", "method")):
        first: dict[str, str] = {}
        for i, fact in enumerate(getattr(study, kind)):
            name = vocab[kind].get(fact.name).name
            path = f"{kind}[{i}]"
            if name in first:
                same_fact[path] = first[name]
                continue
            first[name] = path
            rows[table].append({"study_id": sid, column: name, "as_named": fact.as_named, "note": fact.note,
                                "fact": path})
    rows["model"] += [dict(study_id=sid, name=f.name, hf_id=f.hf_id,
                           architecture=vocab["architectures"].get(f.architecture).name,
                           params=f.params if isinstance(f.params, int) else None, note=f.note,
                           fact=f"models[{i}]")
                      for i, f in enumerate(study.models)]
    rows["dataset"] += [dict(study_id=sid, name=f.name, note=f.note, fact=f"datasets[{i}]")
                        for i, f in enumerate(study.datasets)]
    rows["metric"] += [dict(study_id=sid, name=f.name, note=f.note, fact=f"metrics[{i}]")
                       for i, f in enumerate(study.metrics)]
    rows["result"] += [dict(study_id=sid, task=vocab["tasks"].get(f.task).name if f.task else None,
                            model=f.model, method=vocab["methods"].get(f.method).name, dataset=f.dataset,
                            metric=f.metric, value=f.value, baseline_value=f.baseline_value,
                            higher_is_better=f.higher_is_better, note=f.note, fact=f"results[{i}]",
                            tier=f.tier, seeds=f.seeds) for i, f in enumerate(study.results)]
    rows["conflict"] += [dict(study_id=sid, field=c.field, values=c.values, we_use=c.we_use, why=c.why)
                         for c in study.conflicts]
    for path, e in study.evidence_sources():
        fact = _fact_of(path)
        rows["evidence"].append(dict(study_id=sid, fact=same_fact.get(fact, fact),
                                     source=study.resolve_source(e.source),
                                     source_key=e.source if e.source in study.sources else None,
                                     locator=e.locator, quote=e.quote, paraphrase=e.paraphrase))


def _fact_of(evidence_path: str) -> str:
    """'tasks[0].evidence[1]' backs the fact 'tasks[0]'; bibliography evidence backs 'bibliography'."""
    if evidence_path.startswith("bibliography_evidence"):
        return "bibliography"
    return evidence_path.rsplit(".evidence", 1)[0]


class CorpusInvalid(SlrError):
    def __init__(self, problems):
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"the corpus has {len(problems)} problem(s); the database was left as it was:\n{lines}{more}")


@contextmanager
def guarded(url: str):
    """Database failures (unreachable server, corrupt file, read-only file) as one SlrError line
    naming the URL with its password hidden, and what to do."""
    import sqlite3

    from sqlalchemy.exc import SQLAlchemyError

    try:
        yield
    except (SQLAlchemyError, sqlite3.Error) as exc:
        raise _friendly_operational_error(url, exc) from None


def open_schema(url: str | None = None) -> Engine:
    """An engine on a database of ours (or an empty one), its schema brought up to date."""
    from sqlalchemy import inspect

    raw = database_url(url)
    engine = connect(raw)
    with guarded(raw):
        if engine.dialect.name != "sqlite":     # SQLite files were looked at read-only in connect()
            _refuse_foreign_tables(inspect(engine).get_table_names(), raw)
        create_schema(engine)
    return engine


def open_current(url: str | None = None, corpus: str | os.PathLike | None = None,
                 rebuild: bool = False, loaded=None) -> Engine:
    """An engine on a database that holds the current corpus, building it when the corpus changed.

    `loaded`: the corpus already read by the caller (slr check), so it is not read twice."""
    from slr import corpus as corpus_module

    raw = database_url(url)
    engine = open_schema(raw)
    directory = corpus_dir(corpus)
    with guarded(raw):
        current = loaded.digest if loaded is not None else corpus_module.digest(directory)
        with Session(engine) as session:
            stored = meta_get(session, "corpus_digest")
        if rebuild or stored != current:
            build(engine, loaded or corpus_module.load_corpus(directory, cache_dir=data_dir() / "parse-cache"))
    return engine


def _recorded_by() -> str | None:
    import getpass
    import socket

    try:
        return f"{getpass.getuser()}@{socket.gethostname()}"
    except Exception:  # no user name in some containers: the record stands without it
        return None


def record_run(engine: Engine, record, uid: str | None = None, **overrides) -> int:
    """Store one replication run record (fields in `overrides` replace the record's); returns its id."""
    data = {**record.model_dump(), "recorded_by": _recorded_by(), "uid": uid, **overrides}
    with Session(engine) as session, session.begin():
        row = schema.Run(**data)
        session.add(row)
        session.flush()
        return row.id


def start_run(engine: Engine, record, uid: str) -> int:
    """Store a run as `running` before it trains, with this process's pid and host: a run whose
    process is killed is then still found (and later marked interrupted), never lost."""
    import socket

    return record_run(engine, record, uid, status="running", pid=os.getpid(), host=socket.gethostname())


def finish_run(engine: Engine, run_id: int, record) -> None:
    """Replace a running row with the finished record (ok, failed or cancelled)."""
    with Session(engine) as session, session.begin():
        row = session.get(schema.Run, run_id)
        for key, value in record.model_dump().items():
            setattr(row, key, value)
        row.pid = None


def reap_interrupted(engine: Engine) -> int:
    """Mark `running` rows of this host whose process is gone as `interrupted`; returns how many.
    Rows of other hosts are left alone: their processes cannot be seen from here."""
    import socket

    from sqlalchemy import select

    host = socket.gethostname()
    run = schema.Run.__table__
    with engine.connect() as conn:
        rows = conn.execute(select(run.c.id, run.c.pid).where(run.c.status == "running", run.c.host == host)).all()
    gone = [(rid, pid) for rid, pid in rows if not _alive(pid)]
    if gone:
        with Session(engine) as session, session.begin():
            for rid, pid in gone:
                row = session.get(schema.Run, rid)
                row.status = "interrupted"
                row.error = f"process {pid} on {host} ended before the run finished (killed or crashed)"
                row.finished_at = datetime.now(timezone.utc)
                row.pid = None
    return len(gone)


__all__ = ["connect", "open_current", "build", "record_run", "data_dir", "corpus_dir",
           "database_url", "CorpusInvalid"]
