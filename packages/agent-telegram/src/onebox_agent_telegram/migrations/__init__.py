"""The Telegram agent's Alembic branch (``telegram``): the chats table."""

from onebox_agent_telegram._schema import metadata

__all__ = ["metadata"]
