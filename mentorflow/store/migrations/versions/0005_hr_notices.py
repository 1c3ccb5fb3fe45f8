"""HR notices (not started, declined, ended early, participant left), kept for
the console and sent as one digest per program, manager and day.

Written from ``mentorflow.store.schema`` (``alembic check`` finds no drift).
Works on SQLite (batch mode) and PostgreSQL.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hr_notices",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("program_name", sa.String(length=200), nullable=False),
        sa.Column("manager_email", sa.String(length=320), nullable=False),
        sa.Column("cohort", sa.String(length=128), nullable=False),
        sa.Column("mentorship_id", sa.String(length=255), nullable=True),
        sa.Column("mentor_id", sa.String(length=64), nullable=True),
        sa.Column("mentee_id", sa.String(length=64), nullable=True),
        sa.Column("subject", sa.String(length=400), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("happened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("digest_key", sa.String(length=400), nullable=True),
        sa.Column("digested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=320), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('not_started', 'declined', 'ended_early', 'participant_left')",
            name=op.f("ck_hr_notices_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["mentorship_id"],
            ["mentorships.id"],
            name=op.f("fk_hr_notices_mentorship_id_mentorships"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hr_notices")),
        sa.UniqueConstraint("key", name=op.f("uq_hr_notices_key")),
    )
    with op.batch_alter_table("hr_notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hr_notices_cohort"), ["cohort"], unique=False)
        batch_op.create_index(batch_op.f("ix_hr_notices_day"), ["day"], unique=False)
        batch_op.create_index(batch_op.f("ix_hr_notices_digest_key"), ["digest_key"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_hr_notices_mentorship_id"), ["mentorship_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_hr_notices_program_name"), ["program_name"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("hr_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hr_notices_program_name"))
        batch_op.drop_index(batch_op.f("ix_hr_notices_mentorship_id"))
        batch_op.drop_index(batch_op.f("ix_hr_notices_digest_key"))
        batch_op.drop_index(batch_op.f("ix_hr_notices_day"))
        batch_op.drop_index(batch_op.f("ix_hr_notices_cohort"))

    op.drop_table("hr_notices")
