"""``onebox chat``: talk to the running stack as a customer, from the terminal.

Each line is posted to the agent as the platform's real webhook (with the secret header or
signature when one is configured) and the bot's reply is printed once the sender has
delivered it. ``--once TEXT`` sends one message, prints the reply and exits (for scripts).
While a person handles the conversation, a message is relayed to them instead of answered,
and their replies are printed as they arrive.

``--operator`` is the other side: the operator chat (``ONEBOX_OPERATOR_CHAT_ID``). Every
post the bot makes there (escalations, relayed customer messages, answers to commands) is
printed as it arrives; each line typed is posted as a message in that chat. Answer a
customer with ``#3 your text`` (3 is the handoff's number in its post), hand the
conversation back with ``/done 3``, list the open handoffs with ``/who``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import httpx
from onebox_bus import Database

from onebox._chat import ChatChannel, ChatError, ChatReply, ChatSession, Watcher
from onebox._stack import service_urls
from onebox.settings import EnvFileError, load_onebox_settings

from .up import DEFAULT_STATE_FILE


def register(subparsers: Any) -> None:
    """Add ``onebox chat``."""
    p = subparsers.add_parser(
        "chat", help="chat with the running stack as a customer", description=__doc__
    )
    p.add_argument("--channel", choices=("telegram", "whatsapp"), default="telegram")
    p.add_argument("--once", metavar="TEXT", help="send TEXT, print the reply, exit")
    p.add_argument("--operator", action="store_true",
                   help="speak in the operator chat (ONEBOX_OPERATOR_CHAT_ID)")  # fmt: skip
    p.add_argument("--chat-id", help="the Telegram chat id / WhatsApp number (default: random)")
    p.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS",
                   help="how long to wait for each reply")  # fmt: skip
    p.add_argument("--url", action="append", default=[], metavar="NAME=URL",
                   help="an agent's URL (default: the running `onebox up`'s)")  # fmt: skip
    p.add_argument("--env-file", type=Path, default=Path(".env"))
    p.add_argument("--state-file", type=Path, default=DEFAULT_STATE_FILE, help=argparse.SUPPRESS)
    p.set_defaults(handler=run_chat)


def run_chat(args: argparse.Namespace) -> int:
    """Send `--once` or every line of stdin; 0 when every message got its reply."""
    try:
        settings = load_onebox_settings(args.env_file)
        urls = service_urls(args.state_file, args.url)
    except (EnvFileError, ValueError) as exc:
        print(f"onebox chat: {exc}", file=sys.stderr)
        return 2
    channel: ChatChannel = "telegram" if args.operator else args.channel
    conversation = args.chat_id
    if args.operator:
        conversation = conversation or (
            str(settings.operator_chat_id) if settings.operator_chat_id is not None else None
        )
        if conversation is None:
            print(
                "onebox chat --operator: set ONEBOX_OPERATOR_CHAT_ID (the operator chat's id) "
                "for the stack, or give --chat-id",
                file=sys.stderr,
            )
            return 2
    secret = (
        settings.telegram_secret_token if channel == "telegram" else settings.whatsapp_app_secret
    )
    with (
        Database(args.database_url or settings.database_url) as db,
        httpx.Client(timeout=10.0) as http,
    ):
        session = ChatSession(
            channel,
            base_url=urls[channel],
            db=db,
            http=http,
            conversation=conversation,
            secret=secret.get_secret_value() if secret is not None else None,
            phone_number_id=settings.whatsapp_phone_number_id,
        )
        if args.operator:
            return _operator(session, db, once=args.once)
        if args.once is not None:
            return _exchange(session, args.once, args.timeout)
        watcher = Watcher(
            db,
            channel=channel,
            conversation=session.conversation,
            only_operator=True,
            prefix="person> ",
            emit=lambda line: print(line, flush=True),
        )
        with watcher:
            return _interactive(session, args.timeout)


def _operator(session: ChatSession, db: Database, *, once: str | None) -> int:
    """Post each line in the operator chat; print whatever the bot posts there."""
    if once is not None:
        try:
            session.post(once)
        except ChatError as exc:
            print(f"onebox chat: {exc}", file=sys.stderr)
            return 1
        return 0
    tty = sys.stdin.isatty()
    if tty:
        print(
            f"operator chat {session.conversation}: escalations appear here; answer with "
            "'#N text', hand back with '/done N', '/who' lists open handoffs; Ctrl-D ends it"
        )
    watcher = Watcher(
        db,
        channel="telegram",
        conversation=session.conversation,
        only_operator=False,
        prefix="bot> ",
        emit=lambda line: print(line, flush=True),
    )
    with watcher:
        while True:
            try:
                line = input("operator> " if tty else "")
            except (EOFError, KeyboardInterrupt):
                print()
                return 0
            if line.strip():
                try:
                    session.post(line)
                except ChatError as exc:
                    print(f"onebox chat: {exc}", file=sys.stderr)


def _interactive(session: ChatSession, timeout: float) -> int:
    tty = sys.stdin.isatty()
    if tty:
        print(
            f"chatting with the {session.channel} agent at {session.url} as "
            f"{session.conversation}; an empty line or Ctrl-D ends it"
        )
    failures = 0
    while True:
        try:
            line = input("you> " if tty else "")
        except (EOFError, KeyboardInterrupt):
            print()
            return 1 if failures else 0
        if not line.strip():
            if tty:
                return 1 if failures else 0
            continue
        failures += _exchange(session, line, timeout)


def _exchange(session: ChatSession, text: str, timeout: float) -> int:
    try:
        reply = session.send(text, timeout=timeout)
    except ChatError as exc:
        print(f"onebox chat: {exc}", file=sys.stderr)
        return 1
    print(_describe(reply), flush=True)
    return 0 if reply.status in ("sent", "relayed") else 1


def _describe(reply: ChatReply) -> str:
    if reply.status == "relayed":
        return "(relayed to a person: their reply will appear here)"
    if reply.status == "sent":
        where = "" if reply.sandbox else " (sent to the platform)"
        return f"bot> {reply.text}{where}  [{reply.latency_s:.2f}s]"
    return (
        f"bot did not reply: {reply.status}: {reply.error}  [correlation id {reply.correlation_id}]"
    )
