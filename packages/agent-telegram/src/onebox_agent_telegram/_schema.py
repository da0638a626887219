"""The agent's own table: what it knows about each Telegram chat."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

chats = sa.Table(
    "telegram_chats",
    metadata,
    sa.Column("chat_id", sa.String(64), primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("migrated_to", sa.String(64), nullable=True),
    sa.Column("reason", sa.String(500), nullable=True),
    sa.Column("updated_at", sa.Double(), nullable=False),
)
