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
_FINISHED = "state IN ('done', 'dead')"
_DEDUPED = "dedupe_key IS NOT NULL"


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
    op.create_index(
        "ix_bus_messages_finished",
        "bus_messages",
        ["topic", "state", "finished_at"],
        sqlite_where=sa.text(_FINISHED),
        postgresql_where=sa.text(_FINISHED),
    )
    op.create_index(
        "uq_bus_messages_dedupe",
        "bus_messages",
        ["topic", "dedupe_key"],
        unique=True,
        sqlite_where=sa.text(_DEDUPED),
        postgresql_where=sa.text(_DEDUPED),
    )


def downgrade() -> None:
    op.drop_table("bus_messages")
