"""The metrics command's settings: the only place this package reads the environment."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from .errors import MetricsConfigError

DEFAULT_DATABASE_URL = "sqlite:///./var/onebox.db"


class MetricsSettings(BaseSettings):
    """``ONEBOX_DATABASE_URL``, ``ONEBOX_METRICS_DIR``, ``ONEBOX_METRICS_RETENTION_DAYS``."""

    model_config = SettingsConfigDict(env_prefix="ONEBOX_", frozen=True, extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    metrics_dir: Path | None = None
    metrics_retention_days: float = Field(default=14.0, gt=0)

    @classmethod
    def load(cls) -> MetricsSettings:
        """Read the settings from ``ONEBOX_*`` variables, naming the variable on a bad value.

        Raises:
            MetricsConfigError: a variable holds a value of the wrong kind.
        """
        try:
            return cls()
        except ValidationError as exc:
            first = exc.errors()[0]
            name = "ONEBOX_" + str(first["loc"][0]).upper() if first["loc"] else "ONEBOX_*"
            raise MetricsConfigError(f"{name}: {first['msg']}") from None
