"""Run notes and base identity: what a reader of a run must know that its metrics cannot say.

run.notes: a JSON list of sentences, e.g. "pass@1 not computed: generated code runs only with
--allow-code-execution" or how a code-search MRR was pooled. Older rows get an empty list.
run.base: a JSON object naming the locally pretrained base a mini run started from (config and
weights hash, steps, tokens, final loss); empty for hub checkpoints and older rows.
run.per_example: the experiment's own metric per test example, from which slr/comparison.py bootstraps
intervals; run.trivial_baselines: name -> score of the trivial baselines on the same test split.

Revision ID: 0005_run_notes
Revises: 0004_run_liveness
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_run_notes"
down_revision = "0004_run_liveness"
branch_labels = None
depends_on = None

COLUMNS = ("notes", "base", "per_example", "trivial_baselines")


def upgrade() -> None:
    present = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("run")}
    for name in COLUMNS:
        if name not in present:
            op.add_column("run", sa.Column(name, sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("run") as batch:
        for name in reversed(COLUMNS):
            batch.drop_column(name)
