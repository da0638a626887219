"""What ``onebox chat`` does: post a real webhook to an agent and wait for the bot's reply.

A line typed becomes the update the platform would POST (a Telegram ``message`` update with
the secret header when one is configured; a WhatsApp ``messages`` notification signed with
the app secret when one is configured). The agent answers 200 only after the message is on
the bus, so the chat then finds it there by its dedupe key, learns its correlation id, and
waits for the reply: the sandbox record's text, or, when the agent sends for real, the
delivery record and the reply's text from the outbound topic. A dead letter is reported
with its reason instead of waiting forever; a message a person's conversation took (the bot
relays it to the operator chat instead of answering) is reported as relayed.

`Watcher` prints what arrives without being asked: a person's replies in a customer's chat,
and everything the bot posts in the operator chat (``onebox chat --operator``).
"""

from __future__ import annotations

import itertools
import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import httpx
import orjson
import sqlalchemy as sa
from onebox_agent_whatsapp import sign
from onebox_bus import Database
from onebox_bus.contracts import outbound_topic
from onebox_service import DeliveryStore

ChatChannel = Literal["telegram", "whatsapp"]
TELEGRAM_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_PATHS = {"telegram": "/webhook/telegram", "whatsapp": "/webhook/whatsapp"}
DEFAULT_PHONE_NUMBER_ID = "100000000000001"


class ChatError(RuntimeError):
    """The message could not be sent, or no reply came in time."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatReply:
    """The outcome of one message: the reply's text, or why there is none."""

    correlation_id: str
    text: str | None
    sandbox: bool
    status: str
    error: str | None = None
    latency_s: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookRequest:
    """One webhook POST, and the dedupe key its message gets on the bus."""

    body: bytes
    headers: dict[str, str]
    dedupe_key: str


