"""Fact paths and verification tiers: each fact row knows which corpus entry it is.

study_task, study_method, model, dataset, metric, result: `fact`, the field path of the fact in
its study file (e.g. "tasks[2]"); evidence.fact names the same path, so a fact's evidence is
found by that key and never by position in a sorted list.
result: `tier`, how far a reported number can be trusted (paper-table, paper-text,
artifact-file, secondary), and `seeds`, what the source says about repeated runs.
evidence: `paraphrase`, our words for a source where no verbatim quote is given (never in `quote`).
The corpus tables are rebuilt from the files anyway; this revision forgets the stored corpus
digest so the next command rebuilds them and fills the new columns. Runs are not touched.

Revision ID: 0003_fact_paths
Revises: 0002_lab_scale
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_fact_paths"
down_revision = "0002_lab_scale"
branch_labels = None
depends_on = None

FACT_TABLES = ("study_task", "study_method", "model", "dataset", "metric", "result")
RESULT_COLUMNS = ("tier", "seeds")


def _columns(table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)}


def upgrade() -> None:
    for table in FACT_TABLES:
        if "fact" not in _columns(table):
            op.add_column(table, sa.Column("fact", sa.String(), nullable=True))
    present = _columns("result")
    for name in RESULT_COLUMNS:
        if name not in present:
            op.add_column("result", sa.Column(name, sa.String(), nullable=True))
    if "paraphrase" not in _columns("evidence"):
        op.add_column("evidence", sa.Column("paraphrase", sa.Text(), nullable=True))
    op.execute("DELETE FROM meta WHERE key = 'corpus_digest'")


def downgrade() -> None:
    with op.batch_alter_table("evidence") as batch:
        batch.drop_column("paraphrase")
    with op.batch_alter_table("result") as batch:
        for name in RESULT_COLUMNS:
            batch.drop_column(name)
    for table in FACT_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("fact")
