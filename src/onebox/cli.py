"""``onebox``: one command for the whole stack.

The bus's commands (``migrate``, ``stats``, ``dead``, ``purge-done``) come from onebox-bus;
every other command lives in a module of `onebox.commands` exposing
``register(subparsers)``, which adds its parser with ``set_defaults(handler=...)``. A handler
takes the parsed arguments and returns the exit code.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from onebox_bus import cli as bus_cli

from . import commands


def build_parser() -> argparse.ArgumentParser:
    """The ``onebox`` argument parser, with every command module registered."""
    parser = argparse.ArgumentParser(prog="onebox", description="Run and inspect onebox.")
    parser.add_argument("--database-url", help="default: $ONEBOX_DATABASE_URL or ./var/onebox.db")
    sub = parser.add_subparsers(dest="command", required=True)
    bus_cli.add_commands(sub)
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``onebox``."""
    args = build_parser().parse_args(argv)
    if args.handler.__module__ == bus_cli.__name__:
        return bus_cli.run(args)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
