"""The database: where it lives, how it is opened, and the atomic corpus build.

SQLite in the user's data directory by default; `SLR_DB` takes any SQLAlchemy URL.
A build validates the whole corpus first and writes nothing if anything is wrong; the
write itself is one transaction, so a failure leaves the last good database in place.
"""
from __future__ import annotations

import operator
import os
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, create_engine, delete

from slr import collector, schema
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
    written: int = 0          # studies whose rows were (re)written; the others were kept as they were
    incremental: bool = False


# The study-owned tables, children first: an incremental build deletes a changed study's rows here.
STUDY_TABLES = ("evidence", "result", "study_task", "study_method", "model", "dataset", "metric", "conflict", "study")
# Modules whose code decides the rows a file makes (besides the file and the vocabularies).
BUILD_CODE = ("slr.corpus", "slr.db", "slr.schema", "taxonomy", "taxonomy.vocabulary")


def build_key() -> str:
    """Everything besides a file's own bytes that decides the rows it makes: the schema revision,
    the vocabularies and the code that validates and writes. Rows kept from an earlier build are
    reused only under the same key; any change rewrites everything."""
    import hashlib
    import importlib

    from slr.migrations import HEAD
    from taxonomy.vocabulary import data_files

    h = hashlib.sha256(HEAD.encode())
    for name in BUILD_CODE:
        source = getattr(importlib.import_module(name), "__file__", None)
        h.update(Path(source).read_bytes() if source else name.encode())
    for path in data_files():
        h.update(path.read_bytes())
    return h.hexdigest()


class StaleBase(SlrError):
    """The database no longer holds what an incremental load assumed (another build ran in between)."""


def build(engine: Engine, corpus, full: bool = False) -> BuildReport:
    """Bring the corpus tables to the validated corpus, in one transaction.

    Incremental when the database holds rows from an earlier build under the same build_key:
    only the studies whose file changed, appeared or went away are deleted and written again,
    and review_figure when review.yaml changed; the result equals a build from scratch (the
    study-owned rows, the citation keys, which depend on every study, and the search index;
    tests/test_incremental_build.py compares every table). Otherwise (or `full`) every corpus table
    is emptied and refilled. Raises StaleBase when `corpus` left files unparsed (load_corpus's
    `known`) that the database no longer holds as they are."""
    from taxonomy import vocabularies

    if corpus.problems:
        raise CorpusInvalid(corpus.problems)
    vocab = vocabularies()
    key = build_key()
    # The rows are hundreds of thousands of small dicts that all stay alive until written: the
    # cyclic collector's passes over them (and over the loaded corpus) find nothing to free.
    with collector.paused():
        return _build(engine, corpus, full, vocab, key)


def _build(engine: Engine, corpus, full: bool, vocab, key: str) -> BuildReport:
    from sqlalchemy import select

    tables = SQLModel.metadata.tables
    files = tables["corpus_file"]
    with Session(engine) as session, session.begin():
        if engine.dialect.name == "postgresql":
            # Two builds at once would both delete, then collide inserting the same keys:
            # queue them (SQLite's BEGIN IMMEDIATE already does).
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_BUILD_LOCK_KEY})
        stored = {r.path: r for r in session.execute(select(files)).all()}
        built = meta_get(session, "corpus_digest")
        incremental = not full and bool(stored) and built is not None and meta_get(session, "build_key") == key
        index_current = built is not None and meta_get(session, "search_index") == built
        if any(stored.get(k) is None or stored[k].sha256 != corpus.files[k].sha256 for k in corpus.unchanged) \
                or (corpus.unchanged and not incremental):
            raise StaleBase("the database changed while the corpus was read; read it again")
        if incremental:
            written, indexed = _write_changes(session, engine, corpus, stored, vocab, tables, index_current)
        else:
            written, indexed = _write_all(session, engine, corpus, vocab, tables)
        _meta_set(session, "search_index", corpus.digest if indexed else "")
        _meta_set(session, "corpus_digest", corpus.digest)
        _meta_set(session, "corpus_dir", str(Path(corpus.directory).resolve()))
        _meta_set(session, "build_key", key)
        _meta_set(session, "built_at", datetime.now(timezone.utc).isoformat(timespec="seconds"))
    return BuildReport(True, len(corpus.studies) + sum(1 for k in corpus.unchanged if k.startswith("studies/")),
                       corpus.digest, written, incremental)


