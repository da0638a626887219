"""bus: the messages table.

Revision ID: bus_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "bus_0001"
down_revision = None
branch_labels = ("bus",)
depends_on = None

_ACTIVE = "state IN ('ready', 'claimed')"


def upgrade() -> None:
    op.create_table(
        "bus_messages",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("key", sa.String(200), nullable=True),
        sa.Column("dedupe_key", sa.String(200), nullable=True),
        sa.Column("correlation_id", sa.String(100), nullable=True),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("state", sa.String(8), nullable=False, server_default="ready"),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("max_attempts", sa.Integer(), nullable=False, server_default="5"),
        sa.Column("visible_at", sa.Double(), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("finished_at", sa.Double(), nullable=True),
        sa.Column("claimed_by", sa.String(100), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_bus_messages"),
        sa.UniqueConstraint("topic", "dedupe_key", name="uq_bus_messages_topic_dedupe_key"),
    )
    op.create_index(
        "ix_bus_messages_claim",
        "bus_messages",
        ["topic", "id"],
        sqlite_where=sa.text(_ACTIVE),
        postgresql_where=sa.text(_ACTIVE),
    )
    op.create_index(
        "ix_bus_messages_key_head",
        "bus_messages",
        ["topic", "key", "id"],
        sqlite_where=sa.text(_ACTIVE),
        postgresql_where=sa.text(_ACTIVE),
    )
    op.create_index("ix_bus_messages_state_finished", "bus_messages", ["state", "finished_at"])
    op.create_index("ix_bus_messages_topic_state", "bus_messages", ["topic", "state"])


def downgrade() -> None:
    op.drop_table("bus_messages")
