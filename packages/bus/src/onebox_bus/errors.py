"""Errors raised by the bus.

The tree::

    BusError
    ├── ConfigError           a developer or operator mistake: bad URL, bad topic, unwritable path
    ├── PayloadError          a payload that cannot be stored (not JSON, too large); nothing written
    ├── SchemaError           the database is not at the revision this code expects
    ├── LeaseLost             ack/nack of a message whose lease ran out and was claimed again
    └── BusUnavailable        the database cannot take the write now (locked past the busy
                              timeout, disk full, server down); retryable, a webhook answers 503
"""

from __future__ import annotations


class BusError(Exception):
    """Root of every error the bus raises."""

    retryable: bool = False


class ConfigError(BusError, ValueError):
    """A setting or argument is wrong; raised at start, before anything is written."""


class PayloadError(BusError, ValueError):
    """A payload cannot be published (not JSON-serialisable, or over the size limit)."""


class SchemaError(BusError):
    """The database schema is not at the head revision the installed packages expect."""


class LeaseLost(BusError):
    """The message's lease expired and another consumer claimed it; this ack/nack did nothing."""

    def __init__(self, message_id: int) -> None:
        super().__init__(f"lease on message {message_id!r} was lost to another consumer")
        self.message_id = message_id


class BusUnavailable(BusError):
    """The database cannot take the operation now; the caller should retry later."""

    retryable = True
