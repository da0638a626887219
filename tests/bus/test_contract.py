"""The bus contract (DESIGN.md "Bus contract"), run on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from onebox_bus import Bus, LeaseLost, Message, PayloadError
from onebox_bus.testing import FakeClock
from sqlalchemy import text


def test_publish_claim_ack_round_trip(bus: Bus) -> None:
    id_ = bus.publish("inbound", {"text": "hi"}, key="telegram:1", correlation_id="c1")
    [message] = bus.claim("inbound", consumer="w1")
    assert message.id == id_
    assert message.json() == {"text": "hi"}
    assert message.correlation_id == "c1"
    assert message.attempt == 1
    bus.ack(message)
    assert bus.claim("inbound") == []
    assert bus.stats()["inbound"].done == 1


def test_duplicate_dedupe_key_returns_first_id_and_stores_nothing(bus: Bus) -> None:
    first = bus.publish("inbound", {"n": 1}, dedupe_key="telegram:77")
    again = bus.publish("inbound", {"n": 2}, dedupe_key="telegram:77")
    other_topic = bus.publish("outbound.telegram", {"n": 3}, dedupe_key="telegram:77")
    assert again == first
    assert other_topic != first
    assert bus.stats()["inbound"].ready == 1
    [message] = bus.claim("inbound")
    assert message.json() == {"n": 1}


def test_per_key_fifo_only_the_head_of_a_key_is_claimable(bus: Bus) -> None:
    a1 = bus.publish("inbound", 1, key="a")
    a2 = bus.publish("inbound", 2, key="a")
    b1 = bus.publish("inbound", 3, key="b")
    claimed = bus.claim("inbound", limit=10)
    assert [m.id for m in claimed] == [a1, b1]
    assert bus.claim("inbound", limit=10) == []  # a2 waits for a1
    bus.ack(claimed[0])
    [next_a] = bus.claim("inbound", limit=10)
    assert next_a.id == a2


def test_key_held_while_head_waits_out_a_retry(bus: Bus, clock: FakeClock) -> None:
    bus.publish("inbound", 1, key="a")
    second = bus.publish("inbound", 2, key="a")
    [head] = bus.claim("inbound")
    assert bus.nack(head, "provider down", retry_after=10.0)
    assert bus.claim("inbound") == []  # neither the waiting head nor the one behind it
    clock.advance(10.0)
    [again] = bus.claim("inbound")
    assert again.id == head.id
    assert again.attempt == 2
    bus.ack(again)
    assert [m.id for m in bus.claim("inbound")] == [second]


def test_dead_message_frees_its_key(bus: Bus) -> None:
    bus.publish("inbound", 1, key="a", max_attempts=1)
    second = bus.publish("inbound", 2, key="a")
    [head] = bus.claim("inbound")
    assert bus.nack(head, "boom") is False
    assert [m.id for m in bus.claim("inbound")] == [second]
    [dead] = bus.dead_letters()
    assert dead.id == head.id
    assert dead.error == "boom"


def test_expired_lease_is_delivered_again_and_old_ack_is_refused(
    bus: Bus, clock: FakeClock
) -> None:
    bus.publish("inbound", {"n": 1}, key="k")
    [first] = bus.claim("inbound", lease=5.0, consumer="crashed")
    assert bus.claim("inbound", lease=5.0) == []
    clock.advance(5.0)
    [second] = bus.claim("inbound", lease=5.0, consumer="survivor")
    assert second.id == first.id
    assert second.attempt == first.attempt + 1
    with pytest.raises(LeaseLost):
        bus.ack(first)
    bus.ack(second)
    assert bus.stats()["inbound"].done == 1


def test_poison_message_dies_after_its_last_lease_expires(bus: Bus, clock: FakeClock) -> None:
    bus.publish("inbound", 1, key="k", max_attempts=2)
    follower = bus.publish("inbound", 2, key="k")
    for _ in range(2):
        assert len(bus.claim("inbound", lease=1.0)) == 1
        clock.advance(1.0)
    assert bus.claim("inbound", lease=1.0) == [], "buried in passing, never handed out again"
    [claimed] = bus.claim("inbound", lease=1.0)
    assert claimed.id == follower
    [dead] = bus.dead_letters()
    assert "lease expired" in (dead.error or "")


def test_nack_backs_off_exponentially_with_jitter_capped(db_url: str, clock: FakeClock) -> None:
    with Bus.from_url(db_url, clock=clock, retry_base=2.0, retry_cap=5.0) as bus:
        bus.publish("inbound", 1, max_attempts=10)
        [m] = bus.claim("inbound")
        for ceiling in [2.0, 4.0, 5.0, 5.0]:  # base 2 doubling, capped at 5
            bus.nack(m, "again")
            clock.advance(ceiling / 2 - 0.001)
            assert bus.claim("inbound") == [], "retried before the backoff's lower bound"
            clock.advance(ceiling / 2 + 0.002)
            [m] = bus.claim("inbound")


def test_nack_with_retry_after_waits_exactly_that(bus: Bus, clock: FakeClock) -> None:
    bus.publish("outbound.telegram", {"text": "x"})
    [m] = bus.claim("outbound.telegram")
    bus.nack(m, "429", retry_after=7.0)
    clock.advance(6.999)
    assert bus.claim("outbound.telegram") == []
    clock.advance(0.001)
    assert len(bus.claim("outbound.telegram")) == 1


def test_after_max_attempts_the_message_is_dead_with_the_last_error(bus: Bus) -> None:
    bus.publish("inbound", 1, max_attempts=3)
    for attempt in range(1, 4):
        [m] = bus.claim("inbound")
        assert m.attempt == attempt
        bus.nack(m, f"error {attempt}", retry_after=0.0)
    assert bus.claim("inbound") == []
    [dead] = bus.dead_letters(topic="inbound")
    assert dead.error == "error 3"
    assert dead.attempts == 3
    assert bus.stats()["inbound"].dead == 1


def test_transaction_publishes_reply_and_acks_atomically(bus: Bus, clock: FakeClock) -> None:
    bus.publish("inbound", {"q": 1}, key="k")
    [m] = bus.claim("inbound", lease=5.0)
    clock.advance(5.0)
    [again] = bus.claim("inbound", lease=5.0)  # someone else took it over

    def reply_and_ack(message: Message) -> None:
        with bus.transaction():
            bus.publish("outbound.telegram", {"a": 1}, dedupe_key=f"reply:{message.id}")
            bus.ack(message)

    with pytest.raises(LeaseLost):
        reply_and_ack(m)
    assert "outbound.telegram" not in bus.stats(), "the reply must roll back with the ack"
    reply_and_ack(again)
    stats = bus.stats()
    assert stats["outbound.telegram"].ready == 1
    assert stats["inbound"].done == 1


def test_stats_counts_states_and_oldest_ready_age(bus: Bus, clock: FakeClock) -> None:
    bus.publish("inbound", 1)
    clock.advance(3.0)
    bus.publish("inbound", 2)
    bus.publish("inbound", 3, max_attempts=1)
    clock.advance(2.0)
    [claimed] = bus.claim("inbound", limit=1)
    stats = bus.stats()["inbound"]
    assert (stats.ready, stats.claimed, stats.done, stats.dead) == (2, 1, 0, 0)
    assert stats.oldest_ready_age_s == pytest.approx(2.0)
    bus.ack(claimed)
    [m2, m3] = bus.claim("inbound", limit=5)
    bus.ack(m2)
    bus.nack(m3, "x")
    stats = bus.stats()["inbound"]
    assert (stats.ready, stats.claimed, stats.done, stats.dead) == (0, 0, 2, 1)


def test_delayed_message_is_invisible_until_due(bus: Bus, clock: FakeClock) -> None:
    bus.publish("inbound", 1, delay=30.0)
    assert bus.claim("inbound") == []
    clock.advance(30.0)
    assert len(bus.claim("inbound")) == 1


@pytest.mark.parametrize(
    ("topic", "payload", "reason"),
    [
        ("inbound", {1, 2}, "not JSON-serialisable"),
        ("inbound", "x" * 300_000, "over the limit"),
        ("Bad Topic", {}, "invalid topic"),
        ("", {}, "invalid topic"),
    ],
)
def test_bad_input_is_refused_before_anything_is_written(
    bus: Bus, topic: str, payload: object, reason: str
) -> None:
    with pytest.raises(PayloadError, match=reason):
        bus.publish(topic, payload)
    assert bus.stats() == {}


def test_publish_many_is_one_transaction_with_ids_in_order(bus: Bus) -> None:
    items = [bus.prepare("inbound", {"i": i}, key=f"k{i % 3}") for i in range(50)]
    items.append(bus.prepare("inbound", {"dup": True}, dedupe_key="d"))
    items.append(bus.prepare("inbound", {"dup": False}, dedupe_key="d"))
    ids = bus.publish_many(items)
    assert ids[:50] == sorted(ids[:50])
    assert ids[-1] == ids[-2]
    assert bus.stats()["inbound"].ready == 51


def test_ack_many_is_all_or_nothing(bus: Bus, clock: FakeClock) -> None:
    for i in range(3):
        bus.publish("inbound", i, key=f"k{i}")
    batch = bus.claim("inbound", limit=3, lease=5.0)
    clock.advance(5.0)
    [stolen] = bus.claim("inbound", limit=1, lease=5.0)
    with pytest.raises(LeaseLost) as lost:
        bus.ack_many(batch)
    assert lost.value.message_id == stolen.id
    stats = bus.stats()["inbound"]
    assert (stats.done, stats.claimed) == (0, 3), "no ack of the batch may stick"
    bus.ack_many([m for m in batch if m.id != stolen.id] + [stolen])
    assert bus.stats()["inbound"].done == 3


def test_dead_letters_replay_and_purge(bus: Bus) -> None:
    ids = [bus.publish("outbound.whatsapp", i, max_attempts=1) for i in range(3)]
    for m in bus.claim("outbound.whatsapp", limit=3):
        bus.dead_letter(m, "131047 outside the 24h window")
    assert [d.id for d in bus.dead_letters()] == ids
    assert bus.replay_dead([ids[0]]) == 1
    [replayed] = bus.claim("outbound.whatsapp")
    assert replayed.id == ids[0]
    assert replayed.attempt == 1
    assert bus.purge_dead([ids[1]]) == 1
    assert bus.purge_dead(topic="outbound.whatsapp") == 1
    assert bus.dead_letters() == []


def test_purge_done_keeps_recent_and_unfinished_messages(bus: Bus, clock: FakeClock) -> None:
    for i in range(12):
        bus.publish("inbound", i)
    for m in bus.claim("inbound", limit=10):
        bus.ack(m)
    clock.advance(8 * 86400)
    recent = bus.claim("inbound", limit=1)
    bus.ack(recent[0])
    assert bus.purge_done(batch=3) == 10
    stats = bus.stats()["inbound"]
    assert (stats.done, stats.ready) == (1, 1)


def test_a_repository_joins_the_transaction_of_a_publish_and_ack(bus: Bus) -> None:
    conn = bus.db.connection()
    conn.execute(text("CREATE TABLE IF NOT EXISTS test_notes (note VARCHAR(20))"))
    bus.publish("inbound", 1)
    [m] = bus.claim("inbound")

    def handle() -> None:
        with bus.transaction() as tx:
            tx.execute(
                text("INSERT INTO test_notes (note) VALUES (:note)"), {"note": "rolled back"}
            )
            bus.ack(m)
            raise RuntimeError("handler failed after the ack")

    with pytest.raises(RuntimeError):
        handle()
    assert conn.execute(text("SELECT COUNT(*) FROM test_notes")).scalar() == 0
    assert bus.stats()["inbound"].claimed == 1
    conn.execute(text("DROP TABLE test_notes"))


def test_waiting_says_whether_a_key_has_an_unsettled_message_in_a_topic(
    bus: Bus, clock: FakeClock
) -> None:
    assert not bus.waiting("media.telegram", "telegram:1")
    bus.publish("media.telegram", 1, key="telegram:1")
    bus.publish("inbound", 2, key="telegram:2")
    assert bus.waiting("media.telegram", "telegram:1")
    assert not bus.waiting("media.telegram", "telegram:2")  # another key
    assert not bus.waiting("inbound", "telegram:1")  # another topic
    [note] = bus.claim("media.telegram")
    assert bus.waiting("media.telegram", "telegram:1")  # claimed: not settled yet
    assert bus.nack(note, "download failed", retry_after=30.0)
    assert bus.waiting("media.telegram", "telegram:1")  # waiting out its retry
    clock.advance(30.0)
    [note] = bus.claim("media.telegram")
    bus.ack(note)
    assert not bus.waiting("media.telegram", "telegram:1")
    bus.publish("media.telegram", 3, key="telegram:1", max_attempts=1)
    [last] = bus.claim("media.telegram")
    bus.nack(last, "gone")  # its last attempt: dead
    assert not bus.waiting("media.telegram", "telegram:1")


def test_a_claim_waits_for_no_wal_flush_only_in_its_own_transaction(bus: Bus) -> None:
    """On PostgreSQL a claim alone commits without the WAL flush (a lost claim is only a
    redelivery); inside a caller's transaction it must not relax the caller's commit."""
    bus.publish("t", {"n": 1})
    [claimed] = bus.claim("t")
    assert claimed.attempt == 1
    if bus.kind == "postgresql":  # the relaxed commit was the claim's own, not the session's
        setting = bus.db.connection().exec_driver_sql("SHOW synchronous_commit").scalar()
        assert setting == "on"
    bus.publish("t", {"n": 2})
    with bus.transaction() as conn:
        [second] = bus.claim("t")
        if bus.kind == "postgresql":
            setting = conn.exec_driver_sql("SHOW synchronous_commit").scalar()
            assert setting == "on"
        bus.ack(second)
    assert bus.claim("t") == []
