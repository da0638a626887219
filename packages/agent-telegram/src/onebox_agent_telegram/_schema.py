"""The agent's own tables: what it knows about each Telegram chat, and the forum topics it
opened for posts."""

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

# The forum topic a post opened (``meta["forum_topic"]``), recorded before the post is sent,
# so a retry (after a failed send or a crash) posts into it instead of opening another.
topics = sa.Table(
    "telegram_topics",
    metadata,
    sa.Column("post_key", sa.String(200), primary_key=True),
    sa.Column("chat_id", sa.String(64), nullable=False),
    sa.Column("thread_id", sa.BigInteger(), nullable=False),
    sa.Column("created_at", sa.Double(), nullable=False),
    sa.Index("ix_telegram_topics_created_at", "created_at"),
)
