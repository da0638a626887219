"""router: ``router_cache.meaning``, the vector of the question an answer was stored for.

Written when the offline meaning model is loaded (`onebox_router.meaning`): half-precision
floats in base64. The cache compares a new question's vector with these to find rewordings
whose slots all agree. NULL for rows stored without the model (and every existing row): such
rows are matched by their signature alone.

Revision ID: router_0005_h_router_meaning
Revises: router_0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "router_0005_h_router_meaning"
down_revision = "router_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("router_cache") as batch:
        batch.add_column(sa.Column("meaning", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("router_cache") as batch:
        batch.drop_column("meaning")
