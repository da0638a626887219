"""router: ``router_calls.class`` holds ``transcription`` (VARCHAR(10) -> VARCHAR(20)).

The speech chain records its calls with the class ``transcription`` (13 characters).
PostgreSQL refused those rows, so transcription spend was neither shown nor counted against
the month's budget after a restart. SQLite ignores the length; there the table is copied
once so that its declared type matches the model.

Revision ID: router_0004
Revises: router_0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "router_0004"
down_revision = "router_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("router_calls") as batch:
        batch.alter_column("class", type_=sa.String(20), existing_type=sa.String(10))


def downgrade() -> None:
    with op.batch_alter_table("router_calls") as batch:
        batch.alter_column("class", type_=sa.String(10), existing_type=sa.String(20))
