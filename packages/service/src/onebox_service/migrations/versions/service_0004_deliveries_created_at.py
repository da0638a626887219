"""service: an index on ``service_deliveries.created_at`` for the retention purge.

The orchestrator's retention worker now deletes delivery records older than
``ONEBOX_DELIVERIES_RETENTION_DAYS`` in small batches; each batch finds its rows by this index
instead of scanning the table.

Revision ID: service_0004
Revises: service_0003
"""

from __future__ import annotations

from alembic import op

revision = "service_0004"
down_revision = "service_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_service_deliveries_created_at", "service_deliveries", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_service_deliveries_created_at", table_name="service_deliveries")
