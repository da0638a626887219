"""Every SQL statement the bus runs on its hot path, as text with ``:name`` parameters.

Statements are written once here; `_dialect.py` adapts the parameter style and swaps in the
PostgreSQL claim, which adds ``FOR UPDATE SKIP LOCKED``.
"""

from __future__ import annotations

COLUMNS = (
    "id, topic, payload, key, dedupe_key, correlation_id, attempts, max_attempts, "
    "created_at, visible_at"
)

INSERT = """
INSERT INTO bus_messages
    (topic, key, dedupe_key, correlation_id, payload, state, attempts, max_attempts,
     visible_at, created_at)
VALUES (:topic, :key, :dedupe_key, :correlation_id, :payload, 'ready', 0, :max_attempts,
        :visible_at, :created_at)
ON CONFLICT (topic, dedupe_key) DO NOTHING
RETURNING id
"""

SELECT_BY_DEDUPE = "SELECT id FROM bus_messages WHERE topic = :topic AND dedupe_key = :dedupe_key"

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

_CLAIM = """
UPDATE bus_messages
SET state = 'claimed', attempts = attempts + 1, visible_at = :lease_until, claimed_by = :consumer
WHERE id IN ({claimable})
RETURNING {columns}
"""

CLAIM_SQLITE = _CLAIM.format(claimable=_CLAIMABLE, columns=COLUMNS)
CLAIM_POSTGRES = _CLAIM.format(claimable=_CLAIMABLE + " FOR UPDATE SKIP LOCKED", columns=COLUMNS)

# A consumer that keeps dying on a message (a poison message) must not block its key forever:
# once its last allowed attempt's lease has run out, it is dead.
EXPIRE_EXHAUSTED = """
UPDATE bus_messages
SET state = 'dead', finished_at = :now,
    last_error = 'lease expired on the last attempt (consumer crashed or hung)'
WHERE topic = :topic AND state = 'claimed' AND visible_at <= :now AND attempts >= max_attempts
"""

ACK = """
UPDATE bus_messages SET state = 'done', finished_at = :now, claimed_by = NULL
WHERE id = :id AND state = 'claimed' AND attempts = :attempt
"""

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

STATS = """
SELECT topic, state, COUNT(*),
       MIN(CASE WHEN state = 'ready' THEN created_at END)
FROM bus_messages GROUP BY topic, state
"""

DEAD_LIST = """
SELECT id, topic, payload, key, correlation_id, attempts, last_error, created_at, finished_at
FROM bus_messages WHERE state = 'dead' AND (CAST(:topic AS TEXT) IS NULL OR topic = :topic)
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
  AND finished_at < :before
"""

# Deleted in slices so each write transaction stays short while services keep running.
PURGE_DONE = """
DELETE FROM bus_messages WHERE id IN (
    SELECT id FROM bus_messages WHERE state = 'done' AND finished_at < :before LIMIT :limit)
"""
