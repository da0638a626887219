"""The metrics command line's variables: the only place this package reads the environment.

onebox-metrics sits below the service kit (it cannot use the kit's settings loader) and runs
in an environment of its own under systemd and cron, so ``onebox-metrics`` takes plain
command-line arguments (``--database-url``, ``--dir``, ``--retention-days``) and the
``ONEBOX_*`` variables that units set are only their defaults. A variable is read as text
here and checked by the command like the argument it stands for, so a bad one is named.
"""

from __future__ import annotations

import os

DEFAULT_RETENTION_DAYS = 14.0

DATABASE_URL = "ONEBOX_DATABASE_URL"
METRICS_DIR = "ONEBOX_METRICS_DIR"
RETENTION_DAYS = "ONEBOX_METRICS_RETENTION_DAYS"
LOG_LEVEL = "ONEBOX_LOG_LEVEL"
LOG_FORMAT = "ONEBOX_LOG_FORMAT"


def variable(name: str) -> str | None:
    """The value of the variable `name` (one of the constants above), None when unset or empty."""
    return os.environ.get(name) or None
