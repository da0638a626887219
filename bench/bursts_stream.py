"""The burst policies on ``bench/data/bursts-stream.jsonl``, a stream written apart from them.

Two measurements of the same policies on the same stream (`bench/bursts.py` prints both):

- virtual time (`replay_policy`): the policies' semantics replayed exactly
  (`onebox_orchestrator.bursts.simulate`), every routing taking the same time;
- real time (`run_real`): the real inbound handler, `BurstGate` and `BurstWatch` on a real
  SQLite bus and `Consumer`, the stream published at its own pace (times scaled by
  ``--scale``), a router that takes ``--route-ms`` per answer. Replies are matched to the
  messages they answer through the bus (a reply's dedupe key names its burst's head; a burst
  is the head and the messages after it up to the next head of that conversation).
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import anyio
import anyio.to_thread
from onebox_bus import Bus, Consumer
from onebox_bus.contracts import INBOUND, outbound_topic
from onebox_bus.testing import migrated_sqlite
from onebox_orchestrator.bursts import BurstPolicy, BurstWindow, PolicyName, simulate
from onebox_orchestrator.gathering import BurstGate, BurstWatch
from onebox_orchestrator.handler import InboundHandler
from onebox_orchestrator.memory import ConversationMemory
from onebox_orchestrator.persona import Personas
from onebox_orchestrator.testing import make_inbound, publish_inbound
from onebox_router import Conversation, Reply
from sqlalchemy import text

STREAM = Path(__file__).parent / "data" / "bursts-stream.jsonl"
DELAYED = 0.25
"""Seconds over never-waiting from which a complete question counts as delayed (a wait, not
the bus reads a policy adds, which the added-latency figures show)."""


@dataclass(frozen=True, slots=True)
class Conv:
    """One conversation of the stream."""

    id: str
    kind: str
    arrivals: list[tuple[float, str]]
    requests: list[list[int]]

    @property
    def complete(self) -> list[int]:
        """Indexes of the messages that are a request on their own (answer at once)."""
        return [r[0] for r in self.requests if len(r) == 1]


Split = Literal["all", "dev", "heldout"]
"""The stream's halves: ``dev`` the odd-numbered conversations of each kind, ``heldout`` the
even-numbered ones. A change to `is_fragment` is studied on ``dev`` only and reported on both."""


def load(path: Path = STREAM, *, split: Split = "all") -> list[Conv]:
    """The stream's conversations (those of `split`)."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        odd = int(row["id"].rsplit("-", 1)[1]) % 2 == 1
        if split != "all" and odd != (split == "dev"):
            continue
        arrivals = [(float(m["at"]), m["text"]) for m in row["messages"]]
        out.append(Conv(row["id"], row["kind"], arrivals, row["requests"]))
    return out


def classifier_errors(convs: list[Conv], decide: Callable[[str], bool]) -> dict[str, float]:
    """`decide` (``is_fragment``) against the stream's requests, in percent of each kind.

    ``complete``: single-message requests judged fragments (they wait the quiet window);
    ``ends``: last messages of a longer request judged fragments (its reply waits);
    ``inner``: the other messages of a longer request judged complete (answered too early).
    """
    wrong = {"complete": 0, "ends": 0, "inner": 0}
    total = dict.fromkeys(wrong, 0)
    for c in convs:
        for request in c.requests:
            for k, index in enumerate(request):
                text = c.arrivals[index][1]
                kind = (
                    "complete"
                    if len(request) == 1
                    else "ends"
                    if k == len(request) - 1
                    else "inner"
                )
                total[kind] += 1
                wrong[kind] += decide(text) != (kind == "inner")
    return {k: 100.0 * wrong[k] / total[k] if total[k] else 0.0 for k in wrong} | {
        f"n_{k}": float(total[k]) for k in total
    }


Replies = list[tuple[float, int, int]]
"""(reply time, messages it answers, router calls it took) per reply."""


def replay_policy(conv: Conv, name: str, *, window: BurstWindow, route_s: float) -> Replies:
    """Replies per policy, in virtual time (`simulate`).

    Besides the policies: ``always`` waits the quiet window after every message, and
    ``wait only`` is ``decide`` without folding (a burst closes when it is answered).
    """
    if name == "always":
        return simulate(conv.arrivals, policy=BurstPolicy(window=window), route_s=route_s,
                        decide=lambda _t: True, fold=False)  # fmt: skip
    if name == "wait only":
        policy = BurstPolicy(window=window)
        return simulate(conv.arrivals, policy=policy, route_s=route_s, fold=False)
    policy = BurstPolicy(name=name, window=window)  # type: ignore[arg-type]
    return simulate(conv.arrivals, policy=policy, route_s=route_s)


