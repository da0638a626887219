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
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NUMBER = re.compile(r"(?<![\w.])-?\d[\d,]*(?:\.\d+)?")
MODES = ("NORMAL", "FULL")


def run(script: str, args: list[str], mode: str) -> list[str]:
    """The script's output lines under ``synchronous=mode``."""
    env = {**os.environ, "ONEBOX_DATABASE_SYNCHRONOUS": mode}
    done = subprocess.run(
        [sys.executable, str(ROOT / script), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{script} failed under {mode}:\n{done.stderr[-2000:]}")
    return done.stdout.splitlines()


def numbers(line: str) -> list[float]:
    """The numbers on a line (thousands separators allowed)."""
    return [float(x.replace(",", "")) for x in NUMBER.findall(line)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("script", help="the bench script, relative to the repo root")
    parser.add_argument("--rounds", type=int, default=2, help="NORMAL/FULL pairs to run")
    argv = sys.argv[1:]
    cut = argv.index("--") if "--" in argv else len(argv)
    opts = parser.parse_args(argv[:cut])
    extra = argv[cut + 1 :]
    runs: dict[str, list[list[str]]] = {mode: [] for mode in MODES}
    for n in range(opts.rounds):
        order = MODES if n % 2 == 0 else MODES[::-1]
        for mode in order:
            print(f"round {n + 1} synchronous={mode}", flush=True)
            lines = run(opts.script, extra, mode)
            runs[mode].append(lines)
            for line in lines:
                print(f"  {mode:>6}| {line}", flush=True)
    print(f"\n{opts.script}: medians over {opts.rounds} rounds, NORMAL -> FULL (ratio FULL/NORMAL)")
    for index, line in enumerate(runs["FULL"][0]):
        normal = [numbers(r[index]) for r in runs["NORMAL"] if index < len(r)]
        full = [numbers(r[index]) for r in runs["FULL"] if index < len(r)]
        if not full[0] or not normal or len(normal[0]) != len(full[0]):
            continue
        label = NUMBER.sub("#", line).strip()[:60]
        cells = []
        for col in range(len(full[0])):
            a = statistics.median(r[col] for r in normal if col < len(r))
            b = statistics.median(r[col] for r in full if col < len(r))
            ratio = f"{b / a:.3f}" if a else "-"
            cells.append(f"{a:g} -> {b:g} ({ratio})")
        print(f"{label:<60}  " + "; ".join(cells))


if __name__ == "__main__":
    main()