class ChatSession:
    """One customer talking to one agent.

    Args:
        channel: ``telegram`` or ``whatsapp``.
        base_url: the agent's URL (``http://127.0.0.1:3001``).
        db: the shared database, where the reply is looked up.
        http: the client that posts the webhooks (the caller closes it).
        conversation: the Telegram chat id or WhatsApp customer number (random when None).
        secret: the Telegram webhook secret or WhatsApp app secret (None: not configured).
        phone_number_id: the WhatsApp business number the notifications are addressed to.
        clock: wall clock.
    """

    def __init__(
        self,
        channel: ChatChannel,
        *,
        base_url: str,
        db: Database,
        http: httpx.Client,
        conversation: str | None = None,
        secret: str | None = None,
        phone_number_id: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.channel = channel
        self.url = base_url.rstrip("/") + WEBHOOK_PATHS[channel]
        self.engine = db.engine
        self.http = http
        rng = random.Random()
        default = str(rng.randrange(10**9, 2 * 10**9)) if channel == "telegram" else (
            "1555" + str(rng.randrange(10**6, 10**7))
        )  # fmt: skip
        self.conversation = conversation or default
        self.secret = secret
        self.phone_number_id = phone_number_id or DEFAULT_PHONE_NUMBER_ID
        self.clock = clock
        # Unique across runs (platform ids are never reused): milliseconds, then a counter.
        self._ids = itertools.count(int(clock() * 1000) % 10**12)
        self.deliveries = DeliveryStore(db, clock=clock)

    def webhook(self, text: str) -> WebhookRequest:
        """The POST the platform would send for a customer typing `text`."""
        n = next(self._ids)
        now = int(self.clock())
        if self.channel == "telegram":
            chat = {"id": int(self.conversation), "first_name": "Terminal", "type": "private"}
            update = {
                "update_id": n,
                "message": {
                    "message_id": n % 2**31,
                    "from": {
                        "id": int(self.conversation),
                        "is_bot": False,
                        "first_name": "Terminal",
                    },
                    "chat": chat,
                    "date": now,
                    "text": text,
                },
            }
            body = orjson.dumps(update)
            headers = {"content-type": "application/json"}
            if self.secret:
                headers[TELEGRAM_SECRET_HEADER] = self.secret
            return WebhookRequest(body=body, headers=headers, dedupe_key=f"telegram:{n}")
        wamid = f"wamid.onebox-chat-{n}"
        value = {
            "messaging_product": "whatsapp",
            "metadata": {
                "display_phone_number": "15550000000",
                "phone_number_id": self.phone_number_id,
            },
            "contacts": [{"profile": {"name": "Terminal"}, "wa_id": self.conversation}],
            "messages": [
                {"from": self.conversation, "id": wamid, "timestamp": str(now), "type": "text",
                 "text": {"body": text}}
            ],
        }  # fmt: skip
        notification = {
            "object": "whatsapp_business_account",
            "entry": [{"id": "0", "changes": [{"value": value, "field": "messages"}]}],
        }
        # Serialised as Meta does (ASCII only, "/" escaped); the signature covers these bytes.
        raw = (
            json.dumps(notification, ensure_ascii=True, separators=(",", ":"))
            .replace("/", "\\/")
            .encode()
        )
        headers = {"content-type": "application/json"}
        if self.secret:
            headers["X-Hub-Signature-256"] = sign(raw, self.secret)
        return WebhookRequest(body=raw, headers=headers, dedupe_key=f"whatsapp:{wamid}")

    def send(self, text: str, *, timeout: float = 30.0) -> ChatReply:
        """Post `text` as the customer and wait for the reply.

        Raises:
            ChatError: the agent is unreachable or refused the webhook, or no reply in time.
        """
        started = self.clock()
        request = self.webhook(text)
        try:
            response = self.http.post(self.url, content=request.body, headers=request.headers)
        except httpx.HTTPError as exc:
            raise ChatError(f"cannot reach the {self.channel} agent at {self.url}: {exc}") from None
        if response.status_code != 200:
            raise ChatError(
                f"the {self.channel} agent answered {response.status_code} {response.text[:200]!r}"
            )
        deadline = started + timeout
        correlation_id: str | None = None
        while self.clock() < deadline:
            if correlation_id is None:
                correlation_id = self._correlation(request.dedupe_key)
            if correlation_id is not None:
                reply = self._reply(correlation_id)
                if reply is not None:
                    return ChatReply(
                        correlation_id=reply.correlation_id,
                        text=reply.text,
                        sandbox=reply.sandbox,
                        status=reply.status,
                        error=reply.error,
                        latency_s=self.clock() - started,
                    )
            time.sleep(0.05)
        where = f" (correlation id {correlation_id})" if correlation_id else ""
        raise ChatError(f"no reply within {timeout:g}s{where}: is the orchestrator running?")

    def _ours(self, conversation_id: str) -> bool:
        """True for this chat's conversation (WhatsApp's is ``<number id>:<customer>``)."""
        return conversation_id == self.conversation or conversation_id.endswith(
            ":" + self.conversation
        )

    def post(self, text: str) -> None:
        """Post `text` without waiting for a reply (the operator's side).

        Raises:
            ChatError: the agent is unreachable or refused the webhook.
        """
        request = self.webhook(text)
        try:
            response = self.http.post(self.url, content=request.body, headers=request.headers)
        except httpx.HTTPError as exc:
            raise ChatError(f"cannot reach the {self.channel} agent at {self.url}: {exc}") from None
        if response.status_code != 200:
            raise ChatError(
                f"the {self.channel} agent answered {response.status_code} {response.text[:200]!r}"
            )

    def _correlation(self, dedupe_key: str) -> str | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.text(
                    "SELECT correlation_id FROM bus_messages "
                    "WHERE topic = 'inbound' AND dedupe_key = :key"
                ),
                {"key": dedupe_key},
            ).first()
        return None if row is None else row[0]

    def _reply(self, correlation_id: str) -> ChatReply | None:
        delivered = self.deliveries.by_correlation(correlation_id)
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT topic, state, payload, last_error FROM bus_messages "
                    "WHERE correlation_id = :cid AND topic IN ('inbound', :out) ORDER BY id"
                ),
                {"cid": correlation_id, "out": outbound_topic(self.channel)},
            ).all()
        outbound = [
            r for r in rows if r.topic != "inbound" and self._ours(_conversation(r.payload))
        ]
        delivered = [d for d in delivered if self._ours(d.conversation_id)]
        if delivered:
            sandbox = all(d.sandbox for d in delivered)
            failed = [d for d in delivered if d.status == "failed"]
            text: str | None
            if sandbox:
                text = "\n".join(d.text or "" for d in delivered)
            else:
                text = "\n".join(_reply_text(r.payload) for r in outbound) or None
            return ChatReply(
                correlation_id=correlation_id,
                text=text,
                sandbox=sandbox,
                status="failed" if failed else "sent",
                error=failed[0].error if failed else None,
            )
        if not outbound and any(r.topic == "inbound" and r.state == "done" for r in rows):
            # Settled without a reply to this chat: a person has the conversation.
            return ChatReply(
                correlation_id=correlation_id, text=None, sandbox=False, status="relayed"
            )
        for row in rows:
            if row.state == "dead":
                return ChatReply(
                    correlation_id=correlation_id,
                    text=None,
                    sandbox=False,
                    status="dead",
                    error=f"{row.topic}: {row.last_error or 'dead letter'}",
                )
        return None


