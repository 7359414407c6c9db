"""queue indexes: the queue's sorts and filters at 100,000 requests

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_federal_requests_received_at", "federal_requests", ["received_at"]),
    ("ix_federal_requests_kind", "federal_requests", ["kind"]),
    ("ix_overrides_decision_pk", "overrides", ["decision_pk"]),
    ("ix_alarms_acknowledged_at", "alarms", ["acknowledged_at"]),
    ("ix_action_outcomes_effect", "action_outcomes", ["effect"]),
    ("ix_bookings_custody", "bookings", ["released_at", "transferred_at"]),
    ("ix_notifications_request_status", "notifications", ["request_pk", "status"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
