"""telegram: the forum topics opened for posts, recorded before the post is sent.

A crash (or a failed send) between ``createForumTopic`` and the post used to leave an empty
topic behind and open another one on the retry; the topic's id is now recorded first.

Revision ID: telegram_0002_forum_topics
Revises: telegram_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "telegram_0002_forum_topics"
down_revision = "telegram_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "telegram_topics",
        sa.Column("post_key", sa.String(200), nullable=False),
        sa.Column("chat_id", sa.String(64), nullable=False),
        sa.Column("thread_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("post_key", name="pk_telegram_topics"),
    )
    op.create_index("ix_telegram_topics_created_at", "telegram_topics", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_telegram_topics_created_at", table_name="telegram_topics")
    op.drop_table("telegram_topics")
