"""The orchestrator's Alembic branch (``orchestrator``): its conversation memory table."""

from onebox_orchestrator._schema import metadata

__all__ = ["metadata"]