def covering(replies: Replies, index: int) -> float:
    """When the reply that answers message `index` went out."""
    seen = 0
    for at, n, _calls in replies:
        seen += n
        if index < seen:
            return at
    raise AssertionError("every message is answered")


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def score(
    convs: list[Conv], replies: dict[str, Replies], *, base: dict[str, list[float]]
) -> dict[str, float]:
    """Replies per burst, share of complete questions delayed, their added latency."""
    bursts = [c for c in convs if c.kind in ("burst", "greeting_question")]
    per_burst = [len(replies[c.id]) for c in bursts]
    spaced = [len(replies[c.id]) for c in convs if c.kind == "spaced"]
    latency, added = [], []
    for c in convs:
        for k, index in enumerate(c.complete):
            took = covering(replies[c.id], index) - c.arrivals[index][0]
            latency.append(took)
            added.append(took - base[c.id][k])
    calls = sum(r[2] for c in convs for r in replies[c.id])
    return {
        "calls": calls / sum(len(c.arrivals) for c in convs),
        "replies": statistics.fmean(per_burst),
        "one": 100.0 * sum(n == 1 for n in per_burst) / len(per_burst),
        "spaced": statistics.fmean(spaced),
        "delayed": 100.0 * sum(a > DELAYED for a in added) / len(added),
        "added50": pct(added, 50),
        "added99": pct(added, 99),
        "mean": statistics.fmean(latency),
        "p50": pct(latency, 50),
        "p99": pct(latency, 99),
    }


def baseline(convs: list[Conv], replies: dict[str, Replies]) -> dict[str, list[float]]:
    """Each complete question's latency under never-waiting (the pairing for "added")."""
    return {
        c.id: [covering(replies[c.id], i) - c.arrivals[i][0] for i in c.complete] for c in convs
    }


# -- real time -------------------------------------------------------------------------


class TimedRouter:
    """Answers after `seconds` (a model's response time); counts calls per conversation."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.calls: dict[str, int] = {}

    async def route(self, conversation: Conversation, *, deadline: float) -> Reply:
        cid = conversation.conversation_id
        self.calls[cid] = self.calls.get(cid, 0) + 1
        await anyio.sleep(self.seconds)
        return Reply(
            text="ok", provider="bench", model="bench", cached=False,
            classification="simple", latency_s=self.seconds, cost_usd=0.0,
        )  # fmt: skip


async def run_real(
    convs: list[Conv], name: PolicyName, *, window: BurstWindow, route_s: float, scale: float
) -> dict[str, Replies]:
    """Publish the stream at its pace to a real handler; the replies per conversation.

    Times are given back in the stream's seconds (divided by `scale`), relative to each
    conversation's start.
    """
    scaled = BurstWindow(quiet_s=window.quiet_s * scale, max_s=window.max_s * scale)
    with tempfile.TemporaryDirectory() as tmp:
        url = migrated_sqlite(Path(tmp) / "bench.db")
        with Bus.from_url(url, synchronous="NORMAL") as bus:
            watch = BurstWatch(bus)
            gate = BurstGate(bus=bus, policy=BurstPolicy(name=name, window=scaled), lease=60.0,
                             watch=watch)  # fmt: skip
            router = TimedRouter(route_s * scale)
            handler = InboundHandler(
                bus=bus, router=router,
                memory=ConversationMemory(bus.db, max_turns=4),
                personas=Personas.load(business="Bench"), gate=gate,
            )  # fmt: skip
            consumer = Consumer(bus, INBOUND, handler, name="inbound", concurrency=128,
                                min_poll=0.005, max_poll=0.05)  # fmt: skip
            watch.wake = consumer.wake
            schedule = sorted(
                (at * scale, c.id, i, msg) for c in convs for i, (at, msg) in enumerate(c.arrivals)
            )
            ids: dict[tuple[str, int], int] = {}
            total = len(schedule)
            async with anyio.create_task_group() as tg:
                tg.start_soon(consumer.run)
                tg.start_soon(watch.run)
                start = time.time()
                for at, cid, i, msg in schedule:
                    await anyio.sleep(max(0.0, start + at - time.time()))
                    inbound = make_inbound(msg, conversation_id=cid, received_at=time.time())
                    ids[(cid, i)] = await anyio.to_thread.run_sync(
                        lambda m=inbound: publish_inbound(bus, m)  # type: ignore[misc]
                    )
                with anyio.fail_after(120):
                    while (s := bus.stats().get(INBOUND)) is None or s.done < total:  # noqa: ASYNC110
                        await asyncio.sleep(0.05)  # polling the database
                consumer.stop()
                watch.stop()
            with bus.db.engine.connect() as conn:
                rows = conn.execute(
                    text("SELECT dedupe_key, created_at FROM bus_messages WHERE topic = :t "
                         "AND dedupe_key LIKE 'reply:%'"), {"t": outbound_topic("telegram")},
                ).fetchall()  # fmt: skip
    sent = {int(d.removeprefix("reply:")): float(at) for d, at in rows}
    out: dict[str, Replies] = {}
    for c in convs:
        msg_ids = [ids[(c.id, i)] for i in range(len(c.arrivals))]
        heads = [k for k, m in enumerate(msg_ids) if m in sent]
        bounds = [*heads, len(msg_ids)]
        out[c.id] = [
            ((sent[msg_ids[h]] - start) / scale, bounds[n + 1] - h, 0) for n, h in enumerate(heads)
        ]
        if out[c.id]:  # the router's calls, put on the conversation's first reply
            at, n, _ = out[c.id][0]
            out[c.id][0] = (at, n, router.calls.get(c.id, 0))
    return out
