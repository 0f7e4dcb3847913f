"""Incremental builds: the files the last build read, with their content hashes and stats.

corpus_file: one row per study file, review.yaml and vocabulary file. A rebuild parses only
the files whose hash changed and rewrites only their studies' rows; the per-command staleness
check compares stats first and hashes only files whose stat changed. The stored corpus digest
is removed, so the next command rebuilds once and fills the table.

Revision ID: 0006_corpus_files
Revises: 0005_run_notes
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_corpus_files"
down_revision = "0005_run_notes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if not sa.inspect(op.get_bind()).has_table("corpus_file"):   # create_all may have made it
        op.create_table(
            "corpus_file",
            sa.Column("path", sa.String(), primary_key=True),
            sa.Column("sha256", sa.String(), nullable=False),
            sa.Column("study_id", sa.String(), nullable=True),
            sa.Column("size", sa.BigInteger(), nullable=True),
            sa.Column("mtime_ns", sa.BigInteger(), nullable=True),
            sa.Column("ctime_ns", sa.BigInteger(), nullable=True),
            sa.Column("inode", sa.BigInteger(), nullable=True),
        )
    op.execute("DELETE FROM meta WHERE key = 'corpus_digest'")


def downgrade() -> None:
    op.drop_table("corpus_file")