def _vocabulary_rows(vocab) -> dict[str, list[dict]]:
    return {
        "task": [dict(name=t.name, abbreviation=t.abbreviation or t.name, category=t.category,
                      description=t.description, aliases=list(t.aliases), in_review=t.in_review)
                 for t in vocab["tasks"].terms],
        "method": [dict(name=t.name, family=t.family, library=t.library, description=t.description,
                        aliases=list(t.aliases)) for t in vocab["methods"].terms],
        "architecture": [dict(name=t.name, description=t.description, aliases=list(t.aliases))
                         for t in vocab["architectures"].terms],
    }


def _review_rows(review) -> list[dict]:
    if review is None:
        return []
    rows = [dict(key=str(f.get("key", "")), version=f.get("version"), body=f) for f in review.figures]
    rows.append(dict(key="__review__", version=None, body=review.model_dump(exclude={"figures"})))
    return rows


def _file_rows(corpus, keys) -> list[dict]:
    rows = []
    for k in keys:
        state = corpus.files[k]
        size, mtime_ns, ctime_ns, inode = state.stat or (None, None, None, None)
        rows.append(dict(path=k, sha256=state.sha256, study_id=state.study_id, size=size, mtime_ns=mtime_ns,
                         ctime_ns=ctime_ns, inode=inode))
    return rows


def _insert(session, tables, rows: dict[str, list[dict]]) -> None:
    for table in reversed(schema.CORPUS_TABLES):      # parents before children (foreign keys)
        if rows.get(table):
            _insert_rows(session, tables[table], rows[table])


def _insert_rows(session, table, rows: list[dict]) -> None:
    """INSERT every row (dicts with the same keys: a table's columns, less an autoincrement id).

    On SQLite the rows go to sqlite3's executemany as tuples, each value through the column type's
    own bind processor (JSON serialised, booleans as integers, exactly as SQLAlchemy binds them):
    SQLAlchemy's executemany builds a parameter dict per row and costs about 2 s of a 10,000-study
    build, more than SQLite's writing. Elsewhere (PostgreSQL) SQLAlchemy's insert, which psycopg
    batches. tests/test_build.py checks both give the same tables."""
    from sqlalchemy import insert

    dialect = session.get_bind().dialect
    if dialect.name != "sqlite" or not _DRIVER_INSERT:
        session.execute(insert(table), rows)
        return
    columns = [c for c in table.columns if c.name in rows[0]]
    if len(columns) != len(rows[0]):
        raise KeyError(f"{table.name} has no column {sorted(set(rows[0]) - {c.name for c in columns})}")
    names = [c.name for c in columns]
    binders = [c.type.dialect_impl(dialect).bind_processor(dialect) for c in columns]
    quote = dialect.identifier_preparer.quote
    sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
           f"VALUES ({', '.join('?' * len(names))})")
    values = map(operator.itemgetter(*names), rows) if len(names) > 1 else ((row[names[0]],) for row in rows)
    bound = [(i, bind) for i, bind in enumerate(binders) if bind is not None]
    if bound:
        values = (_bound(list(row), bound) for row in values)
    session.connection().connection.driver_connection.executemany(sql, values)


def _bound(row: list, bound: list) -> list:
    for i, bind in bound:
        row[i] = bind(row[i])
    return row


# Off: every insert through SQLAlchemy on SQLite too (the test that both paths write the same rows).
_DRIVER_INSERT = True


def _write_all(session, engine, corpus, vocab, tables) -> tuple[int, bool]:
    from slr.corpus import citation_keys

    if corpus.unchanged:
        raise StaleBase("a full build needs every study parsed")

    keys = citation_keys(corpus.studies)
    rows: dict[str, list[dict]] = {name: [] for name in schema.CORPUS_TABLES}
    rows.update(_vocabulary_rows(vocab))
    for sid in sorted(corpus.studies, key=lambda s: int(s[1:])):
        _study_rows(rows, corpus.studies[sid], keys[sid], vocab)
    rows["review_figure"] = _review_rows(corpus.review)
    rows["corpus_file"] = _file_rows(corpus, corpus.files)
    for table in schema.CORPUS_TABLES:                # children before parents
        session.execute(delete(tables[table]))
    with _indexes_rebuilt(session, schema.CORPUS_TABLES):
        _insert(session, tables, rows)
    return len(corpus.studies), _search_rebuild(session, engine, rows["study"], rows["evidence"])


