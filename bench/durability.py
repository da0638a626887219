"""One benchmark script with ``synchronous=FULL`` beside ``NORMAL``, alternately, same run.

    uv run python bench/durability.py bench/telegram_webhook.py [--rounds 3] [-- args]
    uv run python bench/durability.py bench/whatsapp_webhook.py -- --requests 5000
    uv run python bench/durability.py bench/e2e.py -- --messages 1000

The script runs with ``ONEBOX_DATABASE_SYNCHRONOUS=NORMAL`` and then ``FULL``, round after
round (NORMAL/FULL, FULL/NORMAL, ... so neither always runs on a warmer machine); the servers
it starts get the variable through ``loopback.bench_env``. Every number printed on a line is
collected; for each line the medians under NORMAL and FULL and their ratio (FULL / NORMAL)
are printed. The machine is shared and noisy: read the ratios, not the figures.

FULL fsyncs the WAL at every commit, so what was answered 200 survives a power cut; NORMAL
fsyncs only at checkpoints, so the last commits may roll back after one.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from paired import alternate, run_script, summarize

ROOT = Path(__file__).resolve().parent.parent
MODES = ("NORMAL", "FULL")


def run(script: str, args: list[str], mode: str) -> list[str]:
    """The script's output lines under ``synchronous=mode``."""
    return run_script(ROOT, script, args, {"ONEBOX_DATABASE_SYNCHRONOUS": mode}, mode)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("script", help="the bench script, relative to the repo root")
    parser.add_argument("--rounds", type=int, default=2, help="NORMAL/FULL pairs to run")
    argv = sys.argv[1:]
    cut = argv.index("--") if "--" in argv else len(argv)
    opts = parser.parse_args(argv[:cut])
    extra = argv[cut + 1 :]
    runs = alternate(MODES, opts.rounds, lambda mode: run(opts.script, extra, mode))
    summarize(runs, MODES, opts.script)


if __name__ == "__main__":
    main()
