"""The kit's tables (branch ``service``): the source of truth its migrations must match.

Invariants:
- a delivery row is one platform message (a reply split in three parts is three rows);
  `status` only moves forward: sent < delivered < read < failed (failed is terminal);
- message text is stored only for sandbox rows (nothing was sent; the local chat reads it);
- webhook events hold channel, kind and reason, never the message text;
- message events (``service_events``) hold a step, its time and small details, never text;
- a parcel (``service_parcels``) holds either a fetched file's bytes or why it could not be
  fetched, lives until the reply carrying its ref is delivered or dead, and is purged by age.
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
    LargeBinary,
    String,
    Table,
    Text,
    false,
)

metadata = table_metadata()

deliveries = Table(
    "service_deliveries",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("channel", String(32), nullable=False),
    Column("conversation_id", String(1024), nullable=False),
    Column("correlation_id", String(100), nullable=True),
    Column("bus_message_id", BigInteger, nullable=True),
    Column("platform_message_id", String(1024), nullable=True),
    Column("status", String(16), nullable=False),
    Column("error", Text, nullable=True),
    Column("sandbox", Boolean, nullable=False, server_default=false()),
    Column("text", Text, nullable=True),
    Column("created_at", Double, nullable=False),
    Column("updated_at", Double, nullable=False),
    Index("ix_service_deliveries_platform", "channel", "platform_message_id"),
    Index("ix_service_deliveries_correlation", "correlation_id"),
    Index("ix_service_deliveries_bus_message", "bus_message_id"),
    Index("ix_service_deliveries_created_at", "created_at"),
)

webhook_events = Table(
    "service_webhook_events",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("channel", String(32), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("reason", String(500), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("received_at", Double, nullable=False),
    Index("ix_service_webhook_events_received", "channel", "received_at"),
)

# One row per step of a message's journey (webhook received, published, claimed, routed,
# sent, platform status), written in batches. ``detail`` is small JSON (provider, cache hit,
# latency, cost, status); never the message text. Old rows are purged after the retention.
message_events = Table(
    "service_events",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("correlation_id", String(100), nullable=False),
    Column("service", String(64), nullable=False),
    Column("step", String(64), nullable=False),
    Column("at", Double, nullable=False),
    Column("detail", Text, nullable=True),
    Index("ix_service_events_correlation", "correlation_id", "at"),
    Index("ix_service_events_at", "at"),
)

# Files one agent fetched for another agent's reply (an operator's photo for a WhatsApp
# customer), keyed by the ref the reply carries; deleted with the reply's delivery record.
parcels = Table(
    "service_parcels",
    metadata,
    Column("ref", String(200), primary_key=True),
    Column("content_type", String(100), nullable=True),
    Column("data", LargeBinary, nullable=True),
    Column("size", BigInteger, nullable=False),
    Column("error", Text, nullable=True),
    Column("created_at", Double, nullable=False),
    Index("ix_service_parcels_created_at", "created_at"),
)
