"""SQL for the metrics tables: merge rows into a time bucket, roll old rows up, read them back.

Every write is one transaction. Merging reads the bucket's existing rows first, so a
restarted process adds to what its predecessor wrote in the same bucket instead of
replacing it; on SQLite the transaction starts with ``BEGIN IMMEDIATE`` (the bus engine's
setting), which makes that read-merge-write atomic.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import orjson
from sqlalchemy import and_, case, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from ._schema import families, samples

DAY = 86400.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Row:
    """One ``metrics_samples`` row (or a delta to merge into one)."""

    service: str
    name: str
    labels: str
    kind: str
    value: float
    count: int | None = None
    buckets: dict[str, int] | None = None
    updated_at: float = 0.0


def merge(old: Row, new: Row) -> Row:
    """`new` added to `old`: counters and histograms add up, a gauge takes the later value."""
    if old.kind != new.kind:
        return new
    if new.kind == "gauge":
        return new if new.updated_at >= old.updated_at else old
    buckets = None
    if new.kind == "histogram":
        buckets = dict(old.buckets or {})
        for bound, n in (new.buckets or {}).items():
            buckets[bound] = buckets.get(bound, 0) + n
    return replace(
        new,
        value=old.value + new.value,
        count=(old.count or 0) + (new.count or 0) if new.kind == "histogram" else None,
        buckets=buckets,
        updated_at=max(old.updated_at, new.updated_at),
    )


def _row(r: Any) -> Row:
    return Row(
        service=r.service,
        name=r.name,
        labels=r.labels,
        kind=r.kind,
        value=float(r.value),
        count=None if r.count is None else int(r.count),
        buckets=None if r.buckets is None else orjson.loads(r.buckets),
        updated_at=float(r.updated_at),
    )


def _upsert(
    conn: Connection, table: Any, keys: Sequence[str], params: list[dict[str, Any]]
) -> None:
    if not params:
        return
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(table)
    update = {c.name: stmt.excluded[c.name] for c in table.columns if c.name not in keys}
    conn.execute(stmt.on_conflict_do_update(index_elements=list(keys), set_=update), params)


_SAMPLE_KEYS = ("service", "name", "labels", "width", "start")


def _params(row: Row, *, width: float, start: float) -> dict[str, Any]:
    return {
        "service": row.service,
        "name": row.name,
        "labels": row.labels,
        "width": width,
        "start": start,
        "kind": row.kind,
        "value": row.value,
        "count": row.count,
        "buckets": None if row.buckets is None else orjson.dumps(row.buckets).decode(),
        "updated_at": row.updated_at,
    }


def write_bucket(
    conn: Connection, rows: Sequence[Row], *, service: str, width: float, start: float
) -> int:
    """Merge `rows` (all of `service`) into the bucket ``[start, start + width)``.

    Counters add and gauges replace in SQL; histograms are read, merged and written back.
    """
    if not rows:
        return 0
    plain = [_params(r, width=width, start=start) for r in rows if r.kind != "histogram"]
    if plain:
        insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        stmt = insert(samples)
        new = stmt.excluded
        added = case(
            (and_(new.kind == "counter", samples.c.kind == "counter"), samples.c.value + new.value),
            else_=new.value,
        )
        update = {"kind": new.kind, "value": added, "count": new.count, "buckets": new.buckets}
        update["updated_at"] = new.updated_at
        conn.execute(
            stmt.on_conflict_do_update(index_elements=list(_SAMPLE_KEYS), set_=update), plain
        )
    histograms = [r for r in rows if r.kind == "histogram"]
    if histograms:
        existing = {
            (r.name, r.labels): _row(r)
            for r in conn.execute(
                select(samples).where(
                    samples.c.service == service,
                    samples.c.width == width,
                    samples.c.start == start,
                    samples.c.kind == "histogram",
                )
            )
        }
        merged = []
        for row in histograms:
            old = existing.get((row.name, row.labels))
            merged.append(
                _params(row if old is None else merge(old, row), width=width, start=start)
            )
        _upsert(conn, samples, _SAMPLE_KEYS, merged)
    return len(rows)


def write_families(
    conn: Connection, declared: Iterable[tuple[str, str, str]], *, now: float
) -> None:
    """Record each family's ``(name, kind, help)`` for the exporter (the latest wins)."""
    params = [{"name": n, "kind": k, "help": h, "updated_at": now} for n, k, h in declared]
    _upsert(conn, families, ("name",), params)


def oldest_raw_start(conn: Connection, *, before: float, width: float = DAY) -> float | None:
    """The start of the oldest row finer than `width` that begins before `before`."""
    value = conn.execute(
        select(func.min(samples.c.start)).where(samples.c.width < width, samples.c.start < before)
    ).scalar()
    return None if value is None else float(value)


def rollup_range(conn: Connection, *, begin: float, end: float, width: float = DAY) -> int:
    """Fold the rows finer than `width` starting in ``[begin, end)`` into rows `width` wide.

    `begin` and `end` must lie in one `width`-aligned period. Returns the rows folded.
    """
    period = begin - begin % width
    raw = [
        _row(r)
        for r in conn.execute(
            select(samples)
            .where(samples.c.width < width, samples.c.start >= begin, samples.c.start < end)
            .order_by(samples.c.start, samples.c.updated_at)
        )
    ]
    if not raw:
        return 0
    folded: dict[tuple[str, str, str], Row] = {}
    for row in raw:
        key = (row.service, row.name, row.labels)
        folded[key] = row if key not in folded else merge(folded[key], row)
    for r in conn.execute(
        select(samples).where(samples.c.width == width, samples.c.start == period)
    ):
        key = (r.service, r.name, r.labels)
        if key in folded:
            folded[key] = merge(_row(r), folded[key])
    _upsert(
        conn,
        samples,
        _SAMPLE_KEYS,
        [_params(row, width=width, start=period) for row in folded.values()],
    )
    conn.execute(
        delete(samples).where(
            and_(samples.c.width < width, samples.c.start >= begin, samples.c.start < end)
        )
    )
    return len(raw)


def read_rows(conn: Connection, *, since: float | None, until: float | None) -> list[Row]:
    """Every row whose bucket starts in ``[since, until)``, oldest first."""
    query = select(samples).order_by(samples.c.start, samples.c.updated_at)
    if since is not None:
        query = query.where(samples.c.start >= since)
    if until is not None:
        query = query.where(samples.c.start < until)
    return [_row(r) for r in conn.execute(query)]


def read_families(conn: Connection) -> dict[str, tuple[str, str]]:
    """Every recorded family: name -> (kind, help)."""
    return {r.name: (r.kind, r.help) for r in conn.execute(select(families))}


def last_flush(conn: Connection) -> dict[str, float]:
    """When each service last wrote a row: service -> epoch seconds."""
    query = select(samples.c.service, func.max(samples.c.updated_at)).group_by(samples.c.service)
    return {service: float(at) for service, at in conn.execute(query)}
