"""The router's Alembic branch creates exactly the tables its metadata describes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from onebox_bus import Database, upgrade
from onebox_bus.migrate import sources
from onebox_router._schema import metadata
from sqlalchemy import Column, Integer, MetaData, inspect


def _router_only(diff: Any) -> bool:
    """Whether an autogenerate difference concerns a router table (others are not ours)."""
    return "router_" in repr(diff)


def test_router_branch_is_installed() -> None:
    assert "router" in {source.name for source in sources()}


def test_upgrade_matches_the_metadata(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'migrated.db'}"
    upgrade(url)
    db = Database(url)
    try:
        tables = set(inspect(db.engine).get_table_names())
        assert {"router_calls", "router_cache", "router_faq", "router_faq_state"} <= tables
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diffs = [d for d in compare_metadata(context, metadata) if _router_only(d)]
            changed = metadata.tables["router_calls"].to_metadata(MetaData())
            changed.append_column(Column("extra", Integer))
            assert any(_router_only(d) for d in compare_metadata(context, changed.metadata))
    finally:
        db.close()
    assert diffs == []
