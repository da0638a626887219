"""Every SQL statement the bus runs on its hot path, as text with ``:name`` parameters.

Statements are written once here; `_dialect.py` adapts the parameter style and swaps in the
PostgreSQL claim, which adds ``FOR UPDATE SKIP LOCKED``.
"""

from __future__ import annotations

COLUMNS = (
    "id, topic, payload, key, dedupe_key, correlation_id, attempts, max_attempts, "
    "created_at, visible_at"
)

_INSERT = """
INSERT INTO bus_messages
    (topic, key, dedupe_key, correlation_id, payload, state, attempts, max_attempts,
     visible_at, created_at)
VALUES (:topic, :key, :dedupe_key, :correlation_id, :payload, 'ready', 0, :max_attempts,
        :visible_at, :created_at)
"""

# With a dedupe key: a duplicate inserts nothing and returns no row (the caller then looks
# the first message up). The conflict target names the partial unique index's predicate.
INSERT_DEDUPED = (
    _INSERT + "ON CONFLICT (topic, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING\n"
    "RETURNING id"
)

# Without one nothing can conflict: the plain insert, its id from the cursor (SQLite) or
# RETURNING (PostgreSQL).
INSERT_PLAIN = _INSERT
INSERT_PLAIN_RETURNING = _INSERT + "RETURNING id"

SELECT_BY_DEDUPE = "SELECT id FROM bus_messages WHERE topic = :topic AND dedupe_key = :dedupe_key"

# One publish on PostgreSQL as one statement run alone (autocommit, durable): the row, and the
# doorbell's notification, which the server sends when that statement's transaction commits.
INSERT_NOTIFY_POSTGRES = (
    "WITH inserted AS (\n" + INSERT_DEDUPED + ", topic\n)\n"
    "SELECT id, pg_notify(:channel, topic) FROM inserted"
)

# A message is claimable when it is visible and is the head of its key: no earlier message of
# the same (topic, key) is still ready or claimed. That one condition gives per-key FIFO,
# holds a key while its head waits out a retry, and frees the key once the head is done or dead.
_CLAIMABLE = """
SELECT m.id FROM bus_messages AS m
WHERE m.topic = :topic AND m.state IN ('ready', 'claimed') AND m.visible_at <= :now
  AND (m.key IS NULL OR NOT EXISTS (
        SELECT 1 FROM bus_messages AS p
        WHERE p.topic = m.topic AND p.key = m.key AND p.state IN ('ready', 'claimed')
          AND p.id < m.id))
ORDER BY m.id
LIMIT :limit
"""

# One statement claims and, in passing, buries poison messages: a head whose last allowed
# attempt's lease ran out (its consumer keeps dying on it) becomes dead instead of being handed
# out again, so it cannot block its key forever. SET expressions read the row's old values.
_EXHAUSTED = "state = 'claimed' AND attempts >= max_attempts"
_CLAIM = """
UPDATE bus_messages
SET state = CASE WHEN {exhausted} THEN 'dead' ELSE 'claimed' END,
    attempts = CASE WHEN {exhausted} THEN attempts ELSE attempts + 1 END,
    finished_at = CASE WHEN {exhausted} THEN :now ELSE finished_at END,
    last_error = CASE WHEN {exhausted}
        THEN 'lease expired on the last attempt (consumer crashed or hung)' ELSE last_error END,
    visible_at = :lease_until, claimed_by = :consumer
WHERE id IN ({claimable})
RETURNING {columns}, state
"""

CLAIM_SQLITE = _CLAIM.format(exhausted=_EXHAUSTED, claimable=_CLAIMABLE, columns=COLUMNS)
CLAIM_POSTGRES = _CLAIM.format(
    exhausted=_EXHAUSTED, claimable=_CLAIMABLE + " FOR UPDATE SKIP LOCKED", columns=COLUMNS
)
# The same claim run alone (autocommit: one round trip, no BEGIN/COMMIT), committed without
# waiting for the WAL flush: ``set_config(..., true)`` lasts for the statement's own
# transaction, and is read at its commit. Claimed rows only: claiming nothing writes no WAL.
CLAIM_POSTGRES_ALONE = (
    CLAIM_POSTGRES.rstrip() + ",\n    set_config('synchronous_commit', 'off', true)\n"
)

ACK = """
UPDATE bus_messages SET state = 'done', finished_at = :now, claimed_by = NULL
WHERE id = :id AND state = 'claimed' AND attempts = :attempt
"""

CLAIM_TOKEN = "SELECT state, attempts FROM bus_messages WHERE id = :id"

