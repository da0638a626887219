"""``onebox up``: migrate, then run the whole stack locally as supervised child processes.

With nothing configured it runs offline and key-less: SQLite under ``./var/``, both channels
in sandbox mode (replies recorded, not sent), the router answering from the example FAQ.
Keys and tokens in the environment or in ``.env`` make it run for real.
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Any

from sqlalchemy.engine import make_url

from onebox._stack import ServiceSpec, Stack, StackError
from onebox._stack_logs import LogSink
from onebox.settings import (
    EnvFileError,
    child_environment,
    load_onebox_settings,
    stdout_is_terminal,
)

SERVICES = ("telegram", "whatsapp", "orchestrator", "metrics")
DEFAULT_PORTS = {"telegram": 3001, "whatsapp": 3002, "orchestrator": 3003}
SCRIPTS = {
    "telegram": "onebox-telegram",
    "whatsapp": "onebox-whatsapp",
    "orchestrator": "onebox-orchestrator",
    "metrics": "onebox-metrics",
}
DEFAULT_STATE_FILE = Path("var/onebox-up.json")


def register(subparsers: Any) -> None:
    """Add ``onebox up``."""
    p = subparsers.add_parser(
        "up",
        help="migrate and run every service locally (Ctrl-C stops them)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--only",
        type=_names,
        default=SERVICES,
        metavar="NAMES",
        help="comma-separated subset of telegram,whatsapp,orchestrator,metrics",
    )
    p.add_argument(
        "--port",
        action="append",
        default=[],
        metavar="NAME=PORT",
        help="a service's port (default telegram=3001 whatsapp=3002 orchestrator=3003)",
    )
    p.add_argument("--env-file", type=Path, default=Path(".env"), help="default: ./.env")
    p.add_argument("--metrics-dir", type=Path, default=Path("var/metrics"))
    p.add_argument("--metrics-every", type=float, default=15.0, metavar="SECONDS")
    p.add_argument("--health-timeout", type=float, default=30.0, metavar="SECONDS")
    p.add_argument("--grace", type=float, default=15.0, metavar="SECONDS",
                   help="SIGTERM to SIGKILL on stop")  # fmt: skip
    p.add_argument("--state-file", type=Path, default=DEFAULT_STATE_FILE)
    p.set_defaults(handler=run_up)


def run_up(args: argparse.Namespace) -> int:
    """Run the stack until SIGINT or SIGTERM; 0 after a clean stop."""
    sink = LogSink(pretty=stdout_is_terminal())
    try:
        settings = load_onebox_settings(args.env_file)
        ports = {**DEFAULT_PORTS, **_ports(args.port)}
    except (EnvFileError, ValueError) as exc:
        print(f"onebox up: {exc}", file=sys.stderr)
        return 2
    url = args.database_url or settings.database_url
    try:
        _migrate(url)
    except Exception as exc:  # noqa: BLE001 - any failure to migrate stops `up` with its reason
        print(f"onebox up: cannot migrate {_safe(url)}: {exc}", file=sys.stderr)
        return 1
    bin_dir = Path(sys.executable).parent
    missing = [SCRIPTS[n] for n in args.only if not (bin_dir / SCRIPTS[n]).exists()]
    if missing:
        print(
            f"onebox up: {', '.join(missing)} not found next to {sys.executable}; "
            "run `uv sync --all-packages`",
            file=sys.stderr,
        )
        return 1
    specs = [_spec(name, bin_dir, ports, args) for name in args.only]
    env = child_environment(
        args.env_file, overrides={"ONEBOX_DATABASE_URL": url, "ONEBOX_LOG_FORMAT": "json"}
    )
    stack = Stack(specs, env=env, sink=sink, state_file=args.state_file, grace=args.grace)

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stack.stopping.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        stack.start()
        try:
            stack.wait_healthy(args.health_timeout)
        except StackError as exc:
            sink.event("up.failed", level="error", reason=str(exc))
            stack.stop()
            print(f"onebox up: {exc}", file=sys.stderr)
            return 1
        _announce(sink, specs, settings, args)
        try:
            stack.supervise()
        except StackError as exc:
            sink.event("up.failed", level="error", reason=str(exc))
            stack.stop()
            print(f"onebox up: {exc}", file=sys.stderr)
            return 1
        codes = stack.stop()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 0 if all(code in (0, -signal.SIGTERM) for code in codes.values()) else 1


def _spec(name: str, bin_dir: Path, ports: dict[str, int], args: argparse.Namespace) -> ServiceSpec:
    script = str(bin_dir / SCRIPTS[name])
    if name == "metrics":
        argv = (
            script,
            "export",
            "--every",
            f"{args.metrics_every:g}",
            "--dir",
            str(args.metrics_dir),
        )
        return ServiceSpec(name=name, argv=argv)
    return ServiceSpec(
        name=name, argv=(script,), port=ports[name], env={"ONEBOX_PORT": str(ports[name])}
    )


def _announce(
    sink: LogSink, specs: list[ServiceSpec], settings: Any, args: argparse.Namespace
) -> None:
    forced = settings.sandbox is True
    modes = {
        "telegram": "sandbox: replies recorded"
        if forced or settings.telegram_bot_token is None
        else "live",
        "whatsapp": "sandbox: replies recorded"
        if forced or settings.whatsapp_access_token is None
        else "live",
        "orchestrator": "routing replies",
    }
    for spec in specs:
        if spec.url is not None:
            text = f"{spec.name:<13} {spec.url:<24} healthy ({modes.get(spec.name, '')})"
            sink.say(text, name=spec.name, url=spec.url, healthy=True)
        else:
            where = args.metrics_dir / "onebox.prom"
            sink.say(f"{spec.name:<13} {where!s:<24} every {args.metrics_every:g}s",
                     name=spec.name, path=str(where))  # fmt: skip
    sink.say("onebox is up: try `uv run onebox chat` in another terminal; Ctrl-C stops it")


def _migrate(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    from onebox_bus import upgrade

    upgrade(url)


def _names(text: str) -> tuple[str, ...]:
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    unknown = [n for n in names if n not in SERVICES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown service {', '.join(map(repr, unknown)) or '(none)'}; "
            f"choose from {','.join(SERVICES)}"
        )
    return tuple(n for n in SERVICES if n in names)


def _ports(items: list[str]) -> dict[str, int]:
    ports: dict[str, int] = {}
    for item in items:
        name, _, value = item.partition("=")
        if name not in DEFAULT_PORTS or not value.isdigit() or not 0 < int(value) < 65536:
            raise ValueError(
                f"--port {item!r}: expected NAME=PORT with NAME one of {sorted(DEFAULT_PORTS)}"
            )
        ports[name] = int(value)
    return ports


def _safe(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)
