"""tree nodes: the ledger's Merkle tree state, persisted (append-only)

Revision ID: 0004
Revises: 0003

Filled in as entries are appended; a ledger written before fills it in on its next append,
checkpoint or proof (ledger.tree.fill).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tree_nodes",
        sa.Column("level", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name=op.f("pk_tree_nodes")),
    )
    message = "tree_nodes is append-only"
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER tree_nodes_no_{verb.lower()} BEFORE {verb} ON tree_nodes "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )
        return
    op.execute(
        "CREATE FUNCTION tree_nodes_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN RAISE EXCEPTION '{message}'; END $$"
    )
    op.execute(
        "CREATE TRIGGER tree_nodes_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON tree_nodes "
        "FOR EACH STATEMENT EXECUTE FUNCTION tree_nodes_append_only()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP TRIGGER IF EXISTS tree_nodes_append_only ON tree_nodes")
        op.execute("DROP FUNCTION IF EXISTS tree_nodes_append_only()")
    op.drop_table("tree_nodes")
