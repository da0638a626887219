"""`Compiled`: a Core statement run on the driver's cursor, in the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from onebox_bus import Database
from onebox_bus.compiled import Compiled
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


def test_converted_parameters_are_stored_as_sqlalchemy_stores_them(db: Database) -> None:
    flags = Table(
        "compiled_flags",
        MetaData(),
        Column("key", String(20), primary_key=True),
        Column("on", Boolean, nullable=False),
        Column("doc", JSON, nullable=True),
    )
    flags.create(db.engine)
    try:
        add = Compiled(insert(flags), db.kind, columns=["key", "on", "doc"])
        with db.transaction() as conn:
            add.executemany(
                conn,
                [{"key": "ours", "on": True, "doc": {"a": [1, "é"]}}, {"key": "off", "on": False,
                 "doc": None}],
            )  # fmt: skip
            conn.execute(insert(flags), {"key": "theirs", "on": True, "doc": {"a": [1, "é"]}})
        rows = db.read(
            lambda conn: conn.execute(select(flags.c.key, flags.c.on, flags.c.doc).order_by(
                flags.c.key)).all()
        )  # fmt: skip
        assert [tuple(r) for r in rows] == [
            ("off", False, None),
            ("ours", True, {"a": [1, "é"]}),
            ("theirs", True, {"a": [1, "é"]}),
        ]
        with pytest.raises(ValueError, match="not None, True, or False"):  # its strict check
            db.write(lambda conn: add.execute(conn, {"key": "bad", "on": 7, "doc": None}))
    finally:
        flags.drop(db.engine)


def test_a_column_read_with_conversion_is_refused_when_built() -> None:
    # SQLite keeps a boolean as 0/1 and JSON as text: reading them back needs SQLAlchemy's
    # conversion (psycopg returns both already converted, so PostgreSQL needs none).
    flags = Table("compiled_flags", MetaData(), Column("on", Boolean), Column("doc", JSON))
    with pytest.raises(TypeError, match="'on'"):
        Compiled(select(flags.c.on), "sqlite")
    with pytest.raises(TypeError, match="'doc'"):
        Compiled(select(flags.c.doc), "sqlite")
    assert Compiled(select(flags.c.on, flags.c.doc), "postgresql").converters == {}
