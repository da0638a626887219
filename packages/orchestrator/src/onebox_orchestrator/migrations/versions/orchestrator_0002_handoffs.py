"""orchestrator: the handoffs table (a person takes over a conversation).

Revision ID: orchestrator_0002
Revises: orchestrator_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "orchestrator_0002"
down_revision = "orchestrator_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "orchestrator_handoffs",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("conversation_key", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("conversation_id", sa.String(200), nullable=False),
        sa.Column("customer_name", sa.String(200), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("reply_meta", sa.Text(), nullable=False),
        sa.Column("post_correlation_id", sa.String(100), nullable=False),
        sa.Column("post_message_id", sa.String(64), nullable=True),
        sa.Column("topic_id", sa.BigInteger(), nullable=True),
        sa.Column("opened_at", sa.Double(), nullable=False),
        sa.Column("last_operator_at", sa.Double(), nullable=True),
        sa.Column("closed_at", sa.Double(), nullable=True),
        sa.Column("closed_by", sa.String(16), nullable=True),
        sa.Column("bot_off", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_orchestrator_handoffs"),
    )
    op.create_index(
        "ix_orchestrator_handoffs_key_state",
        "orchestrator_handoffs",
        ["conversation_key", "state"],
    )
    op.create_index(
        "ix_orchestrator_handoffs_post", "orchestrator_handoffs", ["post_correlation_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_orchestrator_handoffs_post", table_name="orchestrator_handoffs")
    op.drop_index("ix_orchestrator_handoffs_key_state", table_name="orchestrator_handoffs")
    op.drop_table("orchestrator_handoffs")
