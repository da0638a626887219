"""orchestrator: the owner's view (how each reply was made, conversations, unanswered groups).

Adds to ``orchestrator_turns`` the reply's origin, the model that wrote it and the unanswered
group of a customer turn the bot could not answer, and creates ``orchestrator_conversations``
(one row per conversation, upserted with its turns) and ``orchestrator_question_groups``.
Turns stored before this revision have no origin: the owner's view shows their provider.

Revision ID: orchestrator_0004_owner
Revises: orchestrator_0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "orchestrator_0004_owner"
down_revision = "orchestrator_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orchestrator_turns") as batch:
        batch.add_column(sa.Column("origin", sa.String(16), nullable=True))
        batch.add_column(sa.Column("model", sa.String(100), nullable=True))
        batch.add_column(sa.Column("question_group", sa.BigInteger(), nullable=True))
    op.create_index(
        "ix_orchestrator_turns_question_group",
        "orchestrator_turns",
        ["question_group", "created_at"],
    )
    op.create_table(
        "orchestrator_conversations",
        sa.Column("conversation_key", sa.String(1024), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("customer_name", sa.String(200), nullable=True),
        sa.Column("first_at", sa.Double(), nullable=False),
        sa.Column("last_at", sa.Double(), nullable=False),
        sa.Column("last_text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("conversation_key", name="pk_orchestrator_conversations"),
    )
    op.create_index(
        "ix_orchestrator_conversations_last_at", "orchestrator_conversations", ["last_at"]
    )
    op.create_index(
        "ix_orchestrator_conversations_channel",
        "orchestrator_conversations",
        ["channel", "last_at"],
    )
    op.create_table(
        "orchestrator_question_groups",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("critical", sa.String(500), nullable=False),
        sa.Column("tokens", sa.Text(), nullable=False),
        sa.Column("first_at", sa.Double(), nullable=False),
        sa.Column("last_at", sa.Double(), nullable=False),
        sa.Column("answered_at", sa.Double(), nullable=True),
        sa.Column("faq_id", sa.String(64), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_orchestrator_question_groups"),
    )
    op.create_index(
        "ix_orchestrator_question_groups_critical",
        "orchestrator_question_groups",
        ["critical", "answered_at"],
    )
    op.create_index(
        "ix_orchestrator_question_groups_last_at", "orchestrator_question_groups", ["last_at"]
    )


def downgrade() -> None:
    op.drop_index(
        "ix_orchestrator_question_groups_last_at", table_name="orchestrator_question_groups"
    )
    op.drop_index(
        "ix_orchestrator_question_groups_critical", table_name="orchestrator_question_groups"
    )
    op.drop_table("orchestrator_question_groups")
    op.drop_index("ix_orchestrator_conversations_channel", table_name="orchestrator_conversations")
    op.drop_index("ix_orchestrator_conversations_last_at", table_name="orchestrator_conversations")
    op.drop_table("orchestrator_conversations")
    op.drop_index("ix_orchestrator_turns_question_group", table_name="orchestrator_turns")
    with op.batch_alter_table("orchestrator_turns") as batch:
        batch.drop_column("question_group")
        batch.drop_column("model")
        batch.drop_column("origin")
