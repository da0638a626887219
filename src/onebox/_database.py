"""The database of an owner's command (``onebox faq``, ``onebox cache``): settings, URL, schema.

Each command reads the orchestrator's settings (the same ``ONEBOX_*`` variables the service
reads, so it edits the database the service uses), takes ``--database-url`` over
``ONEBOX_DATABASE_URL``, and refuses a database that is not migrated, naming the fix.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import structlog
from onebox_bus import BusError, Database, check_schema
from onebox_orchestrator.settings import OrchestratorSettings
from onebox_service import SettingsError, build_settings


class CommandError(Exception):
    """A command cannot run: the message is printed, the exit code returned."""

    def __init__(self, message: str, *, code: int) -> None:
        super().__init__(message)
        self.code = code


@contextmanager
def owner_database(args: argparse.Namespace) -> Iterator[tuple[Database, OrchestratorSettings]]:
    """The migrated database the command works on, and the settings it was found with.

    The libraries' info lines (``faq.added``...) are silenced meanwhile: the command prints
    its own result, and its output stays readable by scripts.

    Raises:
        CommandError: bad settings (exit 2), or a database that cannot be used (exit 1).
    """
    try:
        settings = build_settings(OrchestratorSettings)
    except SettingsError as exc:
        raise CommandError(str(exc), code=2) from None
    url = args.database_url or settings.database_url
    try:
        db = Database(url, busy_timeout=settings.busy_timeout_seconds)
    except BusError as exc:
        raise CommandError(str(exc), code=1) from None
    previous = structlog.get_config()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    try:
        check_schema(db)
        yield db, settings
    except BusError as exc:
        raise CommandError(str(exc), code=1) from None
    finally:
        structlog.configure(**previous)
        db.close()
