"""The calls ledger (table ``router_calls``): every attempt, its usage, cost and outcome.

Budgets are enforced from it: `Ledger.spend_since` sums cost per provider since the start of the
month (UTC), so a restart does not reset what was spent. The dashboard and ``onebox status``
read the same table through `spend_summary`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from onebox_bus import Database
from sqlalchemy.engine import Connection

from ._schema import calls


@dataclass(frozen=True, slots=True, kw_only=True)
class CallRecord:
    """One row of ``router_calls`` (see `onebox_router._schema` for the columns)."""

    created_at: float
    provider: str
    model: str
    message_class: str
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    latency_s: float = 0.0
    outcome: str = "ok"
    correlation_id: str | None = None
    channel: str | None = None


def month_start(now: float) -> float:
    """Unix time of 00:00 UTC on the first day of `now`'s month."""
    day = datetime.fromtimestamp(now, UTC)
    return day.replace(day=1, hour=0, minute=0, second=0, microsecond=0).timestamp()


def next_month_start(now: float) -> float:
    """Unix time of 00:00 UTC on the first day of the month after `now`'s."""
    day = datetime.fromtimestamp(now, UTC)
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return datetime(year, month, 1, tzinfo=UTC).timestamp()


def day_start(now: float) -> float:
    """Unix time of 00:00 UTC on `now`'s day."""
    day = datetime.fromtimestamp(now, UTC)
    return day.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


_INSERT = sa.insert(calls)


class Ledger:
    """Writes call records and sums spend, on the process's `Database`."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def record(self, records: Sequence[CallRecord]) -> None:
        """Append `records` in one transaction."""
        if not records:
            return
        rows = []
        for record in records:
            row = asdict(record)
            row["class"] = row.pop("message_class")
            rows.append(row)
        self._db.write(lambda conn: conn.execute(_INSERT, rows))

    def spend_since(self, start: float) -> dict[str, float]:
        """Cost in USD per provider of the calls made since `start`."""
        query = (
            sa.select(calls.c.provider, sa.func.sum(calls.c.cost_usd))
            .where(calls.c.created_at >= start)
            .group_by(calls.c.provider)
        )

        def work(conn: Connection) -> list[tuple[str, float | None]]:
            return [(str(r[0]), r[1]) for r in conn.execute(query)]

        rows = self._db.read(work)
        return {provider: float(total or 0.0) for provider, total in rows}


def spend_summary(db: Database, *, clock: Callable[[], float]) -> dict[str, dict[str, float]]:
    """Spend per provider ``{"today": usd, "month": usd}``, for dashboards and status."""
    now = clock()
    ledger = Ledger(db)
    today, month = ledger.spend_since(day_start(now)), ledger.spend_since(month_start(now))
    return {
        provider: {"today": today.get(provider, 0.0), "month": total}
        for provider, total in sorted(month.items())
    }
