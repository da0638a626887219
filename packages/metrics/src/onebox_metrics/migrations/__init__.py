"""The metrics package's Alembic branch (``metrics``): its tables' metadata and versions."""

from onebox_metrics._schema import metadata

__all__ = ["metadata"]
