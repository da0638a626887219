"""How often each cached answer is served, and how long each class of answer lives.

The counts are kept in memory on a hit and reach ``router_cache.reuse_count`` in batches
written behind the replies; the store half runs on a real SQLite file and, when
``ONEBOX_TEST_POSTGRES_URL`` is set, on the real PostgreSQL server.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import anyio
import pytest
from alembic import command
from onebox_bus import Database, downgrade, upgrade
from onebox_bus.migrate import alembic_config
from onebox_bus.testing import FakeClock, migrated_postgres
from onebox_router import (
    CacheAdmin,
    ConfigError,
    FaqEntry,
    OfflineProvider,
    ResponseCache,
    Router,
    RouterSettings,
    RoutingPolicy,
    load_faq,
    load_policy,
    namespace,
)
from onebox_router._schema import cache as cache_table
from onebox_router.router import REUSE_BATCH
from onebox_router.testing import FunctionProvider, conversation
from sqlalchemy import insert, select, text

NS = namespace("You are Casa Verde's assistant.", "v1")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_db(
    request: pytest.FixtureRequest, db_url: str, worker_schema: Callable[[str], str]
) -> Iterator[Database]:
    """A migrated database: a SQLite file, or a fresh PostgreSQL schema."""
    url = db_url
    if request.param == "postgresql":
        base = os.environ.get("ONEBOX_TEST_POSTGRES_URL")
        if not base:
            pytest.skip("PostgreSQL half skipped: set ONEBOX_TEST_POSTGRES_URL to run it")
        url = migrated_postgres(base, worker_schema("onebox_reuse_test"))
    with Database(url) as db:
        yield db


def reuse_counts(db: Database) -> dict[str, int]:
    query = select(cache_table.c.answer, cache_table.c.reuse_count)
    with db.engine.connect() as conn:
        return {row.answer: row.reuse_count for row in conn.execute(query)}


def test_migration_adds_the_counter_to_existing_rows_and_goes_back(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "router_0002")
    with Database(url) as db, db.transaction() as conn:
        conn.execute(
            text(
                "INSERT INTO router_cache (key, namespace, signature, answer, provider, model,"
                " created_at, expires_at) VALUES ('k', 'n', '[[], []]', 'old', 'groq', 'm', 1, 2)"
            )
        )
    upgrade(url)
    with Database(url) as db:
        assert reuse_counts(db) == {"old": 0}
    command.check(alembic_config(url))
    downgrade(url, "router_0002")
    with Database(url) as db, db.engine.connect() as conn:
        columns = [row[1] for row in conn.execute(text("PRAGMA table_info(router_cache)"))]
        assert "reuse_count" not in columns
        assert conn.execute(text("SELECT answer FROM router_cache")).scalar_one() == "old"


def test_reuse_is_added_in_one_batch_and_orders_the_owner_list(store_db: Database) -> None:
    clock = FakeClock(1_000.0)
    cache = ResponseCache(store_db, clock=clock)
    for question, answer in [
        ("Do you ship abroad?", "EU only."),
        ("Do you sell gift cards?", "Yes."),
        ("What are your opening hours?", "9-19."),
    ]:
        assert cache.store(NS, question, answer, provider="groq", model="m")
    admin = CacheAdmin(store_db, clock=clock)
    ids = {row.answer: row.id for row in admin.list()}
    assert cache.record_reuse({ids["Yes."]: 5, ids["9-19."]: 2, 999_999: 3}) == 2
    assert cache.record_reuse({ids["Yes."]: 1}) == 1
    assert reuse_counts(store_db) == {"EU only.": 0, "Yes.": 6, "9-19.": 2}
    top = admin.most_reused(2)
    assert [(row.answer, row.reuse_count) for row in top] == [("Yes.", 6), ("9-19.", 2)]
    assert [row.answer for row in admin.list(by="reuse")] == ["Yes.", "9-19.", "EU only."]
    assert admin.list()[0].answer == "9-19.", "newest first by default"
    # A new answer under the same key starts counting again.
    cache.store(NS, "Do you sell gift cards?", "Yes, from 10 EUR.", provider="groq", model="m")
    assert reuse_counts(store_db)["Yes, from 10 EUR."] == 0
    with pytest.raises(ValueError, match="unknown order"):
        admin.list(by="oldest")  # type: ignore[arg-type]


def make_router(db: Database, clock: FakeClock, **cache_options: object) -> Router:
    groq = FunctionProvider(lambda request: "We ship across the EU.", name="groq")
    policy = RoutingPolicy(
        providers={}, chains={"simple": ("groq", "offline"), "complex": ("groq", "offline")}
    )
    cache = ResponseCache(db, clock=clock, **cache_options)  # type: ignore[arg-type]
    return Router(policy=policy, providers={"groq": groq},
                  offline=OfflineProvider(load_faq(None)), cache=cache, clock=clock)  # fmt: skip


@pytest.mark.anyio
async def test_hits_are_counted_in_memory_and_written_behind(db_url: str) -> None:
    clock = FakeClock(1_000.0)
    with Database(db_url) as db:
        router = make_router(db, clock)
        first = await router.route(conversation("Do you ship abroad?"), deadline=clock() + 30)
        await router.flush()
        assert first.provider == "groq"
        for _ in range(5):
            reply = await router.route(conversation("do you ship abroad??"), deadline=clock() + 30)
            assert reply.provider == "cache"
        assert reuse_counts(db) == {"We ship across the EU.": 0}, "a hit writes nothing"
        await router.flush()
        assert reuse_counts(db) == {"We ship across the EU.": 5}
        # Enough hits are written on their own, without waiting for a flush or a miss.
        for _ in range(REUSE_BATCH):
            await router.route(conversation("Do you ship abroad?"), deadline=clock() + 30)
        deadline = time.monotonic() + 10
        while reuse_counts(db)["We ship across the EU."] != 5 + REUSE_BATCH:
            assert time.monotonic() < deadline, reuse_counts(db)
            await anyio.sleep(0.01)
        await router.aclose()


@pytest.mark.anyio
async def test_each_class_of_answer_lives_as_long_as_the_policy_says(db_url: str) -> None:
    clock = FakeClock(1_000.0)
    faq = [FaqEntry(question="What are your opening hours?", answer="Mon-Fri 9:00-19:00.")]
    with Database(db_url) as db:
        router = make_router(
            db, clock, ttl_s=500.0, anchors=faq,
            ttl_by_class={"simple": 60.0, "complex": 7200.0, "faq": 86_400.0},
        )  # fmt: skip
        simple = await router.route(conversation("Do you sell gift cards?"), deadline=2e9)
        hard = "Should I pick the monstera or the fig for a dark office, and why? Which is cheaper?"
        complex_ = await router.route(conversation(hard), deadline=2e9)
        anchored = await router.route(conversation("When are you open?"), deadline=2e9)
        await router.flush()
        assert (simple.classification, complex_.classification) == ("simple", "complex")
        with db.engine.connect() as conn:
            lives = sorted(
                row.expires_at - row.created_at
                for row in conn.execute(select(cache_table.c.created_at, cache_table.c.expires_at))
            )
        assert anchored.classification == "simple"
        assert lives == [60.0, 7200.0, 86_400.0]
        await router.aclose()


def test_ttl_without_a_class_entry_falls_back(db: Database) -> None:
    clock = FakeClock(1_000.0)
    cache = ResponseCache(db, clock=clock, ttl_s=500.0, ttl_by_class={"complex": 10.0})
    cache.store_many([(NS, "Do you sell gift cards?", "Yes.", "groq", "m")], classes=["simple"])
    cache.store_many([(NS, "Do you ship abroad?", "EU.", "groq", "m")], classes=["complex"])
    with db.engine.connect() as conn:
        rows = dict(conn.execute(select(cache_table.c.answer, cache_table.c.expires_at)).all())
    assert rows == {"Yes.": 1_500.0, "EU.": 1_010.0}
    with pytest.raises(ValueError, match="one class per entry"):
        cache.store_many([(NS, "Do you ship abroad?", "EU.", "groq", "m")], classes=["a", "b"])


def test_routing_file_sets_a_ttl_per_class(tmp_path: Path) -> None:
    path = tmp_path / "routing.toml"
    path.write_text(
        "[cache]\nttl_seconds = 600\n[cache.ttl_by_class]\nsimple = 86400\nfaq = 604800\n"
    )
    policy = load_policy(RouterSettings(routing_file=path))
    assert policy.cache_ttl_s == 600
    assert dict(policy.cache_ttl_by_class) == {"simple": 86_400, "faq": 604_800}


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[cache.ttl_by_class]\nsimple = 0", r"cache\.ttl_by_class\.simple: .*greater than 0"),
        ("[cache.ttl_by_class]\nmedium = 60", r"cache\.ttl_by_class\.medium: Extra inputs"),
        ("[cache.ttl_by_class]\ncomplex = 'an hour'", r"cache\.ttl_by_class\.complex"),
    ],
)
def test_a_bad_ttl_by_class_names_the_key(tmp_path: Path, toml: str, message: str) -> None:
    path = tmp_path / "routing.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError, match=message):
        load_policy(RouterSettings(routing_file=path))


def test_insert_without_the_counter_defaults_to_zero(db: Database) -> None:
    row = {"key": "k", "namespace": "n", "signature": "[[], []]", "answer": "a",
           "provider": "p", "model": "m", "created_at": 1.0, "expires_at": 2.0}  # fmt: skip
    with db.transaction() as conn:
        conn.execute(insert(cache_table), row)
    assert reuse_counts(db) == {"a": 0}
