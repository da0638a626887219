"""The bus command line's one variable: the only place the bus reads the environment.

The bus is a library below the service kit (it cannot use the kit's settings loader), so
``onebox-bus`` takes plain command-line arguments; its one variable, ``ONEBOX_DATABASE_URL``,
is only the default of ``--database-url`` (the name is an interface that units and scripts
set). The umbrella ``onebox`` resolves the same default through its own settings.
"""

from __future__ import annotations

import os

from .timing import DEFAULT_DATABASE_URL


def default_database_url() -> str:
    """``$ONEBOX_DATABASE_URL`` when set and not empty, else the local default."""
    return os.environ.get("ONEBOX_DATABASE_URL") or DEFAULT_DATABASE_URL
