"""overrides: legal basis, counsel's confirmation, status and the hold window (issue 10)

Revision ID: 0006
Revises: 0005

An override that permits a hold the law denies needs a stated basis (a judicial warrant attached,
or a provision id) and counsel's confirmation; until confirmed it is `pending` and changes
nothing. Every such hold is bounded: `hold_hours` from release eligibility. Existing overrides
(before this migration) stay `active`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import detainer_desk.desk.tables

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("overrides", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("status", sa.String(length=20), nullable=False, server_default="active")
        )
        batch_op.add_column(sa.Column("decided_effect", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("basis_provision", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column(
                "basis_judicial_warrant", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch_op.add_column(sa.Column("hold_hours", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("confirmed_by", sa.String(length=120), nullable=True))
        batch_op.add_column(
            sa.Column("confirmed_at", detainer_desk.desk.tables.UtcDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("confirmation_note", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("overrides", schema=None) as batch_op:
        for name in (
            "confirmation_note",
            "confirmed_at",
            "confirmed_by",
            "hold_hours",
            "basis_judicial_warrant",
            "basis_provision",
            "decided_effect",
            "status",
        ):
            batch_op.drop_column(name)
