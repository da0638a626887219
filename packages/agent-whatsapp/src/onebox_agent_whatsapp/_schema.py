"""The WhatsApp agent's own table: the 24-hour customer-service window of each conversation.

Invariants:
- ``last_inbound_at`` only moves forward (Meta's timestamp of the customer's newest message);
- ``reengagement_required_at`` is set by a 131047 failure and cleared by a customer message
  newer than it: the customer writing again reopens the window.
"""

from __future__ import annotations

from onebox_bus import table_metadata
from sqlalchemy import Column, Double, String, Table, Text

metadata = table_metadata()

conversations = Table(
    "whatsapp_conversations",
    metadata,
    Column("conversation_id", String(1024), primary_key=True),
    Column("last_inbound_at", Double, nullable=True),
    Column("reengagement_required_at", Double, nullable=True),
    Column("reengagement_reason", Text, nullable=True),
    Column("updated_at", Double, nullable=False),
)
