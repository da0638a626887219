"""Alembic environment for the shared database: every package's branch, batch mode on SQLite."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import context
from sqlalchemy.engine import Connection

from onebox_bus.database import Database
from onebox_bus.migrate import combined_metadata

config = context.config


def compare_type(
    ctx: Any, _inspected_column: Any, _declared_column: Any, inspected: Any, declared: Any
) -> bool | None:
    """Alembic's type comparison, except VARCHAR lengths on SQLite (which ignores them: the
    revisions that widen key columns change nothing there)."""
    sqlite = ctx.dialect.name == "sqlite"
    if sqlite and isinstance(inspected, sa.String) and isinstance(declared, sa.String):
        return type(inspected.as_generic()) is not type(declared.as_generic())
    return None


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=combined_metadata(),
        render_as_batch=True,
        compare_type=compare_type,
    )
    with context.begin_transaction():
        context.run_migrations()


given = config.attributes.get("connection")
if given is not None:
    run(given)
else:
    with Database(config.attributes["url"]) as db, db.engine.connect() as conn:
        run(conn)
