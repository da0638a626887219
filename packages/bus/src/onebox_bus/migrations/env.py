"""Alembic environment for the shared database: every package's branch, batch mode on SQLite."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from onebox_bus.database import Database
from onebox_bus.migrate import combined_metadata

config = context.config


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=combined_metadata(),
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


given = config.attributes.get("connection")
if given is not None:
    run(given)
else:
    with Database(config.attributes["url"]) as db, db.engine.connect() as conn:
        run(conn)
