"""agent_whatsapp: the conversation id sized for real platform ids (VARCHAR(200) -> VARCHAR(1024)).

A long WhatsApp id, a dedupe key built from one, or a conversation key made of a channel and a
platform id can pass 200 characters; PostgreSQL then refused the row. SQLite ignores the
length, so this revision changes nothing there.

Revision ID: whatsapp_0002
Revises: whatsapp_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "whatsapp_0002"
down_revision = "whatsapp_0001"
branch_labels = None
depends_on = None

_TABLE = "whatsapp_conversations"
_COLUMNS = ("conversation_id",)
WIDE = 1024


def upgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        return
    for column in _COLUMNS:
        op.alter_column(
            _TABLE, column, type_=sa.String(WIDE), existing_type=sa.String(200)
        )


def downgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        return
    for column in _COLUMNS:
        op.alter_column(
            _TABLE, column, type_=sa.String(200), existing_type=sa.String(WIDE)
        )