RETRY = """
UPDATE bus_messages SET state = 'ready', visible_at = :visible_at, last_error = :error,
    claimed_by = NULL
WHERE id = :id AND state = 'claimed' AND attempts = :attempt
"""

RELEASE = """
UPDATE bus_messages SET state = 'ready', visible_at = :now, attempts = attempts - 1,
    claimed_by = NULL
WHERE id = :id AND state = 'claimed' AND attempts = :attempt
"""

KILL = """
UPDATE bus_messages SET state = 'dead', finished_at = :now, last_error = :error, claimed_by = NULL
WHERE id = :id AND state = 'claimed' AND attempts = :attempt
"""

EXTEND = """
UPDATE bus_messages SET visible_at = :lease_until
WHERE id = :id AND state = 'claimed' AND attempts = :attempt
"""

# A head given back to wait (a burst's quiet window): like RELEASE, but visible only later.
DEFER = """
UPDATE bus_messages SET state = 'ready', visible_at = :until, attempts = attempts - 1,
    claimed_by = NULL
WHERE id = :id AND state = 'claimed' AND attempts = :attempt
"""

# An early end to a wait: a deferred head made visible now (a follower arrived).
UNDEFER = """
UPDATE bus_messages SET visible_at = :now
WHERE id = :id AND state = 'ready' AND visible_at > :now
"""

# A waiting message (published with a delay, or deferred) of a topic made visible now by id.
WAKE = """
UPDATE bus_messages SET visible_at = :now
WHERE id = :id AND topic = :topic AND state = 'ready' AND visible_at > :now
"""

# The messages queued behind a head of the same key (active, later id).
FOLLOWERS_WAITING = """
SELECT COUNT(*) FROM bus_messages
WHERE topic = :topic AND key = :key AND state IN ('ready', 'claimed') AND id > :id
"""

# Whether a topic holds an unsettled message of a key (ready, deferred or claimed): an
# index-only probe of ix_bus_messages_key_head.
KEY_WAITING = """
SELECT 1 FROM bus_messages
WHERE topic = :topic AND key = :key AND state IN ('ready', 'claimed')
LIMIT 1
"""

# Claims the messages queued behind a head its caller holds (checked in the same
# transaction): per-key FIFO keeps every other consumer off them, so whatever their state
# (ready, deferred, or claimed by a consumer that died), they are the head holder's to take.
_FOLLOWERS = """
UPDATE bus_messages
SET state = 'claimed', attempts = attempts + 1, visible_at = :lease_until,
    claimed_by = :consumer
WHERE id IN (
    SELECT id FROM bus_messages
    WHERE topic = :topic AND key = :key AND state IN ('ready', 'claimed') AND id > :id
    ORDER BY id LIMIT :limit)
RETURNING {columns}, state
"""
CLAIM_FOLLOWERS = _FOLLOWERS.format(columns=COLUMNS)

# Two queries so each is answered from its own partial index, never a scan of history.
STATS_ACTIVE = """
SELECT topic, state, COUNT(*), MIN(created_at)
FROM bus_messages WHERE state IN ('ready', 'claimed') GROUP BY topic, state
"""

STATS_FINISHED = """
SELECT topic, state, COUNT(*), NULL
FROM bus_messages WHERE state IN ('done', 'dead') GROUP BY topic, state
"""

DEAD_LIST = """
SELECT id, topic, payload, key, correlation_id, attempts, last_error, created_at, finished_at
FROM bus_messages WHERE state IN ('done', 'dead') AND state = 'dead'
  AND (CAST(:topic AS TEXT) IS NULL OR topic = :topic)
ORDER BY id LIMIT :limit
"""

REPLAY_DEAD = """
UPDATE bus_messages SET state = 'ready', attempts = 0, visible_at = :now, finished_at = NULL
WHERE state = 'dead' AND id = :id
"""

REPLAY_DEAD_TOPIC = """
UPDATE bus_messages SET state = 'ready', attempts = 0, visible_at = :now, finished_at = NULL
WHERE state = 'dead' AND (CAST(:topic AS TEXT) IS NULL OR topic = :topic)
"""

PURGE_DEAD = "DELETE FROM bus_messages WHERE state = 'dead' AND id = :id"

PURGE_DEAD_TOPIC = """
DELETE FROM bus_messages WHERE state = 'dead' AND (CAST(:topic AS TEXT) IS NULL OR topic = :topic)
  AND finished_at <= :before
"""

# Deleted in slices so each write transaction stays short while services keep running.
PURGE_DONE = """
DELETE FROM bus_messages WHERE id IN (
    SELECT id FROM bus_messages
    WHERE state IN ('done', 'dead') AND state = 'done' AND finished_at < :before LIMIT :limit)
"""
