"""The same stack on four hosts over PostgreSQL, one orchestrator SIGKILLed halfway.

    sudo uv run python bench/multihost.py [--conversations 200] [--messages-each 10]

Root is needed (it exits with the reason otherwise). The script makes four network
namespaces as hosts on a private /24 that exists only while it runs (`_netns.py`), and a
throwaway PostgreSQL cluster listening only on the root namespace's address of that subnet.
On those hosts it runs the real services, each with ``ONEBOX_DATABASE_URL`` pointing at the
cluster across the veth and ``ONEBOX_HOST`` set to its own address:

    telegram        onebox-telegram       webhooks in, replies out to the fake Bot API
    orchestrator-a  onebox-orchestrator   both claim the same `inbound` topic
    orchestrator-b  onebox-orchestrator   (SIGKILLed, by its pid, halfway through)
    whatsapp        onebox-whatsapp       webhooks in, replies out to the fake Graph API

The harness in the root namespace plays the platforms and the model API: the packages' own
fakes (`FakeBotAPI`, `FakeGraphApi`, a fake Groq echoing the question), reached by the
services through relays on the root address. Customers send 2,000 messages over 200
conversations (half Telegram, half WhatsApp), each conversation in order, each webhook
retried until answered 200 as the platforms do. Once half the inbound messages are done, one
orchestrator is SIGKILLed; the other takes its claimed messages over when their lease
(``ONEBOX_LEASE_SECONDS``) runs out. Every reply names the message it answers (Telegram's
``reply_parameters.message_id``, WhatsApp's ``context.message_id``), which gives:

- lost: a message with no reply; duplicated: replies beyond the first to one message;
- order violations: a reply reaching the platform after a reply to a later message of the
  same conversation; unmatched: a reply to no message, or to the wrong chat;
- dead letters on the bus, and how many inbound messages were handed out again after the kill;
- throughput: messages / (first webhook sent -> last reply received), overall and per channel.

The baseline is the same stream, processes and kill on one host (every service on
127.0.0.1, the fakes reached directly, the same cluster at its one address, which from the
root namespace is a local address: no veth), run first in the same invocation. All counts
must be 0 in both runs, or the script exits 1. Telegram's sender holds the Bot API's limit
(30 messages/s per bot, 1/s per chat), so the Telegram half bounds both runs' overall figure
alike.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

import httpx
import orjson
import sqlalchemy as sa
from _netns import (
    Cluster,
    Hosts,
    Relay,
    Service,
    free_port,
    need_root,
    spawn,
    stop,
    sweep_stale,
    tail,
    wait_healthy,
)
from onebox_agent_telegram.testing import FakeBotAPI, message_update, update_bytes
from onebox_agent_whatsapp import testing as wa
from onebox_bus import Database
from onebox_router.testing import FakeOpenAIServer, RecordedRequest

BIN = Path(sys.executable).parent
SECRET = "multihost-webhook-secret"
SERVICES = {  # host -> (console script, port)
    "telegram": ("onebox-telegram", 3001),
    "orchestrator-a": ("onebox-orchestrator", 3003),
    "orchestrator-b": ("onebox-orchestrator", 3003),
    "whatsapp": ("onebox-whatsapp", 3002),
}
VICTIM = "orchestrator-b"
CUSTOMER_THREADS = 20
LEASE_SECONDS = 10
SETTLE_SECONDS = 300.0


def _echo(request: RecordedRequest) -> str:
    return f"re: {request.question}"


class Platforms:
    """The fake Bot API, Graph API and Groq of one run (on 127.0.0.1, in this process)."""

    def __init__(self) -> None:
        self.bot = FakeBotAPI()
        self.graph = wa.FakeGraphApi()
        self.groq = FakeOpenAIServer(flavour="groq", responder=_echo)

    def __enter__(self) -> Platforms:
        self.bot.start()
        self.graph.start()
        self.groq.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.groq.stop()
        self.graph.stop()
        self.bot.stop()

    def env(self, folder: Path, relay: Relay | None) -> dict[str, str]:
        """Every platform setting of the services, pointed at the fakes (through `relay`)."""

        def reach(url: str) -> str:
            return relay.url(url) if relay is not None else url

        routing = folder / "routing.toml"  # the fake model has no quota: lift Groq's free tier
        routing.write_text(
            "[providers.groq]\nrequests_per_minute = 1000000\ntokens_per_minute = 100000000\n"
        )
        return {
            "ONEBOX_TELEGRAM_BOT_TOKEN": self.bot.token,
            "ONEBOX_TELEGRAM_SECRET_TOKEN": SECRET,
            "ONEBOX_TELEGRAM_API_URL": reach(self.bot.url),
            "ONEBOX_WHATSAPP_ACCESS_TOKEN": wa.ACCESS_TOKEN,
            "ONEBOX_WHATSAPP_PHONE_NUMBER_ID": wa.PHONE_NUMBER_ID,
            "ONEBOX_WHATSAPP_APP_SECRET": wa.APP_SECRET,
            "ONEBOX_WHATSAPP_API_URL": reach(self.graph.url),
            "ONEBOX_WHATSAPP_MAX_PER_SECOND": "100000",
            "ONEBOX_WHATSAPP_RECIPIENT_INTERVAL_SECONDS": "0",
            "ONEBOX_WHATSAPP_MARK_READ": "false",
            "ONEBOX_GROQ_API_KEY": self.groq.api_key,
            "ONEBOX_GROQ_BASE_URL": reach(self.groq.url),
            "ONEBOX_ROUTING_FILE": str(routing),
            "ONEBOX_MAX_CONCURRENCY": "16",
            "ONEBOX_LEASE_SECONDS": str(LEASE_SECONDS),
            "ONEBOX_IDLE_POLL_SECONDS": "0.05",
            "ONEBOX_LOG_LEVEL": "warning",
            # every message is counted as answered on its own: no burst folding here
            "ONEBOX_BURST_POLICY": "off",
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Inbound:
    """One customer message: its conversation and its place in it."""

    conversation: str  # "telegram:<chat id>" or "whatsapp:<phone>"
    index: int


@dataclass(slots=True)
class Load:
    """What the customers sent: platform message id -> message, and the webhook retries."""

    sent: dict[str, Inbound] = field(default_factory=dict)
    retries: int = 0
    failed: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def customers(args: argparse.Namespace, urls: dict[str, str], load: Load) -> list[threading.Thread]:
    """Threads posting every conversation's messages in order, each until answered 200."""
    half = args.conversations // 2
    convs = [("telegram", str(700_000 + n)) for n in range(half)]
    convs += [("whatsapp", f"1555{os.getpid() % 1000:03d}{n:04d}") for n in range(half)]
    update_ids = itertools.count(1)

    def post(http: httpx.Client, url: str, body: bytes, headers: dict[str, str]) -> bool:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if http.post(url, content=body, headers=headers).status_code == 200:
                    return True
            with load.lock:
                load.retries += 1
            time.sleep(0.1)
        return False

    def customer(mine: list[tuple[str, str]]) -> None:
        with httpx.Client(timeout=10) as http:
            for index in range(args.messages_each):
                for channel, conv in mine:
                    text = f"question {index} from {conv}: {uuid.uuid4().hex}"
                    if channel == "telegram":
                        uid = next(update_ids)
                        body = update_bytes(message_update(uid, int(conv), text, message_id=uid))
                        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
                        platform_id = str(uid)
                    else:
                        msg = wa.text(text, sender=conv, timestamp=time.time())
                        body = wa.meta_bytes(wa.payload(msg))
                        headers = wa.signed_headers(body)
                        platform_id = msg.wamid
                    with load.lock:  # recorded first: a reply can beat the 200 back
                        load.sent[platform_id] = Inbound(
                            conversation=f"{channel}:{conv}", index=index
                        )
                    if not post(http, f"{urls[channel]}/webhook/{channel}", body, headers):
                        with load.lock:
                            load.failed.append(platform_id)

    return [
        threading.Thread(target=customer, args=(convs[k::CUSTOMER_THREADS],), daemon=True)
        for k in range(CUSTOMER_THREADS)
    ]


