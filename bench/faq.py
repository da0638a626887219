"""What following the owner's FAQ costs: the per-message revision check and an edit's scan.

1. Per message, the orchestrator reads the FAQ revision (`LiveFaq.refresh`, nothing changed)
   in the thread hop that loads the conversation's history (`ConversationMemory.recent`).
   Timed beside that history read, in the same run, on the same SQLite file.
2. An FAQ edit scans the response cache for the answers it supersedes. Timed with
   ``--cache-rows`` cached answers, beside a plain `CacheAdmin.count()` of the same table.

    uv run python bench/faq.py [--messages 20000] [--cache-rows 20000]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
from pathlib import Path

import structlog
from onebox_bus import Database
from onebox_bus.testing import migrated_sqlite
from onebox_orchestrator import ConversationMemory
from onebox_router import CacheAdmin, FaqStore, LiveFaq, ResponseCache, namespace

TOPICS = ["hours", "delivery", "parking", "gift cards", "returns", "sizes", "prices", "stock"]
DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def per_call_us(call: object, n: int) -> float:
    """Median over 5 rounds of the mean time of `n` calls, in microseconds."""
    assert callable(call)
    rounds = []
    for _ in range(5):
        began = time.perf_counter()
        for _ in range(n // 5):
            call()
        rounds.append((time.perf_counter() - began) / (n // 5) * 1e6)
    return statistics.median(rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--cache-rows", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = migrated_sqlite(Path(folder) / "onebox.db")
        with Database(url) as db:
            store = FaqStore(db)
            structlog.configure(
                wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING)
            )
            for i in range(40):
                store.add(f"Question number {i} about {TOPICS[i % 8]}?", f"Answer {i}.")
            live = LiveFaq(store)
            memory = ConversationMemory(db, max_turns=10, retention=86_400.0)
            with db.transaction() as conn:
                for turn in range(5):
                    memory.record(
                        conn, conversation_key="telegram:1", inbound_id=turn, channel="telegram",
                        correlation_id=None, user_text="hello", reply_text="hi", provider="x",
                    )  # fmt: skip
            history = per_call_us(lambda: memory.recent("telegram:1"), args.messages)
            check = per_call_us(live.refresh, args.messages)
            print(f"history read (baseline)      {history:8.1f} us/message")
            print(f"FAQ revision check           {check:8.1f} us/message "
                  f"({check / history:.2f}x the history read)")  # fmt: skip

            cache = ResponseCache(db, clock=time.time, ttl_s=86_400.0)
            ns = namespace("You are the assistant.", "v1")
            rows = [
                (ns, f"Do you open on {DAYS[i % 7]} for {TOPICS[i % 8]} number {i}?",
                 f"answer {i}", "groq", "m")
                for i in range(args.cache_rows)
            ]  # fmt: skip
            for start in range(0, len(rows), 1000):
                cache.store_many(rows[start : start + 1000])
            admin = CacheAdmin(db)
            count = per_call_us(admin.count, 50) / 1000
            began = time.perf_counter()
            added = store.add("Do you open on sunday for prices number 6?", "Yes.")
            edit = (time.perf_counter() - began) * 1000
            deleted = store.superseded
            store.remove(added.id)
            print(f"count of {args.cache_rows} cache rows (baseline) {count:8.2f} ms")
            print(f"FAQ add scanning {args.cache_rows} cache rows  {edit:8.2f} ms "
                  f"({edit / count:.0f}x the count; {deleted} superseded)")  # fmt: skip


if __name__ == "__main__":
    main()
