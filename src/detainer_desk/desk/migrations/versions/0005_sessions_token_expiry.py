"""server-side UI sessions; API tokens can expire

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import detainer_desk.desk.tables

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("expires_at", detainer_desk.desk.tables.UtcDateTime(), nullable=True)
        )
    op.create_table(
        "ui_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_sha256", sa.String(length=64), nullable=False),
        sa.Column("token_pk", sa.Integer(), nullable=False),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        sa.Column("created_at", detainer_desk.desk.tables.UtcDateTime(), nullable=False),
        sa.Column("expires_at", detainer_desk.desk.tables.UtcDateTime(), nullable=False),
        sa.Column("revoked_at", detainer_desk.desk.tables.UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["token_pk"], ["api_tokens.id"], name=op.f("fk_ui_sessions_token_pk_api_tokens")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ui_sessions")),
        sa.UniqueConstraint("session_sha256", name=op.f("uq_ui_sessions_session_sha256")),
    )
    with op.batch_alter_table("ui_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ui_sessions_token_pk"), ["token_pk"], unique=False)


def downgrade() -> None:
    op.drop_table("ui_sessions")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
