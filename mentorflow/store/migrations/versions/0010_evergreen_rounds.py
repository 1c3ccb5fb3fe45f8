"""Evergreen programs: matching rounds, the round a matching run was made
for, and a mentee's "I'd like a new mentor" on an early end.

Written from ``mentorflow.store.schema``. Works on SQLite and PostgreSQL.

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "matching_rounds",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("cohort", sa.String(length=128), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.String(length=320), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("waiting_mentees", sa.Integer(), nullable=False),
        sa.Column("mentors_with_room", sa.Integer(), nullable=False),
        sa.Column("pairs", sa.Integer(), nullable=False),
        sa.Column("auto_approved", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('matching', 'review', 'starting', 'done', 'empty')",
            name=op.f("ck_matching_rounds_status"),
        ),
        sa.CheckConstraint(
            "trigger IN ('schedule', 'hr')", name=op.f("ck_matching_rounds_trigger")
        ),
        sa.ForeignKeyConstraint(
            ["cohort"], ["cohorts.name"], name=op.f("fk_matching_rounds_cohort_cohorts")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["matching_runs.id"], name=op.f("fk_matching_rounds_run_id_matching_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_matching_rounds")),
        sa.UniqueConstraint("cohort", "number", name=op.f("uq_matching_rounds_cohort_number")),
    )
    op.create_index(op.f("ix_matching_rounds_cohort"), "matching_rounds", ["cohort"], unique=False)
    with op.batch_alter_table("matching_runs") as batch:
        batch.add_column(sa.Column("round_number", sa.Integer(), nullable=True))
    with op.batch_alter_table("mentorships") as batch:
        batch.add_column(
            sa.Column("wants_new_mentor", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("mentorships") as batch:
        batch.drop_column("wants_new_mentor")
    with op.batch_alter_table("matching_runs") as batch:
        batch.drop_column("round_number")
    op.drop_index(op.f("ix_matching_rounds_cohort"), table_name="matching_rounds")
    op.drop_table("matching_rounds")
