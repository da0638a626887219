"""router: how many times each cached answer was served.

``router_cache.reuse_count`` is raised by the router in batches written behind its replies
(never on the hit itself), so the owner can see which answers are reused most and check them.
Existing rows start at 0.

Revision ID: router_0003
Revises: router_0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "router_0003"
down_revision = "router_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("router_cache") as batch:
        batch.add_column(
            sa.Column("reuse_count", sa.BigInteger(), nullable=False, server_default="0")
        )
    op.create_index("ix_router_cache_reuse_count", "router_cache", ["reuse_count"])


def downgrade() -> None:
    op.drop_index("ix_router_cache_reuse_count", table_name="router_cache")
    with op.batch_alter_table("router_cache") as batch:
        batch.drop_column("reuse_count")
