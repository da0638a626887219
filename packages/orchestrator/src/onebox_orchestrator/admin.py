"""The admin API under ``/admin/``: bus stats, dead letters (list, replay), conversations.

The service kit mounts these behind its bearer guard (``ONEBOX_ADMIN_TOKEN``); without a
token they are not mounted at all. Message text (dead letters' payloads, remembered turns)
is redacted unless the caller asks for it with ``?text=1``.
"""

from typing import Any

import anyio.to_thread
import orjson
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.exceptions import ValidationException
from litestar.params import FromQuery, JSONBody
from litestar.types import ControllerRouterHandler
from onebox_bus import Bus, DeadLetter
from pydantic import BaseModel, Field

from .memory import ConversationMemory


def redact(text: str) -> str:
    """What the admin API shows instead of a customer's text."""
    return f"[redacted: {len(text)} characters]"


class ReplayRequest(BaseModel):
    """Which dead letters to replay: by id, or every one of a topic."""

    ids: list[int] | None = Field(default=None, max_length=10_000)
    topic: str | None = None


def _dead_letter(dead: DeadLetter, *, text: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": dead.id,
        "topic": dead.topic,
        "key": dead.key,
        "correlation_id": dead.correlation_id,
        "attempts": dead.attempts,
        "error": dead.error,
        "created_at": dead.created_at,
        "finished_at": dead.finished_at,
    }
    if text:
        try:
            entry["payload"] = orjson.loads(dead.payload)
        except orjson.JSONDecodeError:
            entry["payload"] = dead.payload.decode("utf-8", "replace")
    else:
        entry["payload"] = redact(dead.payload.decode("utf-8", "replace"))
    return entry


class AdminController(Controller):
    """Operator endpoints; the bus and memory come from the app's dependencies."""

    path = "/"

    @get("/stats")
    async def stats(self, bus: NamedDependency[Bus]) -> dict[str, Any]:
        """Per-topic counts and the oldest ready message's age, and the WAL size."""
        stats = await anyio.to_thread.run_sync(bus.stats)
        return {
            "topics": {
                topic: {
                    "ready": s.ready,
                    "claimed": s.claimed,
                    "done": s.done,
                    "dead": s.dead,
                    "oldest_ready_age_s": round(s.oldest_ready_age_s, 3),
                }
                for topic, s in stats.items()
            },
            "wal_bytes": stats.wal_bytes,
        }

    @get("/dead-letters")
    async def dead_letters(
        self,
        bus: NamedDependency[Bus],
        topic: FromQuery[str | None] = None,
        limit: FromQuery[int] = 100,
        text: FromQuery[bool] = False,
    ) -> dict[str, Any]:
        """The dead letters, oldest first; payloads redacted unless ``?text=1``."""
        limit = max(1, min(limit, 1000))
        dead = await anyio.to_thread.run_sync(lambda: bus.dead_letters(topic=topic, limit=limit))
        return {"dead_letters": [_dead_letter(d, text=text) for d in dead]}

    @post("/dead-letters/replay", status_code=200)
    async def replay(
        self, bus: NamedDependency[Bus], data: JSONBody[ReplayRequest]
    ) -> dict[str, int]:
        """Make dead letters ready again (by ids, or every one of ``topic``)."""
        if data.ids is None and data.topic is None:
            raise ValidationException("give 'ids' or 'topic'")
        count = await anyio.to_thread.run_sync(lambda: bus.replay_dead(data.ids, topic=data.topic))
        return {"replayed": count}

    @get("/conversations")
    async def conversations(
        self,
        memory: NamedDependency[ConversationMemory],
        limit: FromQuery[int] = 20,
        turns: FromQuery[int] = 10,
        text: FromQuery[bool] = False,
    ) -> dict[str, Any]:
        """Recently active conversations with their last turns (text redacted unless asked)."""
        limit, turns = max(1, min(limit, 500)), max(0, min(turns, 100))

        def load() -> list[dict[str, Any]]:
            result = []
            for summary in memory.conversations(limit=limit):
                recent = memory.recent(summary.key, limit=turns) if turns else []
                result.append(
                    {
                        "key": summary.key,
                        "channel": summary.channel,
                        "turns": summary.turns,
                        "last_at": summary.last_at,
                        "recent": [
                            {
                                "role": t.role,
                                "text": t.text if text else redact(t.text),
                                "provider": t.provider,
                                "correlation_id": t.correlation_id,
                                "created_at": t.created_at,
                            }
                            for t in recent
                        ],
                    }
                )
            return result

        return {"conversations": await anyio.to_thread.run_sync(load)}


def admin_handlers() -> list[ControllerRouterHandler]:
    """The routes the kit mounts under ``/admin``."""
    return [AdminController]
