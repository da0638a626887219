"""Chaos: a steady load on both channels while every service is SIGKILLed several times.

3,000 customer messages over 200 conversations (100 per channel, 15 messages each) are
posted as the platforms would: in order per conversation, each webhook retried until it is
answered 200 (a refused connection or a 503 is retried, as Telegram and Meta retry). Meanwhile
the test SIGKILLs the telegram agent, the WhatsApp agent and the orchestrator in turn at
random moments; ``onebox up`` restarts each one, as systemd would. At the end:

- every message answered 200 is on the bus (no webhook was answered 200 and then lost);
- the orchestrator published exactly one reply per message (its reply-and-ack is atomic);
- every message got a reply at the fake platform, or an explained dead letter;
- each conversation's replies arrived in the order of its messages;
- a reply sent twice is counted: the sender's one-HTTP-call window (the platform accepted the
  send, the agent died before its delivery record committed) re-sends after the lease, and
  only a kill of that agent can cause it.
"""

from __future__ import annotations

import itertools
import os
import random
import signal
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import orjson
import pytest
import sqlalchemy as sa
from onebox_agent_telegram.testing import FakeBotAPI, message_update, update_bytes
from onebox_agent_whatsapp import testing as wa
from onebox_bus import Database
from onebox_router.testing import FakeAnthropicServer, FakeOpenAIServer, RecordedRequest

from .conftest import UpStack, wait_for
from .test_e2e_platforms import SECRET, platform_env

CONVERSATIONS_PER_CHANNEL = 100
MESSAGES_PER_CONVERSATION = 15
RATE_PER_SECOND = 45.0
KILL_ROUNDS = 4
SENDER_CONCURRENCY = 32


def _echo(request: RecordedRequest) -> str:
    return f"re: {request.question}"


@dataclass
class Load:
    """What the load generator sent and what was answered."""

    accepted: dict[str, tuple[str, int]] = field(default_factory=dict)  # text -> (conv, i)
    dedupe: dict[str, str] = field(default_factory=dict)  # text -> bus dedupe key
    by_platform_id: dict[str, str] = field(default_factory=dict)  # message id -> text
    retries: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _pacer(rate: float) -> Callable[[], None]:
    lock = threading.Lock()
    next_at = [time.monotonic()]

    def wait() -> None:
        with lock:
            slot = max(next_at[0], time.monotonic())
            next_at[0] = slot + 1.0 / rate
        delay = slot - time.monotonic()
        if delay > 0:
            time.sleep(delay)

    return wait


