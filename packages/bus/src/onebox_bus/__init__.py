"""onebox-bus: the shared database and message bus of onebox (SQLite WAL or PostgreSQL)."""

from typing import TYPE_CHECKING

from ._engine import normalise_url
from ._schema import NAMING_CONVENTION, table_metadata
from .batcher import Batcher
from .behind import WriteBehind
from .bus import Bus
from .consumer import Consumer, Handler
from .database import Database, LockWaitHook, Synchronous
from .errors import (
    BusError,
    BusUnavailable,
    ConfigError,
    LeaseLost,
    PayloadError,
    SchemaError,
)
from .message import BusStats, DeadLetter, Message, TopicStats
from .payload import Publish, check_topic, encode_payload
from .retry import next_retry_delay
from .timing import DEFAULT_DATABASE_URL, Clock, Sleep

if TYPE_CHECKING:  # loaded on use by `__getattr__`, typed here for the type checker
    from .migrate import check_schema, combined_metadata, downgrade, upgrade


def __getattr__(name: str) -> object:
    # Alembic is heavy to import and only needed to migrate or check the schema: load it on use.
    if name in _MIGRATE:
        from . import migrate

        return getattr(migrate, name)
    raise AttributeError(f"module 'onebox_bus' has no attribute {name!r}")


_MIGRATE = {"check_schema", "combined_metadata", "downgrade", "upgrade"}

__all__ = [
    "DEFAULT_DATABASE_URL",
    "NAMING_CONVENTION",
    "Batcher",
    "Bus",
    "BusError",
    "BusStats",
    "BusUnavailable",
    "Clock",
    "ConfigError",
    "Consumer",
    "Database",
    "DeadLetter",
    "Handler",
    "LeaseLost",
    "LockWaitHook",
    "Message",
    "PayloadError",
    "Publish",
    "SchemaError",
    "Sleep",
    "Synchronous",
    "TopicStats",
    "WriteBehind",
    "check_schema",
    "check_topic",
    "combined_metadata",
    "downgrade",
    "encode_payload",
    "next_retry_delay",
    "normalise_url",
    "table_metadata",
    "upgrade",
]