@dataclass(slots=True)
class Result:
    """One run's figures."""

    lost: int = 0
    duplicated: int = 0
    order: int = 0
    unmatched: int = 0
    dead: int = 0
    not_accepted: int = 0
    in_flight_at_kill: int = 0
    redelivered: int = 0
    seconds: float = 0.0
    rates: dict[str, float] = field(default_factory=dict)
    retries: int = 0

    @property
    def clean(self) -> bool:
        return not (
            self.lost
            or self.duplicated
            or self.order
            or self.unmatched
            or self.dead
            or self.not_accepted
        )


def replies(platforms: Platforms) -> list[tuple[float, str, str]]:
    """(arrival, chat, platform id answered) of every reply, in arrival order."""
    out = []
    for r in platforms.bot.sent():
        reply_to = r.params.get("reply_parameters") or {}
        if isinstance(reply_to, str):
            reply_to = orjson.loads(reply_to)
        out.append((r.at, f"telegram:{r.params.get('chat_id')}", str(reply_to.get("message_id"))))
    for w in platforms.graph.texts():
        context = w.body.get("context") or {}
        out.append(
            (w.arrived_monotonic, f"whatsapp:{w.body.get('to')}", str(context.get("message_id")))
        )
    return sorted(out)


def tally(load: Load, platforms: Platforms, started: float, result: Result) -> None:
    """Lost, duplicated, out of order, unmatched, and the throughput, from the fakes' records."""
    counts: Counter[str] = Counter()
    highest: dict[str, int] = {}
    last: dict[str, float] = {}
    for at, chat, answered in replies(platforms):
        inbound = load.sent.get(answered)
        if inbound is None or inbound.conversation != chat:
            result.unmatched += 1
            continue
        counts[answered] += 1
        if counts[answered] > 1:
            continue
        if inbound.index < highest.get(chat, -1):
            result.order += 1
        highest[chat] = max(highest.get(chat, -1), inbound.index)
        channel = chat.split(":")[0]
        last[channel] = max(last.get(channel, 0.0), at)
    result.lost = sum(1 for pid in load.sent if counts[pid] == 0)
    result.duplicated = sum(n - 1 for n in counts.values())
    result.not_accepted = len(load.failed)
    result.retries = load.retries
    result.seconds = max(last.values(), default=started) - started
    per_channel = Counter(i.conversation.split(":")[0] for i in load.sent.values())
    result.rates["all"] = len(load.sent) / result.seconds if result.seconds else 0.0
    for channel, end in last.items():
        result.rates[channel] = per_channel[channel] / (end - started)


