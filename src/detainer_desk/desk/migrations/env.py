"""Alembic environment: the engine comes from `detainer_desk.desk.database.alembic_config`."""

from __future__ import annotations

from alembic import context

import detainer_desk.desk.tables
import detainer_desk.ledger.tables  # noqa: F401  (both table modules fill Base.metadata)
from detainer_desk.schema import Base

engine = context.config.attributes["engine"]
with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
