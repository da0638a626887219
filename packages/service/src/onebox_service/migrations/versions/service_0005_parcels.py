"""service: ``service_parcels``, files one agent fetched for another agent's reply.

An operator's photo for a WhatsApp customer is downloaded by the Telegram agent and sent by
the WhatsApp agent, possibly on another host: the bytes wait here, in the database both
already share, until the reply is delivered (or dead), and are purged by age otherwise.

Revision ID: service_0005_parcels
Revises: service_0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "service_0005_parcels"
down_revision = "service_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "service_parcels",
        sa.Column("ref", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=True),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("ref", name="pk_service_parcels"),
    )
    op.create_index("ix_service_parcels_created_at", "service_parcels", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_service_parcels_created_at", table_name="service_parcels")
    op.drop_table("service_parcels")
