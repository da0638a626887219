"""``onebox chat``: talk to the running stack as a customer, from the terminal.

Each line is posted to the agent as the platform's real webhook (with the secret header or
signature when one is configured) and the bot's reply is printed once the sender has
delivered it. ``--once TEXT`` sends one message, prints the reply and exits (for scripts).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import httpx
from onebox_bus import Database

from onebox._chat import ChatError, ChatReply, ChatSession
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
    secret = (
        settings.telegram_secret_token
        if args.channel == "telegram"
        else settings.whatsapp_app_secret
    )
    with (
        Database(args.database_url or settings.database_url) as db,
        httpx.Client(timeout=10.0) as http,
    ):
        session = ChatSession(
            args.channel,
            base_url=urls[args.channel],
            db=db,
            http=http,
            conversation=args.chat_id,
            secret=secret.get_secret_value() if secret is not None else None,
            phone_number_id=settings.whatsapp_phone_number_id,
        )
        if args.once is not None:
            return _exchange(session, args.once, args.timeout)
        return _interactive(session, args.timeout)


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
    return 0 if reply.status == "sent" else 1


def _describe(reply: ChatReply) -> str:
    if reply.status == "sent":
        where = "" if reply.sandbox else " (sent to the platform)"
        return f"bot> {reply.text}{where}  [{reply.latency_s:.2f}s]"
    return (
        f"bot did not reply: {reply.status}: {reply.error}  [correlation id {reply.correlation_id}]"
    )
