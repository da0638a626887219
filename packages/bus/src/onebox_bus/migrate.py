"""One command brings the whole shared database to head, whichever packages own its tables.

Every package that owns tables declares an entry point in the group ``onebox.migrations``
naming a module (``onebox_metrics.migrations``). That module exposes ``metadata`` (its
SQLAlchemy tables) and holds a ``versions/`` folder: one Alembic branch per package, whose
first revision carries the package name as branch label (and ``depends_on`` when it needs
another package's table). All branches share one ``alembic_version`` table and are upgraded
together (``upgrade heads``). A service calls `check_schema` at start and refuses to run on
a mismatch; only `upgrade` (the migrate command or unit) changes the schema.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData

from ._engine import normalise_url
from .database import Database
from .errors import ConfigError, SchemaError

ENTRY_POINT_GROUP = "onebox.migrations"


@dataclass(frozen=True, slots=True)
class MigrationSource:
    """One package's migrations: its branch name, versions folder and table metadata."""

    name: str
    versions: Path
    metadata: MetaData


def sources() -> list[MigrationSource]:
    """Every installed package's migrations, the bus's first."""
    found: dict[str, MigrationSource] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        module = importlib.import_module(ep.value)
        metadata = getattr(module, "metadata", None)
        if not isinstance(metadata, MetaData) or not hasattr(module, "__path__"):
            raise ConfigError(
                f"migrations {ep.name!r} ({ep.value!r}) must be a package exposing `metadata`"
            )
        folder = Path(next(iter(module.__path__))) / "versions"
        found[ep.name] = MigrationSource(ep.name, folder, metadata)
    if "bus" not in found:  # running from a source tree without the entry point installed
        from . import migrations

        found["bus"] = MigrationSource(
            "bus", Path(next(iter(migrations.__path__))) / "versions", migrations.metadata
        )
    return [found["bus"], *(found[name] for name in sorted(found) if name != "bus")]


def combined_metadata() -> MetaData:
    """All packages' tables in one MetaData, for autogenerate comparisons."""
    combined = MetaData()
    for source in sources():
        for table in source.metadata.tables.values():
            table.to_metadata(combined)
    return combined


def alembic_config(url: str) -> Config:
    """An Alembic configuration covering every package's branch, on `url`."""
    from . import migrations

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(next(iter(migrations.__path__)))))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", ":".join(str(source.versions) for source in sources()))
    # Kept out of the ini options, where '%' (URL escapes) would be read as interpolation.
    cfg.attributes["url"] = normalise_url(url).render_as_string(hide_password=False)
    return cfg


def upgrade(url: str, revision: str = "heads") -> None:
    """Upgrade the shared database (every package's branch) to `revision`."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    """Downgrade the shared database to `revision` (``base`` removes every table)."""
    command.downgrade(alembic_config(url), revision)


def expected_heads(url: str) -> set[str]:
    """The head revisions of the installed packages' migrations."""
    return set(ScriptDirectory.from_config(alembic_config(url)).get_heads())


def current_heads(target: str | Database) -> set[str]:
    """The revisions the database is at (`target`: a URL, or the process's `Database`)."""
    if isinstance(target, Database):
        with target.engine.connect() as conn:
            return set(MigrationContext.configure(conn).get_current_heads())
    with Database(target) as db:
        return current_heads(db)


def check_schema(target: str | Database) -> None:
    """Raise `SchemaError` unless the database is at exactly the installed packages' heads.

    `target` is a URL, or the process's `Database` (a service passes its own: one engine).
    """
    url = target.url if isinstance(target, Database) else target
    expected, current = expected_heads(url), current_heads(target)
    if expected - current:
        raise SchemaError(
            f"database schema is not at head (database at {sorted(current) or 'nothing'}, "
            f"code expects {sorted(expected)}): run `onebox migrate` first"
        )
