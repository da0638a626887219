"""The WhatsApp agent's Alembic branch (``whatsapp``): its tables, prefixed ``whatsapp_``."""

from onebox_agent_whatsapp._schema import metadata

__all__ = ["metadata"]