@contextmanager
def _indexes_rebuilt(session, table_names):
    """On SQLite, the tables' own indexes dropped while they are refilled and created again after,
    from the very statements that made them (sqlite_master): sorting every row into a new index
    costs less than inserting them one by one (0.2 s of the evidence table's 1.3 s at 10,000
    studies). All inside the build's transaction, so a failed build leaves them as they were."""
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    conn = session.connection().connection.driver_connection
    names = list(table_names)
    indexes = conn.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                           f"AND tbl_name IN ({', '.join('?' * len(names))})", names).fetchall()
    for name, _ in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    yield
    for _, sql in indexes:
        conn.execute(sql)


def _write_changes(session, engine, corpus, stored, vocab, tables, index_current: bool) -> tuple[int, bool]:
    """The studies whose file changed: their old rows out, their new rows in; citation keys of the
    kept studies updated where a new or removed study changes them; the files' rows refreshed."""
    from types import SimpleNamespace

    from sqlalchemy import select, update

    from slr.corpus import citation_keys

    changed = {k for k, state in corpus.files.items() if k not in stored or stored[k].sha256 != state.sha256}
    removed = set(stored) - set(corpus.files)
    if any(k.startswith("vocabulary/") for k in changed | removed):
        return _write_all(session, engine, corpus, vocab, tables)   # (the build key covers this too)
    gone = sorted({stored[k].study_id for k in changed | removed if k in stored and stored[k].study_id})
    new = sorted((corpus.files[k].study_id for k in changed if corpus.files[k].study_id), key=lambda s: int(s[1:]))
    index_current = index_current and _search_supported(session, engine)
    if gone:
        if index_current:
            _search_remove(session, gone)
        for table in STUDY_TABLES:
            column = tables[table].c.id if table == "study" else tables[table].c.study_id
            for chunk in _chunks(gone):
                session.execute(delete(tables[table]).where(column.in_(chunk)))
    study = tables["study"]
    kept = {r.id: r for r in session.execute(select(study.c.id, study.c.authors, study.c.title, study.c.year,
                                                     study.c.citation_key)).all()}
    everyone = {sid: SimpleNamespace(authors=r.authors or [], title=r.title, year=r.year) for sid, r in kept.items()}
    everyone.update({sid: corpus.studies[sid] for sid in new})
    keys = citation_keys(everyone)
    renamed = [{"sid": sid, "key": keys[sid]} for sid, r in kept.items() if r.citation_key != keys[sid]]
    if renamed:
        from sqlalchemy import bindparam

        session.execute(update(study).where(study.c.id == bindparam("sid")).values(citation_key=bindparam("key")),
                        renamed)
    rows: dict[str, list[dict]] = {name: [] for name in schema.CORPUS_TABLES}
    for sid in new:
        _study_rows(rows, corpus.studies[sid], keys[sid], vocab)
    if "review.yaml" in changed | removed:
        session.execute(delete(tables["review_figure"]))
        rows["review_figure"] = _review_rows(corpus.review)
    # A file's row changes with its content or its stat (a touched file gets its new stat kept).
    refreshed = {k for k, state in corpus.files.items() if k in changed or
                 (stored[k].size, stored[k].mtime_ns, stored[k].ctime_ns, stored[k].inode) !=
                 (state.stat or (None, None, None, None)) or stored[k].study_id != state.study_id}
    for chunk in _chunks(sorted(refreshed | removed)):
        session.execute(delete(tables["corpus_file"]).where(tables["corpus_file"].c.path.in_(chunk)))
    rows["corpus_file"] = _file_rows(corpus, sorted(refreshed))
    _insert(session, tables, rows)
    if index_current:
        _search_add(session, rows["study"], rows["evidence"])
        return len(new), True
    return len(new), _search_from_database(session, engine)


def _chunks(items: list, size: int = 500):
    for start in range(0, len(items), size):
        yield items[start:start + size]


