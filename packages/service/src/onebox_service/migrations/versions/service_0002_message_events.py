"""service: message events (one row per step of a message's journey).

Revision ID: service_0002
Revises: service_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "service_0002"
down_revision = "service_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "service_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("correlation_id", sa.String(100), nullable=False),
        sa.Column("service", sa.String(64), nullable=False),
        sa.Column("step", sa.String(64), nullable=False),
        sa.Column("at", sa.Double(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_service_events"),
    )
    op.create_index(
        "ix_service_events_correlation", "service_events", ["correlation_id", "at"]
    )
    op.create_index("ix_service_events_at", "service_events", ["at"])


def downgrade() -> None:
    op.drop_table("service_events")
