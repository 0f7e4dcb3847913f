"""Runs that cannot be lost: a run is stored as `running` when it starts, with the process that runs it.

run.uid: a unique id given when the run starts; the journal file (slr/journal.py) carries it, so
`slr runs import` replays a finished run exactly once.
run.pid, run.host: the process running it, so a later command can tell a run whose process was
killed (status becomes `interrupted`) from one still going.

Revision ID: 0004_run_liveness
Revises: 0003_fact_paths
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_run_liveness"
down_revision = "0003_fact_paths"
branch_labels = None
depends_on = None

COLUMNS = (("uid", sa.String()), ("pid", sa.Integer()), ("host", sa.String()))


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    present = {c["name"] for c in inspector.get_columns("run")}
    for name, kind in COLUMNS:
        if name not in present:
            op.add_column("run", sa.Column(name, kind, nullable=True))
    if "ix_run_uid" not in {i["name"] for i in inspector.get_indexes("run")}:   # create_all may have made it
        op.create_index("ix_run_uid", "run", ["uid"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_run_uid", table_name="run")
    with op.batch_alter_table("run") as batch:
        for name, _ in reversed(COLUMNS):
            batch.drop_column(name)
