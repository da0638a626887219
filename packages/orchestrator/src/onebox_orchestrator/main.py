"""``onebox-orchestrator``: build everything from ``ONEBOX_*`` settings and serve on port 3003.

`main()` is the composition root: it reads the settings and the business file (a bad value
stops it with one line naming the variable or field), opens the kit's runtime (which checks
the database schema), creates the HTTP client and the router, serves the app with the kit's
runner (READY=1 once bound, drain on SIGTERM), and closes what it created on the way out.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence

import anyio
import httpx
import structlog
from onebox_bus import BusError
from onebox_router import build_router, open_faq
from onebox_service import (
    BusinessFileError,
    configure_logging,
    load_business,
    load_settings,
    open_runtime,
    outbound_client,
    serve,
)

from .app import SERVICE, create_app
from .holding import HoldingReplies
from .persona import Personas
from .settings import OrchestratorSettings

log = structlog.get_logger("onebox.orchestrator")


def load_holding(
    settings: OrchestratorSettings, *, clock: Callable[[], float] = time.time
) -> HoldingReplies:
    """The holding replies from the business file; a bad file stops the process in one line.

    A reply promises a person (``person_notified``) exactly when escalations are posted to a
    person: ``ONEBOX_OPERATOR_CHAT_ID`` is set and ``ONEBOX_HANDOFF_ENABLED`` is on.
    """
    business = None
    if settings.business_file is not None:
        try:
            business = load_business(settings.business_file)
        except BusinessFileError as exc:
            print(f"onebox: invalid setting {exc}", file=sys.stderr)
            raise SystemExit(2) from None
    return HoldingReplies(
        business=business, person_notified=settings.posts_escalations, clock=clock
    )


def load_personas(
    settings: OrchestratorSettings, holding: HoldingReplies | None = None
) -> Personas:
    """The personas the settings name; an unreadable file stops the process naming its variable."""
    named = {
        "ONEBOX_PERSONA_TELEGRAM_FILE": settings.persona_telegram_file,
        "ONEBOX_PERSONA_WHATSAPP_FILE": settings.persona_whatsapp_file,
        "ONEBOX_FAQ_FILE": settings.faq_file,
    }
    for variable, path in named.items():
        if path is not None and not path.is_file():
            print(f"onebox: invalid setting {variable}: no readable file there", file=sys.stderr)
            raise SystemExit(2)
    business = holding.business if holding is not None else None
    return Personas.load(
        business=business.name if business is not None else settings.business_name,
        prompts={"telegram": settings.persona_telegram, "whatsapp": settings.persona_whatsapp},
        files={
            "telegram": settings.persona_telegram_file,
            "whatsapp": settings.persona_whatsapp_file,
        },
        faq_file=settings.faq_file,
        holding=holding,
    )


async def run_service(settings: OrchestratorSettings) -> None:
    """Serve the orchestrator until SIGINT/SIGTERM, then drain and close."""
    holding = load_holding(settings)
    personas = load_personas(settings, holding)
    try:
        runtime = open_runtime(settings, service=SERVICE)
    except BusError as exc:
        print(f"onebox: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    router_settings = settings.router_settings()
    faq = open_faq(router_settings, runtime.db, clock=time.time)
    async with outbound_client(timeout=httpx.Timeout(60.0, connect=5.0)) as http:
        router = build_router(
            router_settings,
            http=http,
            db=runtime.db,
            clock=time.time,
            collector=runtime.collector,
            holding=holding.reply,
            faq=faq,
        )
        try:
            app = create_app(
                settings, router=router, runtime=runtime, personas=personas, holding=holding,
                faq=faq,
            )  # fmt: skip
            await serve(app, settings)
        finally:
            await router.aclose()
            runtime.close()


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``onebox-orchestrator`` console script."""
    parser = argparse.ArgumentParser(
        prog="onebox-orchestrator",
        description="Answer every inbound message through the router (default 127.0.0.1:3003).",
    )
    parser.add_argument(
        "command",
        nargs="?",
        default="serve",
        choices=("serve", "check"),
        help="serve (the default), or check the settings, personas and schema and exit",
    )
    args = parser.parse_args(argv)
    settings = load_settings(OrchestratorSettings)
    configure_logging(json=settings.log_format == "json", level=settings.log_level)
    if args.command == "check":
        load_personas(settings, load_holding(settings))
        try:
            open_runtime(settings, service=SERVICE).close()
        except BusError as exc:
            print(f"onebox: {exc}", file=sys.stderr)
            raise SystemExit(2) from None
        print("onebox-orchestrator: settings, personas and schema ok")
        return
    anyio.run(run_service, settings)
