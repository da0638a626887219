"""The bus's tables as SQLAlchemy Core metadata: the source of truth the migrations must match.

Invariants:
- a message is *active* while its state is ``ready`` or ``claimed``; partial indexes cover
  only active rows, so claiming stays proportional to the backlog, not to history;
- ``visible_at`` is when a ready message may be claimed, and for a claimed message when its
  lease ends (an expired lease makes the message claimable again);
- (topic, dedupe_key) is unique where a dedupe key is given (a partial unique index, so
  messages without one cost no index entry);
- every index is partial: a row sits in the active indexes while ready or claimed, and in
  the finished index once done or dead, so each write touches as few b-trees as possible.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Double,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    text,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def table_metadata() -> MetaData:
    """A MetaData for a package's own tables, with the naming convention every package shares.

    Constraint and index names then come out the same in models and migrations, which lets
    Alembic's batch mode on SQLite address them by name.
    """
    return MetaData(naming_convention=NAMING_CONVENTION)


metadata = table_metadata()

_ACTIVE = "state IN ('ready', 'claimed')"
_FINISHED = "state IN ('done', 'dead')"
_DEDUPED = "dedupe_key IS NOT NULL"

messages = Table(
    "bus_messages",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("topic", String(200), nullable=False),
    Column("key", String(1024), nullable=True),
    Column("dedupe_key", String(1024), nullable=True),
    Column("correlation_id", String(100), nullable=True),
    Column("payload", LargeBinary, nullable=False),
    Column("state", String(8), nullable=False, server_default="ready"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("max_attempts", Integer, nullable=False, server_default="5"),
    Column("visible_at", Double, nullable=False),
    Column("created_at", Double, nullable=False),
    Column("finished_at", Double, nullable=True),
    Column("claimed_by", String(100), nullable=True),
    Column("last_error", Text, nullable=True),
    Index(
        "uq_bus_messages_dedupe",
        "topic",
        "dedupe_key",
        unique=True,
        sqlite_where=text(_DEDUPED),
        postgresql_where=text(_DEDUPED),
    ),
    Index(
        "ix_bus_messages_claim",
        "topic",
        "id",
        sqlite_where=text(_ACTIVE),
        postgresql_where=text(_ACTIVE),
    ),
    Index(
        "ix_bus_messages_key_head",
        "topic",
        "key",
        "id",
        sqlite_where=text(_ACTIVE),
        postgresql_where=text(_ACTIVE),
    ),
    Index(
        "ix_bus_messages_finished",
        "topic",
        "state",
        "finished_at",
        sqlite_where=text(_FINISHED),
        postgresql_where=text(_FINISHED),
    ),
)
