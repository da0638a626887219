"""The bus's Alembic branch (``bus``) and the environment every branch runs in."""

from onebox_bus._schema import metadata

__all__ = ["metadata"]
