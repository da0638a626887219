"""``python -m onebox_agent_telegram.testing [PORT]``: serve a fake Bot API until killed."""

from __future__ import annotations

import sys
import threading

from .bot_api import FakeBotAPI


def main(argv: list[str] | None = None) -> None:
    """``python -m onebox_agent_telegram.testing [PORT]``: serve a fake Bot API until killed.

    Prints its URL and token on one line, so a test can run it in its own process.
    """
    args = sys.argv[1:] if argv is None else argv
    fake = FakeBotAPI(port=int(args[0]) if args else 0).start()
    print(f"{fake.url} {fake.token}", flush=True)
    threading.Event().wait()


main()
