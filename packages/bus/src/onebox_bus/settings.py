"""The bus's own settings, for its CLI: the only place the bus reads the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_DATABASE_URL = "sqlite:///./var/onebox.db"


@dataclass(frozen=True, slots=True, kw_only=True)
class BusSettings:
    """``ONEBOX_DATABASE_URL`` (default ``sqlite:///./var/onebox.db``)."""

    database_url: str = DEFAULT_DATABASE_URL

    @classmethod
    def from_env(cls) -> BusSettings:
        """Read the settings from ``ONEBOX_*`` variables."""
        return cls(database_url=os.environ.get("ONEBOX_DATABASE_URL") or DEFAULT_DATABASE_URL)
