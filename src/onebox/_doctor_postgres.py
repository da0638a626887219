"""Doctor's database checks when the shared database is PostgreSQL.

In place of the SQLite file checks (file writable, WAL, free disk beside it): the server
answers within a few seconds, the schema is at the installed heads, and there is room for
the stack's connections (each service holds a few, plus one listening for the bus doorbell).
The URL is shown without its password.
"""

from __future__ import annotations

from collections.abc import Iterator

from onebox_bus import BusError, Database, check_schema, normalise_url
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ._doctor_checks import Check

#: Connections a stack of three services and the exporter may hold at once.
STACK_CONNECTIONS = 40


def is_postgres(url: str) -> bool:
    """Whether `url` names a PostgreSQL database."""
    try:
        return normalise_url(url).get_backend_name() == "postgresql"
    except BusError:
        return False


def check_postgres(url: str) -> Iterator[Check]:
    """Reachable, migrated, with connections to spare."""
    shown = normalise_url(url).render_as_string(hide_password=True)
    try:
        with Database(url, busy_timeout=5.0) as db, db.engine.connect() as conn:
            version = conn.execute(text("SHOW server_version")).scalar_one()
            limit = int(conn.execute(text("SHOW max_connections")).scalar_one())
            used = int(conn.execute(text("SELECT count(*) FROM pg_stat_activity")).scalar_one())
    except (SQLAlchemyError, BusError) as exc:
        reason = type(getattr(exc, "orig", None) or exc).__name__  # the class only: no secrets
        yield Check(
            name="database",
            status="fail",
            detail=f"cannot reach PostgreSQL at {shown}: {reason}",
            fix="is the server up and the URL right? (psql with the same host, port, user)",
        )
        return
    yield Check(name="database", status="ok", detail=f"PostgreSQL {version} at {shown}")
    spare = limit - used
    yield Check(
        name="database connections",
        status="ok" if spare >= STACK_CONNECTIONS else "warn",
        detail=f"{used} of max_connections={limit} in use",
        fix=""
        if spare >= STACK_CONNECTIONS
        else f"leave at least {STACK_CONNECTIONS} free for the stack (raise max_connections)",
    )
    try:
        check_schema(url)
    except BusError as exc:
        yield Check(name="migrations", status="fail", detail=str(exc), fix="run `onebox migrate`")
    else:
        yield Check(name="migrations", status="ok", detail="schema at the installed heads")
