"""Run the orchestrator's own SQL on the bus's connection of the calling thread.

The reply's publish, the ack and the memory rows must commit together, and the bus opens its
transactions on a connection per thread; a second connection would wait for the write lock the
transaction holds. So the memory's statements run on that same connection. Statements use
``:name`` parameters, rewritten by the bus's dialect for PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from onebox_bus import Bus


def execute(bus: Bus, sql: str, params: dict[str, Any]) -> Any:
    """Execute `sql` on the thread's bus connection (inside its open transaction, if any)."""
    return bus.execute(sql, params)


def fetchall(bus: Bus, sql: str, params: dict[str, Any]) -> list[Any]:
    """Rows of a read on the thread's bus connection."""
    return list(execute(bus, sql, params).fetchall())