# --------------------------------------------------------------------------- the search index (SQLite)
#
# `slr search` ranks every distinct text (titles, summaries, findings, evidence quotes) with rapidfuzz.
# On SQLite the build keeps those texts once each (search_text, most quotes repeat across a corpus),
# where each occurs (search_place: study, field and `rank`, the position a full scan of the study
# and evidence tables would meet it at: study fields first, then evidence, in study-number order)
# and, where the SQLite library has FTS5, a full-text index over them (search_fts) that large corpora
# use to pick candidates (slr.queries.search). They are derived data, not schema: written in the
# build's transaction, and trusted only while meta.search_index names the corpus digest built.
SEARCH_TABLES = (
    "CREATE TABLE search_text (id INTEGER PRIMARY KEY, text TEXT NOT NULL)",
    "CREATE TABLE search_place (text_id INTEGER NOT NULL, study_id TEXT NOT NULL, field TEXT NOT NULL, "
    "rank INTEGER NOT NULL)",
    # Only single-word prefix queries ask it (slr.queries._candidates): it keeps which texts hold a
    # word, not where, nor the texts' lengths (half the time to index 200,000 distinct quotes).
    "CREATE VIRTUAL TABLE search_fts USING fts5(text, content='search_text', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2', detail=none, columnsize=0)",
)
# Made after the tables are filled: SQLite sorts every row into a new index in a fraction of the time
# it takes to insert them one by one into a live one (0.3 s of the places, 0.15 s of 200,000 distinct
# texts at 10,000 studies). The unique one is what an incremental build's INSERT OR IGNORE relies on.
SEARCH_INDEXES = (
    "CREATE UNIQUE INDEX ix_search_text_text ON search_text (text)",
    "CREATE INDEX ix_search_place_text_id ON search_place (text_id)",
)
STUDY_FIELDS = ("title", "summary", "finding")


def _search_supported(session, engine) -> bool:
    return engine.dialect.name == "sqlite" and bool(session.execute(text(
        "SELECT count(*) FROM pragma_compile_options WHERE compile_options = 'ENABLE_FTS5'")).scalar())


def _search_places(study_rows: list[dict], evidence_rows: list[dict]) -> list[tuple[str, str, str, int]]:
    """(text, study, field, rank) of every searchable text, as slr.queries.search's full scan meets them."""
    places = []
    number = {}
    for s in study_rows:
        number[s["id"]] = s["number"]
        for seq, field in enumerate(STUDY_FIELDS):
            if s[field]:
                places.append((s[field], s["id"], field, (s["number"] << 24) | seq))
    seq: dict[str, int] = defaultdict(int)
    for e in evidence_rows:
        sid = e["study_id"]
        seq[sid] += 1
        if e["quote"] is not None:
            places.append((e["quote"], sid, f"evidence ({e['fact']})", (1 << 44) | (number[sid] << 24) | seq[sid]))
    return places


def _search_rebuild(session, engine, study_rows: list[dict], evidence_rows: list[dict]) -> bool:
    """The search tables made anew (dropped first: also how a database built before their present
    layout gets it) and filled."""
    if not _search_supported(session, engine):
        return False
    for table in ("search_fts", "search_place", "search_text"):
        session.execute(text(f"DROP TABLE IF EXISTS {table}"))
    for statement in SEARCH_TABLES:
        session.execute(text(statement))
    _search_add(session, study_rows, evidence_rows, empty=True)
    for statement in SEARCH_INDEXES:
        session.execute(text(statement))
    return True


def _search_add(session, study_rows: list[dict], evidence_rows: list[dict], empty: bool = False) -> None:
    """`empty`: search_text holds no text (a rebuild), so each new text's id is its position."""
    places = _search_places(study_rows, evidence_rows)
    if not places:
        return
    conn = session.connection().connection.driver_connection    # plain sqlite3: executemany at C speed
    before = conn.execute("SELECT coalesce(max(id), 0) FROM search_text").fetchone()[0]
    distinct = list(dict.fromkeys(p[0] for p in places))
    if empty:
        # (not asked back from the table: 0.8 s at 200,000 distinct quotes)
        ids = {t: i for i, t in enumerate(distinct, start=1)}
        conn.executemany("INSERT INTO search_text (id, text) VALUES (?, ?)", ((i, t) for t, i in ids.items()))
    else:
        conn.executemany("INSERT OR IGNORE INTO search_text (text) VALUES (?)", ((t,) for t in distinct))
        ids = {}
        for chunk in _chunks(distinct):
            ids.update((t, i) for i, t in conn.execute(
                f"SELECT id, text FROM search_text WHERE text IN ({', '.join('?' * len(chunk))})", chunk))
    conn.executemany("INSERT INTO search_place (text_id, study_id, field, rank) VALUES (?, ?, ?, ?)",
                     ((ids[t], sid, field, rank) for t, sid, field, rank in places))
    conn.execute("INSERT INTO search_fts (rowid, text) SELECT id, text FROM search_text WHERE id > ?", (before,))