class Watcher:
    """Prints messages sent to one chat that no message of this session asked for.

    Args:
        db: the shared database.
        channel / conversation: the chat watched (``telegram`` and the operator chat's id, or
            the customer's chat).
        only_operator: print only what the operator chat caused (a person's replies in a
            customer's chat); False prints everything (the operator chat itself).
        prefix: printed before each message.
        every: seconds between looks.
    """

    def __init__(
        self,
        db: Database,
        *,
        channel: str,
        conversation: str,
        only_operator: bool,
        prefix: str,
        every: float = 0.2,
        emit: Callable[[str], None] = print,
    ) -> None:
        self.engine = db.engine
        self.channel = channel
        self.conversation = conversation
        self.only_operator = only_operator
        self.prefix = prefix
        self.every = every
        self.emit = emit
        self._stop = threading.Event()
        self._last = self._max_id()
        self._thread = threading.Thread(target=self._run, name="onebox-chat-watcher", daemon=True)

    def __enter__(self) -> Watcher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _max_id(self) -> int:
        with self.engine.connect() as conn:
            return int(
                conn.execute(sa.text("SELECT MAX(id) FROM service_deliveries")).scalar() or 0
            )

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                for text in self.poll():
                    self.emit(f"{self.prefix}{text}")
            except sa.exc.SQLAlchemyError:
                continue  # a locked or restarting database: look again next time

    def poll(self) -> list[str]:
        """The texts of the new messages to print."""
        query = (
            "SELECT d.id, d.conversation_id, d.text, d.sandbox, b.payload "
            "FROM service_deliveries d LEFT JOIN bus_messages b ON b.id = d.bus_message_id "
            "WHERE d.id > :last AND d.channel = :channel AND d.status != 'failed'"
        )
        if self.only_operator:
            query += (
                " AND d.correlation_id IN "
                "(SELECT correlation_id FROM bus_messages WHERE topic = 'operator')"
            )
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.text(query + " ORDER BY d.id"), {"last": self._last, "channel": self.channel}
            ).all()
        out = []
        for row in rows:
            self._last = max(self._last, int(row.id))
            conv = str(row.conversation_id)
            if conv != self.conversation and not conv.endswith(":" + self.conversation):
                continue
            text = row.text if row.sandbox or row.payload is None else _reply_text(row.payload)
            out.append(str(text or ""))
        return out


def _conversation(payload: bytes) -> str:
    data = orjson.loads(payload)
    return str(data.get("conversation_id", "")) if isinstance(data, dict) else ""


def _reply_text(payload: bytes) -> str:
    data = orjson.loads(payload)
    return str(data.get("text", "")) if isinstance(data, dict) else ""