def count(engine: sa.Engine, where: str) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(sa.text(f"SELECT COUNT(*) FROM bus_messages WHERE {where}")).scalar_one()
        )


def migrate(cluster: Cluster, label: str) -> str:
    """A fresh database for one run, migrated by ``onebox migrate``; its URL."""
    db_url = cluster.create(f"onebox_{label.replace('-', '_')}")
    done = subprocess.run(
        [str(BIN / "onebox"), "--database-url", db_url, "migrate"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"onebox migrate failed:\n{done.stdout}{done.stderr}")
    return db_url


def start_services(
    label: str, env: dict[str, str], folder: Path, hosts: Hosts | None
) -> list[Service]:
    """The four services, each on its host (or all on 127.0.0.1 without `hosts`)."""
    services: list[Service] = []
    for name, (script, port) in SERVICES.items():
        argv = [str(BIN / script)]
        if hosts is not None:
            address, argv = hosts.addresses[name], hosts.argv(name, argv)
        else:
            address, port = "127.0.0.1", free_port("127.0.0.1")
        own = {**env, "ONEBOX_HOST": address, "ONEBOX_PORT": str(port)}
        log = folder / f"{label}-{name}.log"
        services.append(spawn(name, argv, own, log, f"http://{address}:{port}"))
    return services


def drive(
    label: str, args: argparse.Namespace, services: list[Service], platforms: Platforms,
    engine: sa.Engine,
) -> Result:  # fmt: skip
    """Send the stream, SIGKILL the victim once half the inbound messages are done, wait
    (bounded) until every message is answered and the bus is quiet, and count."""
    total = (args.conversations // 2) * 2 * args.messages_each
    victim = next(s for s in services if s.name == VICTIM)
    if b"onebox-orchestrator" not in Path(f"/proc/{victim.proc.pid}/cmdline").read_bytes():
        raise SystemExit(f"pid {victim.proc.pid} is not the orchestrator to kill")
    result = Result()
    load = Load()
    threads = customers(args, {s.name: s.url for s in services}, load)
    started = time.monotonic()
    for thread in threads:
        thread.start()
    killed = False
    while time.monotonic() < started + SETTLE_SECONDS:
        done = count(engine, "topic = 'inbound' AND state = 'done'")
        if not killed and done >= total // 2:
            result.in_flight_at_kill = count(engine, "topic = 'inbound' AND state = 'claimed'")
            os.kill(victim.proc.pid, signal.SIGKILL)
            killed = True
            result.rates["inbound before kill"] = done / (time.monotonic() - started)
            print(
                f"[{label}] SIGKILLed {VICTIM} (pid {victim.proc.pid}) at "
                f"{time.monotonic() - started:.1f}s, {done} of {total} inbound done",
                flush=True,
            )
        answered = {pid for _, _, pid in replies(platforms)}
        if (
            killed
            and not any(t.is_alive() for t in threads)
            and answered >= load.sent.keys()
            and count(engine, "state IN ('ready', 'claimed')") == 0
        ):
            break
        time.sleep(0.25)
    else:
        print(f"[{label}] not settled within {SETTLE_SECONDS:g}s", flush=True)
    for thread in threads:
        thread.join(timeout=5)
    result.dead = count(engine, "state = 'dead'")
    result.redelivered = count(engine, "topic = 'inbound' AND attempts > 1")
    tally(load, platforms, started, result)
    result.lost += total - len(load.sent)  # messages a stuck customer never sent
    return result


def run_once(
    label: str, args: argparse.Namespace, *, cluster: Cluster, folder: Path,
    hosts: Hosts | None = None, relay: Relay | None = None,
) -> Result:  # fmt: skip
    """One run: a fresh migrated database, the four services, the stream, the kill, the counts."""
    db_url = migrate(cluster, label)
    database = Database(db_url)
    engine = database.engine
    services: list[Service] = []
    with Platforms() as platforms:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ONEBOX_")}
        env.update(platforms.env(folder, relay))
        env.update(ONEBOX_DATABASE_URL=db_url, PYTHONUNBUFFERED="1")
        try:
            services = start_services(label, env, folder, hosts)
            wait_healthy(services)
            return drive(label, args, services, platforms, engine)
        except Exception:
            for service in services:
                print(f"--- {service.name} log (tail) ---\n{tail(service.log)}", file=sys.stderr)
            raise
        finally:
            stop(services)
            database.close()


def report(results: dict[str, Result], total: int) -> None:
    print(f"\n{total} messages, one orchestrator SIGKILLed halfway through each run")
    print(f"{'':<12}{'lost':>6}{'duplicated':>12}{'out of order':>14}{'unmatched':>11}"
          f"{'dead':>6}{'claimed at kill':>17}{'handed out again':>18}")  # fmt: skip
    for label, r in results.items():
        print(f"{label:<12}{r.lost:>6}{r.duplicated:>12}{r.order:>14}{r.unmatched:>11}"
              f"{r.dead:>6}{r.in_flight_at_kill:>17}{r.redelivered:>18}")  # fmt: skip
    print(f"{'':<12}{'msgs/s':>8}{'telegram/s':>12}{'whatsapp/s':>12}{'seconds':>9}"
          f"{'inbound/s before the kill':>27}{'webhook retries':>17}")  # fmt: skip
    for label, r in results.items():
        rate = r.rates.get
        print(f"{label:<12}{rate('all', 0):>8.1f}{rate('telegram', 0):>12.1f}"
              f"{rate('whatsapp', 0):>12.1f}{r.seconds:>9.1f}"
              f"{rate('inbound before kill', 0):>27.1f}{r.retries:>17}")  # fmt: skip
    single, multi = results.get("single-host"), results.get("multi-host")
    if single and multi:
        ratios = [
            multi.rates.get(k, 0) / single.rates[k] if single.rates.get(k) else float("nan")
            for k in ("all", "inbound before kill")
        ]
        print(f"multi-host / single-host, same run: {ratios[0]:.2f} end to end, "
              f"{ratios[1]:.2f} inbound before the kill")  # fmt: skip


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(f"multihost: stopped by signal {signum}; cleaning up")


@contextlib.contextmanager
def signals_to_exit() -> Iterator[None]:
    """SIGTERM and SIGHUP unwind like Ctrl-C, so every namespace and the cluster are removed."""
    old = {s: signal.signal(s, _terminate) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--conversations", type=int, default=200, help="half per channel")
    parser.add_argument("--messages-each", type=int, default=10)
    args = parser.parse_args()
    need_root()
    if stale := sweep_stale():
        print(f"removed what an earlier killed run left: {', '.join(stale)}")
    total = (args.conversations // 2) * 2 * args.messages_each
    results: dict[str, Result] = {}
    with (
        signals_to_exit(),
        tempfile.TemporaryDirectory(prefix=f"obxmh{os.getpid()}-") as tmp,
        Hosts(list(SERVICES)) as hosts,
        Cluster(address=hosts.gateway, subnet=hosts.net) as cluster,
        Relay(hosts.gateway) as relay,
    ):
        print(
            f"hosts on {hosts.net}.0/24: "
            + ", ".join(f"{n} {a}" for n, a in hosts.addresses.items())
            + f"; PostgreSQL on {cluster.address}:{cluster.port}",
            flush=True,
        )
        folder = Path(tmp)
        results["single-host"] = run_once("single-host", args, cluster=cluster, folder=folder)
        results["multi-host"] = run_once(
            "multi-host", args, cluster=cluster, folder=folder, hosts=hosts, relay=relay
        )
    report(results, total)
    if all(r.clean for r in results.values()):
        print("PASS: 0 lost, 0 duplicated, 0 out of order in both runs")
        return 0
    print("FAIL: see the counts above")
    return 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit("multihost: interrupted; the namespaces and the cluster are removed")
