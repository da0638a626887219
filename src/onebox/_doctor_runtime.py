"""Doctor's runtime check: the alert thresholds of infra/prometheus, judged from SQLite.

The same `onebox_metrics.thresholds` drive the Prometheus rules, `onebox status` and this
check, so a person without Prometheus sees the same warnings an alert would raise.
"""

from __future__ import annotations

from collections.abc import Iterator

from onebox_bus import BusError, Database
from onebox_metrics import MetricsError, current_values, evaluate_thresholds

from ._doctor_checks import Check, Paths


def check_runtime(paths: Paths, url: str) -> Iterator[Check]:
    """One line per runtime figure recorded in the last 15 minutes, against its threshold."""
    if not paths.database.is_file() and url.startswith("sqlite"):
        return
    try:
        db = Database(url, readonly=True)
    except BusError as exc:
        yield Check(name="runtime figures", status="warn", detail=str(exc))
        return
    try:
        values = current_values(db.engine)
    except MetricsError as exc:
        yield Check(
            name="runtime figures",
            status="warn",
            detail=f"cannot read the metrics table: {exc}",
            fix="run `onebox migrate`, then start the services",
        )
        return
    finally:
        db.close()
    judged = evaluate_thresholds(values)
    if not judged:
        yield Check(
            name="runtime figures",
            status="warn",
            detail="no runtime figures in the last 15 minutes",
            fix="are the services running? (systemctl status 'onebox-*')",
        )
        return
    for key, level, message in judged:
        yield Check(
            name=f"runtime {key}",
            status=level,
            detail=message,
            fix="" if level == "ok" else "see the runbook in docs/operations.md",
        )
