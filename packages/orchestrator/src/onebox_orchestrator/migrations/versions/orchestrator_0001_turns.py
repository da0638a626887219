"""orchestrator: the conversation memory table.

Revision ID: orchestrator_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "orchestrator_0001"
down_revision = None
branch_labels = ("orchestrator",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "orchestrator_turns",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("conversation_key", sa.String(200), nullable=False),
        sa.Column("inbound_id", sa.BigInteger(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("correlation_id", sa.String(100), nullable=True),
        sa.Column("provider", sa.String(32), nullable=True),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_orchestrator_turns"),
        sa.UniqueConstraint(
            "inbound_id", "role", name="uq_orchestrator_turns_inbound_id_role"
        ),
    )
    op.create_index(
        "ix_orchestrator_turns_conversation",
        "orchestrator_turns",
        ["conversation_key", "id"],
    )
    op.create_index("ix_orchestrator_turns_created_at", "orchestrator_turns", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_orchestrator_turns_created_at", table_name="orchestrator_turns")
    op.drop_index("ix_orchestrator_turns_conversation", table_name="orchestrator_turns")
    op.drop_table("orchestrator_turns")
