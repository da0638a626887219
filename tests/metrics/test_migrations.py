"""The metrics branch ships with the shared database's migrations and matches the tables."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlalchemy
from alembic import command
from onebox_bus import Database
from onebox_bus.cli import main as migrate_main
from onebox_bus.migrate import alembic_config, expected_heads, sources


def test_migrate_command_creates_the_metrics_tables_and_check_finds_no_difference(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    assert migrate_main(["--database-url", url, "migrate"]) == 0  # `onebox-bus migrate`
    assert "metrics" in {source.name for source in sources()}
    assert "metrics_0001" in expected_heads(url)
    with sqlite3.connect(tmp_path / "fresh.db") as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        versions = {r[0] for r in conn.execute("SELECT version_num FROM alembic_version")}
    assert {"metrics_samples", "metrics_families"} <= tables
    assert "metrics_0001" in versions
    command.check(alembic_config(url))  # raises if the models and the migrations differ


def test_the_metrics_branch_downgrades_and_upgrades_again(tmp_path: Path, db_url: str) -> None:
    command.downgrade(alembic_config(db_url), "metrics@base")
    with Database(db_url) as db:
        tables = set(sqlalchemy.inspect(db.engine).get_table_names())
    assert "metrics_samples" not in tables
    assert "bus_messages" in tables
    command.upgrade(alembic_config(db_url), "heads")
    command.check(alembic_config(db_url))
