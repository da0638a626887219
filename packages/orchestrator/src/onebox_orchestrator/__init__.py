"""onebox-orchestrator: answers every inbound message through the router, exactly once."""

from .memory import ConversationMemory, ConversationSummary, StoredTurn
from .persona import Personas

__all__ = [
    "ConversationMemory",
    "ConversationSummary",
    "Personas",
    "StoredTurn",
]
