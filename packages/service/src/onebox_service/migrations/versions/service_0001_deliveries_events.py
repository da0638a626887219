"""service: deliveries and webhook events.

Revision ID: service_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "service_0001"
down_revision = None
branch_labels = ("service",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "service_deliveries",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("conversation_id", sa.String(200), nullable=False),
        sa.Column("correlation_id", sa.String(100), nullable=True),
        sa.Column("bus_message_id", sa.BigInteger(), nullable=True),
        sa.Column("platform_message_id", sa.String(200), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("sandbox", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("updated_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_service_deliveries"),
    )
    op.create_index(
        "ix_service_deliveries_platform",
        "service_deliveries",
        ["channel", "platform_message_id"],
    )
    op.create_index(
        "ix_service_deliveries_correlation", "service_deliveries", ["correlation_id"]
    )
    op.create_index(
        "ix_service_deliveries_bus_message", "service_deliveries", ["bus_message_id"]
    )
    op.create_table(
        "service_webhook_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_service_webhook_events"),
    )
    op.create_index(
        "ix_service_webhook_events_received",
        "service_webhook_events",
        ["channel", "received_at"],
    )


def downgrade() -> None:
    op.drop_table("service_webhook_events")
    op.drop_table("service_deliveries")
