"""whatsapp: the conversations table (24-hour window and re-engagement mark).

Revision ID: whatsapp_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "whatsapp_0001"
down_revision = None
branch_labels = ("whatsapp",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "whatsapp_conversations",
        sa.Column("conversation_id", sa.String(200), nullable=False),
        sa.Column("last_inbound_at", sa.Double(), nullable=True),
        sa.Column("reengagement_required_at", sa.Double(), nullable=True),
        sa.Column("reengagement_reason", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("conversation_id", name="pk_whatsapp_conversations"),
    )


def downgrade() -> None:
    op.drop_table("whatsapp_conversations")
