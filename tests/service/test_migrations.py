from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from onebox_bus import Database
from onebox_bus.migrate import current_heads, downgrade, upgrade
from onebox_service.migrations import metadata


def _table_of(diff: Any) -> str:
    while isinstance(diff, list):  # modify_* diffs come as lists of tuples
        diff = diff[0]
    for item in diff[1:]:
        name = getattr(item, "name", None) if not isinstance(item, str) else item
        table = getattr(item, "table", None)
        if table is not None:
            return str(table.name)
        if isinstance(name, str) and name.startswith("service_"):
            return name
    return ""


def _compare_type(
    _ctx: Any, _inspected_column: Any, _declared_column: Any, inspected: Any, declared: Any
) -> bool | None:
    """SQLite ignores VARCHAR lengths (the widening revisions change nothing there)."""
    if isinstance(inspected, sa.String) and isinstance(declared, sa.String):
        return False
    return None


def test_models_match_migrations(db_url: str) -> None:
    db = Database(db_url)
    try:
        with db.engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": _compare_type})
            diffs = [
                d for d in compare_metadata(ctx, metadata) if _table_of(d).startswith("service_")
            ]
    finally:
        db.close()
    assert diffs == []


def test_branch_is_at_head_and_downgrades(db_url: str) -> None:
    assert "service_0005_parcels" in current_heads(db_url)
    downgrade(db_url, "service@base")
    assert "service_0005_parcels" not in current_heads(db_url)
    upgrade(db_url)
    assert "service_0005_parcels" in current_heads(db_url)
