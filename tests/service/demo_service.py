"""A tiny service on the kit, run as a real process by test_run.py (not collected by pytest)."""

from __future__ import annotations

import anyio
from onebox_bus import Message
from onebox_service import (
    SandboxChannel,
    Sender,
    ServiceSettings,
    configure_logging,
    create_service_app,
    load_settings,
    open_runtime,
    run,
)


def main() -> None:
    settings = load_settings(ServiceSettings)
    configure_logging(json=settings.log_format == "json", level=settings.log_level)
    runtime = open_runtime(settings, service="demo")

    async def slow(message: Message) -> None:
        await anyio.sleep(1.0)
        await anyio.to_thread.run_sync(lambda: runtime.bus.ack(message))

    runtime.add_consumer("demo.slow", slow, name="slow-worker", max_poll=0.05)
    runtime.add_worker(
        Sender(
            bus=runtime.bus,
            channel=SandboxChannel("demo"),
            deliveries=runtime.deliveries,
            collector=runtime.collector,
            max_poll=0.05,
        )
    )
    run(create_service_app(runtime), settings)


if __name__ == "__main__":
    main()
