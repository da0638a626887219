"""The orchestrator's own tables: conversation memory (one row per turn), the conversations
the owner's view lists, the groups of questions the bot could not answer, and handoffs.

Invariants:
- a turn row is written in the same transaction as the reply's publish and the inbound
  message's ack, so memory never holds a turn whose reply was not published (or vice versa);
- (inbound_id, role) is unique: one inbound message yields at most one user and one
  assistant turn, however often its routing is repeated;
- a turn records how it was made (``origin``: the customer, the cache, a model, the FAQ,
  the offline fallback, a holding reply, a handoff, a fixed reply, a person) in the same
  transaction as the reply, and a customer turn the bot could not answer names its
  unanswered group (``question_group``), written in that transaction too;
- a conversation row is upserted with each turn of its conversation, so its ``last_at`` is
  the newest turn's time;
- rows older than the retention are deleted by the workers' maintenance (turns and
  conversations by their times, groups by their last question);
- a handoff row is opened in the same transaction as the escalation post's publish and the
  customer's reply, so a post never exists without its handoff (or the reverse); at most one
  handoff per conversation is open (the per-conversation FIFO serialises its writers).
"""

from __future__ import annotations

from onebox_bus import table_metadata
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Double,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
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
    Column("origin", String(16), nullable=True),
    Column("model", String(100), nullable=True),
    Column("question_group", BigInteger, nullable=True),
    UniqueConstraint("inbound_id", "role", name="uq_orchestrator_turns_inbound_id_role"),
    Index("ix_orchestrator_turns_conversation", "conversation_key", "id"),
    Index("ix_orchestrator_turns_created_at", "created_at"),
    # Partial: only a turn the bot could not answer has a group, and only those are looked up.
    Index(
        "ix_orchestrator_turns_question_group",
        "question_group",
        "created_at",
        sqlite_where=text("question_group IS NOT NULL"),
        postgresql_where=text("question_group IS NOT NULL"),
    ),
)

conversations = Table(
    "orchestrator_conversations",
    metadata,
    Column("conversation_key", String(1024), primary_key=True),
    Column("channel", String(32), nullable=False),
    Column("customer_name", String(200), nullable=True),
    Column("first_at", Double, nullable=False),
    Column("last_at", Double, nullable=False),
    Column("last_text", Text, nullable=False),
    Index("ix_orchestrator_conversations_last_at", "last_at"),
)

question_groups = Table(
    "orchestrator_question_groups",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("critical", String(500), nullable=False),
    Column("tokens", Text, nullable=False),
    Column("first_at", Double, nullable=False),
    Column("last_at", Double, nullable=False),
    Column("answered_at", Double, nullable=True),
    Column("faq_id", String(64), nullable=True),
    Column("answer", Text, nullable=True),
    Index("ix_orchestrator_question_groups_critical", "critical", "answered_at"),
    Index("ix_orchestrator_question_groups_last_at", "last_at"),
)

handoffs = Table(
    "orchestrator_handoffs",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("conversation_key", String(1024), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("conversation_id", String(1024), nullable=False),
    Column("customer_name", String(200), nullable=True),
    Column("state", String(16), nullable=False),
    Column("reason", String(32), nullable=False),
    Column("reply_meta", Text, nullable=False),
    Column("post_correlation_id", String(100), nullable=False),
    Column("post_message_id", String(64), nullable=True),
    Column("topic_id", BigInteger, nullable=True),
    Column("opened_at", Double, nullable=False),
    Column("last_operator_at", Double, nullable=True),
    Column("closed_at", Double, nullable=True),
    Column("closed_by", String(16), nullable=True),
    Column("bot_off", Boolean, nullable=False, default=False),
    Column("notify_at", Double, nullable=True),
    Index("ix_orchestrator_handoffs_key_state", "conversation_key", "state"),
    Index("ix_orchestrator_handoffs_post", "post_correlation_id"),
)
