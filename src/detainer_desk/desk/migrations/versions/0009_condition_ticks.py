"""condition ticks: a decision's conditions as a checklist (append-only)

Revision ID: 0009
Revises: 0008

Every condition attached to a permitted action of a decision (Denver's advisement before an
interview, California's TRUTH Act notices, the federal "serve a copy of the I-247A") is a
checklist item on the request page. A clerk ticks one as met, with an optional short note; each
tick is its own ledger entry (`condition_met`) and one row here, so the page can show who ticked
it and when. A tick is never changed or taken back: the database refuses UPDATE and DELETE (and
TRUNCATE on PostgreSQL), and `ledger verify` re-derives each row from the entry that sealed it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import detainer_desk.desk.tables

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TABLE = "condition_ticks"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_pk", sa.Integer(), nullable=False),
        sa.Column("decision_pk", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("condition_id", sa.String(length=200), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("by", sa.String(length=120), nullable=False),
        sa.Column("at", detainer_desk.desk.tables.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_pk"],
            ["federal_requests.id"],
            name=op.f("fk_condition_ticks_request_pk_federal_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["decision_pk"],
            ["decisions.id"],
            name=op.f("fk_condition_ticks_decision_pk_decisions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_condition_ticks")),
        sa.UniqueConstraint(
            "request_pk", "action", "condition_id", name="uq_condition_ticks_request_condition"
        ),
    )
    op.create_index(op.f("ix_condition_ticks_request_pk"), TABLE, ["request_pk"])
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
    op.drop_index(op.f("ix_condition_ticks_request_pk"), table_name=TABLE)
    op.drop_table(TABLE)
