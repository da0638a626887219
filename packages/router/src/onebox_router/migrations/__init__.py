"""The router's Alembic branch (``router``).

Tables ``router_calls``, ``router_cache``, ``router_faq`` and ``router_faq_state``.
"""

from onebox_router._schema import metadata

__all__ = ["metadata"]
