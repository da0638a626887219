"""``onebox-telegram``: serve the agent, or manage its Telegram webhook.

Commands::

    onebox-telegram [serve]                 run the agent (127.0.0.1:3001 by default)
    onebox-telegram set-webhook URL [--max-connections N] [--drop-pending-updates]
    onebox-telegram delete-webhook [--drop-pending-updates]
    onebox-telegram info                    getWebhookInfo: pending updates, last error

Pending updates are never dropped unless ``--drop-pending-updates`` is given: updates sent
while the bot was down are customers' messages. Only one process should ever call
``set-webhook``: a second one with another secret makes every delivery fail its check.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Coroutine, Sequence
from typing import Any

import httpx
import orjson
from onebox_router import RouterSettings
from onebox_service import RoutingEnv, configure_logging, load_settings, outbound_client, serve

from .api import DEFAULT_ALLOWED_UPDATES, TelegramBotAPI
from .errors import TelegramError
from .settings import TelegramSettings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="onebox-telegram", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="run the agent (the default)")
    hook = sub.add_parser("set-webhook", help="register URL as the bot's webhook")
    hook.add_argument("url", help="the public HTTPS URL of POST /webhook/telegram")
    hook.add_argument("--max-connections", type=int, default=None)
    hook.add_argument(
        "--allowed-updates",
        default=",".join(DEFAULT_ALLOWED_UPDATES),
        help="comma-separated update types (default: %(default)s)",
    )
    hook.add_argument("--drop-pending-updates", action="store_true")
    delete = sub.add_parser("delete-webhook", help="remove the bot's webhook")
    delete.add_argument("--drop-pending-updates", action="store_true")
    sub.add_parser("info", help="print getWebhookInfo")
    return parser


async def _serve(settings: TelegramSettings, router_settings: RouterSettings) -> None:
    from .app import create_app

    timeout = httpx.Timeout(settings.telegram_request_timeout)
    limits = httpx.Limits(max_connections=settings.telegram_sender_concurrency)
    async with outbound_client(timeout=timeout, limits=limits) as http:
        app = create_app(settings, http=http, router_settings=router_settings)
        await serve(app, settings)


async def _admin(settings: TelegramSettings, args: argparse.Namespace) -> Any:
    token, secret = settings.telegram_bot_token, settings.telegram_secret_token
    if token is None:
        raise SystemExit("onebox-telegram: ONEBOX_TELEGRAM_BOT_TOKEN is not set")
    async with httpx.AsyncClient() as http:
        api = TelegramBotAPI(
            token=token,
            http=http,
            api_url=settings.telegram_api_url,
            timeout=settings.telegram_request_timeout,
        )
        if args.command == "set-webhook":
            assert secret is not None  # the settings refuse a token without a secret
            allowed = [u.strip() for u in args.allowed_updates.split(",") if u.strip()]
            return await api.set_webhook(
                args.url,
                secret_token=secret,
                allowed_updates=allowed,
                max_connections=args.max_connections or settings.telegram_max_connections,
                drop_pending_updates=args.drop_pending_updates,
            )
        if args.command == "delete-webhook":
            return await api.delete_webhook(drop_pending_updates=args.drop_pending_updates)
        return await api.get_webhook_info()


def _run(main: Coroutine[Any, Any, None]) -> None:
    """Run on uvloop where it is installed (uvicorn's httptools parser is picked on its own)."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
    else:
        uvloop.run(main)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``onebox-telegram`` console script."""
    args = _parser().parse_args(argv)
    settings = load_settings(TelegramSettings)
    command = args.command or "serve"
    if command == "serve":
        configure_logging(json=settings.log_format == "json", level=settings.log_level)
        routing = load_settings(RoutingEnv).routing
        router_settings = RouterSettings(**routing.model_dump(exclude_none=True))
        _run(_serve(settings, router_settings))
        return 0
    try:
        result = asyncio.run(_admin(settings, args))
    except TelegramError as exc:
        print(f"onebox-telegram: {command} failed: {exc}", file=sys.stderr)
        return 1
    sys.stdout.write(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode() + "\n")
    return 0
