"""Generated conversations for benches and demos: turns, conversations, unanswered groups.

`seed_conversations` writes what the orchestrator would have stored over `days` days at
`messages_per_day` customer messages a day: one customer turn and one reply per message (a
business-hours curve, two channels, replies from the cache, a model or the FAQ), about
`unanswered_share` of them unanswered and spread over a few thousand groups (a long tail),
a conversation every `per_conversation` messages, and some handoffs (a few open, more
closed). Rows go straight into the orchestrator's tables, in large batches; nothing here runs
in production.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine

DAY = 86400.0
CHANNELS = ("telegram", "whatsapp")
ORIGINS = (("cache", 0.6), ("model", 0.25), ("faq", 0.15))
TOPICS = (
    "opening hours", "delivery to Lisbon", "gift cards", "repotting service", "a refund",
    "cat-safe plants", "watering a fern", "weekend delivery", "a business discount",
    "pickup in the shop", "my order", "the newsletter", "a broken pot", "fertiliser",
)  # fmt: skip
_TURN = (
    "INSERT INTO orchestrator_turns (conversation_key, inbound_id, role, text, channel,"
    " correlation_id, provider, created_at, origin, model, question_group)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_CONVERSATION = (
    "INSERT INTO orchestrator_conversations (conversation_key, channel, customer_name,"
    " first_at, last_at, last_text) VALUES (?, ?, ?, ?, ?, ?)"
)
_GROUP = (
    "INSERT INTO orchestrator_question_groups (id, critical, tokens, first_at, last_at,"
    " answered_at, faq_id, answer) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_HANDOFF = (
    "INSERT INTO orchestrator_handoffs (conversation_key, channel, conversation_id,"
    " customer_name, state, reason, reply_meta, post_correlation_id, opened_at, closed_at,"
    " closed_by, bot_off) VALUES (?, ?, ?, ?, ?, 'unanswered', '{}', ?, ?, ?, ?, ?)"
)


@dataclass(frozen=True, slots=True)
class ConversationSeed:
    """What `seed_conversations` wrote."""

    messages: int
    turns: int
    conversations: int
    unanswered: int
    groups: int


def _times(rng: random.Random, *, until: float, days: int, per_day: int) -> list[float]:
    """Message times over `days` days, denser in business hours, oldest first."""
    start = until - days * DAY
    times: list[float] = []
    weights = [0.3 + math.sin(math.pi * max(0.0, min(1.0, (h - 7) / 14))) for h in range(24)]
    total = sum(weights)
    for day in range(days):
        for hour, weight in enumerate(weights):
            n = round(per_day * weight / total)
            base = start + day * DAY + hour * 3600
            times.extend(base + rng.random() * 3600 for _ in range(n))
    times.sort()
    return [t for t in times if t < until]


def seed_conversations(
    engine: Engine,
    *,
    until: float,
    days: int = 30,
    messages_per_day: int = 50_000,
    per_conversation: int = 5,
    unanswered_share: float = 0.04,
    groups: int = 3000,
    seed: int = 7,
) -> ConversationSeed:
    """Write the generated conversations (see the module docstring)."""
    rng = random.Random(seed)
    times = _times(rng, until=until, days=days, per_day=messages_per_day)
    raw = engine.raw_connection()
    driver: Any = raw.driver_connection
    try:
        driver.isolation_level = None  # our own BEGIN/COMMIT around the batches
        cursor = driver.cursor()
        cursor.execute("BEGIN")
        group_rows = [
            (g, f"lang=en n1={g}", f"topic{g} ask", until - days * DAY, until,
             until - 3600 if g % 10 == 0 else None, str(g) if g % 10 == 0 else None,
             "Answered." if g % 10 == 0 else None)
            for g in range(1, groups + 1)
        ]  # fmt: skip
        cursor.executemany(_GROUP, group_rows)
        batch: list[tuple[object, ...]] = []
        conversations: dict[int, list[Any]] = {}
        unanswered = 0
        for i, at in enumerate(times):
            conv = i // per_conversation
            channel = CHANNELS[conv % 2]
            key = f"{channel}:{100000 + conv}"
            topic = TOPICS[rng.randrange(len(TOPICS))]
            question = f"Hello, a question about {topic}: what about order {rng.randrange(9999)}?"
            group = None
            if rng.random() < unanswered_share:
                unanswered += 1
                group = min(groups, int(rng.paretovariate(1.2)))  # a long tail of groups
                origin, model, reply = "fallback", "fallback", "Thanks! We will get back to you."
            else:
                pick, acc = rng.random(), 0.0
                origin = ORIGINS[-1][0]
                for name, share in ORIGINS:
                    acc += share
                    if pick < acc:
                        origin = name
                        break
                model = "llama-3.1-8b-instant" if origin != "faq" else "faq"
                reply = f"Here is what we can tell you about {topic}: it depends on the day."
            batch.append((key, i, "user", question, channel, None, None, at, "customer", None,
                          group))  # fmt: skip
            batch.append((key, i, "assistant", reply, channel, None, "groq", at + 0.8, origin,
                          model, None))  # fmt: skip
            row = conversations.setdefault(conv, [key, channel, f"Customer {conv}", at, at, ""])
            row[4], row[5] = at + 0.8, reply
            if len(batch) >= 100_000:
                cursor.executemany(_TURN, batch)
                batch.clear()
        cursor.executemany(_TURN, batch)
        cursor.executemany(_CONVERSATION, [tuple(r) for r in conversations.values()])
        handoffs = []
        recent = sorted(conversations)[-2000:]
        for n, conv in enumerate(recent[::10]):
            key, channel, name, first_at, last_at, _ = conversations[conv]
            is_open = n % 5 == 0
            handoffs.append((key, channel, key.split(":")[1], name, "open" if is_open else "closed",
                             f"post-{conv}", first_at, None if is_open else last_at + 60,
                             None if is_open else "operator", False))  # fmt: skip
        cursor.executemany(_HANDOFF, handoffs)
        cursor.execute("COMMIT")
    finally:
        raw.close()
    return ConversationSeed(
        messages=len(times), turns=2 * len(times), conversations=len(conversations),
        unanswered=unanswered, groups=groups,
    )  # fmt: skip
