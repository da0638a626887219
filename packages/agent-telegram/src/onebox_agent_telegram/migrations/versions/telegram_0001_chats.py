"""telegram: the chats table (blocked conversations, group migrations).

Revision ID: telegram_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "telegram_0001"
down_revision = None
branch_labels = ("telegram",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "telegram_chats",
        sa.Column("chat_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("migrated_to", sa.String(64), nullable=True),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("updated_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", name="pk_telegram_chats"),
    )


def downgrade() -> None:
    op.drop_table("telegram_chats")
