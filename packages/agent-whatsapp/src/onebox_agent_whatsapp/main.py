"""``onebox-whatsapp``: serve the agent (default) or check its setup (``verify-setup``)."""

from __future__ import annotations

import argparse
import asyncio
import sys

import httpx
from onebox_router import RouterSettings
from onebox_service import RoutingEnv, configure_logging, load_settings, run

from .settings import WhatsAppSettings
from .setup_check import verify_setup


def main(argv: list[str] | None = None) -> int:
    """The console script."""
    parser = argparse.ArgumentParser(
        prog="onebox-whatsapp", description="onebox's WhatsApp sales agent (port 3002)."
    )
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve", help="serve the webhook, health and metrics (the default)")
    check = commands.add_parser(
        "verify-setup", help="check that the token, phone number id and webhook are consistent"
    )
    check.add_argument(
        "--webhook-url",
        help="the running service's webhook URL to verify "
        "(default: http://ONEBOX_HOST:ONEBOX_PORT/webhook/whatsapp; 'none' skips it)",
    )
    args = parser.parse_args(argv)
    settings = load_settings(WhatsAppSettings)
    if args.command == "verify-setup":
        return _verify(settings, args.webhook_url)
    configure_logging(json=settings.log_format == "json", level=settings.log_level)
    from .app import create_app

    routing = load_settings(RoutingEnv).routing
    router_settings = RouterSettings(**routing.model_dump(exclude_none=True))
    run(create_app(settings, router_settings=router_settings), settings)
    return 0


def _verify(settings: WhatsAppSettings, webhook_url: str | None) -> int:
    if webhook_url is None:
        webhook_url = f"http://{settings.host}:{settings.port}/webhook/whatsapp"
    elif webhook_url == "none":
        webhook_url = None

    async def check() -> int:
        async with httpx.AsyncClient() as http:
            checks = await verify_setup(settings, http=http, webhook_url=webhook_url)
        for item in checks:
            print(item.line())
        return 0 if all(item.ok for item in checks) else 1

    return asyncio.run(check())


if __name__ == "__main__":
    sys.exit(main())