def _search_remove(session, sids: list[str]) -> None:
    conn = session.connection().connection.driver_connection
    for chunk in _chunks(sids):
        conn.execute(f"DELETE FROM search_place WHERE study_id IN ({', '.join('?' * len(chunk))})", chunk)
    orphans = conn.execute("SELECT id, text FROM search_text WHERE id NOT IN (SELECT text_id FROM search_place)").fetchall()
    conn.executemany("INSERT INTO search_fts (search_fts, rowid, text) VALUES ('delete', ?, ?)", orphans)
    conn.executemany("DELETE FROM search_text WHERE id = ?", ((i,) for i, _ in orphans))


def _search_from_database(session, engine) -> bool:
    """The index rebuilt from the rows the database holds (when it was not current before an
    incremental build: built without FTS5, or by a build that failed to write it)."""
    from sqlalchemy import select

    tables = SQLModel.metadata.tables
    study, evidence = tables["study"], tables["evidence"]
    studies = [dict(r._mapping) for r in session.execute(
        select(study.c.id, study.c.number, *(study.c[f] for f in STUDY_FIELDS)).order_by(study.c.number, study.c.id))]
    rows = [dict(r._mapping) for r in session.execute(
        select(evidence.c.study_id, evidence.c.fact, evidence.c.quote).order_by(evidence.c.id))]
    order = {s["id"]: i for i, s in enumerate(studies)}
    rows.sort(key=lambda e: order[e["study_id"]])      # (stable: each study's evidence keeps its id order)
    return _search_rebuild(session, engine, studies, rows)


def _state(fact) -> str | None:
    if fact is None:
        return None
    if isinstance(fact, (str, bool)):
        return str(fact).lower()
    from slr.corpus import ArtifactFact

    # (by type, not getattr with a default: a missing attribute of a pydantic model raises through a
    # slow path, and this runs for every study)
    return str(fact.available if isinstance(fact, ArtifactFact) else fact.value).lower()


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
    sources = study.sources
    evidence = rows["evidence"]
    for fact, _, items in study.evidence_by_fact():
        fact = same_fact.get(fact, fact)
        evidence += [dict(study_id=sid, fact=fact, source=study.resolve_source(e.source),
                          source_key=e.source if e.source in sources else None,
                          locator=e.locator, quote=e.quote, paraphrase=e.paraphrase) for e in items]


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
    """An engine on a database that holds the current corpus, building it when the corpus changed
    (incrementally: see refresh).

    `loaded`: the corpus already read by the caller (slr check), so it is not read twice."""
    raw = database_url(url)
    engine = open_schema(raw)
    with guarded(raw):
        refresh(engine, corpus_dir(corpus), rebuild=rebuild, loaded=loaded)
    return engine


def refresh(engine: Engine, directory: Path, rebuild: bool = False, loaded=None) -> BuildReport | None:
    """Build when the corpus files are not those the database was built from; None when they are.
    Only the files whose content hash changed are parsed (the others' rows stay, under the same
    build_key); `rebuild` parses and writes everything."""
    from sqlalchemy import select

    from slr import corpus as corpus_module
    from slr.fastread import files_match

    files = schema.CorpusFile.__table__
    with Session(engine) as session:
        stored = meta_get(session, "corpus_digest")
        rows = session.execute(select(files)).all() if stored is not None else []
        built_from = meta_get(session, "corpus_dir")
        same_code = bool(rows) and meta_get(session, "build_key") == build_key()
    if loaded is not None:
        current = loaded.digest == stored
    else:   # a stat per file, a hash only where a stat changed (slr.fastread.files_match says why that is safe)
        current = stored is not None and files_match(
            {r.path: (r.sha256, r.size, r.mtime_ns, r.ctime_ns, r.inode) for r in rows}, built_from, directory)
    if current and not rebuild:
        return None
    known = {r.path: (r.sha256, r.study_id) for r in rows} if same_code and not rebuild else None
    try:
        return build(engine, loaded or corpus_module.load_corpus(directory, known=known), full=rebuild)
    except StaleBase:
        return build(engine, corpus_module.load_corpus(directory), full=rebuild)


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
