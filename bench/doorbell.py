"""The loaded end-to-end figures with the bus doorbell beside without it, alternately.

    uv run python bench/doorbell.py [--rounds 2] [-- bench/e2e.py's args, e.g. --messages 1000]

``bench/e2e.py`` (its load scenario: throughput with cache hits and with the instant fake
model, then the paced stream's p50/p99) runs with ``--no-doorbell`` and ``--doorbell`` round
after round, swapping which goes first. For every output line the medians of each side and
their ratio (doorbell / none) are printed. The doorbell must not cost the loaded path
anything: it only rings after a commit, and a busy consumer is polling anyway. The machine is
shared and noisy: read the ratios, not the figures.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from paired import alternate, run_script, summarize

ROOT = Path(__file__).resolve().parent.parent
SIDES = ("none", "doorbell")
FLAGS = {"none": "--no-doorbell", "doorbell": "--doorbell"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=2, help="pairs of runs")
    argv = sys.argv[1:]
    cut = argv.index("--") if "--" in argv else len(argv)
    opts = parser.parse_args(argv[:cut])
    extra = argv[cut + 1 :]
    script = "bench/e2e.py"
    runs = alternate(
        SIDES, opts.rounds, lambda side: run_script(ROOT, script, [*extra, FLAGS[side]], {}, side)
    )
    summarize(runs, SIDES, f"{script}, bus doorbell against none")


if __name__ == "__main__":
    main()
