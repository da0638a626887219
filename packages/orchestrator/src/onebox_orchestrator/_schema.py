"""The orchestrator's own table: conversation memory, one row per turn.

Invariants:
- a turn row is written in the same transaction as the reply's publish and the inbound
  message's ack, so memory never holds a turn whose reply was not published (or vice versa);
- (inbound_id, role) is unique: one inbound message yields at most one user and one
  assistant turn, however often its routing is repeated;
- rows older than the retention are deleted by the workers' maintenance.
"""

from __future__ import annotations

from onebox_bus import table_metadata
from sqlalchemy import (
    BigInteger,
    Column,
    Double,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = table_metadata()

turns = Table(
    "orchestrator_turns",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("conversation_key", String(1024), nullable=False),
    Column("inbound_id", BigInteger, nullable=False),
    Column("role", String(16), nullable=False),
    Column("text", Text, nullable=False),
    Column("channel", String(32), nullable=False),
    Column("correlation_id", String(100), nullable=True),
    Column("provider", String(32), nullable=True),
    Column("created_at", Double, nullable=False),
    UniqueConstraint("inbound_id", "role", name="uq_orchestrator_turns_inbound_id_role"),
    Index("ix_orchestrator_turns_conversation", "conversation_key", "id"),
    Index("ix_orchestrator_turns_created_at", "created_at"),
)
