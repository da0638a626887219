"""`Compiled`: a Core statement run on the driver's cursor, in the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from onebox_bus import Database
from onebox_bus.compiled import Compiled, Kind
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    insert,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert

metadata = MetaData()
probe = Table(
    "compiled_probe",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("key", String(40), nullable=False, unique=True),
    Column("amount", Float, nullable=True),
    Column("note", String(200), nullable=True),
)


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    metadata.create_all(database.engine)
    try:
        yield database
    finally:
        metadata.drop_all(database.engine)
        database.close()


def _upsert(kind: str) -> Insert:
    if kind == "sqlite":
        lite = sqlite.insert(probe)
        return lite.on_conflict_do_update(index_elements=["key"], set_={"note": lite.excluded.note})
    pg = postgresql.insert(probe)
    return pg.on_conflict_do_update(index_elements=["key"], set_={"note": pg.excluded.note})


def test_rows_written_and_read_match_what_sqlalchemy_writes_and_reads(db: Database) -> None:
    kind = db.kind
    add = Compiled(insert(probe), kind, columns=["key", "amount", "note"])
    upsert = Compiled(_upsert(kind), kind, columns=["key", "amount", "note"])
    newest = Compiled(
        select(probe.c.key, probe.c.amount, probe.c.note)
        .where(probe.c.amount >= bindparam("least"))
        .order_by(probe.c.id.desc())
        .limit(bindparam("limit", type_=Integer)),
        kind,
    )
    with db.transaction() as conn:
        add.executemany(
            conn,
            [
                {"key": "a", "amount": 1, "note": None},  # an int into a float column
                {"key": "b", "amount": 2.5, "note": "naïve ☕"},
            ],
        )
        conn.execute(insert(probe), {"key": "c", "amount": 3.0, "note": "by Core"})
        upsert.execute(conn, {"key": "a", "amount": None, "note": "updated"})
    ours = db.read(lambda conn: newest.rows(conn, {"least": 0, "limit": 2}))
    theirs = db.read(
        lambda conn: conn.execute(
            select(probe.c.key, probe.c.amount, probe.c.note)
            .where(probe.c.amount >= 0)
            .order_by(probe.c.id.desc())
            .limit(2)
        ).all()
    )
    assert [tuple(r) for r in theirs] == ours == [("c", 3.0, "by Core"), ("b", 2.5, "naïve ☕")]
    first = db.read(lambda conn: newest.first(conn, {"least": 0.5, "limit": 5}))
    assert first == ("c", 3.0, "by Core")
    assert db.read(lambda conn: newest.first(conn, {"least": 99, "limit": 5})) is None
    updated = db.read(lambda conn: conn.execute(select(probe.c.note, probe.c.amount).where(
        probe.c.key == "a")).one())  # fmt: skip
    assert tuple(updated) == ("updated", 1.0)


def test_it_joins_the_callers_transaction_and_rolls_back_with_it(db: Database) -> None:
    add = Compiled(insert(probe), db.kind, columns=["key"])

    def fail_after_the_write() -> None:
        with db.transaction() as conn:
            add.execute(conn, {"key": "gone"})
            raise RuntimeError("the unit of work fails after the write")

    with pytest.raises(RuntimeError):
        fail_after_the_write()
    assert db.read(lambda conn: conn.execute(select(probe.c.key)).all()) == []


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_type_that_needs_conversion_is_refused_when_built(kind: Kind) -> None:
    flags = Table("compiled_flags", MetaData(), Column("on", Boolean), Column("doc", JSON))
    with pytest.raises(TypeError, match="'on'"):
        Compiled(insert(flags), kind, columns=["on"])
    with pytest.raises(TypeError, match="'doc'"):
        Compiled(insert(flags), kind, columns=["doc"])
    if kind == "sqlite":  # SQLite stores a boolean as 0/1: reading it back needs conversion
        with pytest.raises(TypeError, match="'on'"):
            Compiled(select(flags.c.on), kind)
