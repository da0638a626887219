"""``onebox``: one command for the whole stack (the bus's commands for now)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from onebox_bus import cli as bus_cli


def build_parser() -> argparse.ArgumentParser:
    """The ``onebox`` argument parser."""
    parser = argparse.ArgumentParser(prog="onebox", description=__doc__)
    parser.add_argument("--database-url", help="default: $ONEBOX_DATABASE_URL or ./var/onebox.db")
    bus_cli.add_commands(parser.add_subparsers(dest="command", required=True))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``onebox``."""
    return bus_cli.run(build_parser().parse_args(argv))
