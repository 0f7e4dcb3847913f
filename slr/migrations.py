"""Schema creation and upgrades, through Alembic, for SQLite and PostgreSQL alike.

`upgrade(engine)` runs before every command, so the common case (the database is already
at HEAD) costs one small query and never imports Alembic. Otherwise it takes a lock (SQLite:
the write lock that BEGIN IMMEDIATE holds; PostgreSQL: a transaction-scoped advisory lock),
reads the revision again, and runs the revisions under slr/alembic/versions in that one
transaction. Two processes upgrading at once therefore upgrade once.

A database made by pre-Alembic slr (tables, no alembic_version) is adopted: the baseline
revision creates only the tables that are missing and later revisions add only what is
missing, so its runs stay where they are.

New revision: edit slr/schema.py, then
    python -m slr.migrations revision "what changed"
which autogenerates slr/alembic/versions/NNNN_what_changed.py against a scratch database;
review it, then set HEAD below to its revision id (a test checks HEAD is Alembic's head).
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from slr.errors import SlrError

if TYPE_CHECKING:  # pragma: no cover  (slr.fastread reads HEAD without importing SQLAlchemy)
    from sqlalchemy.engine import Engine

# The newest revision in slr/alembic/versions. Checked against Alembic by the tests.
HEAD = "0006_corpus_files"
BASE = "base"  # what current() says about a database Alembic has not touched
SCRIPT_LOCATION = Path(__file__).resolve().parent / "alembic"
# pg_advisory_xact_lock key that serialises schema upgrades on one PostgreSQL database.
PG_LOCK_KEY = 0x51_52_5F_4D_49_47  # "SLR_MIG"


def stored_revision(engine: Engine) -> str | None:
    """The revision in alembic_version, or None when there is none (new or pre-Alembic database).

    Reads through a plain DBAPI cursor: no SQLAlchemy transaction events fire, so on SQLite
    this does not take the write lock.
    """
    from sqlalchemy.exc import DBAPIError

    raw = engine.raw_connection()  # connection failures propagate as OperationalError
    try:
        cursor = raw.cursor()
        try:
            cursor.execute("SELECT version_num FROM alembic_version")
            row = cursor.fetchone()
        except engine.dialect.loaded_dbapi.Error:
            return None  # no table yet; the locked path looks properly
        finally:
            cursor.close()
        return row[0] if row else None
    except DBAPIError:
        return None
    finally:
        raw.close()


def current(engine: Engine) -> str:
    """The database's schema revision ('base' when Alembic has not stamped it)."""
    return stored_revision(engine) or BASE


def config(connection=None):
    """An Alembic Config built in code: no alembic.ini needed."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPT_LOCATION))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("file_template", "%%(rev)s")
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    """Alembic's own idea of the head revision (imports Alembic; HEAD is the fast answer)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(config()).get_current_head()


def upgrade(engine: Engine) -> None:
    """Bring the database to HEAD. Cheap when it is there already."""
    if stored_revision(engine) == HEAD:
        return
    _upgrade_locked(engine, HEAD)


def _upgrade_locked(engine: Engine, target: str) -> None:
    from alembic import command
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError
    from sqlalchemy import text

    with engine.begin() as conn:  # SQLite: BEGIN IMMEDIATE (see slr.db) holds the write lock
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_LOCK_KEY})
        script = ScriptDirectory.from_config(config())
        stored = conn.execute(text("SELECT version_num FROM alembic_version")).scalar() \
            if _has_version_table(conn) else None
        if stored is not None:
            try:
                script.get_revision(stored)
            except CommandError:
                raise SlrError(
                    f"the database schema is at revision {stored}, which this slr does not know "
                    f"(its newest is {HEAD}): a newer slr wrote it. Upgrade slr.") from None
        if stored == target:
            return  # another process upgraded it while we waited for the lock
        command.upgrade(config(conn), target)


def _has_version_table(conn) -> bool:
    from sqlalchemy import inspect

    return inspect(conn).has_table("alembic_version")


def _revision(message: str) -> None:
    """Autogenerate a revision from slr/schema.py against a scratch SQLite database at HEAD."""
    import re
    import tempfile

    from alembic import command
    from sqlalchemy import create_engine

    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite:///{folder}/scratch.db")
        upgrade(engine)
        number = int(HEAD.split("_", 1)[0]) + 1
        slug = re.sub(r"[^a-z0-9]+", "_", message.lower()).strip("_")[:24]
        with engine.begin() as conn:
            command.revision(config(conn), message=message, autogenerate=True,
                             rev_id=f"{number:04d}_{slug}")


if __name__ == "__main__":
    import sys

    if len(sys.argv) != 3 or sys.argv[1] != "revision":
        sys.exit('usage: python -m slr.migrations revision "what changed"')
    _revision(sys.argv[2])
