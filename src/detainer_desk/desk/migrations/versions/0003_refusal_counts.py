"""refusal counts: forbidden-field refusals counted per actor and day

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "refusal_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=170), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("where", sa.String(length=40), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refusal_counts")),
        sa.UniqueConstraint(
            "actor", "day", "where", "category", name=op.f("uq_refusal_counts_actor")
        ),
    )


def downgrade() -> None:
    op.drop_table("refusal_counts")
