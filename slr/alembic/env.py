"""Alembic environment for slr: migrations run on the connection slr.migrations hands over.

slr.migrations.upgrade(engine) opens a transaction (holding SQLite's write lock or a
PostgreSQL advisory lock), puts the connection in config.attributes["connection"] and runs
`upgrade head`; the revisions run inside that one transaction.
"""
from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine
from sqlmodel import SQLModel

from slr import schema  # noqa: F401  (registers the tables for autogenerate)

config = context.config
target_metadata = SQLModel.metadata


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("slr migrations run online only: use `slr db upgrade`")

connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:  # the alembic CLI with sqlalchemy.url set (development only)
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as conn:
        _run(conn)
