"""router: the FAQ entries the owner can change at runtime, and their revision counter.

``router_faq`` holds every entry ever known (file entries imported on start, the owner's
additions), a removed one kept with ``removed_at`` set so the file cannot bring it back.
``router_faq_state`` holds one row (written by the first change; a freshly migrated database
holds no row, so ``onebox copy-database`` can fill it) whose ``revision`` goes up with every
change, so a running orchestrator notices an edit with one primary-key read per message.

Revision ID: router_0002
Revises: router_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "router_0002"
down_revision = "router_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "router_faq",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("content_key", sa.String(64), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("removed_at", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_router_faq"),
        sa.UniqueConstraint("content_key", name="uq_router_faq_content_key"),
    )
    op.create_table(
        "router_faq_state",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_router_faq_state"),
    )


def downgrade() -> None:
    op.drop_table("router_faq_state")
    op.drop_table("router_faq")
