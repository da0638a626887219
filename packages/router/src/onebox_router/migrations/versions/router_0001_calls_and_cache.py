"""router: the calls ledger and the response cache.

Revision ID: router_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "router_0001"
down_revision = None
branch_labels = ("router",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "router_calls",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("provider", sa.String(50), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("class", sa.String(10), nullable=False),
        sa.Column("input_tokens", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("output_tokens", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("cost_usd", sa.Double(), nullable=False, server_default="0"),
        sa.Column("latency_s", sa.Double(), nullable=False, server_default="0"),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("correlation_id", sa.String(100), nullable=True),
        sa.Column("channel", sa.String(50), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_router_calls"),
    )
    op.create_index("ix_router_calls_created_at", "router_calls", ["created_at"])
    op.create_index(
        "ix_router_calls_provider_created_at", "router_calls", ["provider", "created_at"]
    )
    op.create_table(
        "router_cache",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("namespace", sa.String(64), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("provider", sa.String(50), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("expires_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_router_cache"),
        sa.UniqueConstraint("key", name="uq_router_cache_key"),
    )
    op.create_index("ix_router_cache_namespace_id", "router_cache", ["namespace", "id"])
    op.create_index("ix_router_cache_expires_at", "router_cache", ["expires_at"])


def downgrade() -> None:
    op.drop_table("router_cache")
    op.drop_table("router_calls")
