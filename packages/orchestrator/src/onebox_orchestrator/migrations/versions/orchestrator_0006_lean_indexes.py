"""orchestrator: two indexes fewer to maintain on every message.

Each reply writes two turns and upserts its conversation row, so every index on those tables
is updated per message:

- ``ix_orchestrator_turns_question_group`` now holds only the customer turns the bot could not
  answer (``question_group IS NOT NULL``, a partial index on SQLite and PostgreSQL): every read
  of it asks for one group or for turns with a group, and answered turns (nearly all of them)
  were entries nothing read;
- ``ix_orchestrator_conversations_channel`` is dropped: the list filtered by channel walks
  ``ix_orchestrator_conversations_last_at`` newest first and skips the other channel's rows
  (there are two channels), so the second index only cost an update per message.

Revision ID: orchestrator_0006
Revises: orchestrator_0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "orchestrator_0006"
down_revision = "orchestrator_0005"
branch_labels = None
depends_on = None

_GROUP_INDEX = "ix_orchestrator_turns_question_group"
_HAS_GROUP = sa.text("question_group IS NOT NULL")


def upgrade() -> None:
    op.drop_index(_GROUP_INDEX, table_name="orchestrator_turns")
    op.create_index(
        _GROUP_INDEX,
        "orchestrator_turns",
        ["question_group", "created_at"],
        sqlite_where=_HAS_GROUP,
        postgresql_where=_HAS_GROUP,
    )
    op.drop_index("ix_orchestrator_conversations_channel", table_name="orchestrator_conversations")


def downgrade() -> None:
    op.create_index(
        "ix_orchestrator_conversations_channel",
        "orchestrator_conversations",
        ["channel", "last_at"],
    )
    op.drop_index(_GROUP_INDEX, table_name="orchestrator_turns")
    op.create_index(_GROUP_INDEX, "orchestrator_turns", ["question_group", "created_at"])
