"""history tables append-only on both databases

Revision ID: 0002
Revises: 0001

Decisions, their action outcomes, jail events and annotations are history: the desk
only ever inserts them. The database refuses UPDATE and DELETE (and TRUNCATE on PostgreSQL) on
them, as 0001 did for the ledger; what an administrator does after dropping the triggers is
caught by `ledger verify`, which re-derives every row from the ledger.
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Overrides are not here: since 0004 an override has a lifecycle (pending until counsel
# confirms it), so its row changes; every change is sealed in the ledger (ledger/rows.py) and a
# direct edit is caught by `ledger verify` like any other covered table.
HISTORY = ("decisions", "action_outcomes", "jail_events", "annotations")


def upgrade() -> None:
    for table in HISTORY:
        _append_only(table)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in HISTORY:
        if sqlite:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")


def _append_only(table: str) -> None:
    message = f"{table} is append-only"
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )
        return
    op.execute(
        f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN RAISE EXCEPTION '{message}'; END $$"
    )
    op.execute(
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()"
    )
