"""orchestrator: handoff keys as wide as the other key columns, and when the operator is told.

- ``conversation_key`` and ``conversation_id`` of ``orchestrator_handoffs`` were VARCHAR(200)
  on PostgreSQL, while every other key column is VARCHAR(1024): a long WhatsApp id passed in
  the turns table and was refused here. SQLite ignores the length.
- ``notify_at``: with ``notify = "at_opening"``, an escalation out of hours is posted to the
  operator chat at the next opening; the handoff's idle clock starts then, not when the
  customer wrote (NULL: the operator was told at once).

Revision ID: orchestrator_0005
Revises: orchestrator_0004_owner
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "orchestrator_0005"
down_revision = "orchestrator_0004_owner"
branch_labels = None
depends_on = None

_TABLE = "orchestrator_handoffs"
_KEYS = ("conversation_key", "conversation_id")
WIDE = 1024


def upgrade() -> None:
    with op.batch_alter_table(_TABLE) as batch:
        batch.add_column(sa.Column("notify_at", sa.Double(), nullable=True))
    if op.get_context().dialect.name == "sqlite":
        return
    for column in _KEYS:
        op.alter_column(_TABLE, column, type_=sa.String(WIDE), existing_type=sa.String(200))


def downgrade() -> None:
    if op.get_context().dialect.name != "sqlite":
        for column in _KEYS:
            op.alter_column(_TABLE, column, type_=sa.String(200), existing_type=sa.String(WIDE))
    with op.batch_alter_table(_TABLE) as batch:
        batch.drop_column("notify_at")
