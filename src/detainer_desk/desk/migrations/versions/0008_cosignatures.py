"""witness cosignatures the desk fetched and checked (append-only)

Revision ID: 0008
Revises: 0007

The public ledger page shows, for the desk's checkpoints, each witness's cosignature. The desk
keeps what it fetched only after checking it; the rows are never changed, so the database
refuses UPDATE and DELETE (and TRUNCATE on PostgreSQL), and `ledger verify` re-derives each row
from the ledger entry that sealed it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import detainer_desk.desk.tables

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TABLE = "cosignatures"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("note_sha256", sa.String(length=64), nullable=False),
        sa.Column("witness_name", sa.String(length=200), nullable=False),
        sa.Column("key_id", sa.String(length=8), nullable=False),
        sa.Column("witness_key", sa.String(length=400), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("root_hash", sa.String(length=64), nullable=False),
        sa.Column("cosigned_at", detainer_desk.desk.tables.UtcDateTime(), nullable=False),
        sa.Column("fetched_at", detainer_desk.desk.tables.UtcDateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cosignatures")),
        sa.UniqueConstraint("note_sha256", name=op.f("uq_cosignatures_note_sha256")),
    )
    message = f"{TABLE} is append-only"
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {TABLE}_no_{verb.lower()} BEFORE {verb} ON {TABLE} "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )
        return
    op.execute(
        f"CREATE FUNCTION {TABLE}_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN RAISE EXCEPTION '{message}'; END $$"
    )
    op.execute(
        f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {TABLE} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_append_only()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_update")
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_delete")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}")
        op.execute(f"DROP FUNCTION IF EXISTS {TABLE}_append_only()")
    op.drop_table(TABLE)
