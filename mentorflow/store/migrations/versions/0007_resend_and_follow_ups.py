"""HR's pair actions: the email request kept with each outbox row (so an
email can be sent again) and the follow-ups of at-risk flags.

Written from ``mentorflow.store.schema`` (``alembic check`` finds no drift).
Works on SQLite (batch mode) and PostgreSQL.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("email_outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("request", sa.JSON(), nullable=True))
    op.create_table(
        "at_risk_follow_ups",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("mentorship_id", sa.String(length=255), nullable=False),
        sa.Column("flag_checkin", sa.Integer(), nullable=False),
        sa.Column("by", sa.String(length=320), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["mentorship_id"],
            ["mentorships.id"],
            name=op.f("fk_at_risk_follow_ups_mentorship_id_mentorships"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_at_risk_follow_ups")),
    )
    with op.batch_alter_table("at_risk_follow_ups", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_at_risk_follow_ups_mentorship_id"), ["mentorship_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("at_risk_follow_ups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_at_risk_follow_ups_mentorship_id"))
    op.drop_table("at_risk_follow_ups")
    with op.batch_alter_table("email_outbox", schema=None) as batch_op:
        batch_op.drop_column("request")
