"""The service kit's Alembic branch (``service``): deliveries and webhook events."""

from onebox_service._schema import metadata

__all__ = ["metadata"]
