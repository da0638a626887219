"""The forum topics the agent opened for posts, remembered before the post goes out.

A post asking for its own topic (``meta["forum_topic"]``: an escalation in a forum operator
chat) is two Bot API calls: ``createForumTopic``, then the post into it. The topic's id is
recorded between the two, under a key naming the post (chat, correlation id, topic name), so
a retry of the post (after a failed send, or after a crash and a restart) goes into the same
topic instead of leaving an empty one behind. What is left open is one HTTP call wide, like
every send: a crash between ``createForumTopic``'s answer and the record.

Rows are tiny and only needed while a post may be retried: each new record deletes those
older than `KEEP_SECONDS` in the same short transaction.
"""

from __future__ import annotations

import hashlib
import time

from onebox_bus import Clock, Database
from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection

from ._schema import topics as table

KEEP_SECONDS = 30 * 86400.0
"""How long a topic record is kept: far past any retry of its post."""


def post_key(chat_id: str, correlation_id: str, name: str) -> str:
    """The key of the post that opens topic `name` in `chat_id`."""
    digest = hashlib.blake2b(name.encode(), digest_size=8).hexdigest()
    return f"{chat_id}:{correlation_id[:100]}:{digest}"


class TopicStore:
    """Reads and writes ``telegram_topics`` (sync: async callers use ``db.run``)."""

    def __init__(self, db: Database, *, clock: Clock = time.time) -> None:
        self.db = db
        self.clock = clock

    def lookup(self, key: str) -> int | None:
        """The topic the post `key` opened, if one is recorded."""
        query = select(table.c.thread_id).where(table.c.post_key == key)
        found = self.db.read(lambda conn: conn.execute(query).scalar())
        return int(found) if found is not None else None

    def remember(self, key: str, *, chat_id: str, thread_id: int) -> None:
        """Record the topic the post `key` opened (and forget records past `KEEP_SECONDS`)."""
        now = self.clock()

        def work(conn: Connection) -> None:
            conn.execute(delete(table).where(table.c.created_at < now - KEEP_SECONDS))
            if conn.execute(select(table.c.thread_id).where(table.c.post_key == key)).first():
                return
            conn.execute(
                insert(table).values(
                    post_key=key, chat_id=chat_id, thread_id=thread_id, created_at=now
                )
            )

        self.db.write(work)