def _post_until_accepted(
    http: httpx.Client, url: str, body: bytes, headers: dict[str, str], load: Load
) -> None:
    deadline = time.monotonic() + 120
    while True:
        try:
            if http.post(url, content=body, headers=headers).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        with load.lock:
            load.retries += 1
        if time.monotonic() > deadline:
            raise AssertionError(f"webhook never accepted by {url}")
        time.sleep(0.1)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_chaos_every_message_answered_once_in_order(up_stack: Callable[..., UpStack]) -> None:
    rng = random.Random(20260514)
    with (
        FakeBotAPI() as bot,
        wa.FakeGraphApi() as graph,
        FakeOpenAIServer(flavour="groq", responder=_echo) as groq,
        FakeAnthropicServer(responder=_echo) as claude,
    ):
        env = platform_env(bot, graph, groq, claude)
        env.update({
            "ONEBOX_TELEGRAM_SENDER_LEASE": "5",
            "ONEBOX_TELEGRAM_SENDER_CONCURRENCY": str(SENDER_CONCURRENCY),
            "ONEBOX_LEASE_SECONDS": "8",
            "ONEBOX_MAX_CONCURRENCY": "16",
            "ONEBOX_WHATSAPP_RECIPIENT_INTERVAL_SECONDS": "0.2",
            "ONEBOX_WHATSAPP_MAX_PER_SECOND": "200",
            "ONEBOX_WHATSAPP_MARK_READ": "false",
            "ONEBOX_LOG_LEVEL": "warning",
            # one reply per message is what is counted: a retried webhook landing next to the
            # conversation's following message must not be folded into one burst here
            "ONEBOX_BURST_POLICY": "off",
        })  # fmt: skip
        stack = up_stack(env)
        load = Load()
        convs = [("telegram", str(500_000 + n)) for n in range(CONVERSATIONS_PER_CHANNEL)]
        convs += [("whatsapp", f"1555000{n:04d}") for n in range(CONVERSATIONS_PER_CHANNEL)]
        update_ids = itertools.count(1)
        pace = _pacer(RATE_PER_SECOND)

        def customer_worker(mine: list[tuple[str, str]]) -> None:
            with httpx.Client(timeout=10) as http:
                for i in range(MESSAGES_PER_CONVERSATION):
                    for channel, conv in mine:
                        pace()
                        text = f"{uuid.uuid4().hex[:12]} {uuid.uuid4().hex[:12]}"
                        if channel == "telegram":
                            uid = next(update_ids)
                            body = update_bytes(
                                message_update(uid, int(conv), text, message_id=uid)
                            )
                            platform_id = str(uid)
                            headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
                            dedupe = f"telegram:{uid}"
                        else:
                            msg = wa.text(text, sender=conv, timestamp=time.time())
                            body = wa.meta_bytes(wa.payload(msg))
                            headers = wa.signed_headers(body)
                            dedupe = f"whatsapp:{msg.wamid}"
                            platform_id = msg.wamid
                        url = f"{stack.urls[channel]}/webhook/{channel}"
                        _post_until_accepted(http, url, body, headers, load)
                        with load.lock:
                            load.accepted[text] = (f"{channel}:{conv}", i)
                            load.dedupe[text] = dedupe
                            load.by_platform_id[platform_id] = text

        workers = [
            threading.Thread(target=customer_worker, args=(convs[k::20],), daemon=True)
            for k in range(20)
        ]
        kills: Counter[str] = Counter()
        started = time.monotonic()
        for worker in workers:
            worker.start()
        for _ in range(KILL_ROUNDS):
            for service in rng.sample(["telegram", "whatsapp", "orchestrator"], 3):
                time.sleep(rng.uniform(3.0, 6.0))
                wait_for(lambda s=service: stack.state()["services"][s]["pid"], within=30,
                         what=f"{service} running")  # fmt: skip
                before = stack.state()["services"][service]["restarts"]
                os.kill(stack.pid(service), signal.SIGKILL)
                kills[service] += 1
                wait_for(lambda s=service, b=before: stack.state()["services"][s]["restarts"] > b,
                         within=30, what=f"{service} restarted")  # fmt: skip
        for worker in workers:
            worker.join(timeout=300)
        load_seconds = time.monotonic() - started
        print(f"\nchaos: load done in {load_seconds:.0f}s, kills {dict(kills)}", flush=True)
        total = CONVERSATIONS_PER_CHANNEL * 2 * MESSAGES_PER_CONVERSATION
        assert len(load.accepted) == total

        db = Database(stack.db_url)

        def replies() -> dict[str, list[str]]:
            """Per conversation, the messages answered (by the reply's reply-to id), in the
            order the replies reached the fake platforms."""
            out: dict[str, list[str]] = {}
            for r in bot.sent():
                reply_to = r.params.get("reply_parameters") or {}
                if isinstance(reply_to, str):
                    reply_to = orjson.loads(reply_to)
                answered = load.by_platform_id.get(str(reply_to.get("message_id")), "?")
                out.setdefault(f"telegram:{r.params['chat_id']}", []).append(answered)
            for r in graph.texts():
                context = r.body.get("context", {}).get("message_id")
                answered = load.by_platform_id.get(str(context), "?")
                out.setdefault(f"whatsapp:{r.body['to']}", []).append(answered)
            return out

        def dead() -> dict[str, str]:
            with db.engine.connect() as conn:
                rows = conn.execute(
                    sa.text(
                        "SELECT correlation_id, topic, last_error FROM bus_messages "
                        "WHERE state = 'dead'"
                    )
                ).all()
            return {row[0]: f"{row[1]}: {row[2]}" for row in rows}

        def settled() -> bool:
            answered = {t for ts in replies().values() for t in ts}
            return len(answered - {"?"}) + len(dead()) >= total

        try:
            deadline = time.monotonic() + 180
            while not settled():
                if time.monotonic() > deadline:
                    with db.engine.connect() as conn:
                        states = conn.execute(sa.text(
                            "SELECT topic, state, COUNT(*) FROM bus_messages GROUP BY 1, 2"
                        )).all()  # fmt: skip
                    got = len({t for ts in replies().values() for t in ts})
                    raise AssertionError(f"unsettled after 180s: {got} replied, bus {states}")
                time.sleep(0.5)
            with db.engine.connect() as conn:
                inbound = dict(
                    conn.execute(
                        sa.text(
                            "SELECT dedupe_key, correlation_id FROM bus_messages "
                            "WHERE topic = 'inbound'"
                        )
                    ).all()
                )
                outbound_per_cid = Counter(
                    row[0]
                    for row in conn.execute(sa.text(
                        "SELECT correlation_id FROM bus_messages WHERE topic LIKE 'outbound.%' "
                        "AND dedupe_key LIKE 'reply:%'"  # not the typing signals
                    ))
                )  # fmt: skip
            dead_letters = dead()
        finally:
            db.close()

    # No webhook answered 200 was lost: each is on the bus, once.
    missing = [t for t, key in load.dedupe.items() if key not in inbound]
    assert not missing, f"{len(missing)} accepted webhooks are not on the bus"
    assert len(inbound) == total
    # The orchestrator replied exactly once per message.
    cids = [inbound[load.dedupe[t]] for t in load.accepted]
    assert [c for c in cids if outbound_per_cid[c] != 1 and c not in dead_letters] == []

    by_conv = replies()
    counts = Counter(t for ts in by_conv.values() for t in ts)
    unanswered = [t for t in load.accepted if counts[t] == 0]
    unexplained = [t for t in unanswered if inbound[load.dedupe[t]] not in dead_letters]
    assert unexplained == [], f"{len(unexplained)} messages have no reply and no dead letter"
    wrong = [t for t in counts if t not in load.accepted]
    assert wrong == [], "replies that answer no message"
    for conv, texts in by_conv.items():
        order = [load.accepted[t] for t in dict.fromkeys(texts)]
        assert all(c == conv for c, _ in order), f"a reply went to the wrong chat in {conv}"
        assert [i for _, i in order] == sorted(i for _, i in order), f"out of order in {conv}"
    duplicates = Counter()
    for t, n in counts.items():
        duplicates[load.accepted[t][0].split(":")[0]] += n - 1
    for channel, extra in duplicates.items():
        assert extra <= kills[channel] * SENDER_CONCURRENCY, (channel, extra)
    print(
        f"\nchaos: {total} messages over {len(convs)} conversations in {load_seconds:.0f}s "
        f"of load; kills {dict(kills)}; webhook retries {load.retries}; "
        f"replied {total - len(unanswered)}; dead letters {len(dead_letters)} "
        f"{sorted(set(dead_letters.values()))[:3]}; re-sent after a kill {duplicates}"
    )
