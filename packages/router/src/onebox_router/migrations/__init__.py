"""The router's Alembic branch (``router``): tables ``router_calls`` and ``router_cache``."""

from onebox_router._schema import metadata

__all__ = ["metadata"]
